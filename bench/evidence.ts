/**
 * Receipts v2, measured: the size of a receipt with its evidence against version 1 (one document,
 * and a member of a 1,000-document batch), the time to build and to verify one offline, and the
 * speed at which a checkpoint's accumulator is read from a node (Anvil and a Hardhat node).
 *
 *   npx hardhat compile && npx ts-node bench/evidence.ts
 *   BENCH_BLOCKS=50000 npx ts-node bench/evidence.ts      (blocks mined for the accumulator; 20,000)
 *
 * `npm run bench` measures the receipts (measureReceipts); run alone, this also measures the
 * accumulator, and prints its figures as JSON on the last line.
 */
import { randomBytes, randomInt } from "node:crypto";
import { gzipSync } from "node:zlib";
import { JsonRpcProvider, Network, toQuantity } from "ethers";
import { DocumentRegistry__factory } from "../typechain-types";
import { buildReceiptV2 } from "../server/chain/evidence-builder";
import { checkpointFromNode, historyLinker } from "../server/chain/history-accumulator";
import { httpJsonRpc, type JsonRpcPort } from "../server/chain/json-rpc";
import { fromBytes32, type Hex32 } from "../server/proof/digest";
import { buildBatch } from "../server/proof/merkle";
import { checkpointAnchor, verifyReceiptOffline } from "../server/proof/offline-verification";
import { buildReceipt, serializeReceipt, type ReceiptV1 } from "../server/proof/receipt";
import type { ReceiptV2 } from "../server/proof/receipt-v2";
import { devAccount } from "../test/support/dev-accounts";
import { freePort, startAnvil, startHardhatNode, waitForRpc, type ManagedProcess } from "../test/support/processes";
import { percentile } from "./lib/stats";

const randomDigests = (count: number) =>
  Array.from({ length: count }, () => `0x${randomBytes(32).toString("hex")}` as Hex32);

const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 20_000);
/** A complete OpenTimestamps proof (one Bitcoin attestation), the usual yardstick of a portable timestamp proof. */
export const OPENTIMESTAMPS_PROOF_BYTES = 688;
const VERIFY_RUNS = 50;

async function startNode(
  kind: "anvil" | "hardhat",
): Promise<{ node: ManagedProcess; rpcUrl: string; chainId: number }> {
  const port = await freePort();
  const chainId = 400_000 + randomInt(100_000);
  const rpcUrl = `http://127.0.0.1:${port}`;
  const node = kind === "anvil" ? startAnvil(port, chainId) : startHardhatNode(port, chainId);
  await waitForRpc(rpcUrl, node);
  if (kind === "hardhat") await httpJsonRpc(rpcUrl).send("hardhat_setLoggingEnabled", [false]);
  return { node, rpcUrl, chainId };
}

/** Anchors `size` documents (a single `anchor` for 1) and returns the v1 receipt of one of them. */
async function anchorOne(rpcUrl: string, chainId: number, registryAddress: string, size: number): Promise<ReceiptV1> {
  const provider = new JsonRpcProvider(rpcUrl, Network.from(chainId), { staticNetwork: true, cacheTimeout: -1 });
  try {
    const registrar = devAccount(0).connect(provider);
    const registry = DocumentRegistry__factory.connect(registryAddress, registrar);
    const batch = buildBatch(randomDigests(size));
    const sent =
      size === 1 ? await registry.anchor(batch.digests[0]) : await registry.anchorBatch(batch.root, [...batch.digests]);
    const mined = (await sent.wait())!;
    const block = (await provider.getBlock(mined.blockNumber))!;
    const member = batch.digests[size >> 1];
    return buildReceipt(fromBytes32(member), batch.proofOf(member), {
      merkleRoot: batch.root,
      leafCount: size,
      chainId,
      registry: registryAddress,
      txHash: mined.hash as Hex32,
      blockNumber: mined.blockNumber,
      timestamp: block.timestamp,
      registrar: registrar.address,
    });
  } finally {
    provider.destroy();
  }
}

const bytes = (text: string) => Buffer.byteLength(text);
const compact = (receipt: unknown) => bytes(JSON.stringify(receipt));
const hexBytes = (hex: string) => (hex.length - 2) / 2;

function composition(receipt: ReceiptV2) {
  const { evidence } = receipt;
  const proofBytes = (nodes: string[]) => nodes.reduce((sum, node) => sum + hexBytes(node), 0);
  return {
    headerBytes: hexBytes(evidence.block.header),
    transactionBytes: hexBytes(evidence.transaction.raw),
    transactionProofBytes: proofBytes(evidence.transaction.proof),
    receiptBytes: hexBytes(evidence.receipt.raw),
    receiptProofBytes: proofBytes(evidence.receipt.proof),
    linkJsonBytes: evidence.link === undefined ? 0 : compact(evidence.link),
  };
}

export interface ReceiptSizes {
  batch: number;
  v1Bytes: number;
  v2Bytes: number;
  v1CompactBytes: number;
  v2CompactBytes: number;
  headerBytes: number;
  transactionBytes: number;
  transactionProofBytes: number;
  receiptBytes: number;
  receiptProofBytes: number;
  linkJsonBytes: number;
  buildMs: number;
  verifyFirstMs: number;
  verifyMedianMs: number;
}

/**
 * Receipt v2 against v1 and an OpenTimestamps proof, for one document anchored alone and a member of
 * a 1,000-document batch, on a fresh Anvil node: sizes (indented as served, and compact), what the
 * evidence is made of, and the time to build it and to verify it offline with a checkpoint.
 */
export async function measureReceipts(): Promise<ReceiptSizes[]> {
  const { node, rpcUrl, chainId } = await startNode("anvil");
  try {
    const provider = new JsonRpcProvider(rpcUrl, Network.from(chainId), { staticNetwork: true });
    const registry = await new DocumentRegistry__factory(devAccount(0).connect(provider)).deploy(
      0,
      devAccount(0).address,
      [devAccount(0).address],
    );
    await registry.waitForDeployment();
    const registryAddress = await registry.getAddress();
    provider.destroy();
    const receipts = {
      one: await anchorOne(rpcUrl, chainId, registryAddress, 1),
      thousand: await anchorOne(rpcUrl, chainId, registryAddress, 1_000),
    };
    const port: JsonRpcPort = httpJsonRpc(rpcUrl);
    await port.send("anvil_mine", [toQuantity(10)]);
    const { checkpoint, history } = await checkpointFromNode(port);
    const linker = historyLinker(port, history);
    const rows = [];
    for (const [name, v1] of Object.entries(receipts)) {
      let started = performance.now();
      const v2 = await buildReceiptV2(port, v1, { linker });
      const buildMs = performance.now() - started;
      const anchor = checkpointAnchor(checkpoint);
      started = performance.now();
      const first = await verifyReceiptOffline(v2.sha256, v2, anchor);
      const firstMs = performance.now() - started;
      if (!first.verdict.valid) throw new Error(`the ${name} receipt does not verify: ${first.verdict.reason}`);
      const times: number[] = [];
      for (let i = 0; i < VERIFY_RUNS; i++) {
        started = performance.now();
        await verifyReceiptOffline(v2.sha256, v2, anchor);
        times.push(performance.now() - started);
      }
      rows.push({
        batch: v1.leafCount,
        v1Bytes: bytes(serializeReceipt(v1)),
        v2Bytes: bytes(serializeReceipt(v2)),
        v1CompactBytes: compact(v1),
        v2CompactBytes: compact(v2),
        v2OverV1: Number((bytes(serializeReceipt(v2)) / bytes(serializeReceipt(v1))).toFixed(1)),
        v2OverOpenTimestamps: Number((bytes(serializeReceipt(v2)) / OPENTIMESTAMPS_PROOF_BYTES).toFixed(1)),
        v2GzipBytes: gzipSync(serializeReceipt(v2)).length,
        ...composition(v2),
        buildMs: Number(buildMs.toFixed(1)),
        verifyFirstMs: Number(firstMs.toFixed(1)),
        verifyMedianMs: Number(percentile(times, 50).toFixed(2)),
      });
    }
    return rows;
  } finally {
    await node.stop();
  }
}

async function measureAccumulator(kind: "anvil" | "hardhat", blocks: number) {
  const { node, rpcUrl } = await startNode(kind);
  try {
    const port = httpJsonRpc(rpcUrl, 600_000);
    if (kind === "anvil") {
      for (let mined = 0; mined < blocks; mined += 2_000)
        await port.send("anvil_mine", [toQuantity(Math.min(2_000, blocks - mined))]);
    } else {
      // NOTE: hardhat_mine leaves blocks whose parentHash reads 0x00…00, which no history can link:
      // mine them one by one, in batched requests.
      for (let mined = 0; mined < blocks; mined += 500) {
        await port.sendBatch!(
          Array.from({ length: Math.min(500, blocks - mined) }, () => ({ method: "evm_mine", params: [] })),
        );
      }
    }
    const rows = [];
    for (const batchSize of [100, 256, 1_000]) {
      const started = performance.now();
      const { checkpoint } = await checkpointFromNode(port, { batchSize });
      const seconds = (performance.now() - started) / 1000;
      rows.push({
        node: kind,
        blocks: checkpoint.accumulator.blockCount,
        batchSize,
        seconds: Number(seconds.toFixed(2)),
        blocksPerSecond: Math.round(checkpoint.accumulator.blockCount / seconds),
      });
    }
    return rows;
  } finally {
    await node.stop();
  }
}

async function main() {
  const receipts = await measureReceipts();
  console.table(receipts);
  const accumulator = [
    ...(await measureAccumulator("anvil", BLOCKS)),
    ...(await measureAccumulator("hardhat", Math.min(BLOCKS, 5_000))),
  ];
  console.table(accumulator);
  console.log(JSON.stringify({ receipts, accumulator }));
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
