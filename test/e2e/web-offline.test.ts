import { expect } from "chai";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import type { Sha256Hex } from "../../server/proof/digest";
import { OFFLINE_ANCHORED } from "../../server/proof/offline-verification";
import { checkpointAnchor, verifyReceiptOffline } from "../../server/proof/offline-verification";
import { parseReceiptV2, type ReceiptV2 } from "../../server/proof/receipt-v2";
import { TAMPERINGS } from "../server/proof/evidence-fixture";
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

describe("the page checks receipts itself, in Chromium", function () {
  this.timeout(120_000);
  const chain = new TestChain();
  let harness: ServiceHarness;
  let server: Server;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let consoleErrors: string[];
  let requested: string[];
  const content = randomBytes(4096);
  const sha256 = createHash("sha256").update(content).digest("hex") as Sha256Hex;
  let receipt: ReceiptV2;
  const files = path.join(ARTIFACTS, "offline");

  before(async function () {
    if (!existsSync(path.join(WEB_DIR, "app.js"))) throw new Error("The page is not built: run `npm run build:web`.");
    mkdirSync(files, { recursive: true });
    await chain.start();
    harness = await openTestService(chain, { webDir: WEB_DIR, publicRpcUrl: chain.rpcUrl, batchIntervalMs: 200 });
    harness.service.start();
    server = harness.service.app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    await harness.service.notary.submit(sha256);
    await harness.service.anchorer.runOnce();
    const answer = await fetch(`${base}/api/v1/documents/${sha256}/receipt?version=2`);
    expect(answer.status).to.equal(200);
    receipt = (await answer.json()) as ReceiptV2;
    writeFileSync(path.join(files, "document.bin"), content);
    writeFileSync(path.join(files, `${sha256}.receipt.json`), JSON.stringify(receipt, null, 2));
    writeFileSync(path.join(files, "checkpoint.json"), await (await fetch(`${base}/api/v1/checkpoint`)).text());
    browser = await chromium.launch({ executablePath: chromiumExecutable(), headless: true, args: ["--no-sandbox"] });
  });

  after(async function () {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await harness?.close();
    await chain.stop();
  });

  beforeEach(async function () {
    consoleErrors = [];
    requested = [];
    context = await browser.newContext({ viewport: { width: 1100, height: 1400 }, acceptDownloads: true });
    page = await context.newPage();
    page.on("request", (request) => requested.push(request.url()));
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => consoleErrors.push(error.message));
  });

  afterEach(async function () {
    await context.close();
    expect(consoleErrors, "errors in the browser console (a Content Security Policy refusal among them)").to.deep.equal(
      [],
    );
  });

  async function verifyInPage(mode: "checkpoint" | "rpc", receiptFile: string) {
    await page.goto(`${base}/#verify`);
    await page.locator("#verify-file").setInputFiles(path.join(files, "document.bin"));
    await page.locator("#verify-receipt").setInputFiles(receiptFile);
    await page.locator(`input[name="verify-mode"][value="${mode}"]`).check();
    if (mode === "checkpoint")
      await page.locator("#verify-checkpoint").setInputFiles(path.join(files, "checkpoint.json"));
    const apiCallsBefore = requested.filter((url) => url.includes("/api/v1/verify")).length;
    await page.getByRole("button", { name: "Verify" }).click();
    const verdict = page.locator('#verdict[data-checked-in="browser"]');
    await verdict.locator("h2").waitFor();
    expect(requested.filter((url) => url.includes("/api/v1/verify")).length, "the service was not asked").to.equal(
      apiCallsBefore,
    );
    return verdict;
  }

  it("verifies a genuine version 2 receipt offline with the checkpoint file, showing every check", async function () {
    const verdict = await verifyInPage("checkpoint", path.join(files, `${sha256}.receipt.json`));
    expect(await verdict.getAttribute("data-verdict")).to.equal("anchored");
    expect(await verdict.locator(".summary").textContent()).to.include(OFFLINE_ANCHORED);
    expect(await verdict.locator('li[data-passed="true"]').count()).to.equal(13);
    expect(await verdict.locator('li[data-passed="false"]').count()).to.equal(0);
    expect(
      requested.some((url) => url.startsWith(chain.rpcUrl)),
      "the chain was not asked",
    ).to.equal(false);
    await page.screenshot({ path: path.join(ARTIFACTS, "verify-offline-anchored.png"), fullPage: true });
  });

  it("fails a tampered receipt offline, naming the check", async function () {
    const tampering = TAMPERINGS.find((candidate) => candidate.what === "an altered header timestamp")!;
    const altered = path.join(files, "tampered.receipt.json");
    writeFileSync(altered, JSON.stringify(tampering.tamper(receipt, sha256).receipt));
    const verdict = await verifyInPage("checkpoint", altered);
    expect(await verdict.getAttribute("data-verdict")).to.equal("invalid-receipt");
    const failed = verdict.locator('li[data-passed="false"]');
    expect(await failed.evaluateAll((items) => items.map((item) => item.getAttribute("data-check")))).to.deep.equal([
      "header-hash",
      "header-fields",
    ]);
    expect(await verdict.locator(".summary").textContent()).to.match(/not valid: The header hashes to .* altered/);
    await page.screenshot({ path: path.join(ARTIFACTS, "verify-offline-tampered.png"), fullPage: true });
  });

  it("verifies against the chain's public RPC URL, read-only, revocation included", async function () {
    const verdict = await verifyInPage("rpc", path.join(files, `${sha256}.receipt.json`));
    expect(await verdict.getAttribute("data-verdict")).to.equal("anchored");
    expect(await verdict.locator('li[data-check="revocation"]').getAttribute("data-passed")).to.equal("true");
    expect(await verdict.locator('li[data-check="trust-anchor"]').textContent()).to.include(chain.rpcUrl);
    expect(
      requested.some((url) => url.startsWith(chain.rpcUrl)),
      "the chain was asked",
    ).to.equal(true);
  });

  it("offers the receipt for offline checks on each notarized document", async function () {
    await page.goto(`${base}/#notarize`);
    const other = randomBytes(2048);
    await page
      .locator("#notarize-files")
      .setInputFiles({ name: "annex.pdf", mimeType: "application/pdf", buffer: other });
    const card = page.locator(".result", { hasText: "annex.pdf" });
    await card.locator('.badge[data-status="anchored"]').waitFor({ timeout: 30_000 });
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      card.getByRole("link", { name: "Receipt for offline checks" }).click(),
    ]);
    const annexSha256 = createHash("sha256").update(other).digest("hex") as Sha256Hex;
    expect(download.suggestedFilename()).to.equal(`${annexSha256}.receipt.json`);
    const saved = path.join(files, "annex.pdf.receipt.json");
    await download.saveAs(saved);
    const downloaded = parseReceiptV2(readFileSync(saved, "utf8"));
    const { verdict } = await verifyReceiptOffline(
      annexSha256,
      downloaded,
      checkpointAnchor(harness.service.offlineReceipts.checkpoint()),
    );
    expect(verdict.valid, verdict.reason).to.equal(true);
  });
});
