import { expect } from "chai";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { DocumentRegistry__factory } from "../../../typechain-types";
import { toBytes32, type Sha256Hex } from "../../../server/proof/digest";
import { parseReceipt, type ReceiptV1 } from "../../../server/proof/receipt";
import { devAccount } from "../../support/dev-accounts";
import { openTestService, type ServiceHarness } from "../service-fixture";
import { deployedChain, deployer, docproof, scratchDir } from "./cli-fixture";

const API_KEY = "cli-revoke-api-key-0123456789";

describe("docproof revoke", function () {
  this.timeout(180_000);
  const scratch = scratchDir();
  const registrar = devAccount(1);
  const stranger = devAccount(2);
  const file = (name: string) => path.join(scratch.dir, name);
  const sha256Of = (full: string) => createHash("sha256").update(readFileSync(full)).digest("hex") as Sha256Hex;
  const receiptOf = (full: string): ReceiptV1 => parseReceipt(readFileSync(`${full}.receipt.json`, "utf8"));
  const write = (name: string) => {
    writeFileSync(file(name), `the document ${name}, ${Date.now()}\n`);
    return file(name);
  };
  let deployment: Awaited<ReturnType<typeof deployedChain>>;
  let rpc: string;

  /** The registry's own answer for the document under its receipt. */
  async function onChain(receipt: ReceiptV1) {
    const provider = deployment.chain.provider();
    try {
      const registry = DocumentRegistry__factory.connect(deployment.registry, provider);
      const [status, , revocation] = await registry.verify(
        toBytes32(receipt.sha256),
        receipt.merkleRoot,
        receipt.proof,
      );
      return { status: Number(status), reason: Number(revocation.reason), revokedBy: revocation.revokedBy };
    } finally {
      provider.destroy();
    }
  }

  async function nonceOf(address: string) {
    const provider = deployment.chain.provider();
    try {
      return await provider.getTransactionCount(address, "latest");
    } finally {
      provider.destroy();
    }
  }

  before(async function () {
    deployment = await deployedChain();
    rpc = deployment.chain.rpcUrl;
    const provider = deployment.chain.provider();
    try {
      const admin = DocumentRegistry__factory.connect(deployment.registry, deployer.connect(provider));
      const role = await admin.REGISTRAR_ROLE();
      await (await admin.grantRole(role, registrar.address)).wait();
      await (await admin.grantRole(role, stranger.address)).wait();
    } finally {
      provider.destroy();
    }
  });

  after(async function () {
    await deployment?.stop();
    scratch.remove();
  });

  describe("--api", function () {
    let harness: ServiceHarness;
    let server: Server;
    let api: string;
    const withKey = { env: { DOCPROOF_API_KEY: API_KEY } };

    before(async function () {
      harness = await openTestService(deployment.chain, { registryAddress: deployment.registry, apiKeys: [API_KEY] });
      server = harness.service.app.listen(0, "127.0.0.1");
      await once(server, "listening");
      api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    after(async function () {
      server?.closeAllConnections();
      server?.close();
      await harness?.close();
    });

    it("revokes through the service with a reason name, then says it was already revoked, exit 1", async function () {
      const doc = write("service.pdf");
      await harness.service.notary.submit(sha256Of(doc));
      await harness.service.anchorer.runOnce();
      const first = await docproof(["revoke", doc, "--reason", "superseded", "--api", api], withKey);
      expect(first.code, first.stderr).to.equal(0);
      expect(first.stdout).to.match(new RegExp(`^REVOKED: ${doc.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\n`));
      expect(first.stdout).to.include("reason       1 (superseded)");
      expect(first.stdout).to.include(`revoked by   ${harness.service.registrar}`);
      expect(harness.service.notary.document(sha256Of(doc)).status).to.equal("revoked");
      expect(await onChain(harness.service.notary.receipt(sha256Of(doc)))).to.include({ status: 2, reason: 1 });

      const again = await docproof(
        ["revoke", sha256Of(doc), "--reason", "fraudulent", "--api", api, "--json"],
        withKey,
      );
      expect(again.code).to.equal(1);
      expect(JSON.parse(again.stdout)).to.include({
        sha256: sha256Of(doc),
        status: "revoked",
        revokedNow: false,
        reason: 1,
        reasonName: "superseded",
      });
    });

    it("exits 2 without the API key, and for a document the service does not know", async function () {
      const noKey = await docproof(["revoke", "ab".repeat(32), "--reason", "1", "--api", api]);
      expect(noKey.code).to.equal(2);
      expect(noKey.stderr).to.include("401 (unauthorized)");
      const unknown = await docproof(["revoke", "ab".repeat(32), "--reason", "1", "--api", api], withKey);
      expect(unknown.code).to.equal(2);
      expect(unknown.stderr).to.include("404 (not-found)");
    });
  });

  describe("--rpc", function () {
    const asRegistrar = { env: { DOCPROOF_PRIVATE_KEY: registrar.privateKey } };

    it("revokes a single document found on chain with the anchoring registrar's key, no receipt needed", async function () {
      const doc = write("single.pdf");
      expect((await docproof(["notarize", doc, "--rpc", rpc], asRegistrar)).code).to.equal(0);
      const receipt = receiptOf(doc);
      const moved = file("single-copy.pdf");
      copyFileSync(doc, moved);
      const { code, stdout, stderr } = await docproof(
        ["revoke", moved, "--reason", "withdrawn", "--rpc", rpc],
        asRegistrar,
      );
      expect(code, stderr).to.equal(0);
      expect(stdout).to.include(`REVOKED: ${moved}`);
      expect(stdout).to.include(`merkle root  ${receipt.merkleRoot}`);
      expect(await onChain(receipt)).to.deep.equal({ status: 2, reason: 2, revokedBy: registrar.address });
    });

    it("revokes a batch member with its receipt as the registry's admin", async function () {
      const [a, b] = [write("batch-a.pdf"), write("batch-b.pdf")];
      expect((await docproof(["notarize", a, b, "--rpc", rpc], asRegistrar)).code).to.equal(0);
      const { code, stdout, stderr } = await docproof(["revoke", a, "--reason", "3", "--rpc", rpc, "--json"], {
        env: { DOCPROOF_PRIVATE_KEY: deployer.privateKey },
      });
      expect(code, stderr).to.equal(0);
      const outcome = JSON.parse(stdout);
      expect(outcome).to.include({
        revokedNow: true,
        reason: 3,
        reasonName: "issued-in-error",
        revokedBy: deployer.address,
      });
      expect(outcome.txHash).to.match(/^0x[0-9a-f]{64}$/);
      expect(await onChain(receiptOf(a))).to.include({ status: 2, reason: 3 });
      expect(await onChain(receiptOf(b))).to.include({ status: 1 });
    });

    it("finds <sha256>.receipt.json in the working folder when given the digest", async function () {
      const [a, b] = [write("digest-a.pdf"), write("digest-b.pdf")];
      expect((await docproof(["notarize", a, b, "--rpc", rpc], asRegistrar)).code).to.equal(0);
      const sha256 = sha256Of(b);
      copyFileSync(`${b}.receipt.json`, file(`${sha256}.receipt.json`));
      const { code, stderr } = await docproof(["revoke", sha256, "--reason", "expired", "--rpc", rpc], {
        ...asRegistrar,
        cwd: scratch.dir,
      });
      expect(code, stderr).to.equal(0);
      expect(await onChain(receiptOf(b))).to.include({ status: 2, reason: 6 });
    });

    it("refuses a key that neither anchored the document nor administers the registry, and sends nothing", async function () {
      const doc = write("not-yours.pdf");
      expect((await docproof(["notarize", doc, "--rpc", rpc], asRegistrar)).code).to.equal(0);
      const before = await nonceOf(stranger.address);
      const { code, stderr } = await docproof(["revoke", doc, "--reason", "1", "--rpc", rpc], {
        env: { DOCPROOF_PRIVATE_KEY: stranger.privateKey },
      });
      expect(code).to.equal(2);
      expect(stderr).to.equal(
        `docproof: The key's account ${stranger.address} may not revoke this document: only the registrar that ` +
          `anchored it, ${registrar.address} (while it holds the role), or the registry's admin can.\n`,
      );
      expect(await nonceOf(stranger.address)).to.equal(before);
      expect(await onChain(receiptOf(doc))).to.include({ status: 1 });
    });

    it("exits 1 for a document already revoked, sending nothing", async function () {
      const doc = write("revoked-twice.pdf");
      expect((await docproof(["notarize", doc, "--rpc", rpc], asRegistrar)).code).to.equal(0);
      expect((await docproof(["revoke", doc, "--reason", "1", "--rpc", rpc], asRegistrar)).code).to.equal(0);
      const before = await nonceOf(registrar.address);
      const again = await docproof(["revoke", doc, "--reason", "2", "--rpc", rpc], asRegistrar);
      expect(again.code).to.equal(1);
      expect(again.stdout).to.include("ALREADY REVOKED, nothing sent");
      expect(again.stdout).to.include("reason       1 (superseded)");
      expect(await nonceOf(registrar.address)).to.equal(before);
    });

    it("exits 2 for a batch member without its receipt, and for a receipt of another document", async function () {
      const [a, b] = [write("lost-a.pdf"), write("lost-b.pdf")];
      expect((await docproof(["notarize", a, b, "--rpc", rpc], asRegistrar)).code).to.equal(0);
      const lost = await docproof(["revoke", sha256Of(a), "--reason", "1", "--rpc", rpc], asRegistrar);
      expect(lost.code).to.equal(2);
      expect(lost.stderr).to.include("pass the receipt of its batch (--receipt)");
      const wrong = await docproof(
        ["revoke", a, "--reason", "1", "--rpc", rpc, "--receipt", `${b}.receipt.json`],
        asRegistrar,
      );
      expect(wrong.code).to.equal(2);
      expect(wrong.stderr).to.include(`is the receipt of ${sha256Of(b)}, not of ${sha256Of(a)}`);
    });
  });

  describe("usage", function () {
    for (const [args, message] of [
      [["revoke", "ab".repeat(32), "--api", "http://127.0.0.1:9"], "revoke needs --reason"],
      [["revoke", "ab".repeat(32), "--reason", "lost", "--api", "http://127.0.0.1:9"], "superseded"],
      [["revoke", "ab".repeat(32), "--reason", "70000", "--api", "http://127.0.0.1:9"], "--reason must be"],
      [["revoke", "ab".repeat(32), "--reason", "1"], "either --api <url>"],
      [["revoke", "nothing-here.pdf", "--reason", "1", "--api", "http://127.0.0.1:9"], "neither a file nor a SHA-256"],
    ] as const) {
      it(`exits 2 in one line: ${args.slice(2).join(" ")}`, async function () {
        const { code, stderr } = await docproof([...args], { cwd: scratch.dir });
        expect(code).to.equal(2);
        expect(stderr).to.include(message);
        expect(stderr.trim().split("\n")).to.have.length(1);
      });
    }
  });
});
