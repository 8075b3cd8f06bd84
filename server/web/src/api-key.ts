/**
 * The service's API key as the page holds it: one field, kept for this tab only (sessionStorage),
 * shown in the views that send it (Notarize, History) when the service requires a key or refused
 * a request for the lack of one.
 */
import { byId } from "./dom";

const STORAGE = "docproof.apiKey";

export class ApiKeyField {
  private readonly row = byId("api-key-row");
  private readonly input = byId<HTMLInputElement>("api-key");
  private readonly note = byId("api-key-note");
  private required = false;
  private revealed = false;
  private readonly listeners: (() => void)[] = [];
  private current: string;

  constructor() {
    this.input.value = sessionStorage.getItem(STORAGE) ?? "";
    this.current = this.input.value.trim();
    this.input.addEventListener("change", () => {
      const key = this.input.value.trim();
      // Browsers fire "change" again on leaving the field: only a new key is news.
      if (key === this.current) return;
      this.current = key;
      sessionStorage.setItem(STORAGE, key);
      this.note.textContent = "";
      for (const listener of this.listeners) listener();
    });
  }

  /** The key entered, if any. */
  value(): string | undefined {
    return this.input.value.trim() || undefined;
  }

  /** True when the service requires a key (its /api/v1/info says so). */
  get requiredByService(): boolean {
    return this.required;
  }

  setRequired(required: boolean): void {
    this.required = required;
    this.row.hidden = !(this.required || this.revealed);
  }

  /** Told when the key changes. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Moves the field into the open view's slot, if it has one; shown there when it is needed. */
  placeIn(view: HTMLElement): void {
    const slot = view.querySelector("[data-key-slot]");
    if (slot === null) return;
    slot.append(this.row);
    this.row.hidden = !(this.required || this.revealed);
  }

  /** Shows the field with `why`, and puts the cursor in it: a request was refused without a key. */
  reveal(why = ""): void {
    this.revealed = true;
    this.row.hidden = false;
    this.note.textContent = why;
    this.input.focus();
  }
}
