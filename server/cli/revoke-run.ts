import { access } from "node:fs/promises";
import { isoFromUnixSeconds, REVOCATION_REASON_NAMES, RevocationReasonSchema } from "../api/wire";
import type { RegistryClient } from "../chain/registry-client";
import { toBytes32, type Hex32, type Sha256Hex } from "../proof/digest";
import { checkReceiptConsistency, type ReceiptV1 } from "../proof/receipt";
import { parseAnyReceipt, receiptV1Of } from "../proof/receipt-v2";
import { revocationReasonName } from "../proof/revocation-reasons";
import { connectRegistry } from "./chain-connection";
import { printJson, resolvePath, type CliContext } from "./cli-context";
import { CliError, EXIT_NOT_VALID } from "./cli-error";
import { documentArgument, type DocumentArgument } from "./document-argument";
import { digestReceiptPathFor, readReceiptFor } from "./receipt-file";
import type { RevokeOptions } from "./revoke";
import { ServiceClient, ServiceProblem } from "./service-client";

/** A revocation as the registry records it, and whether this command made it. */
interface Outcome {
  revokedNow: boolean;
  revokedAt: number;
  reason: number;
  revokedBy: string;
  txHash?: Hex32;
  merkleRoot?: Hex32;
  registry?: string;
  chainId?: number;
}

/** The reason as the API takes it: a code (digits) or a name, checked here before anything is sent. */
function parsedReason(text: string | undefined): number {
  if (text === undefined) throw new CliError("usage", "revoke needs --reason <code or name>, such as superseded.");
  const value = /^\d+$/.test(text) ? Number(text) : text;
  const result = RevocationReasonSchema.safeParse(value);
  if (!result.success) {
    throw new CliError(
      "usage",
      `--reason must be a reason code from 0 to 65535 or one of the names ${REVOCATION_REASON_NAMES.join(", ")}; ` +
        `got "${text}".`,
    );
  }
  return result.data;
}

async function throughService(document: DocumentArgument, reason: number, options: RevokeOptions, apiKey?: string) {
  const client = new ServiceClient(options.api!, apiKey);
  let revokedNow = true;
  let view;
  try {
    view = await client.revoke(document.sha256, reason);
  } catch (error) {
    if (!(error instanceof ServiceProblem) || error.problem !== "already-revoked") throw error;
    revokedNow = false;
    view = await client.document(document.sha256);
  }
  const revocation = view.revocation;
  if (revocation === undefined) {
    throw new CliError("service-error", `The service answered ${document.sha256} as ${view.status}, not revoked.`);
  }
  return {
    revokedNow,
    revokedAt: revocation.revokedAt,
    reason: revocation.reason,
    revokedBy: revocation.revokedBy,
    txHash: revocation.txHash as Hex32,
    merkleRoot: view.receipt?.merkleRoot,
    registry: view.receipt?.registry,
    chainId: view.receipt?.chainId,
  } satisfies Outcome;
}

/** The receipt that names the anchoring: --receipt, else the one beside the file, else `<sha256>.receipt.json` here. */
async function receiptFor(context: CliContext, document: DocumentArgument, explicit?: string) {
  let found: { path: string; text: string } | undefined;
  if (document.file !== undefined || explicit !== undefined) {
    found = await readReceiptFor(context, document.file ?? ".", document.sha256, explicit);
  } else {
    const candidate = digestReceiptPathFor(`./${document.sha256}`, document.sha256);
    const exists = await access(resolvePath(context, candidate)).then(
      () => true,
      () => false,
    );
    if (exists) found = await readReceiptFor(context, ".", document.sha256, candidate);
  }
  if (found === undefined) return undefined;
  let receipt: ReceiptV1;
  try {
    const parsed = parseAnyReceipt(found.text);
    receipt = parsed.version === 2 ? receiptV1Of(parsed) : parsed;
    checkReceiptConsistency(receipt);
  } catch (error) {
    throw new CliError("usage", `${found.path}: ${(error as Error).message}`, { cause: error });
  }
  if (receipt.sha256 !== document.sha256) {
    throw new CliError("usage", `${found.path} is the receipt of ${receipt.sha256}, not of ${document.sha256}.`);
  }
  return { path: found.path, receipt };
}

async function onChain(
  context: CliContext,
  document: DocumentArgument,
  reason: number,
  options: RevokeOptions,
  key: string | undefined,
): Promise<Outcome> {
  const found = await receiptFor(context, document, options.receipt);
  const connection = await connectRegistry(options.rpc!, options.registry, found?.receipt.registry);
  try {
    const { registry } = connection;
    const digest = toBytes32(document.sha256);
    const claim = found?.receipt ?? (await registry.singleAnchoringOf(digest));
    if (claim === undefined) {
      throw new CliError(
        "usage",
        `No single-document anchoring of ${document.sha256} is on chain: pass the receipt of its batch (--receipt).`,
      );
    }
    const { merkleRoot, proof } = claim;
    const status = await registry.verify(digest, merkleRoot, proof);
    const facts = { merkleRoot, registry: registry.address, chainId: registry.chainId };
    if (status.status === "unknown") {
      throw new CliError(
        "usage",
        `${document.sha256} is not anchored under root ${merkleRoot} on ${registry.address}.`,
      );
    }
    if (status.status === "revoked") {
      const existing = await registry.revocationOf(merkleRoot, digest);
      return {
        revokedNow: false,
        revokedAt: status.revokedAt!,
        reason: status.revocationReason!,
        revokedBy: status.revokedBy!,
        txHash: existing?.txHash,
        ...facts,
      };
    }
    const writer = connection.writer(key, options.confirmations);
    await assertMayRevoke(registry, writer.registrar, status.registrar!);
    const { txHash } = await writer.revoke(merkleRoot, digest, proof, reason);
    const after = await registry.verify(digest, merkleRoot, proof);
    if (after.status !== "revoked")
      throw new Error(`Transaction ${txHash} was mined but the chain does not show the revocation.`);
    return {
      revokedNow: true,
      revokedAt: after.revokedAt!,
      reason: after.revocationReason!,
      revokedBy: after.revokedBy!,
      txHash,
      ...facts,
    };
  } finally {
    connection.close();
  }
}

/** The registry's rule, checked before a transaction that would revert is sent. */
async function assertMayRevoke(registry: RegistryClient, account: string, registrar: string): Promise<void> {
  const anchoredIt = account.toLowerCase() === registrar.toLowerCase() && (await registry.isRegistrar(account));
  if (anchoredIt || (await registry.isAdmin(account))) return;
  throw new CliError(
    "usage",
    `The key's account ${account} may not revoke this document: only the registrar that anchored it, ` +
      `${registrar} (while it holds the role), or the registry's admin can.`,
  );
}

function outcomeText(subject: string, outcome: Outcome): string {
  const rows: [string, string | number | undefined][] = [
    ["reason", `${outcome.reason} (${revocationReasonName(outcome.reason)})`],
    ["revoked", `${isoFromUnixSeconds(outcome.revokedAt)} (unix ${outcome.revokedAt})`],
    ["revoked by", outcome.revokedBy],
    ["transaction", outcome.txHash],
    ["merkle root", outcome.merkleRoot],
    ["registry", outcome.registry === undefined ? undefined : `${outcome.registry} on chain ${outcome.chainId}`],
  ];
  const headline = outcome.revokedNow ? `REVOKED: ${subject}` : `ALREADY REVOKED, nothing sent: ${subject}`;
  const lines = [
    headline,
    ...rows.filter(([, value]) => value !== undefined).map(([l, v]) => `  ${l.padEnd(12)} ${v}`),
  ];
  return `${lines.join("\n")}\n`;
}

/** Revokes the document as `options` say, reports the revocation and sets the exit status. */
export async function runRevoke(context: CliContext, argument: string, options: RevokeOptions): Promise<void> {
  if (options.api !== undefined && options.rpc !== undefined) {
    throw new CliError("usage", "Give --api <url> or --rpc <url>, not both.");
  }
  if (options.api === undefined && options.rpc === undefined) {
    throw new CliError("usage", "revoke needs either --api <url> (the service) or --rpc <url> (the chain).");
  }
  if (options.api !== undefined && (options.receipt !== undefined || options.registry !== undefined)) {
    throw new CliError("usage", "--receipt and --registry go with --rpc; the service knows its documents.");
  }
  const reason = parsedReason(options.reason);
  const document = await documentArgument(context, argument);
  const outcome =
    options.api !== undefined
      ? await throughService(document, reason, options, options.apiKey ?? context.env.DOCPROOF_API_KEY)
      : await onChain(context, document, reason, options, options.key ?? context.env.DOCPROOF_PRIVATE_KEY);
  const sha256: Sha256Hex = document.sha256;
  if (options.json) {
    printJson(context, {
      file: document.file ?? null,
      sha256,
      status: "revoked",
      ...outcome,
      revokedAtIso: isoFromUnixSeconds(outcome.revokedAt),
      reasonName: revocationReasonName(outcome.reason),
    });
  } else {
    context.stdout.write(outcomeText(document.file ?? sha256, outcome));
  }
  if (!outcome.revokedNow) context.exitCode = EXIT_NOT_VALID;
}
