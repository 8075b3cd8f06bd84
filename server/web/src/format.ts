/** How the page writes times, sizes, addresses and hashes. */
import { revocationReasonName } from "../../proof/revocation-reasons";
import type { ReceiptV1 } from "../../proof/receipt";
import { el } from "./dom";

const DATE_TIME = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});
const ZONE_SHORT = new Intl.DateTimeFormat("en-GB", { timeZoneName: "short" });
const ZONE_LONG = new Intl.DateTimeFormat("en-GB", { timeZoneName: "long" });
/** The reader's time zone, as the browser knows it (IANA name, such as Europe/Paris). */
const ZONE = DATE_TIME.resolvedOptions().timeZone;
/** What Intl writes for a zone it has no name for: "GMT+5:30", "UTC-5". */
const OFFSET_ONLY = /^(GMT|UTC)([+-−]|$)/;

/** "UTC+1", "UTC+5:30", "UTC-5": the offset from UTC of `date` in the reader's zone. */
function utcOffset(date: Date): string {
  const minutes = -date.getTimezoneOffset();
  if (minutes === 0) return "UTC";
  const sign = minutes > 0 ? "+" : "-";
  const hours = Math.floor(Math.abs(minutes) / 60);
  const rest = Math.abs(minutes) % 60;
  return `UTC${sign}${hours}${rest === 0 ? "" : `:${String(rest).padStart(2, "0")}`}`;
}

function zoneName(format: Intl.DateTimeFormat, date: Date): string | undefined {
  const name = format.formatToParts(date).find((part) => part.type === "timeZoneName")?.value;
  return name === undefined || OFFSET_ONLY.test(name) ? undefined : name;
}

/**
 * A moment in the reader's time zone, the zone named: "26 Nov 2026, 00:40:15 CET (UTC+1)". Month
 * names keep the date unambiguous to every reader. The zone is its abbreviation where English has
 * one, else its English name ("India Standard Time (UTC+5:30)"), else its IANA name.
 */
export function localTimeText(date: Date): string {
  const offset = utcOffset(date);
  if (offset === "UTC" && /^(UTC|Etc\/UTC|Etc\/GMT)$/.test(ZONE)) return `${DATE_TIME.format(date)} UTC`;
  const zone = zoneName(ZONE_SHORT, date) ?? zoneName(ZONE_LONG, date) ?? ZONE;
  return `${DATE_TIME.format(date)} ${zone} (${offset})`;
}

/** The same moment in UTC, ISO 8601 without milliseconds: 2026-11-25 23:40:15 UTC. */
export function utcTimeText(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

function timeElement(date: Date): HTMLElement {
  return el("time", { datetime: date.toISOString(), title: utcTimeText(date) }, localTimeText(date));
}

/** A chain timestamp (seconds) in the reader's zone, named, with UTC in the tooltip. */
export function chainTime(seconds: number | undefined): HTMLElement | undefined {
  return seconds === undefined ? undefined : timeElement(new Date(seconds * 1000));
}

/** An ISO 8601 time from the API, shown as chainTime shows chain times. */
export function isoTime(iso: string | undefined): HTMLElement | undefined {
  return iso === undefined ? undefined : timeElement(new Date(iso));
}

export function mono(value: string | number | undefined): HTMLElement | undefined {
  return value === undefined ? undefined : el("code", {}, String(value));
}

export function bytes(size: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${size} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

export function revocationReason(code: number | undefined): string | undefined {
  return code === undefined ? undefined : `${revocationReasonName(code)} (code ${code})`;
}

/**
 * A download of the receipt named after the file (`contract.pdf.receipt.json`, as the CLI writes
 * it), made from the receipt the service already sent rather than a second request.
 */
export function receiptLink(receipt: ReceiptV1, fileName: string): HTMLAnchorElement {
  const json = `${JSON.stringify(receipt, null, 2)}\n`;
  const href = URL.createObjectURL(new Blob([json], { type: "application/json" }));
  return el("a", { class: "button", href, download: fileName }, "Download receipt");
}

/**
 * Who anchored: the organisation the registry's directory names, with its address, or the address
 * alone. Names come from the chain and are set as text, never as markup.
 */
export function organisationText(anchoredBy: { address: string; name?: string } | undefined, address?: string) {
  const who = anchoredBy?.address ?? address;
  if (who === undefined) return undefined;
  return anchoredBy?.name === undefined ? who : `${anchoredBy.name} (${who})`;
}

/** A time in milliseconds (this browser's clock), shown as chainTime shows chain times. */
export function browserTime(ms: number | undefined): HTMLElement | undefined {
  return ms === undefined ? undefined : timeElement(new Date(ms));
}

/** "3f2a9c0d…71e4b8": the start and end of a long hex value, for lists where the whole would crowd. */
export function shortHex(value: string, keep = 8): string {
  const body = value.startsWith("0x") ? value.slice(2) : value;
  const prefix = value.startsWith("0x") ? "0x" : "";
  return body.length <= 2 * keep + 1 ? value : `${prefix}${body.slice(0, keep)}…${body.slice(-keep)}`;
}

/**
 * Copies `value`: through the Clipboard API where the page may use it (HTTPS or localhost), else
 * through a selected, hidden text area, as browsers allowed before it. Answers whether it was copied.
 */
async function copyText(value: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(value);
    return true;
  } catch {
    const area = el("textarea", { readonly: "", class: "visually-hidden", "aria-hidden": "true" });
    area.value = value;
    document.body.append(area);
    area.select();
    try {
      return document.execCommand("copy");
    } catch {
      return false;
    } finally {
      area.remove();
    }
  }
}

/** A button that copies `value`, saying so for a moment once it did; `what` names it for screen readers. */
export function copyButton(value: string, what: string): HTMLButtonElement {
  const button = el("button", { type: "button", class: "copy", "aria-label": `Copy the ${what}` }, "Copy");
  button.addEventListener("click", () => {
    void copyText(value).then((copied) => {
      button.textContent = copied ? "Copied" : "Not copied";
      button.setAttribute("aria-label", `${copied ? "Copied" : "Could not copy"} the ${what}`);
      setTimeout(() => {
        button.textContent = "Copy";
        button.setAttribute("aria-label", `Copy the ${what}`);
      }, 2_000);
    });
  });
  return button;
}

/** A long hex value in full (it wraps on a narrow screen), with a button that copies it. */
export function copyableCode(value: string | undefined, what: string): HTMLElement | undefined {
  if (value === undefined) return undefined;
  return el("span", { class: "copyable" }, el("code", {}, value), " ", copyButton(value, what));
}

/** A long hex value shortened (the whole in its tooltip), with a button that copies the whole. */
export function shortCode(value: string, what: string): HTMLElement {
  const code = el("code", { title: value, "data-value": value }, shortHex(value));
  return el("span", { class: "copyable" }, code, " ", copyButton(value, what));
}

/**
 * A download of the certificate as a PDF, made by the service in the reader's time zone, with the
 * file's name printed on it when it is known (`contract.pdf.certificate.pdf`, beside its receipt).
 */
export function certificatePdfLink(sha256: string, fileName?: string): HTMLAnchorElement {
  const query = new URLSearchParams({ tz: ZONE });
  if (fileName !== undefined) query.set("name", fileName);
  return el(
    "a",
    {
      class: "button",
      href: `/api/v1/documents/${sha256}/certificate.pdf?${query}`,
      download: `${fileName ?? sha256}.certificate.pdf`,
    },
    "Download certificate (PDF)",
  );
}
