import { expect } from "chai";
import { once } from "node:events";
import { createHash, randomInt } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { JsonRpcProvider, Network } from "ethers";
import { DocumentRegistry__factory } from "../../typechain-types";
import type { Sha256Hex } from "../../server/proof/digest";
import { CheckpointSchema, type Checkpoint } from "../../server/proof/history-accumulator";
import { OFFLINE_ANCHORED } from "../../server/proof/offline-verification";
import { parseReceiptV2, type ReceiptV2 } from "../../server/proof/receipt-v2";
import { parseTrustFile, serializeTrustFile } from "../../server/proof/trust-file";
import { docproof, docproofProcess, scratchDir } from "../server/cli/cli-fixture";
import { TAMPERINGS } from "../server/proof/evidence-fixture";
import { openTestService, type ServiceHarness, type ServiceTestChain } from "../server/service-fixture";
import { devAccount } from "../support/dev-accounts";
import {
  freePort,
  groupAlive,
  startAnvil,
  startHardhatNode,
  waitForRpc,
  type ManagedProcess,
} from "../support/processes";

/** A chain node in its own process, Hardhat's or Anvil, so that the test can take it away entirely. */
class NodeProcess implements ServiceTestChain {
  node!: ManagedProcess;
  rpcUrl!: string;
  readonly chainId = 800_000 + randomInt(100_000);

  constructor(readonly name: "Hardhat's node" | "Anvil") {}

  async start() {
    const port = await freePort();
    this.rpcUrl = `http://127.0.0.1:${port}`;
    this.node = this.name === "Anvil" ? startAnvil(port, this.chainId) : startHardhatNode(port, this.chainId);
    await waitForRpc(this.rpcUrl, this.node);
  }

  serviceProvider(): undefined {
    return undefined;
  }

  provider(): JsonRpcProvider {
    return new JsonRpcProvider(this.rpcUrl, Network.from(this.chainId), { staticNetwork: true, cacheTimeout: -1 });
  }

  /** The registry, with dev account 0 as admin and registrar and dev account 1 granted the role too. */
  async deployRegistry(): Promise<string> {
    const provider = this.provider();
    try {
      const admin = devAccount(0).connect(provider);
      const registry = await new DocumentRegistry__factory(admin).deploy(0, admin.address, [admin.address]);
      await registry.waitForDeployment();
      await (await registry.grantRole(await registry.REGISTRAR_ROLE(), devAccount(1).address)).wait();
      await (await registry.setOrganisation(admin.address, "Notaries of Lyon", "")).wait();
      return await registry.getAddress();
    } finally {
      provider.destroy();
    }
  }

  async stop() {
    await this.node?.stop();
  }
}

for (const kind of ["Hardhat's node", "Anvil"] as const) {
  describe(`receipts checked with the chain gone (${kind})`, function () {
    this.timeout(240_000);
    const chain = new NodeProcess(kind);
    const scratch = scratchDir();
    const at = (name: string) => path.join(scratch.dir, name);
    let harness: ServiceHarness | undefined;
    let server: Server | undefined;
    let documents: string[];
    let receipts: ReceiptV2[];
    let checkpoint: Checkpoint;

    before(async function () {
      await chain.start();
      harness = await openTestService(chain, { batchIntervalMs: 100 });
      harness.service.start();
      server = harness.service.app.listen(0, "127.0.0.1");
      await once(server, "listening");
      const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

      // Three documents in one batch (submitted together), then notarized by the CLI with version 2 receipts.
      documents = ["contract.pdf", "annex-a.pdf", "annex-b.pdf"].map((name) => {
        writeFileSync(at(name), `${name} of ${kind}, ${Date.now()}\n`);
        return at(name);
      });
      await Promise.all(documents.map((doc) => harness!.service.notary.submit(sha256Of(doc))));
      const notarized = await docproof(["notarize", ...documents, "--api", api, "--receipt-version", "2"]);
      expect(notarized.code, notarized.stderr).to.equal(0);
      receipts = documents.map((doc) => parseReceiptV2(readFileSync(`${doc}.receipt.json`, "utf8")));
      expect(new Set(receipts.map((receipt) => receipt.txHash)).size).to.equal(1);

      // The checkpoint the service publishes, and the same one computed by the CLI from the node.
      const published = CheckpointSchema.parse(await (await fetch(`${api}/api/v1/checkpoint`)).json());
      expect(receipts[0].evidence.link?.checkpoint).to.deep.equal({
        blockNumber: published.blockNumber,
        blockHash: published.blockHash,
      });
      const computed = await docproof([
        "checkpoint",
        "--rpc",
        chain.rpcUrl,
        "--block",
        String(published.blockNumber),
        "--out",
        at("checkpoint.json"),
      ]);
      expect(computed.code, computed.stderr).to.equal(0);
      checkpoint = CheckpointSchema.parse(JSON.parse(readFileSync(at("checkpoint.json"), "utf8")));
      expect(checkpoint).to.deep.equal(published);

      // Trust files from the registrar directory: both members (a majority is 2), or either one.
      // Names from the registry's own directory, else from a file of the verifier's.
      writeFileSync(at("names.json"), JSON.stringify({ [devAccount(1).address]: "Land Registry" }));
      const registry = harness.registryAddress;
      for (const [file, extra] of [
        ["trust.json", []],
        ["trust-1.json", ["--threshold", "1"]],
      ] as const) {
        const exported = await docproof([
          "trust",
          "export",
          "--rpc",
          chain.rpcUrl,
          "--registry",
          registry,
          "--names",
          at("names.json"),
          ...extra,
        ]);
        expect(exported.code, exported.stderr).to.equal(0);
        writeFileSync(at(file), exported.stdout);
      }
      const both = parseTrustFile(readFileSync(at("trust.json"), "utf8"));
      expect(both.witnesses).to.deep.equal([
        { address: devAccount(0).address, name: "Notaries of Lyon" },
        { address: devAccount(1).address, name: "Land Registry" },
      ]);
      expect(both.threshold).to.equal(2);
      // A trust file that trusts only the member who did not cosign.
      writeFileSync(
        at("trust-other.json"),
        serializeTrustFile({ ...both, threshold: 1, witnesses: [both.witnesses[1]] }),
      );

      // Then the service and the chain go away entirely.
      server.closeAllConnections();
      server.close();
      await harness.close();
      harness = undefined;
      const pid = chain.node.pid;
      await chain.stop();
      expect(groupAlive(pid), "the chain process is gone").to.equal(false);
    });

    after(async function () {
      server?.closeAllConnections();
      server?.close();
      await harness?.close();
      await chain.stop();
      scratch.remove();
    });

    /** Writes `receipt` beside a copy of the document and verifies it offline. */
    async function verifyOffline(receipt: ReceiptV2, document: string, anchor: string[], json = false) {
      const receiptFile = at(`altered-${randomInt(1e9)}.receipt.json`);
      writeFileSync(receiptFile, `${JSON.stringify(receipt, null, 2)}\n`);
      return docproof([
        "verify",
        document,
        "--receipt",
        receiptFile,
        "--offline",
        ...anchor,
        ...(json ? ["--json"] : []),
      ]);
    }

    const withCheckpoint = () => ["--checkpoint", at("checkpoint.json")];

    it("verifies a genuine receipt with the checkpoint, printing every check (the executable, as a user runs it)", async function () {
      const { code, output } = await docproofProcess(["verify", documents[0], "--offline", ...withCheckpoint()]);
      expect(code, output).to.equal(0);
      for (const name of [
        "document",
        "merkle-path",
        "header-hash",
        "transaction-inclusion",
        "receipt-log",
        "trust-anchor",
      ]) {
        expect(output).to.include(`✔ ${name}: `);
      }
      expect(output).to.not.include("✘");
      expect(output).to.include(`ANCHORED: ${documents[0]}`);
      expect(output).to.include(OFFLINE_ANCHORED);
    });

    it("verifies a genuine receipt with the members' cosignatures and a trust file", async function () {
      const { code, stdout } = await docproof(["verify", documents[1], "--offline", "--trust", at("trust-1.json")]);
      expect(code, stdout).to.equal(0);
      expect(stdout).to.include("✔ witness-threshold: 1 of 2 trusted witnesses cosigned, 1 needed");
      expect(stdout).to.include(`registrar    Notaries of Lyon (${devAccount(0).address})`);
      expect(stdout).to.include(OFFLINE_ANCHORED);
    });

    it("lists every check with --json", async function () {
      const { code, stdout } = await verifyOffline(receipts[2], documents[2], withCheckpoint(), true);
      expect(code).to.equal(0);
      const verdict = JSON.parse(stdout);
      expect(verdict).to.include({ valid: true, status: "anchored", revocation: "not-checked" });
      expect(verdict.summary.startsWith(OFFLINE_ANCHORED)).to.equal(true);
      expect(verdict.checks).to.have.length(13);
      expect(verdict.checks.every((check: { passed: boolean }) => check.passed)).to.equal(true);
    });

    const cases: { what: string; expect: RegExp; anchor?: () => string[] }[] = [
      { what: "a different file", expect: /✘ document: The document's SHA-256 differs/ },
      { what: "an altered sibling of the Merkle path", expect: /✘ merkle-path: The Merkle path does not lead/ },
      {
        what: "an altered header timestamp",
        expect: /✘ header-hash: The header hashes to .* a header field was altered/,
      },
      {
        what: "a made-up block (a later timestamp in header and receipt, its hash recomputed)",
        expect: /✘ trust-anchor: Block \d+'s hash 0x[0-9a-f]{64} is not the one the checkpoint at block \d+ commits to/,
      },
    ];
    for (const tampered of cases) {
      it(`fails ${tampered.what}, naming the check`, async function () {
        const tampering = TAMPERINGS.find((candidate) => candidate.what === tampered.what)!;
        const { receipt, sha256 } = tampering.tamper(receipts[0], receipts[0].sha256);
        const document = sha256 === receipts[0].sha256 ? documents[0] : documents[1];
        const { code, stdout } = await verifyOffline(receipt, document, withCheckpoint());
        expect(code, stdout).to.equal(1);
        expect(stdout).to.match(tampered.expect);
        expect(stdout).to.not.include(OFFLINE_ANCHORED);
      });
    }

    it("fails with too few witness signatures for the trust file's threshold", async function () {
      const { code, stdout } = await docproof(["verify", documents[0], "--offline", "--trust", at("trust.json")]);
      expect(code, stdout).to.equal(1);
      expect(stdout).to.match(
        /✘ witness-threshold: Too few witnesses: 1 of 2 trusted witnesses cosigned, the trust file requires 2/,
      );
      expect(stdout).to.match(/✘ trust-anchor: The witnesses do not vouch for block \d+/);
    });

    it("fails when the signature is by a key outside the trust file", async function () {
      const { code, stdout } = await docproof(["verify", documents[0], "--offline", "--trust", at("trust-other.json")]);
      expect(code, stdout).to.equal(1);
      expect(stdout).to.include(`${devAccount(0).address} is not in the trust file and does not count`);
    });

    it("exits 2 for a version 1 receipt, which carries no evidence", async function () {
      const { evidence: _evidence, ...fields } = receipts[0];
      const v1 = at("version-1.receipt.json");
      writeFileSync(v1, JSON.stringify({ ...fields, version: 1 }));
      const { code, stderr } = await docproof([
        "verify",
        documents[0],
        "--receipt",
        v1,
        "--offline",
        ...withCheckpoint(),
      ]);
      expect(code).to.equal(2);
      expect(stderr).to.include("is a version 1 receipt: it carries no evidence to check offline");
    });
  });
}

/** The SHA-256 of a file, as the CLI computes it. */
function sha256Of(file: string): Sha256Hex {
  return createHash("sha256").update(readFileSync(file)).digest("hex") as Sha256Hex;
}
