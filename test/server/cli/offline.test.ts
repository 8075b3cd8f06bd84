import { expect } from "chai";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DocumentRegistry__factory } from "../../../typechain-types";
import { checkpointFromNode } from "../../../server/chain/history-accumulator";
import { httpJsonRpc } from "../../../server/chain/json-rpc";
import { toBytes32 } from "../../../server/proof/digest";
import { CheckpointSchema } from "../../../server/proof/history-accumulator";
import { parseReceiptV2 } from "../../../server/proof/receipt-v2";
import { TAMPERINGS } from "../proof/evidence-fixture";
import { deployedChain, deployer, docproof, scratchDir } from "./cli-fixture";

describe("docproof with version 2 receipts", function () {
  this.timeout(180_000);
  const scratch = scratchDir();
  const at = (name: string) => path.join(scratch.dir, name);
  let deployment: Awaited<ReturnType<typeof deployedChain>>;
  const withKey = () => ({ env: { DOCPROOF_PRIVATE_KEY: deployer.privateKey } });

  before(async function () {
    deployment = await deployedChain();
  });

  after(async function () {
    await deployment?.stop();
    scratch.remove();
  });

  describe("usage", function () {
    const doc = () => {
      writeFileSync(at("usage.txt"), "usage\n");
      return at("usage.txt");
    };
    for (const [args, says] of [
      [["--offline"], "--offline needs what vouches for the block"],
      [["--offline", "--checkpoint", "a.json", "--trust", "b.json"], "one of them"],
      [["--offline", "--checkpoint", "a.json", "--rpc", "http://127.0.0.1:1"], "leave out --rpc and --api"],
      [["--checkpoint", "a.json", "--rpc", "http://127.0.0.1:1"], "--checkpoint and --trust go with --offline"],
      [["--offline", "--checkpoint", "missing.json"], "Cannot read the checkpoint missing.json"],
    ] as const) {
      it(`exits 2 for verify ${args.join(" ")}`, async function () {
        const { code, stderr } = await docproof(["verify", doc(), ...args], { cwd: scratch.dir });
        expect(code).to.equal(2);
        expect(stderr).to.include(says);
      });
    }

    it("exits 2 for a checkpoint file that is not one", async function () {
      writeFileSync(at("not-a-checkpoint.json"), JSON.stringify({ chainId: 1 }));
      const { code, stderr } = await docproof(["verify", doc(), "--offline", "--checkpoint", "not-a-checkpoint.json"], {
        cwd: scratch.dir,
      });
      expect(code).to.equal(2);
      expect(stderr).to.include("is not a Docproof checkpoint");
    });

    it("refuses a receipt version other than 1 or 2", async function () {
      const { code, stderr } = await docproof([
        "notarize",
        doc(),
        "--rpc",
        "http://127.0.0.1:1",
        "--receipt-version",
        "3",
      ]);
      expect(code).to.equal(2);
      expect(stderr).to.include("must be 1 or 2");
    });
  });

  describe("notarize --rpc --receipt-version 2, then verify --rpc", function () {
    let documents: string[];

    before(async function () {
      documents = ["one.txt", "two.txt", "three.txt"].map((name) => {
        writeFileSync(at(name), `${name} ${Date.now()}\n`);
        return at(name);
      });
      const { code, stderr } = await docproof(
        ["notarize", ...documents, "--rpc", deployment.chain.rpcUrl, "--receipt-version", "2"],
        withKey(),
      );
      expect(code, stderr).to.equal(0);
    });

    it("writes version 2 receipts sharing one anchoring's evidence, each with its own path", function () {
      const receipts = documents.map((doc) => parseReceiptV2(readFileSync(`${doc}.receipt.json`, "utf8")));
      expect(new Set(receipts.map((receipt) => receipt.evidence.transaction.raw)).size).to.equal(1);
      expect(receipts.every((receipt) => receipt.leafCount === 3 && receipt.evidence.link === undefined)).to.equal(
        true,
      );
    });

    it("checks the registry and the evidence against the node, printing each check", async function () {
      const { code, stdout } = await docproof(["verify", documents[0], "--rpc", deployment.chain.rpcUrl]);
      expect(code, stdout).to.equal(0);
      expect(stdout).to.include(`✔ trust-anchor: The node at ${deployment.chain.rpcUrl} reports the same hash`);
      expect(stdout).to.include(`ANCHORED: ${documents[0]}`);
      const json = JSON.parse(
        (await docproof(["verify", documents[0], "--rpc", deployment.chain.rpcUrl, "--json"])).stdout,
      );
      expect(json.status).to.equal("anchored");
      expect(json.checks).to.have.length(13);
    });

    it("links the receipts to a checkpoint made from the node, which then verify offline", async function () {
      const rpc = deployment.chain.rpcUrl;
      const linked = await docproof([
        "checkpoint",
        "--rpc",
        rpc,
        "--out",
        at("linked-checkpoint.json"),
        "--link",
        `${documents[0]}.receipt.json`,
      ]);
      expect(linked.code, linked.stderr).to.equal(0);
      expect(linked.stderr).to.include("linked to the checkpoint at block");
      const offline = await docproof([
        "verify",
        documents[0],
        "--offline",
        "--checkpoint",
        at("linked-checkpoint.json"),
      ]);
      expect(offline.code, offline.stdout).to.equal(0);
      expect(offline.stdout).to.include("✔ trust-anchor: Block");
      const unlinked = await docproof([
        "verify",
        documents[2],
        "--offline",
        "--checkpoint",
        at("linked-checkpoint.json"),
      ]);
      expect(unlinked.code).to.equal(1);
      expect(unlinked.stdout).to.include("✘ trust-anchor: The receipt carries no link to a checkpoint.");
    });

    it("finds the revocation, which offline verification cannot", async function () {
      const receipt = parseReceiptV2(readFileSync(`${documents[1]}.receipt.json`, "utf8"));
      const provider = deployment.chain.provider();
      try {
        const registry = DocumentRegistry__factory.connect(deployment.registry, deployer.connect(provider));
        await (await registry.revoke(receipt.merkleRoot, toBytes32(receipt.sha256), receipt.proof, 1)).wait();
      } finally {
        provider.destroy();
      }
      const { code, stdout } = await docproof(["verify", documents[1], "--rpc", deployment.chain.rpcUrl]);
      expect(code).to.equal(1);
      expect(stdout).to.include(`REVOKED: ${documents[1]}`);
    });

    it("answers invalid receipt when the evidence was altered, though the registry holds the anchoring", async function () {
      const receipt = parseReceiptV2(readFileSync(`${documents[2]}.receipt.json`, "utf8"));
      const tampering = TAMPERINGS.find((candidate) => candidate.what === "an altered receipt status")!;
      writeFileSync(at("altered.receipt.json"), JSON.stringify(tampering.tamper(receipt, receipt.sha256).receipt));
      const { code, stdout } = await docproof([
        "verify",
        documents[2],
        "--receipt",
        at("altered.receipt.json"),
        "--rpc",
        deployment.chain.rpcUrl,
      ]);
      expect(code).to.equal(1);
      expect(stdout).to.include("✘ receipt-status: The transaction failed (status 0)");
      expect(stdout).to.include(`INVALID RECEIPT: ${documents[2]}`);
    });
  });

  describe("checkpoint", function () {
    it("prints the node's checkpoint, and with --history reads only the new blocks next time", async function () {
      const rpc = deployment.chain.rpcUrl;
      const first = await docproof(["checkpoint", "--rpc", rpc, "--history", at("history.json")]);
      expect(first.code, first.stderr).to.equal(0);
      const { checkpoint } = await checkpointFromNode(httpJsonRpc(rpc));
      expect(CheckpointSchema.parse(JSON.parse(first.stdout))).to.deep.equal(checkpoint);

      await httpJsonRpc(rpc).send("anvil_mine", ["0x3"]);
      const second = await docproof([
        "checkpoint",
        "--rpc",
        rpc,
        "--history",
        at("history.json"),
        "--out",
        at("cp.json"),
      ]);
      expect(second.code, second.stderr).to.equal(0);
      expect(second.stderr).to.include(`at block ${checkpoint.blockNumber + 3}`);
      const again = await checkpointFromNode(httpJsonRpc(rpc));
      expect(CheckpointSchema.parse(JSON.parse(readFileSync(at("cp.json"), "utf8")))).to.deep.equal(again.checkpoint);

      const past = await docproof(["checkpoint", "--rpc", rpc, "--block", "1", "--history", at("history.json")]);
      expect(past.code).to.equal(2);
      expect(past.stderr).to.include("already reaches block");
    });

    it("exits 2 when the node cannot be reached", async function () {
      const { code, stderr } = await docproof(["checkpoint", "--rpc", "http://127.0.0.1:9"]);
      expect(code).to.equal(2);
      expect(stderr).to.include("Cannot read the chain at http://127.0.0.1:9");
    });
  });
});
