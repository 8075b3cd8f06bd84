/** How the page writes times, sizes, addresses and hashes. */
import { revocationReasonName } from "../../proof/revocation-reasons";
import type { ReceiptV1 } from "../../proof/receipt";
import { el } from "./dom";

/** A chain timestamp (seconds) as local date and time, with the UTC form in the tooltip. */
export function chainTime(seconds: number | undefined): HTMLElement | undefined {
  if (seconds === undefined) return undefined;
  const date = new Date(seconds * 1000);
  return el("time", { datetime: date.toISOString(), title: date.toISOString() }, date.toLocaleString());
}

export function isoTime(iso: string | undefined): HTMLElement | undefined {
  if (iso === undefined) return undefined;
  return el("time", { datetime: iso, title: iso }, new Date(iso).toLocaleString());
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
