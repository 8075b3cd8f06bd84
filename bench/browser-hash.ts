/**
 * Hashing in the browser: the page's own in-browser hashing (a Web Worker streaming the file through
 * hash-wasm's SHA-256 in 8 MiB slices) of a large file in headless Chromium, timed inside the page
 * from the file being chosen (the input's change event) to the digest (the card leaving "hashing"),
 * against `openssl dgst -sha256` on the same file in the same run. The digests must agree.
 */
import { execFile } from "node:child_process";
import { closeSync, openSync, readSync } from "node:fs";
import { promisify } from "node:util";
import { createSHA256 } from "hash-wasm";
import { chromium } from "playwright-core";
import { MB } from "./lib/stats";

export interface BrowserHashResult {
  bytes: number;
  rounds: number;
  chromium: string;
  /** Best of the rounds, file chosen → digest. */
  browserMs: number;
  opensslMs: number;
  browserMBps: number;
  opensslMBps: number;
  /** Browser speed over openssl's. */
  ratio: number;
  /**
   * The same WebAssembly SHA-256 (hash-wasm) in Node, over the same file in the same 8 MiB slices:
   * the hashing's own speed, without the browser's file reading.
   */
  wasmInNodeMBps: number;
}

/** hash-wasm's SHA-256 over `file` read in 8 MiB slices, in this process; answers ms and the digest. */
async function wasmInNode(file: string): Promise<{ sha256: string; ms: number }> {
  const hasher = await createSHA256();
  const slice = Buffer.allocUnsafe(8 * 1024 * 1024);
  const fd = openSync(file, "r");
  try {
    const started = performance.now();
    hasher.init();
    for (let read; (read = readSync(fd, slice, 0, slice.length, null)) > 0;) hasher.update(slice.subarray(0, read));
    const sha256 = hasher.digest("hex");
    return { sha256, ms: performance.now() - started };
  } finally {
    closeSync(fd);
  }
}

/** Debian's Chromium, or CHROMIUM_PATH (as the page's tests use). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Records, inside the page, when the file input changes and when each card's status changes. */
const TIMING_HOOK = `
window.__docproofTimes = { chosen: undefined, statuses: [] };
document.addEventListener("change", (event) => {
  if (event.target && event.target.id === "notarize-files") window.__docproofTimes.chosen = performance.now();
}, true);
document.addEventListener("DOMContentLoaded", () => {
  new MutationObserver((records) => {
    for (const record of records) {
      const status = record.target.dataset && record.target.dataset.status;
      if (record.target.classList && record.target.classList.contains("result")) {
        window.__docproofTimes.statuses.push([status, performance.now()]);
      }
    }
  }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ["data-status"] });
});
`;

interface PageTimes {
  chosen?: number;
  statuses: [string, number][];
}

async function opensslSha256(file: string): Promise<{ sha256: string; ms: number }> {
  const started = performance.now();
  const { stdout } = await promisify(execFile)("openssl", ["dgst", "-sha256", "-r", file]);
  return { sha256: stdout.trim().split(" ")[0].toLowerCase(), ms: performance.now() - started };
}

export async function benchBrowserHash(
  pageUrl: string,
  file: string,
  bytes: number,
  rounds: number,
): Promise<BrowserHashResult> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
  try {
    let browserMs = Infinity;
    let opensslMs = Infinity;
    let wasmMs = Infinity;
    for (let round = 0; round < rounds; round++) {
      const reference = await opensslSha256(file);
      opensslMs = Math.min(opensslMs, reference.ms);
      const wasm = await wasmInNode(file);
      if (wasm.sha256 !== reference.sha256)
        throw new Error(`hash-wasm gave ${wasm.sha256}, openssl ${reference.sha256}`);
      wasmMs = Math.min(wasmMs, wasm.ms);
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.addInitScript(TIMING_HOOK);
        await page.goto(`${pageUrl}/#notarize`);
        await page.locator('input[name="mode"][value="hash"]').check();
        // A local browser is handed the path: the file is read by Chromium itself, as a user's would be.
        await page.locator("#notarize-files").setInputFiles(file);
        const card = page.locator(".result").first();
        await card.locator('.badge[data-status="pending"], .badge[data-status="anchored"]').waitFor({
          timeout: 30 * 60_000,
        });
        const text = (await card.textContent()) ?? "";
        if (!text.includes(reference.sha256)) {
          throw new Error(`the page shows no digest ${reference.sha256} (openssl's): ${text.slice(0, 500)}`);
        }
        const times = (await page.evaluate("window.__docproofTimes")) as PageTimes;
        const hashed = times.statuses.find(([status]) => status !== "hashing");
        if (times.chosen === undefined || hashed === undefined) {
          throw new Error(`the page's timings are incomplete: ${JSON.stringify(times)}`);
        }
        browserMs = Math.min(browserMs, hashed[1] - times.chosen);
      } finally {
        await context.close();
      }
    }
    const browserMBps = bytes / MB / (browserMs / 1000);
    const opensslMBps = bytes / MB / (opensslMs / 1000);
    return {
      bytes,
      rounds,
      chromium: browser.version(),
      browserMs,
      opensslMs,
      browserMBps,
      opensslMBps,
      ratio: browserMBps / opensslMBps,
      wasmInNodeMBps: bytes / MB / (wasmMs / 1000),
    };
  } finally {
    await browser.close();
  }
}
