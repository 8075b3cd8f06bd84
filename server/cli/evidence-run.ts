import { SingleBar } from "cli-progress";
import { getAddress, isAddress } from "ethers";
import { readFile, writeFile } from "node:fs/promises";
import { checkpointFromNode, historyLinker } from "../chain/history-accumulator";
import { callNode, httpJsonRpc } from "../chain/json-rpc";
import { readRegistrarDirectory } from "../chain/registrar-directory";
import { isDocproofError } from "../errors";
import { isEvidenceError } from "../proof/evidence-error";
import { BlockHashHistorySchema, type BlockHashHistory } from "../proof/history-accumulator";
import { serializeReceipt } from "../proof/receipt";
import { parseReceiptV2, withLink } from "../proof/receipt-v2";
import { isTrustAnchorError } from "../proof/trust-errors";
import { buildTrustFile, serializeTrustFile } from "../proof/trust-file";
import { connectRegistry } from "./chain-connection";
import { resolvePath, type CliContext, type OutputStream } from "./cli-context";
import { CliError, networkCause } from "./cli-error";
import type { CheckpointOptions, TrustExportOptions } from "./evidence-commands";

/** Below this many blocks to read, a checkpoint takes about a second: no bar. */
const PROGRESS_MIN_BLOCKS = 5_000;
/** A long chain is read in large batches; one request may then take a while. */
const HISTORY_RPC_TIMEOUT_MS = 120_000;

function checkedUrl(rpc: string): string {
  try {
    new URL(rpc);
  } catch {
    throw new CliError("usage", `--rpc must be the chain's JSON-RPC URL, such as http://127.0.0.1:8545; got "${rpc}".`);
  }
  return rpc;
}

function progressBar(stream: OutputStream, total: number) {
  const bar = new SingleBar({
    stream: stream as unknown as NodeJS.WritableStream,
    format: "block hashes [{bar}] {percentage}% {value}/{total} blocks, {eta_formatted} left",
    barCompleteChar: "#",
    barIncompleteChar: "-",
    barsize: Math.max(10, Math.min(40, (stream.columns ?? 80) - 50)),
    fps: 5,
    clearOnComplete: true,
    hideCursor: false,
  });
  bar.start(total, 0);
  return { update: (done: number) => bar.update(done), done: () => bar.stop() };
}

async function readHistory(context: CliContext, file: string): Promise<BlockHashHistory | undefined> {
  let text: string;
  try {
    text = await readFile(resolvePath(context, file), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new CliError("usage", `Cannot read the history ${file}: ${(error as NodeJS.ErrnoException).code}.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = BlockHashHistorySchema.safeParse(json);
  if (!parsed.success) throw new CliError("usage", `${file} is not a block-hash history written by docproof.`);
  return parsed.data;
}

async function writeOutput(context: CliContext, file: string | undefined, text: string, what: string): Promise<void> {
  if (file === undefined) {
    context.stdout.write(text);
    return;
  }
  await writeFile(resolvePath(context, file), text);
  context.stderr.write(`${what} written to ${file}\n`);
}

/** Failures of the node, said in one line. */
function nodeFailure(rpc: string, error: unknown): never {
  if (isDocproofError(error, "chain-unavailable")) {
    throw new CliError("unreachable", `Cannot read the chain at ${rpc} (${networkCause(error.cause ?? error)}).`, {
      cause: error,
    });
  }
  if (isDocproofError(error, "chain-mismatch") || isEvidenceError(error, "history-broken")) {
    throw new CliError("usage", error.message, { cause: error });
  }
  throw error;
}

/** `docproof checkpoint --rpc <url>`: the accumulator of every block hash up to a block, from the node. */
export async function runCheckpoint(context: CliContext, options: CheckpointOptions): Promise<void> {
  const port = httpJsonRpc(checkedUrl(options.rpc), HISTORY_RPC_TIMEOUT_MS);
  const history = options.history === undefined ? undefined : await readHistory(context, options.history);
  let latest: number;
  try {
    latest = Number(await callNode(port, "eth_blockNumber", []));
  } catch (error) {
    nodeFailure(options.rpc, error);
  }
  const toBlock = options.block ?? latest;
  if (toBlock > latest) throw new CliError("usage", `--block ${toBlock} is past the chain's latest block ${latest}.`);
  if (history !== undefined && history.head.blockNumber > toBlock) {
    throw new CliError(
      "usage",
      `The history ${options.history} already reaches block ${history.head.blockNumber}, past ${toBlock}: ` +
        "use another --history file, or none.",
    );
  }
  const from = history?.head.blockNumber ?? 0;
  const bar =
    context.stderr.isTTY === true && toBlock - from >= PROGRESS_MIN_BLOCKS
      ? progressBar(context.stderr, toBlock - from)
      : undefined;
  let result;
  try {
    result = await checkpointFromNode(port, {
      history,
      toBlock,
      batchSize: 500,
      onProgress: (blockNumber) => bar?.update(blockNumber - from),
    });
  } catch (error) {
    nodeFailure(options.rpc, error);
  } finally {
    bar?.done();
  }
  if (options.history !== undefined) {
    await writeFile(resolvePath(context, options.history), `${JSON.stringify(result.history)}\n`);
  }
  const linker = historyLinker(port, result.history);
  for (const file of options.link ?? []) {
    let receipt;
    try {
      receipt = parseReceiptV2(await readFile(resolvePath(context, file), "utf8"));
    } catch (error) {
      if (isDocproofError(error, "receipt-malformed")) throw new CliError("usage", `${file}: ${error.message}`);
      throw new CliError("usage", `Cannot read the receipt ${file}: ${(error as NodeJS.ErrnoException).code}.`);
    }
    let linked;
    try {
      linked = withLink(receipt, await linker.linkFor(receipt.blockNumber, receipt.evidence.block.hash));
    } catch (error) {
      if (isEvidenceError(error, "link-unavailable")) throw new CliError("usage", `${file}: ${error.message}`);
      nodeFailure(options.rpc, error);
    }
    await writeFile(resolvePath(context, file), serializeReceipt(linked));
    context.stderr.write(`${file} linked to the checkpoint at block ${result.checkpoint.blockNumber}\n`);
  }
  const { checkpoint } = result;
  await writeOutput(
    context,
    options.out,
    `${JSON.stringify(checkpoint, null, 2)}\n`,
    `Checkpoint of chain ${checkpoint.chainId} at block ${checkpoint.blockNumber} (${checkpoint.blockHash})`,
  );
}

async function readNames(context: CliContext, file: string): Promise<Map<string, string>> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(resolvePath(context, file), "utf8"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError("usage", `Cannot read the names ${file}: ${code ?? "not JSON"}.`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new CliError("usage", `${file} must be a JSON object {"<address>": "<organisation>"}.`);
  }
  const names = new Map<string, string>();
  for (const [address, name] of Object.entries(json)) {
    if (!isAddress(address) || typeof name !== "string") {
      throw new CliError("usage", `${file}: "${address}" must be an address with an organisation's name.`);
    }
    names.set(getAddress(address), name);
  }
  return names;
}

/** `docproof trust export --rpc <url>`: the registrars as witnesses, with a threshold. */
export async function runTrustExport(context: CliContext, options: TrustExportOptions): Promise<void> {
  const names = options.names === undefined ? new Map<string, string>() : await readNames(context, options.names);
  const connection = await connectRegistry(checkedUrl(options.rpc), options.registry);
  const { registry } = connection;
  let text: string;
  try {
    let registrars;
    try {
      const entries = await readRegistrarDirectory(connection.provider, registry.address, {
        fromBlock: options.fromBlock,
      });
      registrars = await Promise.all(
        entries.map(async ({ address }) => {
          const name = (await registry.organisationOf(address))?.name ?? names.get(getAddress(address));
          return name === undefined ? { address } : { address, name };
        }),
      );
    } catch (error) {
      nodeFailure(options.rpc, error);
    }
    try {
      text = serializeTrustFile(
        buildTrustFile({
          chainId: registry.chainId,
          registry: registry.address,
          registrars,
          threshold: options.threshold,
        }),
      );
    } catch (error) {
      if (isTrustAnchorError(error)) throw new CliError("usage", error.message);
      throw error;
    }
  } finally {
    connection.close();
  }
  await writeOutput(
    context,
    options.out,
    text,
    `Trust file for registry ${registry.address} on chain ${registry.chainId}`,
  );
}
