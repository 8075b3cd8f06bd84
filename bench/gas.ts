/**
 * Gas report: single anchor, batches of 1/10/100/1,000 (and the largest batch), revoke, and the
 * view cost of a Merkle verification, measured on the in-process Hardhat network.
 *
 *   npx hardhat run bench/gas.ts          (also part of `npm run bench`, through bench/run.ts)
 *
 * Prints a Markdown table and, on the last line, one JSON summary.
 */
import hre from "hardhat";
import { randomBytes } from "node:crypto";
import DocumentRegistryModule from "../ignition/modules/DocumentRegistry";
import type { DocumentRegistry } from "../typechain-types";
import { buildBatch, leafOf } from "../server/proof/merkle";
import type { Hex32 } from "../server/proof/digest";

const BATCH_SIZES = [1, 10, 100, 1_000, 12_000];

function digests(count: number): Hex32[] {
  return Array.from({ length: count }, () => `0x${randomBytes(32).toString("hex")}` as Hex32);
}

export interface GasReport {
  hardfork: string;
  singleAnchor: bigint;
  batches: { size: number; gas: bigint; perDocument: bigint }[];
  revokeSingle: bigint;
  revokeBatchMember: bigint;
  verifyView: bigint;
}

export async function measureGas(): Promise<GasReport> {
  const [, registrar] = await hre.ethers.getSigners();
  const { registry: deployed } = await hre.ignition.deploy(DocumentRegistryModule, {
    parameters: { DocumentRegistryModule: { registrar: registrar.address } },
  });
  const registry = (deployed as unknown as DocumentRegistry).connect(registrar);

  const single = digests(1)[0];
  const singleAnchor = (await (await registry.anchor(single)).wait())!.gasUsed;

  const batches = [];
  let largest = buildBatch(digests(1));
  for (const size of BATCH_SIZES) {
    const batch = buildBatch(digests(size));
    const gas = (await (await registry.anchorBatch(batch.root, [...batch.digests])).wait())!.gasUsed;
    batches.push({ size, gas, perDocument: gas / BigInt(size) });
    largest = batch;
  }

  const member = largest.digests[largest.digests.length - 1];
  const proof = largest.proofOf(member);
  const verifyView = await registry.verify.estimateGas(member, largest.root, proof);
  const revokeBatchMember = (await (await registry.revoke(largest.root, member, proof, 1)).wait())!.gasUsed;
  const revokeSingle = (await (await registry.revoke(leafOf(single), single, [], 1)).wait())!.gasUsed;

  return {
    hardfork: hre.config.networks.hardhat.hardfork,
    singleAnchor,
    batches,
    revokeSingle,
    revokeBatchMember,
    verifyView,
  };
}

export function formatGasReport(report: GasReport): string {
  const rows = [
    `Gas on the in-process Hardhat network (hardfork ${report.hardfork}):`,
    "",
    "| operation | gas | gas per document |",
    "| --- | ---: | ---: |",
    `| anchor (single document) | ${report.singleAnchor} | ${report.singleAnchor} |`,
    ...report.batches.map((b) => `| anchorBatch, ${b.size} documents | ${b.gas} | ${b.perDocument} |`),
    `| revoke (single document) | ${report.revokeSingle} | |`,
    `| revoke (member of a ${BATCH_SIZES.at(-1)}-document batch) | ${report.revokeBatchMember} | |`,
    `| verify (view as a transaction: estimateGas incl. 21,000 base, ${BATCH_SIZES.at(-1)}-document batch) | ${report.verifyView} | |`,
  ];
  return rows.join("\n");
}

if (require.main === module) {
  measureGas()
    .then((report) => {
      console.log(formatGasReport(report));
      console.log(JSON.stringify(report, (_key, value) => (typeof value === "bigint" ? Number(value) : value)));
    })
    .catch((error) => {
      console.error(error);
      process.exitCode = 1;
    });
}
