import { expect } from "chai";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from "playwright-core";
import { EMPTY_CONTENT_SHA256 } from "../../server/api/empty-content";
import { serializeReceipt } from "../../server/proof/receipt";
import { flattened, pdfAttachment, pdfText } from "../server/certificate/certificate-fixture";
import { openTestService, TestChain, type ServiceHarness } from "../server/service-fixture";
import { ROOT } from "../support/processes";

const WEB_DIR = path.join(ROOT, "server", "web", "dist");
const ARTIFACTS = path.join(ROOT, "test-artifacts", "web");

/** Debian's chromium package; a downloaded browser is never used. */
function chromiumExecutable(): string {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"];
  const found = candidates.find((candidate): candidate is string => candidate !== undefined && existsSync(candidate));
  if (found === undefined) throw new Error("Chromium is missing: install Debian's package (apt-get install chromium).");
  return found;
}

/**
 * The few DOM names used by the functions passed to page.evaluate, which run in the browser.
 * Declared here rather than through the "dom" library, which would retype Node's globals
 * (Headers, Blob) for every file of the project.
 */
interface BrowserElement {
  id: string;
  tagName: string;
  type?: string;
  textContent: string | null;
  outerHTML: string;
  labels?: ArrayLike<unknown> | null;
  dataset: Record<string, string | undefined>;
  getAttribute(name: string): string | null;
  closest(selector: string): BrowserElement | null;
  querySelector(selector: string): BrowserElement | null;
}
declare const document: {
  querySelectorAll(selector: string): ArrayLike<BrowserElement>;
  activeElement: BrowserElement | null;
};
declare class DataTransfer {
  items: { add(file: File): void };
}
declare function getComputedStyle(element: BrowserElement): { color: string; backgroundColor: string };

const sha256Hex = (data: Buffer) => createHash("sha256").update(data).digest("hex");

describe("the web page, in Chromium", function () {
  const chain = new TestChain();
  let harness: ServiceHarness;
  let server: Server;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let consoleErrors: string[];
  /** Chromium logs every 4xx response as a console error; a test that expects one names it here. */
  let expectedHttpErrors: number[];
  /** Every URL the page asked for: it must never reach beyond the service (no CDN). */
  let requested: string[];

  before(async function () {
    if (!existsSync(path.join(WEB_DIR, "app.js"))) throw new Error("The page is not built: run `npm run build:web`.");
    mkdirSync(ARTIFACTS, { recursive: true });
    await chain.start();
    harness = await openTestService(chain, {
      batchIntervalMs: 200,
      webDir: WEB_DIR,
      maxUploadBytes: 256 * 1024 * 1024,
    });
    harness.service.start();
    server = harness.service.app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: chromiumExecutable(), headless: true, args: ["--no-sandbox"] });
  });

  after(async function () {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await harness?.close();
    await chain.stop();
  });

  /** A fresh browser context and page (with `options`, such as a time zone), watched for errors and requests. */
  async function openPage(options: BrowserContextOptions = {}) {
    context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1100, height: 900 }, ...options });
    page = await context.newPage();
    page.on("request", (request) => requested.push(request.url()));
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => consoleErrors.push(error.message));
  }

  beforeEach(async function () {
    consoleErrors = [];
    expectedHttpErrors = [];
    requested = [];
    await openPage();
  });

  afterEach(async function () {
    await context.close();
    const unexpected = consoleErrors.filter(
      (text) =>
        !expectedHttpErrors.some((status) =>
          text.startsWith(`Failed to load resource: the server responded with a status of ${status}`),
        ),
    );
    expect(unexpected, "errors in the browser console").to.deep.equal([]);
    // The services under test listen on loopback; anything else would be a CDN or a tracker.
    const foreign = requested.filter((url) => !/^(blob|data):/.test(url) && !url.startsWith("http://127.0.0.1:"));
    expect(foreign, "requests beyond the service").to.deep.equal([]);
    expect(requested.length, "requests seen").to.be.greaterThan(0);
  });

  async function notarizeThroughPage(mode: "hash" | "upload", name: string, content: Buffer) {
    await page.goto(`${base}/#notarize`);
    await page.locator(`input[name="mode"][value="${mode}"]`).check();
    await page.locator("#notarize-files").setInputFiles({ name, mimeType: "application/pdf", buffer: content });
    const card = page.locator(".result", { hasText: name });
    await card.locator('.badge[data-status="anchored"]').waitFor({ timeout: 30_000 });
    return card;
  }

  async function verifyThroughPage(options: {
    file?: { name: string; buffer: Buffer };
    receipt?: string;
    digest?: string;
  }) {
    await page.goto(`${base}/#verify`);
    if (options.file) {
      await page.locator("#verify-file").setInputFiles({ ...options.file, mimeType: "application/octet-stream" });
    }
    if (options.receipt) await page.locator("#verify-receipt").setInputFiles(options.receipt);
    if (options.digest) await page.locator("#verify-digest").fill(options.digest);
    await page.getByRole("button", { name: "Verify" }).click();
    const verdict = page.locator("#verdict");
    await verdict.locator("h2").waitFor();
    return verdict;
  }

  describe("Notarize", function () {
    it("hashes in the browser, sends only the digest, follows the document to anchored and downloads its receipt", async function () {
      const content = randomBytes(3 * 1024 * 1024 + 17);
      const card = await notarizeThroughPage("hash", "contract.pdf", content);
      expect(await card.locator("dl.facts dt").allTextContents()).to.include.members([
        "Anchored",
        "Block",
        "Transaction",
      ]);
      expect(await card.textContent()).to.include(sha256Hex(content));
      expect(await card.textContent()).to.include(harness.service.registrar);

      const [download] = await Promise.all([
        page.waitForEvent("download"),
        card.getByRole("link", { name: "Download receipt" }).click(),
      ]);
      expect(download.suggestedFilename()).to.equal("contract.pdf.receipt.json");
      const saved = path.join(ARTIFACTS, "contract.pdf.receipt.json");
      await download.saveAs(saved);
      const receipt = JSON.parse(readFileSync(saved, "utf8"));
      expect(receipt.sha256).to.equal(sha256Hex(content));
      expect(receipt).to.deep.equal(harness.service.notary.receipt(receipt.sha256));
      await page.screenshot({ path: path.join(ARTIFACTS, "notarize-hash-mode.png"), fullPage: true });
    });

    it("uploads the file in upload mode, showing the same digest the service computed", async function () {
      const content = randomBytes(2 * 1024 * 1024);
      const card = await notarizeThroughPage("upload", "upload.bin", content);
      expect(await card.textContent()).to.include(sha256Hex(content));
      expect(harness.service.notary.document(sha256Hex(content) as never).status).to.equal("anchored");
      await page.screenshot({ path: path.join(ARTIFACTS, "notarize-upload-mode.png"), fullPage: true });
    });

    it("notarizes several files at once, each with its own card", async function () {
      await page.goto(`${base}/#notarize`);
      const files = ["a.txt", "b.txt", "c.txt"].map((name) => ({
        name,
        mimeType: "text/plain",
        buffer: Buffer.from(`${name} ${randomBytes(8).toString("hex")}`),
      }));
      await page.locator("#notarize-files").setInputFiles(files);
      for (const file of files) {
        const card = page.locator(".result", { hasText: file.name });
        await card.locator('.badge[data-status="anchored"]').waitFor({ timeout: 30_000 });
        expect(await card.textContent()).to.include(sha256Hex(file.buffer));
      }
    });

    for (const mode of ["hash", "upload"] as const) {
      it(`refuses an empty file in ${mode} mode, saying why, and sends nothing`, async function () {
        await page.goto(`${base}/#notarize`);
        await page.locator(`input[name="mode"][value="${mode}"]`).check();
        const before = harness.service.store.stats();
        const sent: string[] = [];
        page.on("request", (request) => {
          if (request.url().includes("/api/v1/documents")) sent.push(request.url());
        });
        await page
          .locator("#notarize-files")
          .setInputFiles({ name: "empty.pdf", mimeType: "application/pdf", buffer: Buffer.alloc(0) });
        const card = page.locator(".result", { hasText: "empty.pdf" });
        await card.locator('.badge[data-status="failed"]').waitFor();
        expect(await card.getByRole("alert").textContent()).to.include("The document is empty (0 bytes");
        expect(sent).to.deep.equal([]);
        expect(harness.service.store.stats()).to.deep.equal(before);
      });
    }

    it("streams a 96 MiB file through the hashing worker in slices", async function () {
      const large = path.join(ARTIFACTS, "large.bin");
      const content = randomBytes(96 * 1024 * 1024);
      writeFileSync(large, content);
      await page.goto(`${base}/#notarize`);
      await page.locator("#notarize-files").setInputFiles(large);
      const card = page.locator(".result", { hasText: "large.bin" });
      await card.locator('.badge[data-status="anchored"]').waitFor({ timeout: 60_000 });
      expect(await card.textContent()).to.include(sha256Hex(content));
    });
  });

  describe("Verify", function () {
    const original = randomBytes(64 * 1024);
    let receiptPath: string;

    before(async function () {
      const { document } = await harness.service.notary.submit(sha256Hex(original) as never);
      await harness.service.anchorer.runOnce();
      receiptPath = path.join(ARTIFACTS, "original.receipt.json");
      writeFileSync(receiptPath, JSON.stringify(harness.service.notary.receipt(document.sha256 as never)));
    });

    it("says anchored, with when, by whom, block and transaction, for the file and its receipt", async function () {
      const verdict = await verifyThroughPage({
        file: { name: "original.pdf", buffer: original },
        receipt: receiptPath,
      });
      expect(await verdict.getAttribute("data-verdict")).to.equal("anchored");
      const text = (await verdict.textContent())!;
      const receipt = JSON.parse(readFileSync(receiptPath, "utf8"));
      expect(text).to.include("Anchored: authentic");
      for (const fact of [receipt.registrar, receipt.txHash, String(receipt.blockNumber), receipt.sha256]) {
        expect(text).to.include(fact);
      }
      await verdict.screenshot({ path: path.join(ARTIFACTS, "verdict-anchored.png") });
    });

    it("takes the document and its receipt dropped together on the zone", async function () {
      await page.goto(`${base}/#verify`);
      const transfer = await page.evaluateHandle(
        ([documentBytes, receiptText]) => {
          const data = new DataTransfer();
          data.items.add(new File([new Uint8Array(documentBytes)], "original.pdf"));
          data.items.add(new File([receiptText], "original.pdf.receipt.json", { type: "application/json" }));
          return data;
        },
        [Array.from(original), readFileSync(receiptPath, "utf8")] as const,
      );
      await page.locator("#verify-drop").dispatchEvent("drop", { dataTransfer: transfer });
      expect(await page.locator("#verify-file-name").textContent()).to.include("receipt: original.pdf.receipt.json");
      await page.getByRole("button", { name: "Verify" }).click();
      await page.locator('#verdict[data-verdict="anchored"]').waitFor();
    });

    it("says unknown for a one-byte-modified file, even with the original's receipt", async function () {
      const modified = Buffer.from(original);
      modified[1000] ^= 0x01;
      const verdict = await verifyThroughPage({
        file: { name: "modified.pdf", buffer: modified },
        receipt: receiptPath,
      });
      expect(await verdict.getAttribute("data-verdict")).to.equal("unknown");
      expect(await verdict.textContent()).to.include("modified");
      await verdict.screenshot({ path: path.join(ARTIFACTS, "verdict-unknown.png") });
    });

    it("says revoked, with when and the reason, for a revoked document", async function () {
      const revokedContent = randomBytes(1024);
      const digest = sha256Hex(revokedContent);
      await harness.service.notary.submit(digest as never);
      await harness.service.anchorer.runOnce();
      await harness.service.notary.revoke(digest as never, 1);
      const verdict = await verifyThroughPage({ digest: `0x${digest.toUpperCase()}` });
      expect(await verdict.getAttribute("data-verdict")).to.equal("revoked");
      expect(await verdict.textContent()).to.include("superseded (code 1)");
      await verdict.screenshot({ path: path.join(ARTIFACTS, "verdict-revoked.png") });
    });

    it("says the receipt is invalid when it was tampered with", async function () {
      const receipt = JSON.parse(readFileSync(receiptPath, "utf8"));
      receipt.merkleRoot = `0x${"ab".repeat(32)}`;
      const tampered = path.join(ARTIFACTS, "tampered.receipt.json");
      writeFileSync(tampered, JSON.stringify(receipt));
      expectedHttpErrors = [422];
      const verdict = await verifyThroughPage({ file: { name: "original.pdf", buffer: original }, receipt: tampered });
      expect(await verdict.getAttribute("data-verdict")).to.equal("invalid-receipt");
      expect(await verdict.locator("h2").textContent()).to.include("Receipt invalid");
      await verdict.screenshot({ path: path.join(ARTIFACTS, "verdict-invalid-receipt.png") });
    });

    it("refuses an empty file, and shows the service's refusal of the empty digest", async function () {
      const byFile = await verifyThroughPage({ file: { name: "empty.pdf", buffer: Buffer.alloc(0) } });
      expect(await byFile.getAttribute("data-verdict")).to.equal("error");
      expect(await byFile.textContent()).to.include("The document is empty (0 bytes");

      expectedHttpErrors = [400];
      const byDigest = await verifyThroughPage({ digest: EMPTY_CONTENT_SHA256 });
      expect(await byDigest.getAttribute("data-verdict")).to.equal("error");
      expect(await byDigest.textContent())
        .to.include("Could not verify")
        .and.include("The document is empty");
      await byDigest.screenshot({ path: path.join(ARTIFACTS, "verdict-empty.png") });
    });

    it("explains a malformed digest without a request error", async function () {
      const verdict = await verifyThroughPage({ digest: "not-a-digest" });
      expect(await verdict.getAttribute("data-verdict")).to.equal("error");
      expect(await verdict.textContent()).to.include("hexadecimal");
    });

    it("opens from a #verify=<sha256> link and verifies at once", async function () {
      await page.goto(`${base}/#verify=${sha256Hex(original)}`);
      await page.locator('#verdict[data-verdict="anchored"]').waitFor();
    });
  });

  describe("Certificate", function () {
    it("prints the anchoring facts with a QR code linking to the verification", async function () {
      const content = randomBytes(4096);
      const digest = sha256Hex(content);
      await harness.service.notary.submit(digest as never);
      await harness.service.anchorer.runOnce();
      await page.goto(`${base}/#certificate=${digest}`);
      const sheet = page.locator(".certificate-sheet");
      await sheet.waitFor();
      const receipt = harness.service.notary.receipt(digest as never);
      const text = (await sheet.textContent())!;
      for (const fact of [digest, receipt.txHash, receipt.registrar, receipt.merkleRoot]) expect(text).to.include(fact);
      const qr = sheet.getByRole("img", { name: /QR code/ });
      expect(await qr.locator("path").getAttribute("d")).to.match(/^M\d+ \d+h1v1h-1z/);
      const link = `${base}/#verify=${digest}`;
      expect(await sheet.getByRole("link", { name: link }).count()).to.equal(1);
      await page.emulateMedia({ media: "print" });
      expect(await page.locator(".site-header").isVisible()).to.equal(false);
      await page.screenshot({ path: path.join(ARTIFACTS, "certificate.png"), fullPage: true });
      await page.emulateMedia({ media: "screen" });
      await page.goto(link);
      await page.locator('#verdict[data-verdict="anchored"]').waitFor();
    });
  });

  describe("Certificate as a PDF", function () {
    /** Clicks `link`, saves the download under test-artifacts/web/ and checks it is a PDF. */
    async function downloadPdf(link: ReturnType<Page["getByRole"]>, expectedName: string) {
      const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
      expect(download.suggestedFilename()).to.equal(expectedName);
      const saved = path.join(ARTIFACTS, expectedName);
      await download.saveAs(saved);
      const bytes = readFileSync(saved);
      expect(bytes.subarray(0, 5).toString("latin1")).to.equal("%PDF-");
      return saved;
    }

    it("downloads the certificate from the document's card, named after the file, in the reader's zone", async function () {
      await context.close();
      await openPage({ timezoneId: "Europe/Berlin" });
      const content = randomBytes(5000);
      const card = await notarizeThroughPage("hash", "lease 2026.pdf", content);
      const saved = await downloadPdf(
        card.getByRole("link", { name: "Download certificate (PDF)" }),
        "lease 2026.pdf.certificate.pdf",
      );
      const digest = sha256Hex(content);
      const text = flattened(pdfText(saved));
      expect(text).to.include("lease 2026.pdf");
      expect(text).to.include(digest);
      expect(text).to.include("Anchored (Europe/Berlin)");
      expect(pdfAttachment(saved, 1).toString("utf8")).to.equal(
        serializeReceipt(harness.service.notary.receipt(digest as never)),
      );
    });

    it("downloads it from the certificate view too", async function () {
      const digest = sha256Hex(randomBytes(700));
      await harness.service.notary.submit(digest as never);
      await harness.service.anchorer.runOnce();
      await page.goto(`${base}/#certificate=${digest}`);
      await page.locator(".certificate-sheet").waitFor();
      const saved = await downloadPdf(
        page.getByRole("link", { name: "Download certificate (PDF)" }),
        `${digest}.certificate.pdf`,
      );
      expect(flattened(pdfText(saved))).to.include(digest);
    });
  });

  describe("times", function () {
    /** What the page should write for `seconds` in `zone` before naming the zone, computed here with Node's ICU. */
    const inZone = (zone: string, seconds: number, options: Intl.DateTimeFormatOptions = {}) =>
      new Intl.DateTimeFormat("en-GB", {
        timeZone: zone,
        day: "numeric",
        month: "short",
        year: "numeric",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
        hourCycle: "h23",
        ...options,
      }).format(new Date(seconds * 1000));
    const utc = (seconds: number) => `${new Date(seconds * 1000).toISOString().slice(0, 19).replace("T", " ")} UTC`;

    it("names the reader's time zone and its offset, with UTC in the tooltip, on the certificate and the verdict", async function () {
      await context.close();
      await openPage({ timezoneId: "Asia/Kolkata" });
      const content = randomBytes(2048);
      const digest = sha256Hex(content);
      await harness.service.notary.submit(digest as never);
      await harness.service.anchorer.runOnce();
      const { timestamp } = harness.service.notary.receipt(digest as never);
      // India has one zone and no daylight saving time; English has no abbreviation for it in en-GB.
      const local = `${inZone("Asia/Kolkata", timestamp)} India Standard Time (UTC+5:30)`;

      await page.goto(`${base}/#certificate=${digest}`);
      // The certificate's "Anchored" time, on whichever page is open.
      const anchoredTime = () =>
        page.locator(".certificate-sheet dt", { hasText: /^Anchored$/ }).locator("xpath=following-sibling::dd[1]/time");
      const anchored = anchoredTime();
      await anchored.waitFor();
      expect(await anchored.textContent()).to.equal(local);
      expect(await anchored.getAttribute("title")).to.equal(utc(timestamp));
      expect(await anchored.getAttribute("datetime")).to.equal(new Date(timestamp * 1000).toISOString());

      const verdict = await verifyThroughPage({ digest });
      const sentence = (await verdict.locator("p").first().textContent())!;
      expect(sentence).to.include(`registered on ${local} by `);

      // A zone English abbreviates is named by its abbreviation, summer or winter.
      await context.close();
      await openPage({ timezoneId: "Europe/Paris" });
      const summer = inZone("Europe/Paris", timestamp, { timeZoneName: "shortOffset" }).endsWith("GMT+2");
      await page.goto(`${base}/#certificate=${digest}`);
      await anchoredTime().waitFor();
      expect(await anchoredTime().textContent()).to.equal(
        `${inZone("Europe/Paris", timestamp)} ${summer ? "CEST (UTC+2)" : "CET (UTC+1)"}`,
      );
    });
  });

  describe("when the service requires an API key", function () {
    const apiKey = "page-test-key-0123456789";
    let keyed: ServiceHarness;
    let keyedServer: Server;
    let keyedBase: string;

    before(async function () {
      keyed = await openTestService(chain, { batchIntervalMs: 200, webDir: WEB_DIR, apiKeys: [apiKey] });
      keyed.service.start();
      keyedServer = keyed.service.app.listen(0, "127.0.0.1");
      await new Promise((resolve) => keyedServer.once("listening", resolve));
      keyedBase = `http://127.0.0.1:${(keyedServer.address() as AddressInfo).port}`;
    });

    after(async function () {
      keyedServer?.closeAllConnections();
      await new Promise((resolve) => (keyedServer ? keyedServer.close(resolve) : resolve(undefined)));
      await keyed?.close();
    });

    it("asks for the key, explains a refusal without one, and notarizes with it", async function () {
      expectedHttpErrors = [401];
      await page.goto(`${keyedBase}/#notarize`);
      const keyField = page.getByLabel("API key");
      await keyField.waitFor();
      const content = randomBytes(512);
      await page
        .locator("#notarize-files")
        .setInputFiles({ name: "nokey.txt", mimeType: "text/plain", buffer: content });
      const refused = page.locator(".result", { hasText: "nokey.txt" });
      await refused.locator('.badge[data-status="failed"]').waitFor();
      expect(await refused.getByRole("alert").textContent()).to.include("API key");

      await keyField.fill(apiKey);
      await keyField.dispatchEvent("change");
      await page
        .locator("#notarize-files")
        .setInputFiles({ name: "withkey.txt", mimeType: "text/plain", buffer: content });
      const accepted = page.locator(".result", { hasText: "withkey.txt" });
      await accepted.locator('.badge[data-status="anchored"]').waitFor({ timeout: 30_000 });
      expect(await accepted.textContent()).to.include(sha256Hex(content));
      expect(keyed.logs.join("\n")).not.to.include(apiKey);
    });
  });

  describe("accessibility", function () {
    it("labels every control and reaches the file pickers and verify button by keyboard", async function () {
      await page.goto(`${base}/#verify`);
      const unlabelled = await page.evaluate(() =>
        Array.from(document.querySelectorAll("input, button"))
          .filter((input) => {
            if (input.type === "radio") return input.closest("label") === null;
            return (
              (input.labels?.length ?? 0) === 0 &&
              !input.getAttribute("aria-label") &&
              (input.tagName !== "BUTTON" || input.textContent!.trim() === "")
            );
          })
          .map((control) => control.id || control.outerHTML),
      );
      expect(unlabelled).to.deep.equal([]);
      const focused: string[] = [];
      for (let i = 0; i < 20; i++) {
        await page.keyboard.press("Tab");
        focused.push(await page.evaluate(() => document.activeElement?.id ?? ""));
      }
      expect(focused).to.include.members(["verify-file", "verify-receipt", "verify-digest", "verify-submit"]);
    });

    it("shows every verdict in colours with at least 4.5:1 contrast", async function () {
      const verdict = await verifyThroughPage({ digest: "11".repeat(32) });
      expect(await verdict.getAttribute("data-verdict")).to.equal("unknown");
      const ratios = await verdict.evaluate((element) => {
        const panel = element as unknown as BrowserElement;
        const channel = (value: number) => {
          const c = value / 255;
          return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        };
        const luminance = (css: string) => {
          const [r, g, b] = css.match(/\d+/g)!.map(Number);
          return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
        };
        const contrast = (text: BrowserElement) => {
          const fg = luminance(getComputedStyle(text).color);
          const bg = luminance(getComputedStyle(panel).backgroundColor);
          return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
        };
        const result: Record<string, number> = {};
        for (const kind of ["anchored", "revoked", "unknown", "invalid-receipt", "error"]) {
          panel.dataset.verdict = kind;
          result[kind] = Math.min(contrast(panel.querySelector("h2")!), contrast(panel.querySelector("p")!));
        }
        return result;
      });
      for (const [kind, ratio] of Object.entries(ratios)) expect(ratio, kind).to.be.at.least(4.5);
    });
  });
});
