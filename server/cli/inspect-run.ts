import { readFile } from "node:fs/promises";
import { isoFromUnixSeconds } from "../api/wire";
import { readReceiptFromCertificate } from "../certificate/receipt-attachment";
import { isDocproofError } from "../errors";
import { checkReceiptConsistency } from "../proof/receipt";
import { parseAnyReceipt, type AnyReceipt, type ReceiptV2 } from "../proof/receipt-v2";
import { printJson, resolvePath, type CliContext } from "./cli-context";
import { CliError, EXIT_NOT_VALID } from "./cli-error";

/** Bytes of a 0x-hex string. */
const byteLength = (hex: string) => (hex.length - 2) / 2;

function evidenceSummary(receipt: ReceiptV2) {
  const { block, transaction, receipt: txReceipt, link, witnesses } = receipt.evidence;
  return {
    blockHash: block.hash,
    headerBytes: byteLength(block.header),
    transaction: { index: transaction.index, bytes: byteLength(transaction.raw), proofNodes: transaction.proof.length },
    receipt: { bytes: byteLength(txReceipt.raw), proofNodes: txReceipt.proof.length },
    link:
      link === undefined
        ? undefined
        : {
            checkpointBlock: link.checkpoint.blockNumber,
            checkpointHash: link.checkpoint.blockHash,
            hashes: link.epochProof.length + link.accumulatorProof.length,
          },
    witnesses: (witnesses ?? []).map((witness) => witness.signer),
  };
}

/** What checking the receipt takes, in sentences: the document, a node and registry, trust anchors. */
function requirements(receipt: AnyReceipt): string[] {
  const needs = [
    `the document itself: its SHA-256 must be ${receipt.sha256} (docproof hash <file>)`,
    `online: a JSON-RPC endpoint of chain ${receipt.chainId} and trust in the registry ${receipt.registry} ` +
      "(whoever holds its admin role names its registrars): docproof verify <file> --receipt <receipt> --rpc <url> " +
      "checks the anchoring and whether it was revoked since",
  ];
  if (receipt.version === 2) {
    const { link, witnesses } = receipt.evidence;
    needs.push(
      `offline, without a node: something trusted to vouch for the hash of block ${receipt.blockNumber}, ` +
        `${receipt.evidence.block.hash}: a node of chain ${receipt.chainId} you trust, ` +
        (link === undefined
          ? "or a checkpoint (this receipt carries no link to one)"
          : `or the checkpoint of block ${link.checkpoint.blockNumber} (${link.checkpoint.blockHash}), pinned beforehand, ` +
            "which this receipt's link reaches") +
        ((witnesses ?? []).length === 0
          ? ""
          : `, or a trust file whose witnesses include enough of the ${witnesses!.length} that cosigned the block`),
      "revocation is not in the evidence: checking it needs a node (docproof verify --rpc)",
    );
  }
  return needs;
}

async function readReceiptValue(context: CliContext, file: string): Promise<{ value: unknown; source: string }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(resolvePath(context, file));
  } catch (error) {
    throw new CliError("usage", `Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? "unreadable"}.`);
  }
  if (bytes.subarray(0, 5).toString("latin1") === "%PDF-") {
    try {
      return { value: await readReceiptFromCertificate(bytes), source: "certificate" };
    } catch (error) {
      throw new CliError("usage", `${file}: ${(error as Error).message}`, { cause: error });
    }
  }
  return { value: bytes.toString("utf8"), source: "receipt" };
}

/** Prints what the receipt in `file` says and what checking it takes; sets the exit status. */
export async function runInspect(context: CliContext, file: string, options: { json?: boolean }): Promise<void> {
  const { value, source } = await readReceiptValue(context, file);
  let receipt: AnyReceipt;
  try {
    receipt = parseAnyReceipt(value);
  } catch (error) {
    if (isDocproofError(error, "receipt-malformed")) throw new CliError("usage", `${file}: ${error.message}`);
    throw error;
  }
  let consistency: { consistent: boolean; detail: string };
  try {
    checkReceiptConsistency(receipt);
    consistency = {
      consistent: true,
      detail: "the leaf is the SHA-256's and the proof leads from it to the Merkle root",
    };
  } catch (error) {
    if (!isDocproofError(error, "receipt-tampered")) throw error;
    consistency = { consistent: false, detail: error.message };
  }
  const evidence = receipt.version === 2 ? evidenceSummary(receipt) : undefined;
  const needs = requirements(receipt);
  if (options.json) {
    printJson(context, {
      file,
      source,
      version: receipt.version,
      sha256: receipt.sha256,
      leaf: receipt.leaf,
      merkleRoot: receipt.merkleRoot,
      proofLength: receipt.proof.length,
      leafCount: receipt.leafCount,
      chainId: receipt.chainId,
      registry: receipt.registry,
      txHash: receipt.txHash,
      blockNumber: receipt.blockNumber,
      timestamp: receipt.timestamp,
      timestampIso: isoFromUnixSeconds(receipt.timestamp),
      registrar: receipt.registrar,
      ...consistency,
      ...(evidence === undefined ? {} : { evidence }),
      needs,
    });
  } else {
    const rows: [string, string][] = [
      ["document", `SHA-256 ${receipt.sha256}`],
      ["leaf", receipt.leaf],
      [
        "merkle root",
        `${receipt.merkleRoot} (${receipt.leafCount === 1 ? "a single document" : `a batch of ${receipt.leafCount} documents`}, ` +
          `proof of ${receipt.proof.length} hash${receipt.proof.length === 1 ? "" : "es"})`,
      ],
      [
        "anchored",
        `${isoFromUnixSeconds(receipt.timestamp)} (unix ${receipt.timestamp}) in block ${receipt.blockNumber}`,
      ],
      ["transaction", receipt.txHash],
      ["registrar", receipt.registrar],
      ["registry", `${receipt.registry} on chain ${receipt.chainId}`],
      ["consistency", `${consistency.consistent ? "yes" : "NO"}: ${consistency.detail} (checked here, offline)`],
    ];
    if (evidence !== undefined) {
      rows.push(
        ["block", `hash ${evidence.blockHash}, header of ${evidence.headerBytes} bytes`],
        [
          "tx evidence",
          `index ${evidence.transaction.index}, ${evidence.transaction.bytes} bytes, ` +
            `proof of ${evidence.transaction.proofNodes} trie nodes under transactionsRoot`,
        ],
        [
          "receipt ev.",
          `${evidence.receipt.bytes} bytes, proof of ${evidence.receipt.proofNodes} trie nodes under receiptsRoot`,
        ],
        [
          "link",
          evidence.link === undefined
            ? "none"
            : `to the checkpoint of block ${evidence.link.checkpointBlock} (${evidence.link.checkpointHash}), ${evidence.link.hashes} hashes`,
        ],
        ["witnesses", evidence.witnesses.length === 0 ? "none" : evidence.witnesses.join(", ")],
      );
    }
    const what = source === "certificate" ? `the receipt attached to ${file}` : file;
    const lines = [`Docproof receipt, version ${receipt.version}: ${what}`];
    for (const [label, text] of rows) lines.push(`  ${label.padEnd(12)} ${text}`);
    lines.push("To check it:", ...needs.map((need) => `  - ${need}`));
    context.stdout.write(`${lines.join("\n")}\n`);
  }
  if (!consistency.consistent) context.exitCode = EXIT_NOT_VALID;
}
