/**
 * Verification in this browser, with the same proof core as the service and the CLI: a version 2
 * receipt's evidence checked against a checkpoint file (no node, no service), or read-only against
 * a chain's JSON-RPC URL (the block hash and the revocation, from the chain itself).
 */
import { Interface } from "ethers";
import { toBytes32 } from "../../proof/digest";
import { CheckpointSchema } from "../../proof/history-accumulator";
import {
  checkpointAnchor,
  nodeAnchor,
  verifyReceiptOffline,
  type EvidenceCheck,
  type OfflineVerdict,
} from "../../proof/offline-verification";
import { parseAnyReceipt, type ReceiptV2 } from "../../proof/receipt-v2";
import { revocationReasonName } from "../../proof/revocation-reasons";

export type BrowserCheckMode = { kind: "checkpoint"; checkpoint: File } | { kind: "rpc"; url: string };

/** A check of the chain's present state, beside the evidence's: only with a node. */
export interface StateCheck {
  name: "chain-id" | "revocation";
  passed: boolean;
  message: string;
}

export interface BrowserVerification {
  status: "anchored" | "revoked" | "unknown" | "invalid-receipt";
  /** Revocation not checked: no node was asked (the checkpoint mode). */
  offline: boolean;
  /** One line for people: what held, or the first thing that failed. */
  summary: string;
  verdict: OfflineVerdict;
  checks: (EvidenceCheck | StateCheck)[];
}

/** A problem with the input, not a verdict: said to the user as it is. */
export class InputProblem extends Error {}

const REGISTRY_VERIFY = new Interface([
  "function verify(bytes32 digest, bytes32 root, bytes32[] proof) view returns (uint8 status, " +
    "tuple(address registrar, uint40 anchoredAt, uint40 blockNumber, uint16 leafCount) anchorRecord, " +
    "tuple(address revokedBy, uint40 revokedAt, uint40 blockNumber, uint16 reason) revocation)",
]);

let rpcId = 1;
async function rpc(url: string, method: string, params: unknown[]): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: rpcId++, method, params }),
    });
  } catch {
    throw new InputProblem(
      `The chain at ${url} cannot be reached from this page (it is down, or this service does not allow the page to call it).`,
    );
  }
  const answer = (await response.json().catch(() => ({}))) as { result?: unknown; error?: { message?: string } };
  if (!response.ok || answer.error !== undefined) {
    throw new InputProblem(`The chain at ${url} refused ${method}: ${answer.error?.message ?? response.status}.`);
  }
  return answer.result;
}

async function readCheckpoint(file: File) {
  let json: unknown;
  try {
    json = JSON.parse(await file.text());
  } catch {
    throw new InputProblem(`${file.name} is not JSON, so it is not a checkpoint.`);
  }
  const parsed = CheckpointSchema.safeParse(json);
  if (!parsed.success) throw new InputProblem(`${file.name} is not a Docproof checkpoint.`);
  return parsed.data;
}

/** The receipt as version 2; a version 1 receipt carries no evidence to check here. */
export function receiptV2Of(receipt: unknown): ReceiptV2 {
  const parsed = parseAnyReceipt(receipt);
  if (parsed.version !== 2) {
    throw new InputProblem(
      "This is a version 1 receipt: it carries no evidence to check in the browser. Ask the service, or download " +
        "the version 2 receipt (…/receipt?version=2).",
    );
  }
  return parsed;
}

async function revocationCheck(url: string, receipt: ReceiptV2): Promise<StateCheck> {
  const data = REGISTRY_VERIFY.encodeFunctionData("verify", [
    toBytes32(receipt.sha256),
    receipt.merkleRoot,
    receipt.proof,
  ]);
  const result = (await rpc(url, "eth_call", [{ to: receipt.registry, data }, "latest"])) as string;
  const [status, , revocation] = REGISTRY_VERIFY.decodeFunctionResult("verify", result);
  const code = Number(status);
  if (code === 1)
    return { name: "revocation", passed: true, message: "The registry holds the anchoring, not revoked." };
  if (code === 2) {
    const at = new Date(Number(revocation.revokedAt) * 1000).toISOString();
    const reason = Number(revocation.reason);
    return {
      name: "revocation",
      passed: false,
      message: `Revoked on ${at} by ${revocation.revokedBy} (reason ${reason}, ${revocationReasonName(reason)}).`,
    };
  }
  return {
    name: "revocation",
    passed: false,
    message: "The registry has no anchoring of this document under the root.",
  };
}

/** Verifies `receipt` for the document whose SHA-256 is `sha256`, here, as `mode` says. */
export async function verifyInBrowser(
  sha256: string,
  receipt: ReceiptV2,
  mode: BrowserCheckMode,
): Promise<BrowserVerification> {
  const digest = sha256 as ReceiptV2["sha256"];
  if (mode.kind === "checkpoint") {
    const checkpoint = await readCheckpoint(mode.checkpoint);
    const { verdict, checks } = await verifyReceiptOffline(digest, receipt, checkpointAnchor(checkpoint));
    return { status: verdict.status, offline: true, summary: verdict.summary, verdict, checks };
  }
  const chainId = Number(await rpc(mode.url, "eth_chainId", []));
  const chainCheck: StateCheck =
    chainId === receipt.chainId
      ? { name: "chain-id", passed: true, message: `The node serves chain ${chainId}, the receipt's.` }
      : {
          name: "chain-id",
          passed: false,
          message: `The node serves chain ${chainId}, not the receipt's ${receipt.chainId}.`,
        };
  const lookup = async (blockNumber: number) => {
    const block = (await rpc(mode.url, "eth_getBlockByNumber", [`0x${blockNumber.toString(16)}`, false])) as {
      hash?: string;
    } | null;
    return block?.hash?.toLowerCase();
  };
  const evidence = await verifyReceiptOffline(digest, receipt, nodeAnchor(`at ${mode.url}`, lookup));
  const revocation = await revocationCheck(mode.url, receipt);
  const checks = [...evidence.checks, chainCheck, revocation];
  const failed = checks.filter((check) => !check.passed);
  const onlyRevoked = failed.length === 1 && failed[0] === revocation && revocation.message.startsWith("Revoked");
  const status =
    failed.length === 0
      ? "anchored"
      : onlyRevoked
        ? "revoked"
        : evidence.verdict.status === "unknown"
          ? "unknown"
          : "invalid-receipt";
  return {
    status,
    offline: false,
    summary:
      failed.length === 0
        ? `anchored and not revoked: the chain at ${mode.url} holds the block and the registry's record.`
        : `not valid: ${failed[0].message}`,
    verdict: evidence.verdict,
    checks,
  };
}
