import { expect } from "chai";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { renderCertificatePdf } from "../../../server/certificate/certificate-pdf";
import { loadDejaVuFonts } from "../../../server/certificate/dejavu-fonts";
import { buildReceiptV2 } from "../../../server/chain/evidence-builder";
import { parseReceipt, serializeReceipt, type ReceiptV1 } from "../../../server/proof/receipt";
import type { ReceiptV2 } from "../../../server/proof/receipt-v2";
import { devAccount } from "../../support/dev-accounts";
import { TestChain } from "../service-fixture";
import { docproof, scratchDir } from "./cli-fixture";

describe("docproof inspect", function () {
  this.timeout(120_000);
  const chain = new TestChain();
  const scratch = scratchDir();
  const file = (name: string) => path.join(scratch.dir, name);
  let single: ReceiptV1;
  let member: ReceiptV1;
  let v2: ReceiptV2;

  before(async function () {
    await chain.start();
    const registry = await chain.deployRegistry();
    // Four members, so that every proof has two hashes (three would leave one member a single hash).
    for (const name of ["single.pdf", "a.pdf", "b.pdf", "c.pdf", "d.pdf"])
      writeFileSync(file(name), `${name} ${Date.now()}`);
    const env = { env: { DOCPROOF_PRIVATE_KEY: devAccount(0).privateKey } };
    const args = ["--rpc", chain.rpcUrl, "--registry", registry];
    expect((await docproof(["notarize", file("single.pdf"), ...args], env)).code).to.equal(0);
    const members = ["a.pdf", "b.pdf", "c.pdf", "d.pdf"].map(file);
    expect((await docproof(["notarize", ...members, ...args], env)).code).to.equal(0);
    single = parseReceipt(readFileSync(file("single.pdf.receipt.json"), "utf8"));
    member = parseReceipt(readFileSync(file("b.pdf.receipt.json"), "utf8"));
    const provider = chain.provider();
    try {
      v2 = await buildReceiptV2(provider, member);
    } finally {
      provider.destroy();
    }
  });

  after(async function () {
    await chain.stop();
    scratch.remove();
  });

  it("says what a version 1 receipt states and that checking it needs the document, a node and the registry", async function () {
    const { code, stdout } = await docproof(["inspect", file("b.pdf.receipt.json")]);
    expect(code).to.equal(0);
    const lines = stdout.split("\n");
    expect(lines[0]).to.equal(`Docproof receipt, version 1: ${file("b.pdf.receipt.json")}`);
    for (const fact of [
      `document     SHA-256 ${member.sha256}`,
      `merkle root  ${member.merkleRoot} (a batch of 4 documents, proof of 2 hashes)`,
      `in block ${member.blockNumber}`,
      `transaction  ${member.txHash}`,
      `registrar    ${member.registrar}`,
      `registry     ${member.registry} on chain ${chain.chainId}`,
      "consistency  yes:",
      `its SHA-256 must be ${member.sha256}`,
      `a JSON-RPC endpoint of chain ${chain.chainId}`,
      "docproof verify <file> --receipt <receipt> --rpc <url>",
    ]) {
      expect(stdout, fact).to.include(fact);
    }
    expect(stdout).to.not.include("offline, without a node");
  });

  it("names the evidence of a version 2 receipt and the trust anchor offline verification needs", async function () {
    const withWitness = {
      ...v2,
      evidence: { ...v2.evidence, witnesses: [{ signer: devAccount(3).address, signature: `0x${"11".repeat(65)}` }] },
    };
    writeFileSync(file("v2.json"), serializeReceipt(withWitness));
    const { code, stdout } = await docproof(["inspect", file("v2.json")]);
    expect(code, stdout).to.equal(0);
    expect(stdout).to.include("Docproof receipt, version 2");
    expect(stdout).to.include(`block        hash ${v2.evidence.block.hash}, header of`);
    expect(stdout).to.include(`tx evidence  index ${v2.evidence.transaction.index}`);
    expect(stdout).to.include("link         none");
    expect(stdout).to.include(`witnesses    ${devAccount(3).address}`);
    expect(stdout).to.include(`something trusted to vouch for the hash of block ${v2.blockNumber}`);
    expect(stdout).to.include("or a checkpoint (this receipt carries no link to one)");
    expect(stdout).to.include("a trust file whose witnesses include enough of the 1 that cosigned the block");
    expect(stdout).to.include("revocation is not in the evidence: checking it needs a node");
  });

  it("prints the same as JSON with --json", async function () {
    writeFileSync(file("v2-plain.json"), serializeReceipt(v2));
    const { code, stdout } = await docproof(["inspect", file("v2-plain.json"), "--json"]);
    expect(code).to.equal(0);
    const report = JSON.parse(stdout);
    expect(report).to.include({
      version: 2,
      source: "receipt",
      sha256: v2.sha256,
      leafCount: 4,
      proofLength: 2,
      consistent: true,
      chainId: chain.chainId,
    });
    expect(report.evidence).to.include({ blockHash: v2.evidence.block.hash });
    expect(report.evidence.witnesses).to.deep.equal([]);
    expect(report.needs).to.have.length(4);
  });

  it("reads the receipt a certificate carries", async function () {
    const pdf = await renderCertificatePdf(
      { receipt: single, status: { state: "anchored" } },
      { fonts: loadDejaVuFonts(), now: () => new Date() },
    );
    writeFileSync(file("single.certificate.pdf"), pdf);
    const { code, stdout } = await docproof(["inspect", file("single.certificate.pdf")]);
    expect(code).to.equal(0);
    expect(stdout).to.include(`the receipt attached to ${file("single.certificate.pdf")}`);
    expect(stdout).to.include("(a single document, proof of 0 hashes)");
  });

  it("exits 1 for a receipt whose proof does not lead to its root", async function () {
    writeFileSync(file("tampered.json"), serializeReceipt({ ...member, merkleRoot: single.merkleRoot }));
    const { code, stdout } = await docproof(["inspect", file("tampered.json")]);
    expect(code).to.equal(1);
    expect(stdout).to.include("consistency  NO: The receipt's proof does not lead from its leaf to its merkleRoot.");
  });

  it("exits 2 for what is not a receipt, in one line", async function () {
    writeFileSync(file("other.json"), '{"hello": "world"}');
    for (const [name, message] of [
      ["other.json", "not a Docproof receipt of version 1 or 2"],
      ["missing.json", "Cannot read"],
    ]) {
      const { code, stderr } = await docproof(["inspect", file(name)]);
      expect(code, name).to.equal(2);
      expect(stderr, name).to.include(message);
      expect(stderr.trim().split("\n")).to.have.length(1);
    }
  });
});
