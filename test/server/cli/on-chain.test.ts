import { expect } from "chai";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { DocumentRegistry__factory } from "../../../typechain-types";
import { parseReceipt, type ReceiptV1 } from "../../../server/proof/receipt";
import { toBytes32 } from "../../../server/proof/digest";
import { devAccount } from "../../support/dev-accounts";
import { freePort, groupAlive } from "../../support/processes";
import { deployedChain, deployer, docproof, docproofProcess, scratchDir } from "./cli-fixture";

const WITHDRAWN = 2;

describe("docproof on a chain, without the service", function () {
  this.timeout(120_000);
  const registrar = devAccount(1);
  const scratch = scratchDir();
  const file = (name: string) => path.join(scratch.dir, name);
  const receiptOf = (name: string): ReceiptV1 => parseReceipt(readFileSync(`${file(name)}.receipt.json`, "utf8"));
  let deployment: Awaited<ReturnType<typeof deployedChain>>;
  let rpc: string;
  const asRegistrar = { env: { DOCPROOF_PRIVATE_KEY: registrar.privateKey } };

  before(async function () {
    deployment = await deployedChain();
    rpc = deployment.chain.rpcUrl;
    for (const name of ["single.pdf", "a.pdf", "b.pdf", "c.pdf", "revoked.pdf", "tampered.pdf"]) {
      writeFileSync(file(name), `the document ${name}, ${Date.now()}\n`);
    }
  });

  after(async function () {
    const pid = deployment?.chain.node.pid;
    await deployment?.stop();
    if (pid !== undefined) expect(groupAlive(pid), "Anvil left running").to.equal(false);
    scratch.remove();
  });

  describe("registrar grant", function () {
    it("grants the role through the hardhat task, signed by the deployer", async function () {
      const { code, output } = await docproofProcess(["registrar", "grant", registrar.address, "--rpc", rpc], {
        DOCPROOF_PRIVATE_KEY: deployer.privateKey,
      });
      expect(code, output).to.equal(0);
      expect(output).to.include(`Granted the registrar role to ${registrar.address}`);
      expect(output).to.not.include(deployer.privateKey.slice(2));
      const registry = DocumentRegistry__factory.connect(deployment.registry, deployment.chain.provider());
      expect(await registry.hasRole(await registry.REGISTRAR_ROLE(), registrar.address)).to.equal(true);
    });
  });

  describe("notarize --rpc", function () {
    it("anchors one file with anchor and writes its receipt next to it", async function () {
      const { code, stdout, stderr } = await docproof(["notarize", file("single.pdf"), "--rpc", rpc], asRegistrar);
      expect(code, stderr).to.equal(0);
      const receipt = receiptOf("single.pdf");
      expect(receipt.proof).to.deep.equal([]);
      expect(receipt.merkleRoot).to.equal(receipt.leaf);
      expect(receipt.leafCount).to.equal(1);
      expect(receipt.registrar).to.equal(registrar.address);
      expect(receipt.registry).to.equal(deployment.registry);
      expect(receipt.chainId).to.equal(deployment.chain.chainId);
      expect(stdout).to.include(`receipt ${file("single.pdf")}.receipt.json`);
      const registry = DocumentRegistry__factory.connect(deployment.registry, deployment.chain.provider());
      expect((await registry.documentAnchorOf(toBytes32(receipt.sha256))).registrar).to.equal(registrar.address);
    });

    it("anchors several files as one Merkle batch, in one transaction", async function () {
      const { code, stdout, stderr } = await docproof(
        ["notarize", "a.pdf", "b.pdf", "c.pdf", "--rpc", rpc, "--registry", deployment.registry, "--json"],
        { ...asRegistrar, cwd: scratch.dir },
      );
      expect(code, stderr).to.equal(0);
      const printed = JSON.parse(stdout) as { file: string; status: string; receiptFile: string }[];
      expect(printed.map((r) => [r.file, r.status, r.receiptFile])).to.deep.equal([
        ["a.pdf", "anchored", "a.pdf.receipt.json"],
        ["b.pdf", "anchored", "b.pdf.receipt.json"],
        ["c.pdf", "anchored", "c.pdf.receipt.json"],
      ]);
      const receipts = ["a.pdf", "b.pdf", "c.pdf"].map(receiptOf);
      expect(new Set(receipts.map((r) => r.merkleRoot)).size).to.equal(1);
      expect(new Set(receipts.map((r) => r.txHash)).size).to.equal(1);
      for (const receipt of receipts) {
        expect(receipt.leafCount).to.equal(3);
        expect(receipt.proof).to.not.be.empty;
      }
      const tx = await deployment.chain.provider().getTransaction(receipts[0].txHash);
      expect(DocumentRegistry__factory.createInterface().parseTransaction(tx!)?.name).to.equal("anchorBatch");
    });

    it("refuses to overwrite a receipt without --force", async function () {
      const before = readFileSync(`${file("single.pdf")}.receipt.json`, "utf8");
      const { code, stderr } = await docproof(["notarize", file("single.pdf"), "--rpc", rpc], asRegistrar);
      expect(code).to.equal(2);
      expect(stderr).to.include("receipt.json exists: pass --force to replace it.");
      expect(readFileSync(`${file("single.pdf")}.receipt.json`, "utf8")).to.equal(before);
    });

    it("with --force, rebuilds the receipt of a document already anchored, from the chain", async function () {
      const before = readFileSync(`${file("single.pdf")}.receipt.json`, "utf8");
      const { code, stderr } = await docproof(["notarize", file("single.pdf"), "--rpc", rpc, "--force"], asRegistrar);
      expect(code, stderr).to.equal(0);
      expect(readFileSync(`${file("single.pdf")}.receipt.json`, "utf8")).to.equal(before);
    });

    it("exits 2 without a registrar key, and never sends", async function () {
      const { code, stderr } = await docproof(["notarize", file("revoked.pdf"), "--rpc", rpc]);
      expect(code).to.equal(2);
      expect(stderr).to.include("DOCPROOF_PRIVATE_KEY");
      expect(existsSync(`${file("revoked.pdf")}.receipt.json`)).to.equal(false);
    });

    it("exits 2 when the key is not a registrar", async function () {
      const outsider = devAccount(7);
      const { code, stderr } = await docproof(["notarize", file("revoked.pdf"), "--rpc", rpc], {
        env: { DOCPROOF_PRIVATE_KEY: outsider.privateKey },
      });
      expect(code).to.equal(2);
      expect(stderr).to.include(`${outsider.address} is not a registrar`);
      expect(stderr).to.not.include(outsider.privateKey.slice(2));
    });
  });

  describe("verify --rpc (no service is running)", function () {
    it("exits 0 and says when, by whom, block and transaction for an anchored batch member", async function () {
      const receipt = receiptOf("b.pdf");
      const { code, stdout } = await docproof(["verify", file("b.pdf"), "--rpc", rpc]);
      expect(code, stdout).to.equal(0);
      expect(stdout).to.include(`ANCHORED: ${file("b.pdf")}`);
      expect(stdout).to.include(`registrar    ${registrar.address}`);
      expect(stdout).to.include(`block        ${receipt.blockNumber}`);
      expect(stdout).to.include(`transaction  ${receipt.txHash}`);
      expect(stdout).to.include(new Date(receipt.timestamp * 1000).toISOString());
    });

    it("prints the verdict as JSON with --json", async function () {
      const receipt = receiptOf("a.pdf");
      const { code, stdout } = await docproof(["verify", "a.pdf", "--rpc", rpc, "--json"], { cwd: scratch.dir });
      expect(code).to.equal(0);
      expect(JSON.parse(stdout)).to.deep.equal({
        file: "a.pdf",
        receiptFile: "a.pdf.receipt.json",
        valid: true,
        status: "anchored",
        sha256: receipt.sha256,
        merkleRoot: receipt.merkleRoot,
        chainId: receipt.chainId,
        registry: receipt.registry,
        anchoredAt: receipt.timestamp,
        anchoredAtIso: new Date(receipt.timestamp * 1000).toISOString().replace(".000Z", "Z"),
        blockNumber: receipt.blockNumber,
        txHash: receipt.txHash,
        registrar: receipt.registrar,
        // The registrar was never named in the registry's directory: its address alone.
        anchoredBy: { address: receipt.registrar },
      });
    });

    it("finds a single anchoring on chain without a receipt", async function () {
      const { code, stdout } = await docproof(
        ["verify", "single.pdf", "--rpc", rpc, "--receipt", "single.pdf.receipt.json"],
        {
          cwd: scratch.dir,
        },
      );
      expect(code, stdout).to.equal(0);
      const copy = file("single-copy.pdf");
      writeFileSync(copy, readFileSync(file("single.pdf")));
      const withoutReceipt = await docproof(["verify", copy, "--rpc", rpc, "--json"]);
      expect(withoutReceipt.code, withoutReceipt.stdout).to.equal(0);
      expect(JSON.parse(withoutReceipt.stdout)).to.include({ status: "anchored", receiptFile: null });
    });

    it("exits 1 with unknown for a one-byte-modified file", async function () {
      const modified = file("a-modified.pdf");
      const content = readFileSync(file("a.pdf"));
      content[0] ^= 1;
      writeFileSync(modified, content);
      const withReceipt = await docproof([
        "verify",
        modified,
        "--rpc",
        rpc,
        "--receipt",
        `${file("a.pdf")}.receipt.json`,
      ]);
      expect(withReceipt.code).to.equal(1);
      expect(withReceipt.stdout).to.include(`UNKNOWN: ${modified}`);
      expect(withReceipt.stdout).to.include("differs from the receipt's");
      const alone = await docproof(["verify", modified, "--rpc", rpc, "--json"]);
      expect(alone.code).to.equal(1);
      expect(JSON.parse(alone.stdout)).to.include({ valid: false, status: "unknown" });
    });

    it("exits 1 with revoked, when and why, for a revoked document", async function () {
      expect((await docproof(["notarize", file("revoked.pdf"), "--rpc", rpc], asRegistrar)).code).to.equal(0);
      const receipt = receiptOf("revoked.pdf");
      const registry = DocumentRegistry__factory.connect(
        deployment.registry,
        registrar.connect(deployment.chain.provider()),
      );
      await (await registry.revoke(receipt.merkleRoot, toBytes32(receipt.sha256), receipt.proof, WITHDRAWN)).wait();
      const { code, stdout } = await docproof(["verify", file("revoked.pdf"), "--rpc", rpc]);
      expect(code).to.equal(1);
      expect(stdout).to.include(`REVOKED: ${file("revoked.pdf")}`);
      expect(stdout).to.match(/revoked {6}\d{4}-\d\d-\d\dT/);
      expect(stdout).to.include(`revoked by   ${registrar.address}`);
      expect(stdout).to.include("reason       2 (withdrawn)");
      const json = JSON.parse((await docproof(["verify", file("revoked.pdf"), "--rpc", rpc, "--json"])).stdout);
      expect(json).to.include({
        valid: false,
        status: "revoked",
        revocationReason: WITHDRAWN,
        revokedBy: registrar.address,
      });
    });

    describe("when the receipt is tampered with", function () {
      const cases: [string, (receipt: Record<string, unknown>) => unknown][] = [
        [
          "a proof that leads elsewhere",
          (r) => ({
            ...r,
            proof: [...(r.proof as string[])].reverse().map((p, i) => (i === 0 ? `0x${"1".repeat(64)}` : p)),
          }),
        ],
        ["another block number", (r) => ({ ...r, blockNumber: (r.blockNumber as number) + 1 })],
        ["another registry", (r) => ({ ...r, registry: devAccount(5).address })],
        ["not a receipt at all", () => "{ not json"],
      ];
      for (const [name, tamper] of cases) {
        it(`exits 1 with invalid-receipt for ${name}`, async function () {
          const receipt = JSON.parse(readFileSync(`${file("c.pdf")}.receipt.json`, "utf8")) as Record<string, unknown>;
          const tampered = tamper(receipt);
          writeFileSync(file("tampered.json"), typeof tampered === "string" ? tampered : JSON.stringify(tampered));
          const { code, stdout } = await docproof([
            "verify",
            file("c.pdf"),
            "--rpc",
            rpc,
            "--registry",
            deployment.registry,
            "--receipt",
            file("tampered.json"),
            "--json",
          ]);
          expect(code, stdout).to.equal(1);
          expect(JSON.parse(stdout)).to.include({ valid: false, status: "invalid-receipt" });
        });
      }

      it("says so in words", async function () {
        const receipt = receiptOf("c.pdf");
        writeFileSync(file("tampered.json"), JSON.stringify({ ...receipt, timestamp: receipt.timestamp - 60 }));
        const { code, stdout } = await docproof([
          "verify",
          file("c.pdf"),
          "--rpc",
          rpc,
          "--receipt",
          file("tampered.json"),
        ]);
        expect(code).to.equal(1);
        expect(stdout).to.include(`INVALID RECEIPT: ${file("c.pdf")}`);
        expect(stdout).to.include("The chain contradicts the receipt's timestamp.");
      });
    });

    it("exits 0 through the executable, with no service anywhere", async function () {
      const { code, output } = await docproofProcess(["verify", file("a.pdf"), "--rpc", rpc]);
      expect(code, output).to.equal(0);
      expect(output).to.include("ANCHORED");
    });

    it("exits 2 with one line when the chain refuses the connection", async function () {
      const closed = `http://127.0.0.1:${await freePort()}`;
      const { code, output } = await docproofProcess(["verify", file("a.pdf"), "--rpc", closed]);
      expect(code).to.equal(2);
      expect(output).to.equal(`docproof: Cannot reach the chain at ${closed} (ECONNREFUSED).\n`);
    });

    it("exits 2 when neither --rpc nor --api is given", async function () {
      const { code, stderr } = await docproof(["verify", file("a.pdf")]);
      expect(code).to.equal(2);
      expect(stderr).to.include("verify needs either --rpc");
    });

    it("exits 2 when both --rpc and --api are given", async function () {
      const { code, stderr } = await docproof(["verify", file("a.pdf"), "--rpc", rpc, "--api", "http://127.0.0.1:1"]);
      expect(code).to.equal(2);
      expect(stderr).to.equal("docproof: Give --api <url> or --rpc <url>, not both.\n");
    });
  });
});
