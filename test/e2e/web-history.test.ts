import { expect } from "chai";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from "playwright-core";
import { DocumentRegistry__factory } from "../../typechain-types";
import { openTestService, TestChain, type ServiceHarness, type TestServiceOptions } from "../server/service-fixture";
import { devAccount } from "../support/dev-accounts";
import { ROOT } from "../support/processes";

const WEB_DIR = path.join(ROOT, "server", "web", "dist");
const ARTIFACTS = path.join(ROOT, "test-artifacts", "web");
const PHONE = { width: 360, height: 740 };

/** Debian's chromium package; a downloaded browser is never used. */
function chromiumExecutable(): string {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"];
  const found = candidates.find((candidate): candidate is string => candidate !== undefined && existsSync(candidate));
  if (found === undefined) throw new Error("Chromium is missing: install Debian's package (apt-get install chromium).");
  return found;
}

/** The few DOM names the functions passed to page.evaluate use (they run in the browser). */
interface BrowserElement {
  id: string;
  tagName: string;
  type?: string;
  textContent: string | null;
  outerHTML: string;
  labels?: ArrayLike<unknown> | null;
  getAttribute(name: string): string | null;
  closest(selector: string): BrowserElement | null;
  className: string;
  scrollWidth: number;
  clientWidth: number;
  getBoundingClientRect(): { left: number; right: number; width: number };
}
declare const document: {
  scrollingElement: { scrollWidth: number } | null;
  querySelectorAll(selector: string): ArrayLike<BrowserElement>;
};
declare const window: { innerWidth: number };
declare const location: { hash: string };
declare const navigator: { clipboard: { readText(): Promise<string> } };
declare function getComputedStyle(element: BrowserElement): { overflowX: string; display: string; visibility: string };

const sha256Hex = (data: Buffer) => createHash("sha256").update(data).digest("hex");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check` holds, asking again every 100 ms; fails naming `what` after `timeoutMs`. */
async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}.`);
    await sleep(100);
  }
}
const file = (name: string, content = randomBytes(2048)) => ({ name, mimeType: "application/pdf", buffer: content });

describe("the web page's history, revocation and small screens, in Chromium", function () {
  this.timeout(120_000);
  const chain = new TestChain();
  const apiKey = "history-test-key-0123456789";
  /** A service that needs no key and anchors every 200 ms. */
  let open: Served;
  /** A service that requires `apiKey` and anchors only when a test says so. */
  let keyed: Served;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let consoleErrors: string[];
  let expectedHttpErrors: number[];
  /** Every request the page made, with its body: no file name may ever be in one. */
  let requests: { url: string; body: string }[];

  interface Served {
    harness: ServiceHarness;
    server: Server;
    base: string;
  }

  async function serve(options: TestServiceOptions): Promise<Served> {
    const harness = await openTestService(chain, { webDir: WEB_DIR, ...options });
    harness.service.start();
    const server = harness.service.app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    return { harness, server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  }

  async function stop(served: Served | undefined) {
    if (served === undefined) return;
    served.server.closeAllConnections();
    await new Promise((resolve) => served.server.close(resolve));
    await served.harness.close();
  }

  before(async function () {
    if (!existsSync(path.join(WEB_DIR, "app.js"))) throw new Error("The page is not built: run `npm run build:web`.");
    mkdirSync(ARTIFACTS, { recursive: true });
    await chain.start();
    open = await serve({ batchIntervalMs: 200 });
    // Its tests anchor with anchorer.runOnce() alone: a timer's batch, however late, would anchor a
    // document a test needs pending (on a loaded machine the suite outlasts the 60 s default).
    keyed = await serve({ apiKeys: [apiKey], batchIntervalMs: 3_600_000 });
    browser = await chromium.launch({ executablePath: chromiumExecutable(), headless: true, args: ["--no-sandbox"] });
  });

  after(async function () {
    await browser?.close();
    await stop(open);
    await stop(keyed);
    await chain.stop();
  });

  async function openPage(options: BrowserContextOptions = {}) {
    context = await browser.newContext({ viewport: { width: 1100, height: 900 }, ...options });
    page = await context.newPage();
    page.on("request", (request) => requests.push({ url: request.url(), body: request.postData() ?? "" }));
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => consoleErrors.push(error.message));
  }

  beforeEach(async function () {
    consoleErrors = [];
    expectedHttpErrors = [];
    requests = [];
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
    const foreign = requests.filter(({ url }) => !/^(blob|data):/.test(url) && !url.startsWith("http://127.0.0.1:"));
    expect(foreign, "requests beyond the service").to.deep.equal([]);
  });

  async function enterKey() {
    const field = page.getByLabel("API key");
    await field.fill(apiKey);
    await field.dispatchEvent("change");
  }

  /** Notarizes `files` on the Notarize view of `base` (hashed in the browser); answers their cards. */
  async function notarize(base: string, files: ReturnType<typeof file>[], status = "anchored") {
    if (!page.url().startsWith(base)) await page.goto(`${base}/#notarize`);
    else await page.evaluate(() => (location.hash = "#notarize"));
    await page.locator("#notarize-files").setInputFiles(files);
    const cards = files.map((f) => page.locator("#notarize-results .result", { hasText: f.name }));
    for (const card of cards) await card.locator(`.badge[data-status="${status}"]`).waitFor({ timeout: 30_000 });
    return cards;
  }

  const historyCard = (name: string) => page.locator("#history-results .history-entry", { hasText: name });

  async function openHistory(base: string) {
    await page.goto(`${base}/#history`);
    await page.locator("#history-summary").filter({ hasText: /\S/ }).waitFor();
  }

  /**
   * Nothing on the page reaches past the right edge at the current width, and nothing scrolls
   * sideways inside it: the document's scroll width, every visible element's box, and every
   * element that would scroll or clip horizontally.
   */
  async function expectFitsWidth(what: string) {
    const layout = await page.evaluate((width) => {
      const describe = (element: BrowserElement) =>
        `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ""}${
          element.className ? `.${String(element.className).split(" ").join(".")}` : ""
        }`;
      const past: string[] = [];
      const scrolling: string[] = [];
      for (const element of Array.from(document.querySelectorAll("body *"))) {
        const style = getComputedStyle(element);
        if (style.display === "none" || style.visibility === "hidden") continue;
        const box = element.getBoundingClientRect();
        if (box.width > 0 && box.right > width + 0.5) past.push(`${describe(element)} ends at ${box.right}`);
        // Visually hidden text (for screen readers) is clipped to one pixel on purpose.
        if (element.clientWidth <= 1) continue;
        // Content wider than its box: clipped or scrolled if overflow says so, else spilling out (long words).
        if (element.scrollWidth > element.clientWidth + 1) {
          const spill = `${describe(element)} (${element.scrollWidth} > ${element.clientWidth})`;
          if (/auto|scroll|hidden|clip/.test(style.overflowX)) scrolling.push(spill);
          else past.push(spill);
        }
      }
      return { scrollWidth: document.scrollingElement!.scrollWidth, viewport: window.innerWidth, past, scrolling };
    }, PHONE.width);
    expect(layout.past, `${what}: elements past the right edge`).to.deep.equal([]);
    expect(layout.scrolling, `${what}: elements that scroll sideways`).to.deep.equal([]);
    expect(layout.scrollWidth, `${what}: document width`).to.be.at.most(PHONE.width);
    // A phone's browser widens its layout viewport (zooming out) to show content wider than the screen.
    expect(layout.viewport, `${what}: layout viewport`).to.equal(PHONE.width);
  }

  describe("History", function () {
    it("keeps what this browser notarized and verified across a reload, names never sent", async function () {
      const [report, annex] = [file("quarterly-report.pdf"), file("annex-b.pdf")];
      await notarize(open.base, [report, annex]);
      const stranger = file("never-notarized.pdf");
      await page.goto(`${open.base}/#verify`);
      await page.locator("#verify-file").setInputFiles(stranger);
      await page.getByRole("button", { name: "Verify" }).click();
      await page.locator('#verdict[data-verdict="unknown"]').waitFor();

      await page.reload();
      await openHistory(open.base);
      const entries = page.locator("#history-results .history-entry");
      await eventually("the history lists three documents", async () => (await entries.count()) === 3);
      const names = await page.locator("#history-results .result-name").allTextContents();
      expect(names).to.deep.equal(["never-notarized.pdf", "annex-b.pdf", "quarterly-report.pdf"]);
      for (const [name, content] of [
        ["quarterly-report.pdf", report.buffer],
        ["annex-b.pdf", annex.buffer],
      ] as const) {
        const card = historyCard(name);
        expect(await card.getAttribute("data-status")).to.equal("anchored");
        const text = (await card.textContent())!;
        expect(text).to.include(sha256Hex(content)).and.include("Notarized here").and.include("Anchored by");
      }
      expect(await historyCard("never-notarized.pdf").getAttribute("data-status")).to.equal("unknown");
      expect(await historyCard("never-notarized.pdf").textContent()).to.include("Verified here");

      const sent = requests.filter(({ url }) => url.startsWith(open.base));
      for (const name of ["quarterly-report", "annex-b", "never-notarized"]) {
        expect(
          sent.filter(({ url, body }) => url.includes(name) || body.includes(name)),
          `requests naming ${name}`,
        ).to.deep.equal([]);
      }
      await page.screenshot({ path: path.join(ARTIFACTS, "history.png"), fullPage: true });
    });

    it("sends an upload under a neutral name, never the file's", async function () {
      await page.goto(`${open.base}/#notarize`);
      await page.locator('input[name="mode"][value="upload"]').check();
      const upload = file("salary-review-2026.pdf");
      await notarize(open.base, [upload]);
      const bodies = requests.filter(({ url }) => url.endsWith("/api/v1/documents")).map(({ body }) => body);
      expect(bodies.join("")).to.not.include("salary-review");
      await openHistory(open.base);
      expect(await historyCard("salary-review-2026.pdf").getAttribute("data-status")).to.equal("anchored");
    });

    it("follows a pending document until it is anchored, without a reload", async function () {
      await page.goto(`${keyed.base}/#notarize`);
      await enterKey();
      const waiting = file("waiting-for-the-chain.pdf");
      await notarize(keyed.base, [waiting], "pending");
      // Reloaded, the notarize card no longer follows it: only the History view does.
      await page.reload();
      await openHistory(keyed.base);
      const card = historyCard("waiting-for-the-chain.pdf");
      await card.locator('.badge[data-status="pending"]').waitFor();
      await keyed.harness.service.anchorer.runOnce();
      await card.locator('.badge[data-status="anchored"]').waitFor({ timeout: 15_000 });
      expect(await card.textContent()).to.include("Anchored by");
    });

    it("finds documents by part of a file name, or by digest in any case, with or without 0x", async function () {
      const files = [file("invoice-0042.pdf"), file("contract-acme.pdf"), file("contract-globex.pdf")];
      await notarize(open.base, files);
      await openHistory(open.base);
      const search = page.getByLabel("Search by file name or SHA-256");
      const shown = () => page.locator("#history-results .result-name").allTextContents();

      await search.fill("contract");
      expect((await shown()).sort()).to.deep.equal(["contract-acme.pdf", "contract-globex.pdf"]);
      expect(await page.locator("#history-summary").textContent()).to.equal("2 of 3 documents match.");
      await search.fill("INVOICE");
      expect(await shown()).to.deep.equal(["invoice-0042.pdf"]);
      const digest = sha256Hex(files[1].buffer);
      await search.fill(digest.slice(0, 12));
      expect(await shown()).to.deep.equal(["contract-acme.pdf"]);
      await search.fill(`0x${digest.toUpperCase()}`);
      expect(await shown()).to.deep.equal(["contract-acme.pdf"]);
      await search.fill("nothing-like-this");
      expect(await shown()).to.deep.equal([]);
      expect(await page.locator("#history-summary").textContent()).to.include("No document matches");
      await search.fill("");
      expect(await shown()).to.have.length(3);
    });
  });

  describe("Revocation from the page", function () {
    it("revokes from the notarize card with the key, by reason name, after a confirmation", async function () {
      await page.goto(`${keyed.base}/#notarize`);
      await enterKey();
      const superseded = file("policy-v1.pdf");
      const digest = sha256Hex(superseded.buffer);
      const [card] = await notarize(keyed.base, [superseded], "pending");
      await keyed.harness.service.anchorer.runOnce();
      await card.locator('.badge[data-status="anchored"]').waitFor({ timeout: 15_000 });

      await card.getByRole("button", { name: "Revoke…" }).click();
      const reason = card.getByLabel("Why is it revoked?");
      expect(await reason.locator("option").allTextContents()).to.include.members([
        "superseded: A newer version of the document replaces this one.",
        "fraudulent: The document was found to be forged or obtained by deceit.",
      ]);
      // Nothing is sent without a reason.
      await card.getByRole("button", { name: "Continue…" }).click();
      expect(await card.getByRole("alert").textContent()).to.equal("Choose a reason first.");
      await reason.selectOption("superseded");
      await card.getByRole("button", { name: "Continue…" }).click();
      const question = card.locator(".revoke-question");
      expect(await question.textContent())
        .to.include("Revoke policy-v1.pdf for good?")
        .and.include("cannot be undone");
      expect(requests.filter(({ url }) => url.endsWith("/revoke"))).to.deep.equal([]);
      await card.getByRole("button", { name: "Revoke for good" }).click();
      await card.locator('.badge[data-status="revoked"]').waitFor({ timeout: 15_000 });
      expect(await card.textContent()).to.include("superseded (code 1)");

      const revocation = requests.find(({ url }) => url.endsWith(`/api/v1/documents/${digest}/revoke`));
      expect(JSON.parse(revocation!.body)).to.deep.equal({ reason: "superseded" });
      expect(keyed.harness.service.notary.document(digest as never).status).to.equal("revoked");

      // Everywhere else it now reads as revoked: the verdict, the history and the service's list.
      await page.goto(`${keyed.base}/#verify=${digest}`);
      await page.locator('#verdict[data-verdict="revoked"]').waitFor();
      expect(await page.locator("#verdict").textContent()).to.include("superseded (code 1)");
      await page.evaluate(() => (location.hash = "#history"));
      const entry = historyCard("policy-v1.pdf");
      await entry.locator('.badge[data-status="revoked"]').waitFor();
      expect(await entry.textContent()).to.include("superseded (code 1)");
      await page.locator("#service-documents summary").click();
      await page.locator("#service-status").selectOption("revoked");
      await page.getByRole("button", { name: "Show", exact: true }).click();
      // Opening the panel listed every document first: wait for the filtered list to replace it.
      await page.waitForFunction((sha256) => {
        const shown = Array.from(document.querySelectorAll("#service-results .listing-row"));
        return (
          shown.some((row) => row.getAttribute("data-sha256") === sha256) &&
          shown.every((row) => row.getAttribute("data-status") === "revoked")
        );
      }, digest);
      expect(await page.locator("#service-results .listing-row").count()).to.equal(1);
      expect(await page.locator("#service-results .listing-name").textContent()).to.equal("policy-v1.pdf");
      await page.screenshot({ path: path.join(ARTIFACTS, "history-revoked.png"), fullPage: true });
    });

    it("asks for the key before revoking from a history card, then revokes", async function () {
      const content = randomBytes(1024);
      const digest = sha256Hex(content);
      await keyed.harness.service.notary.submit(digest as never);
      await keyed.harness.service.anchorer.runOnce();
      await page.goto(`${keyed.base}/#verify`);
      await page.locator("#verify-file").setInputFiles(file("board-minutes.pdf", content));
      await page.getByRole("button", { name: "Verify" }).click();
      await page.locator('#verdict[data-verdict="anchored"]').waitFor();

      await page.evaluate(() => (location.hash = "#history"));
      const card = historyCard("board-minutes.pdf");
      await card.getByRole("button", { name: "Revoke…" }).click();
      const keyField = page.getByLabel("API key");
      await keyField.waitFor();
      expect(await page.locator("#api-key-note").textContent()).to.include("needs this service's API key");
      expect(await card.locator(".revoke-form").count()).to.equal(0);
      await enterKey();

      await card.getByRole("button", { name: "Revoke…" }).click();
      await card.getByLabel("Why is it revoked?").selectOption("issued-in-error");
      await card.getByRole("button", { name: "Continue…" }).click();
      await card.getByRole("button", { name: "Revoke for good" }).click();
      await card.locator('.badge[data-status="revoked"]').waitFor({ timeout: 15_000 });
      expect(await card.textContent()).to.include("issued-in-error (code 3)");
      expect(keyed.harness.service.notary.document(digest as never).revocation?.reason).to.equal(3);
    });

    it("offers no revocation of a document another member's registrar anchored", async function () {
      const content = randomBytes(1024);
      const digest = sha256Hex(content);
      const provider = chain.provider();
      try {
        // Nothing of the keyed service's is in flight: its registrar's key signs the grant.
        await keyed.harness.service.anchorer.runOnce();
        const registry = DocumentRegistry__factory.connect(
          keyed.harness.registryAddress,
          devAccount(0).connect(provider),
        );
        const member = devAccount(1).connect(provider);
        await (await registry.grantRole(await registry.REGISTRAR_ROLE(), member.address)).wait();
        await (await registry.connect(member).anchor(`0x${digest}`)).wait();
      } finally {
        provider.destroy();
      }
      await keyed.harness.service.indexer.runOnce();
      await page.goto(`${keyed.base}/#verify`);
      await page.locator("#verify-file").setInputFiles(file("member-document.pdf", content));
      await page.getByRole("button", { name: "Verify" }).click();
      await page.locator('#verdict[data-verdict="anchored"]').waitFor();
      await page.evaluate(() => (location.hash = "#history"));
      const card = historyCard("member-document.pdf");
      await card.locator('.badge[data-status="anchored"]').waitFor();
      expect(await card.textContent()).to.include(devAccount(1).address);
      expect(await card.getByRole("button", { name: "Revoke…" }).count()).to.equal(0);
    });
  });

  describe("the service's list, for operators", function () {
    it("needs the key when the service has keys, then pages through with Show more", async function () {
      const queued = Array.from({ length: 22 }, () => randomBytes(32).toString("hex"));
      for (const sha256 of queued) await keyed.harness.service.notary.submit(sha256 as never);
      await openHistory(keyed.base);
      await page.locator("#service-documents summary").click();
      await page.getByLabel("API key").waitFor();
      await page.locator("#service-message", { hasText: "API key" }).waitFor();
      expect(requests.filter(({ url }) => /\/api\/v1\/documents\?/.test(url))).to.deep.equal([]);

      await enterKey();
      const rows = page.locator("#service-results .listing-row");
      await rows.first().waitFor();
      expect(await rows.count()).to.equal(20);
      expect(await rows.first().getAttribute("data-status")).to.equal("pending");
      await page.getByRole("button", { name: "Show more" }).click();
      await eventually("more rows are shown", async () => (await rows.count()) > 20);
      const digests = await rows.evaluateAll((items) => items.map((item) => item.getAttribute("data-sha256")));
      expect(new Set(digests).size, "no entry twice").to.equal(digests.length);
      expect(digests).to.include.members(queued);

      // Anchored, they leave the queue: only documents still pending are listed as such.
      await keyed.harness.service.anchorer.runOnce();
      const [late] = [randomBytes(32).toString("hex")];
      await keyed.harness.service.notary.submit(late as never);
      await page.locator("#service-status").selectOption("pending");
      await page.getByRole("button", { name: "Show", exact: true }).click();
      await eventually("only the pending document is listed", async () => (await rows.count()) === 1);
      expect(await rows.first().getAttribute("data-sha256")).to.equal(late);
      expect(await page.getByRole("button", { name: "Show more" }).isVisible(), "Show more on the last page").to.equal(
        false,
      );
      await keyed.harness.service.anchorer.runOnce();
    });
  });

  describe("Verify", function () {
    it("says a receipt goes with the document, and refuses a receipt alone without sending anything", async function () {
      await page.goto(`${open.base}/#verify`);
      expect(await page.locator("#view-verify").textContent()).to.include(
        "a receipt goes with the document, not instead",
      );
      await page
        .locator("#verify-receipt")
        .setInputFiles({ name: "lonely.receipt.json", mimeType: "application/json", buffer: Buffer.from("{}") });
      expect(await page.locator("#verify-receipt-name").textContent()).to.equal("Receipt: lonely.receipt.json");
      await page.getByRole("button", { name: "Verify" }).click();
      const verdict = page.locator('#verdict[data-verdict="error"]');
      await verdict.waitFor();
      expect(await verdict.textContent()).to.include("not instead of it: choose the document, or paste its SHA-256");
      expect(requests.filter(({ url }) => url.includes("/api/v1/verify"))).to.deep.equal([]);
    });
  });

  describe("accessibility", function () {
    it("labels every control of the History view, its revocation form and the service's list", async function () {
      await notarize(open.base, [file("labelled.pdf")]);
      await openHistory(open.base);
      await historyCard("labelled.pdf").getByRole("button", { name: "Revoke…" }).click();
      await page.locator("#service-documents summary").click();
      await page.locator("#service-results .listing-row").first().waitFor();
      const unlabelled = await page.evaluate(() =>
        Array.from(document.querySelectorAll("#view-history input, #view-history select, #view-history button"))
          .filter(
            (control) =>
              (control.labels?.length ?? 0) === 0 &&
              !control.getAttribute("aria-label") &&
              (control.tagName !== "BUTTON" || control.textContent!.trim() === ""),
          )
          .map((control) => control.id || control.outerHTML),
      );
      expect(unlabelled).to.deep.equal([]);
    });
  });

  describe("on a 360 px screen", function () {
    it("fits every view without scrolling sideways, long values wrapped or shortened with a copy button", async function () {
      await context.close();
      await openPage({ viewport: PHONE, hasTouch: true, isMobile: true });
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: open.base });
      const longName = `${"scanned-contract-with-a-very-long-name-".repeat(3)}final.pdf`;
      const content = randomBytes(4096);
      const digest = sha256Hex(content);

      await page.goto(`${open.base}/#notarize`);
      await expectFitsWidth("Notarize, empty");
      const [card] = await notarize(open.base, [file(longName, content)]);
      await card.getByRole("button", { name: "Revoke…" }).click();
      await card.getByLabel("Why is it revoked?").waitFor();
      await expectFitsWidth("Notarize, with an anchored card and the revocation form");
      await page.screenshot({ path: path.join(ARTIFACTS, "phone-notarize.png"), fullPage: true });
      await card.getByRole("button", { name: "Cancel" }).click();
      await card.getByRole("button", { name: "Copy the SHA-256" }).click();
      expect(await page.evaluate(() => navigator.clipboard.readText())).to.equal(digest);

      await page.goto(`${open.base}/#verify`);
      await expectFitsWidth("Verify, empty");
      await page.locator("#verify-file").setInputFiles(file(longName, content));
      await page.getByRole("button", { name: "Verify" }).click();
      await page.locator('#verdict[data-verdict="anchored"]').waitFor();
      await expectFitsWidth("Verify, with a verdict");
      await page.screenshot({ path: path.join(ARTIFACTS, "phone-verify.png"), fullPage: true });

      await page.goto(`${open.base}/#history`);
      await historyCard(longName).waitFor();
      await page.locator("#service-documents summary").click();
      await page.locator("#service-results .listing-row").first().waitFor();
      await expectFitsWidth("History, with this browser's documents and the service's list");
      const row = page.locator(`#service-results .listing-row[data-sha256="${digest}"]`);
      expect(await row.locator("code").textContent()).to.equal(`${digest.slice(0, 8)}…${digest.slice(-8)}`);
      await row.getByRole("button", { name: "Copy the SHA-256" }).click();
      expect(await page.evaluate(() => navigator.clipboard.readText())).to.equal(digest);
      await page.screenshot({ path: path.join(ARTIFACTS, "phone-history.png"), fullPage: true });

      await page.goto(`${open.base}/#certificate=${digest}`);
      await page.locator(".certificate-sheet").waitFor();
      await expectFitsWidth("Certificate");
      await page.screenshot({ path: path.join(ARTIFACTS, "phone-certificate.png"), fullPage: true });
    });
  });
});
