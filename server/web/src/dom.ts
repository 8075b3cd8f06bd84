/** Small DOM builders: text goes in as text, never as HTML. */

type Child = Node | string | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) if (child !== undefined && child !== false) element.append(child);
  return element;
}

/** A definition list of the facts that are known; unknown ones are left out. */
export function facts(entries: [string, Child][]): HTMLDListElement {
  const list = el("dl", { class: "facts" });
  for (const [term, value] of entries) {
    if (value === undefined || value === false || value === "") continue;
    list.append(el("dt", {}, term), el("dd", {}, value));
  }
  return list;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`The page has no #${id}.`);
  return element as T;
}

/** Makes `zone` take dropped files, highlighting it while files are dragged over it. */
export function onFilesDropped(zone: HTMLElement, take: (files: File[]) => void): void {
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    take(Array.from(event.dataTransfer?.files ?? []));
  });
}
