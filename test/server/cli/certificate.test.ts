import { expect } from "chai";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { Sha256Hex } from "../../../server/proof/digest";
import { serializeReceipt } from "../../../server/proof/receipt";
import { flattened, keepArtifact, pdfAttachment, pdfText, renderPage } from "../certificate/certificate-fixture";
import { openTestService, type ServiceHarness } from "../service-fixture";
import { deployedChain, docproof, scratchDir } from "./cli-fixture";

describe("docproof certificate, and verify --certificate", function () {
  this.timeout(180_000);
  const scratch = scratchDir();
  const file = (name: string) => path.join(scratch.dir, name);
  const sha256Of = (full: string) => createHash("sha256").update(readFileSync(full)).digest("hex") as Sha256Hex;
  let deployment: Awaited<ReturnType<typeof deployedChain>>;
  let harness: ServiceHarness;
  let server: Server;
  let api: string;

  /** A document anchored by the service, written in the scratch folder. */
  async function anchoredFile(name: string): Promise<string> {
    const full = file(name);
    writeFileSync(full, `the document ${name}, ${Date.now()}\n`);
    await harness.service.notary.submit(sha256Of(full));
    await harness.service.anchorer.runOnce();
    return full;
  }

  before(async function () {
    deployment = await deployedChain();
    harness = await openTestService(deployment.chain, { registryAddress: deployment.registry });
    server = harness.service.app.listen(0, "127.0.0.1");
    await once(server, "listening");
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async function () {
    server?.closeAllConnections();
    server?.close();
    await harness?.close();
    await deployment?.stop();
    scratch.remove();
  });

  describe("certificate --api", function () {
    it("writes <file>.certificate.pdf with the file's name, the zone asked for and the receipt attached", async function () {
      const doc = await anchoredFile("lease.pdf");
      const { code, stdout, stderr } = await docproof(["certificate", doc, "--api", api, "--tz", "America/New_York"]);
      expect(code, stderr).to.equal(0);
      const out = `${doc}.certificate.pdf`;
      expect(stdout).to.equal(`${doc}: certificate written to ${out} (anchored, times in America/New_York)\n`);
      const text = flattened(pdfText(out));
      expect(text).to.include("lease.pdf");
      expect(text).to.include(sha256Of(doc));
      expect(text).to.include("Anchored (America/New_York)");
      expect(pdfAttachment(out, 1).toString("utf8")).to.equal(
        serializeReceipt(harness.service.notary.receipt(sha256Of(doc))),
      );
      keepArtifact(renderPage(out, 60), "cli-certificate.png");
    });

    it("takes a digest, writes <sha256>.certificate.pdf in the working folder, and prints JSON", async function () {
      const sha256 = sha256Of(await anchoredFile("by-digest.pdf"));
      const { code, stdout } = await docproof(["certificate", sha256, "--api", api, "--tz", "UTC", "--json"], {
        cwd: scratch.dir,
      });
      expect(code).to.equal(0);
      expect(JSON.parse(stdout)).to.deep.equal({
        file: null,
        sha256,
        status: "anchored",
        certificateFile: `${sha256}.certificate.pdf`,
      });
      expect(flattened(pdfText(file(`${sha256}.certificate.pdf`)))).to.include(
        "identifies the document by its fingerprint",
      );
    });

    it("refuses to replace a certificate without --force, and replaces it with --force", async function () {
      const doc = await anchoredFile("twice.pdf");
      expect((await docproof(["certificate", doc, "--api", api, "--tz", "UTC"])).code).to.equal(0);
      const again = await docproof(["certificate", doc, "--api", api, "--tz", "UTC"]);
      expect(again.code).to.equal(2);
      expect(again.stderr).to.include("exists: pass --force");
      expect((await docproof(["certificate", doc, "--api", api, "--tz", "UTC", "--force"])).code).to.equal(0);
    });

    it("exits 1 for a revoked document, whose certificate says REVOKED", async function () {
      const doc = await anchoredFile("revoked.pdf");
      await harness.service.notary.revoke(sha256Of(doc), 5);
      const { code, stdout } = await docproof([
        "certificate",
        doc,
        "--api",
        api,
        "--tz",
        "UTC",
        "--out",
        file("r.pdf"),
      ]);
      expect(code).to.equal(1);
      expect(stdout).to.include("(REVOKED,");
      expect(flattened(pdfText(file("r.pdf")))).to.include("fraudulent (reason code 5)");
    });

    it("exits 1 and writes nothing for a document not anchored yet", async function () {
      const doc = file("pending.pdf");
      writeFileSync(doc, `pending ${Date.now()}`);
      await harness.service.notary.submit(sha256Of(doc));
      const { code, stderr } = await docproof(["certificate", doc, "--api", api]);
      expect(code).to.equal(1);
      expect(stderr).to.include("not anchored yet");
      expect(existsSync(`${doc}.certificate.pdf`)).to.equal(false);
      await harness.service.anchorer.runOnce();
    });

    it("exits 2 for an unknown time zone, before asking the service", async function () {
      const { code, stderr } = await docproof([
        "certificate",
        "ab".repeat(32),
        "--api",
        "http://127.0.0.1:9",
        "--tz",
        "Moon/Base",
      ]);
      expect(code).to.equal(2);
      expect(stderr).to.equal(
        'docproof: --tz must be an IANA time zone name such as Europe/Berlin or UTC; got "Moon/Base".\n',
      );
    });

    it("exits 2 for a document the service does not know, and for a chain's RPC given as --api", async function () {
      const unknown = await docproof(["certificate", "cd".repeat(32), "--api", api]);
      expect(unknown.code).to.equal(2);
      expect(unknown.stderr).to.include("404 (not-found)");
      const rpc = await docproof(["certificate", "cd".repeat(32), "--api", deployment.chain.rpcUrl]);
      expect(rpc.code).to.equal(2);
      expect(rpc.stderr).to.include("is not a Docproof service");
    });
  });

  describe("verify --certificate", function () {
    let doc: string;
    let certificate: string;

    before(async function () {
      doc = await anchoredFile("checked.pdf");
      certificate = file("checked.certificate.pdf");
      const made = await docproof(["certificate", doc, "--api", api, "--out", certificate, "--tz", "UTC"]);
      expect(made.code, made.stderr).to.equal(0);
    });

    for (const against of ["rpc", "api"] as const) {
      it(`checks the document with the receipt the certificate carries, against the ${against === "rpc" ? "chain" : "service"}`, async function () {
        const target = against === "rpc" ? deployment.chain.rpcUrl : api;
        const { code, stdout, stderr } = await docproof([
          "verify",
          doc,
          "--certificate",
          certificate,
          `--${against}`,
          target,
        ]);
        expect(code, stderr).to.equal(0);
        expect(stdout).to.include(`ANCHORED: ${doc}`);
        expect(stdout).to.include(`receipt attached to ${certificate}`);
      });
    }

    it("says unknown for a modified document, exit 1, and prints JSON naming the certificate", async function () {
      const modified = file("checked-modified.pdf");
      writeFileSync(modified, `${readFileSync(doc, "utf8")}!`);
      const { code, stdout } = await docproof([
        "verify",
        modified,
        "--certificate",
        certificate,
        "--rpc",
        deployment.chain.rpcUrl,
        "--json",
      ]);
      expect(code).to.equal(1);
      const verdict = JSON.parse(stdout);
      expect(verdict).to.include({ status: "unknown", valid: false, certificateFile: certificate, receiptFile: null });
    });

    it("exits 2 for a PDF that is not a certificate, and with both --receipt and --certificate", async function () {
      const notCertificate = file("plain.pdf");
      writeFileSync(notCertificate, "%PDF-1.4\n%%EOF\n");
      const plain = await docproof(["verify", doc, "--certificate", notCertificate, "--rpc", deployment.chain.rpcUrl]);
      expect(plain.code).to.equal(2);
      expect(plain.stderr).to.match(/^docproof: .*plain\.pdf: The certificate is not a PDF this tool can read\.\n$/);
      const both = await docproof(["verify", doc, "--certificate", certificate, "--receipt", "x.json", "--api", api]);
      expect(both.code).to.equal(2);
      expect(both.stderr).to.include("not both");
    });
  });
});
