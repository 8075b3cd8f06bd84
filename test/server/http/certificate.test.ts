import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { get, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import request from "supertest";
import { DocumentRegistry__factory } from "../../../typechain-types";
import { toBytes32, type Sha256Hex } from "../../../server/proof/digest";
import { serializeReceipt } from "../../../server/proof/receipt";
import { devAccount } from "../../support/dev-accounts";
import {
  PdfScratch,
  flattened,
  keepArtifact,
  pagePixels,
  pdfAttachment,
  pdfLinks,
  pdfText,
  renderPage,
} from "../certificate/certificate-fixture";
import { openTestService, TestChain, type ServiceHarness } from "../service-fixture";

const PROBLEM = "urn:docproof:problem:";
const randomSha = () => randomBytes(32).toString("hex") as Sha256Hex;

/** Fetches a certificate over a real socket (the loopback rule looks at the connection). */
async function certificate(base: string, sha256: string, query = "") {
  const response = await fetch(`${base}/api/v1/documents/${sha256}/certificate.pdf${query}`);
  return { response, bytes: Buffer.from(await response.arrayBuffer()) };
}

describe("GET /api/v1/documents/{sha256}/certificate.pdf", function () {
  this.timeout(120_000);
  const chain = new TestChain();
  const scratch = new PdfScratch();
  let harness: ServiceHarness;
  let server: Server;
  let base: string;

  before(async function () {
    await chain.start();
    harness = await openTestService(chain);
    server = harness.service.app.listen(0, "127.0.0.1");
    await once(server, "listening");
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async function () {
    server?.closeAllConnections();
    server?.close();
    await harness?.close();
    await chain.stop();
    scratch.remove();
  });

  async function anchored(): Promise<Sha256Hex> {
    const sha256 = randomSha();
    await harness.service.notary.submit(sha256);
    await harness.service.anchorer.runOnce();
    return sha256;
  }

  describe("when the document is anchored here", function () {
    let sha256: Sha256Hex;
    let file: string;
    let response: Response;

    before(async function () {
      sha256 = await anchored();
      const fetched = await certificate(base, sha256, `?tz=Asia/Kolkata&name=${encodeURIComponent("Lease Ü.pdf")}`);
      response = fetched.response;
      file = scratch.write("anchored.pdf", fetched.bytes);
    });

    it("answers a PDF download named after the document, never cached", function () {
      expect(response.status).to.equal(200);
      expect(response.headers.get("content-type")).to.equal("application/pdf");
      expect(response.headers.get("content-disposition")).to.equal(
        `attachment; filename="Lease ?.pdf.certificate.pdf"; filename*=UTF-8''Lease%20%C3%9C.pdf.certificate.pdf`,
      );
      expect(response.headers.get("cache-control")).to.equal("no-store");
    });

    it("states the name, fingerprint, registrar, block and both times, as pdftotext reads them", function () {
      const text = flattened(pdfText(file));
      const receipt = harness.service.notary.receipt(sha256);
      for (const fact of [
        "ANCHORED",
        "Lease Ü.pdf",
        sha256,
        receipt.txHash,
        receipt.registrar,
        String(receipt.blockNumber),
        "Anchored (Asia/Kolkata)",
        "(UTC+05:30)",
      ]) {
        expect(text, fact).to.include(fact);
      }
    });

    it("attaches the receipt the API serves, byte for byte, as pdfdetach saves it", function () {
      expect(pdfAttachment(file, 1).toString("utf8")).to.equal(
        serializeReceipt(harness.service.notary.receipt(sha256)),
      );
    });

    it("links its QR code to the page's verification on the loopback host it was asked on", function () {
      expect(pdfLinks(file)).to.deep.equal([`${base}/#verify=${sha256}`]);
    });

    it("renders with pdftoppm as a page with ink on it", function () {
      const png = renderPage(file, 72);
      keepArtifact(png, "served-anchored.png");
      const { data } = pagePixels(file, 36);
      let dark = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] < 128) dark++;
      expect(dark).to.be.greaterThan(1000);
    });
  });

  it("names the download after the digest when no name is given", async function () {
    const sha256 = await anchored();
    const { response } = await certificate(base, sha256);
    expect(response.headers.get("content-disposition")).to.equal(`attachment; filename=${sha256}.certificate.pdf`);
    const odd = await certificate(base, sha256, `?name=${encodeURIComponent("../a\u0000b.pdf")}`);
    expect(odd.response.headers.get("content-disposition")).to.equal("attachment; filename=.._a_b.pdf.certificate.pdf");
  });

  it("puts no link on the certificate when the Host header names another host", async function () {
    const sha256 = await anchored();
    // fetch() will not send another Host header: ask with node:http.
    const bytes = await new Promise<Buffer>((resolve, reject) => {
      const url = new URL(`${base}/api/v1/documents/${sha256}/certificate.pdf`);
      get(url, { headers: { host: "notary.attacker.example" } }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          response.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`${response.statusCode}`)),
        );
      }).on("error", reject);
    });
    const file = scratch.write("foreign-host.pdf", bytes);
    expect(pdfLinks(file)).to.deep.equal([]);
    expect(pdfText(file)).to.not.include("attacker");
  });

  it("links to PUBLIC_URL when it is configured, whatever host was asked", async function () {
    const configured = await openTestService(chain, {
      registryAddress: harness.registryAddress,
      publicUrl: "https://notary.example.org/docproof/",
    });
    try {
      const sha256 = randomSha();
      await configured.service.notary.submit(sha256);
      await configured.service.anchorer.runOnce();
      const response = await request(configured.service.app)
        .get(`/api/v1/documents/${sha256}/certificate.pdf`)
        .buffer(true)
        .parse((res, done) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => done(null, Buffer.concat(chunks)));
        })
        .expect(200);
      const file = scratch.write("public-url.pdf", response.body as Buffer);
      expect(pdfLinks(file)).to.deep.equal([`https://notary.example.org/docproof/#verify=${sha256}`]);
    } finally {
      await configured.close();
    }
  });

  it("says REVOKED with the reason for a revoked document", async function () {
    const sha256 = await anchored();
    await harness.service.notary.revoke(sha256, 1);
    const { response, bytes } = await certificate(base, sha256);
    expect(response.status).to.equal(200);
    const text = flattened(pdfText(scratch.write("revoked.pdf", bytes)));
    expect(text).to.include("REVOKED");
    expect(text).to.include("superseded (reason code 1)");
  });

  it("serves another member's document with the organisation the registry's directory names", async function () {
    const provider = chain.provider();
    const member = devAccount(1);
    const sha256 = randomSha();
    try {
      const admin = DocumentRegistry__factory.connect(harness.registryAddress, devAccount(0).connect(provider));
      await (await admin.grantRole(await admin.REGISTRAR_ROLE(), member.address)).wait();
      await (await admin.setOrganisation(member.address, "Bank B Notaries", "")).wait();
      const asMember = DocumentRegistry__factory.connect(harness.registryAddress, member.connect(provider));
      await (await asMember.anchor(toBytes32(sha256))).wait();
    } finally {
      provider.destroy();
    }
    await harness.service.indexer.runOnce();
    const { response, bytes } = await certificate(base, sha256);
    expect(response.status).to.equal(200);
    const text = flattened(pdfText(scratch.write("member.pdf", bytes)));
    expect(text).to.include("Bank B Notaries");
    expect(text).to.include(member.address);
  });

  describe("when the request cannot be answered with a certificate", function () {
    async function expectProblem(query: string, sha256: string, status: number, code: string) {
      const { response, bytes } = await certificate(base, sha256, query);
      expect(response.status, bytes.toString()).to.equal(status);
      expect(response.headers.get("content-type")).to.match(/^application\/problem\+json/);
      expect(JSON.parse(bytes.toString()).type).to.equal(`${PROBLEM}${code}`);
    }

    it("refuses a time zone that is not an IANA name with 400 invalid-time-zone", async function () {
      const sha256 = await anchored();
      await expectProblem("?tz=Mars/Olympus_Mons", sha256, 400, "invalid-time-zone");
      await expectProblem("?tz=..%2F..%2Fetc%2Fpasswd", sha256, 400, "invalid-time-zone");
    });

    it("refuses a name over 255 characters, and a name given twice, with 400 invalid-request", async function () {
      const sha256 = await anchored();
      await expectProblem(`?name=${"ü".repeat(256)}`, sha256, 400, "invalid-request");
      await expectProblem("?name=a&name=b", sha256, 400, "invalid-request");
    });

    it("answers 409 not-anchored for a pending document and 404 not-found for an unknown one", async function () {
      const pending = randomSha();
      await harness.service.notary.submit(pending);
      await expectProblem("", pending, 409, "not-anchored");
      await expectProblem("", randomSha(), 404, "not-found");
      await harness.service.anchorer.runOnce();
    });
  });

  it("prints a name with control and bidirectional characters as text, each marked", async function () {
    const sha256 = await anchored();
    const name = "invoice\u202Efdp.exe\u0007";
    const { bytes } = await certificate(base, sha256, `?name=${encodeURIComponent(name)}`);
    const text = flattened(pdfText(scratch.write("hostile-name.pdf", bytes)));
    expect(text).to.include("invoice\uFFFDfdp.exe\uFFFD");
    expect(text).to.include("U+202E");
  });
});
