import { expect } from "chai";
import { randomBytes, randomInt } from "node:crypto";
import { rm } from "node:fs/promises";
import path from "node:path";
import { JsonRpcProvider, Network } from "ethers";
import { DocumentRegistry__factory } from "../../../typechain-types";
import { deploymentDirFor, readRegistryAddress } from "../../../server/chain/deployment-record";
import { buildReceiptV2 } from "../../../server/chain/evidence-builder";
import { checkpointFromNode, historyLinker, nodeBlockHashLookup } from "../../../server/chain/history-accumulator";
import { httpJsonRpc, type JsonRpcPort } from "../../../server/chain/json-rpc";
import { isDocproofError } from "../../../server/errors";
import type { Checkpoint } from "../../../server/proof/history-accumulator";
import type { Hex32 } from "../../../server/proof/digest";
import {
  checkpointAnchor,
  nodeAnchor,
  verifyReceiptOffline,
  type TrustAnchor,
} from "../../../server/proof/offline-verification";
import type { ReceiptV1 } from "../../../server/proof/receipt";
import type { ReceiptV2 } from "../../../server/proof/receipt-v2";
import { devAccount } from "../../support/dev-accounts";
import {
  freePort,
  groupAlive,
  ROOT,
  run,
  startAnvil,
  startHardhatNode,
  waitForRpc,
  type ManagedProcess,
} from "../../support/processes";
import { anchorSamples, expectGenuine, expectRevealed, TAMPERINGS } from "../proof/evidence-fixture";

const IGNITION_DIR = path.join(ROOT, "ignition");

const NODES = [
  { name: "a Hardhat node", start: (port: number, chainId: number) => startHardhatNode(port, chainId), legacy: false },
  { name: "Anvil", start: (port: number, chainId: number) => startAnvil(port, chainId), legacy: false },
  {
    name: "Anvil with --hardfork berlin --gas-price 0",
    start: (port: number, chainId: number) => startAnvil(port, chainId, ["--hardfork", "berlin", "--gas-price", "0"]),
    legacy: true,
  },
];

async function expectRefused(
  action: Promise<unknown>,
  code: "receipt-tampered" | "receipt-wrong-chain",
  pattern: RegExp,
) {
  const error = await action.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isDocproofError(error, code), String(error)).to.equal(true);
  expect((error as Error).message).to.match(pattern);
}

describe("buildReceiptV2, then verification with the node stopped (real node processes)", function () {
  this.timeout(300_000);

  for (const { name, start, legacy } of NODES) {
    describe(`on ${name}`, function () {
      const chainId = 500_000 + randomInt(100_000);
      const deployer = devAccount(0);
      let node: ManagedProcess;
      let rpcUrl: string;
      let port: JsonRpcPort;
      let v1: { batch: ReceiptV1; single: ReceiptV1 };
      const v2: Record<"batch" | "single", ReceiptV2> = {} as Record<"batch" | "single", ReceiptV2>;
      let checkpoint: Checkpoint;

      before(async function () {
        const nodePort = await freePort();
        rpcUrl = `http://127.0.0.1:${nodePort}`;
        node = start(nodePort, chainId);
        await waitForRpc(rpcUrl, node);
        const { code, output } = await run("npm", ["run", "deploy", "--", "--network", "private"], {
          RPC_URL: rpcUrl,
          PRIVATE_KEY: deployer.privateKey,
          CHAIN_ID: String(chainId),
          HARDHAT_IGNITION_CONFIRM_DEPLOYMENT: "true",
        });
        expect(code, output).to.equal(0);
        const address = (await readRegistryAddress(IGNITION_DIR, chainId))!;

        const provider = new JsonRpcProvider(rpcUrl, Network.from(chainId), { staticNetwork: true, cacheTimeout: -1 });
        try {
          v1 = await anchorSamples({
            registry: DocumentRegistry__factory.connect(address, deployer.connect(provider)),
            stranger: devAccount(5).connect(provider),
            provider,
            send: (method, params) => provider.send(method, params),
            chainId,
          });
          // The checkpoint comes a few blocks after the anchorings, as it would in use.
          for (let i = 0; i < 5; i++) await provider.send("evm_mine", []);
        } finally {
          provider.destroy();
        }
        port = httpJsonRpc(rpcUrl);
        const made = await checkpointFromNode(port);
        checkpoint = made.checkpoint;
        const linker = historyLinker(port, made.history);
        v2.batch = await buildReceiptV2(port, v1.batch, { linker });
        v2.single = await buildReceiptV2(port, v1.single, { linker });
      });

      after(async function () {
        await rm(deploymentDirFor(IGNITION_DIR, chainId), { recursive: true, force: true });
        if (node && !node.hasExited) await node.stop();
      });

      describe("while the node runs", function () {
        it(`holds the anchoring transactions as the trie does (${legacy ? "legacy RLP" : "EIP-1559 typed envelopes"})`, function () {
          for (const receipt of [v2.batch, v2.single]) {
            const firstByte = parseInt(receipt.evidence.transaction.raw.slice(2, 4), 16);
            expect(firstByte >= 0xc0, `first byte 0x${firstByte.toString(16)}`).to.equal(legacy);
            if (!legacy) expect(firstByte).to.equal(0x02);
          }
          expect(v2.batch.evidence.transaction.proof.length, "a block of three transactions").to.be.greaterThan(1);
          expect(v2.single.evidence.transaction.proof).to.have.length(1);
        });

        it("verifies both receipts with the node as trust anchor", async function () {
          const anchor = nodeAnchor(rpcUrl, nodeBlockHashLookup(port));
          for (const receipt of [v2.batch, v2.single])
            expectGenuine(await verifyReceiptOffline(receipt.sha256, receipt, anchor));
        });

        it("builds the same evidence from an ethers provider as from the batching HTTP port", async function () {
          const provider = new JsonRpcProvider(rpcUrl, Network.from(chainId), { staticNetwork: true });
          try {
            const { link: _link, ...unlinked } = v2.batch.evidence;
            expect(await buildReceiptV2(provider, v1.batch)).to.deep.equal({ ...v2.batch, evidence: unlinked });
          } finally {
            provider.destroy();
          }
        });

        it("refuses a receipt of another chain", async function () {
          await expectRefused(
            buildReceiptV2(port, { ...v1.batch, chainId: chainId + 1 }),
            "receipt-wrong-chain",
            new RegExp(`the node serves chain ${chainId}`),
          );
        });

        it("refuses a receipt the chain contradicts, naming what differs", async function () {
          await expectRefused(
            buildReceiptV2(port, { ...v1.batch, timestamp: v1.batch.timestamp + 1 }),
            "receipt-tampered",
            /has timestamp \d+, not \d+/,
          );
          await expectRefused(
            buildReceiptV2(port, { ...v1.single, registrar: devAccount(7).address }),
            "receipt-tampered",
            /signed by .* not by the receipt's registrar/,
          );
          await expectRefused(
            buildReceiptV2(port, { ...v1.batch, txHash: v1.single.txHash }),
            "receipt-tampered",
            /is not in block/,
          );
        });

        it("never builds against block 0", async function () {
          await expectRefused(buildReceiptV2(port, { ...v1.batch, blockNumber: 0 }), "receipt-tampered", /block 0/);
        });
      });

      describe("after the node is stopped", function () {
        let anchor: TrustAnchor;

        before(async function () {
          const pid = node.pid;
          await node.stop();
          expect(groupAlive(pid), "node processes left running").to.equal(false);
          anchor = checkpointAnchor(checkpoint);
        });

        it("verifies both receipts against the pinned checkpoint", async function () {
          for (const receipt of [v2.batch, v2.single]) {
            const result = await verifyReceiptOffline(receipt.sha256, receipt, anchor);
            expectGenuine(result);
            expect(result.verdict.summary).to.equal(
              `anchored; revocation not checked — offline; the block hash is held by the checkpoint at block ` +
                `${checkpoint.blockNumber} (${checkpoint.blockHash}) of chain ${chainId}.`,
            );
          }
        });

        for (const kind of ["batch", "single"] as const) {
          for (const tampering of TAMPERINGS.filter((t) => kind === "batch" || !t.batchOnly)) {
            it(`reveals ${tampering.what} (${kind === "batch" ? "batch member" : "single document"})`, async function () {
              const { receipt, sha256 } = tampering.tamper(v2[kind], v2[kind].sha256);
              expectRevealed(await verifyReceiptOffline(sha256, receipt, anchor), tampering);
            });
          }
        }

        it("fails against a checkpoint whose accumulator does not hold the block hash", async function () {
          const forged = {
            ...checkpoint,
            accumulator: { ...checkpoint.accumulator, root: `0x${randomBytes(32).toString("hex")}` as Hex32 },
          };
          const result = await verifyReceiptOffline(v2.batch.sha256, v2.batch, checkpointAnchor(forged));
          expect(result.checks.filter((check) => !check.passed).map((check) => check.name)).to.deep.equal([
            "trust-anchor",
          ]);
          expect(result.verdict.reason).to.match(/is not the one the checkpoint at block \d+ commits to/);
        });

        it("fails against a checkpoint at another block hash than the link's", async function () {
          const other = { ...checkpoint, blockHash: `0x${randomBytes(32).toString("hex")}` as Hex32 };
          const result = await verifyReceiptOffline(v2.single.sha256, v2.single, checkpointAnchor(other));
          expect(result.verdict.valid).to.equal(false);
          expect(result.verdict.reason).to.match(
            /link was made for the checkpoint at block \d+ \(0x[0-9a-f]{64}\), not for this one/,
          );
        });

        it("cannot hold with the stopped node as trust anchor", async function () {
          const result = await verifyReceiptOffline(
            v2.batch.sha256,
            v2.batch,
            nodeAnchor(rpcUrl, nodeBlockHashLookup(port)),
          );
          expect(result.checks.filter((check) => !check.passed).map((check) => check.name)).to.deep.equal([
            "trust-anchor",
          ]);
          expect(result.verdict.reason).to.match(/could not be asked/);
        });
      });
    });
  }
});
