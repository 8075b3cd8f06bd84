import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { coalesce, type ChainDurability } from "./chain-durability";
import { removeUnfinishedReplacements, replaceFileDurably } from "./durable-file";
import { blockAt, callRpc, type BlockIdentity } from "./json-rpc";
import { LocalChainError } from "./local-chain-error";

/** Anvil's state, as `anvil_dumpState` gives it and `--load-state` reads it. */
export const ANVIL_STATE_FILE = "anvil-state.json";
/** What the state directory remembers beside Anvil's state: see {@link ChainRecord}. */
export const CHAIN_RECORD_FILE = "chain.json";
/** Which process serves the saved chain, so a later start can take over a node left running. */
const PROCESS_FILE = "anvil.pid";
/** Anvil's error output (it runs with --quiet: no banner, no per-transaction lines). */
const LOG_FILE = "anvil.log";

/**
 * The genesis is rebuilt from these flags at every start and must hash the same each time, so
 * none of them is left to a default that an Anvil upgrade could change.
 */
const GENESIS_FLAGS = ["--accounts", "10", "--balance", "10000", "--hardfork", "prague"];
const START_TIMEOUT_MS = 120_000;
/** Generous: the dump grows with every anchored document (about 150 bytes each). */
const DUMP_TIMEOUT_MS = 300_000;
const STOP_GRACE_MS = 10_000;
const RPC_PROBE_TIMEOUT_MS = 2_000;
const RPC_CALL_TIMEOUT_MS = 10_000;
const DUMP_ATTEMPTS = 3;

const gunzipAsync = promisify(gunzip);

export interface AnvilChainOptions {
  port: number;
  chainId: number;
  /** Holds the state file, the chain record, the pid file and Anvil's error log. */
  stateDir: string;
  mnemonic: string;
}

/**
 * What the state directory records about its chain. The genesis timestamp is needed to rebuild
 * the same genesis when the state is loaded again; the genesis hash checks that it did; the
 * registry is the one deployed on this chain, so losing Ignition's record does not lead to a
 * second registry on the same chain.
 */
export interface ChainRecord {
  chainId: number;
  genesisTimestamp: number;
  genesisHash: string;
  registry?: string;
}

/**
 * The Anvil binary shipped in the platform package of `@foundry-rs/anvil`. Spawned directly rather
 * than through the package's Node wrapper, so that stopping it leaves no orphan or zombie behind.
 */
export function anvilBinary(): string {
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const pkg = require.resolve(`@foundry-rs/anvil-${process.platform}-${arch}/package.json`);
  return path.join(path.dirname(pkg), "bin", process.platform === "win32" ? "anvil.exe" : "anvil");
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const nowSeconds = () => Math.floor(Date.now() / 1000);
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** A node process: one this process spawned, or one a previous run left behind. */
interface NodeProcess {
  readonly pid: number;
  running(): boolean;
  signal(signal: NodeJS.Signals): void;
  /** True once the process is gone, false if it is still there after `timeoutMs`. */
  waitForExit(timeoutMs: number): Promise<boolean>;
}

function spawnedProcess(child: ChildProcess): NodeProcess {
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // A child that failed to spawn (no pid) never runs and never exits.
  const running = () => child.pid !== undefined && child.exitCode === null && child.signalCode === null;
  return {
    pid: child.pid ?? -1,
    running,
    signal: (signal) => void child.kill(signal),
    waitForExit: async (timeoutMs) => {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      await Promise.race([exited, timedOut]);
      clearTimeout(timer);
      return !running();
    },
  };
}

function adoptedProcess(pid: number): NodeProcess {
  return {
    pid,
    running: () => processAlive(pid),
    signal: (signal) => {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    },
    waitForExit: async (timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      while (processAlive(pid)) {
        if (Date.now() > deadline) return false;
        await sleep(50);
      }
      return true;
    },
  };
}

/** True while `pid` runs; a zombie (dead, not yet reaped by its new parent) does not count. */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (!existsSync("/proc/self/stat")) return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

export async function readChainRecord(stateDir: string): Promise<ChainRecord | undefined> {
  let parsed: Partial<ChainRecord>;
  try {
    parsed = JSON.parse(await readFile(path.join(stateDir, CHAIN_RECORD_FILE), "utf8")) as Partial<ChainRecord>;
  } catch {
    // Missing or unreadable: the state file itself still tells the genesis timestamp.
    return undefined;
  }
  const valid =
    Number.isSafeInteger(parsed.chainId) &&
    Number.isSafeInteger(parsed.genesisTimestamp) &&
    typeof parsed.genesisHash === "string" &&
    (parsed.registry === undefined || typeof parsed.registry === "string");
  return valid ? (parsed as ChainRecord) : undefined;
}

async function writeChainRecord(stateDir: string, record: ChainRecord): Promise<void> {
  await replaceFileDurably(path.join(stateDir, CHAIN_RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

function unreadableState(stateFile: string, reason: string, cause?: unknown): LocalChainError {
  return new LocalChainError(
    "chain-state-unreadable",
    `The local chain's saved state ${stateFile} cannot be loaded (${reason}). It was left as it is, and no ` +
      `new chain was started over it. Restore it from a copy, or move it aside (mv "${stateFile}" ` +
      `"${stateFile}.broken") to start a new, empty chain: documents anchored on the old chain cannot be ` +
      "verified on a new one.",
    { cause },
  );
}

/** The genesis timestamp stored in a state file, for a state directory whose chain record is lost. */
async function genesisTimestampOf(stateFile: string): Promise<number> {
  let state: { blocks?: { header?: { number?: string; timestamp?: string } }[] };
  try {
    state = JSON.parse(await readFile(stateFile, "utf8")) as typeof state;
  } catch (error) {
    throw unreadableState(stateFile, messageOf(error), error);
  }
  const genesis = state.blocks?.find(
    (block) => block.header?.number !== undefined && BigInt(block.header.number) === 0n,
  );
  if (genesis?.header?.timestamp === undefined) throw unreadableState(stateFile, "it holds no genesis block");
  return Number(genesis.header.timestamp);
}

async function answersAt(url: string): Promise<boolean> {
  try {
    await callRpc<string>(url, "eth_chainId", [], RPC_PROBE_TIMEOUT_MS);
    return true;
  } catch {
    return false;
  }
}

/**
 * An Anvil node whose chain lives in a state directory: started from the saved state when there is
 * one, and saved by {@link flush} (which is the only writer of the state file: Anvil's own
 * `--state`/`--state-interval` writer truncates the file in place and can leave it empty when
 * killed).
 *
 * NOTE: the saved state holds blocks, transactions, receipts, logs and the latest account state,
 * not the account state of every past block: after a restart, `eth_call` or `eth_getProof` at a
 * block mined before the restart fails with "BlockOutOfRangeError". Keeping those historical
 * states made the dump about seven times larger and slower.
 */
export class AnvilChain implements ChainDurability {
  readonly rpcUrl: string;
  readonly stateFile: string;
  /** Coalesced: one save runs, one waits; each caller is answered by a save that began after its call. */
  readonly flush: () => Promise<void>;
  private stopping: Promise<void> | undefined;
  private readonly killOnExit = () => {
    if (this.node.running()) this.node.signal("SIGTERM");
  };

  private constructor(
    readonly options: AnvilChainOptions,
    private readonly node: NodeProcess,
    /** How this process came to manage the node. */
    readonly origin: "started-new" | "loaded" | "adopted",
  ) {
    this.rpcUrl = `http://127.0.0.1:${options.port}`;
    this.stateFile = path.join(options.stateDir, ANVIL_STATE_FILE);
    this.flush = coalesce(() => this.save());
    // A crash of this process (an uncaught error, process.exit) must not leave the node running
    // unsaved; a clean stop() saves first and removes this.
    process.on("exit", this.killOnExit);
  }

  get pid(): number {
    return this.node.pid;
  }

  /**
   * Starts Anvil on the saved state in `options.stateDir`, or a new chain (saved at once) when
   * there is none. Refuses, leaving the file untouched, a state it cannot load or that does not
   * come back as the same chain.
   */
  static async start(options: AnvilChainOptions): Promise<AnvilChain> {
    const { stateDir, chainId, port } = options;
    await mkdir(stateDir, { recursive: true });
    const stateFile = path.join(stateDir, ANVIL_STATE_FILE);
    await removeUnfinishedReplacements(stateFile);
    await removeUnfinishedReplacements(path.join(stateDir, CHAIN_RECORD_FILE));
    const loading = existsSync(stateFile);
    const record = await readChainRecord(stateDir);
    if (loading && record !== undefined && record.chainId !== chainId) {
      throw new LocalChainError(
        "chain-state-mismatch",
        `The local chain saved in ${stateFile} has chain id ${record.chainId}, not ${chainId}: start it with ` +
          `chain id ${record.chainId}, or use another state directory.`,
      );
    }
    // A new chain's genesis differs from the previous chain's in this directory, so that a store or
    // receipt of the old chain can never be taken for one of the new.
    const genesisTimestamp = loading
      ? (record?.genesisTimestamp ?? (await genesisTimestampOf(stateFile)))
      : Math.max(nowSeconds(), (record?.genesisTimestamp ?? 0) + 1);

    const args = [
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--chain-id",
      String(chainId),
      "--mnemonic",
      options.mnemonic,
      ...GENESIS_FLAGS,
      "--timestamp",
      String(genesisTimestamp),
      "--quiet",
      ...(loading ? ["--load-state", stateFile] : []),
    ];
    const logFile = path.join(stateDir, LOG_FILE);
    const logFd = openSync(logFile, "w");
    let child: ChildProcess;
    try {
      // Its own process group: Ctrl-C in a terminal reaches the service, which saves the chain
      // and then stops Anvil; Anvil must not die first from the same signal.
      child = spawn(anvilBinary(), args, { detached: true, stdio: ["ignore", "ignore", logFd] });
    } finally {
      closeSync(logFd);
    }
    let spawnError: Error | undefined;
    child.once("error", (error) => (spawnError = error));
    const chain = new AnvilChain(options, spawnedProcess(child), loading ? "loaded" : "started-new");

    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await answersAt(chain.rpcUrl))) {
      if (spawnError !== undefined || !chain.node.running()) {
        await chain.halt();
        const output = (await readFile(logFile, "utf8").catch(() => "")).trim() || messageOf(spawnError);
        if (loading && output.includes("--load-state")) throw unreadableState(stateFile, firstLine(output));
        throw new LocalChainError("chain-start-failed", `Anvil exited at start: ${output}`, { cause: spawnError });
      }
      if (Date.now() > deadline) {
        await chain.halt();
        throw new LocalChainError("chain-start-failed", `Anvil did not answer at ${chain.rpcUrl} within 120 s.`);
      }
      await sleep(100);
    }

    try {
      const genesis = await blockAt(chain.rpcUrl, "0x0");
      const latest = await blockAt(chain.rpcUrl, "latest");
      if (loading) await chain.checkSameChain(record, genesis, latest);
      // Blocks count time from the genesis timestamp unless told otherwise: set the clock so new
      // blocks carry the wall-clock time (the time a proof states), never before the last block.
      await callRpc(chain.rpcUrl, "anvil_setTime", [Math.max(nowSeconds(), Number(latest.timestamp))], 10_000);
      if (record?.genesisHash !== genesis.hash || record.genesisTimestamp !== genesisTimestamp) {
        await writeChainRecord(stateDir, {
          chainId,
          genesisTimestamp,
          genesisHash: genesis.hash,
          ...(loading && record?.registry !== undefined ? { registry: record.registry } : {}),
        });
      }
      if (!loading) await chain.flush();
      await writeFile(path.join(stateDir, PROCESS_FILE), JSON.stringify({ pid: chain.pid, port }));
    } catch (error) {
      // Never save over the file here: the node may hold a chain other than the saved one.
      await chain.halt();
      if (error instanceof LocalChainError) throw error;
      throw new LocalChainError("chain-start-failed", `Anvil started but could not be checked: ${messageOf(error)}`, {
        cause: error,
      });
    }
    return chain;
  }

  /**
   * Takes over the Anvil node that a previous run of this state directory left running at
   * `options.port` (its process was killed before it could stop the node), or returns undefined
   * when the node answering there is not that one.
   */
  static async adopt(options: AnvilChainOptions): Promise<AnvilChain | undefined> {
    let recorded: { pid?: unknown; port?: unknown };
    try {
      recorded = JSON.parse(await readFile(path.join(options.stateDir, PROCESS_FILE), "utf8")) as typeof recorded;
    } catch {
      return undefined;
    }
    const pid = recorded.pid;
    if (typeof pid !== "number" || recorded.port !== options.port || !processAlive(pid)) return undefined;
    let commandLine: string[];
    try {
      commandLine = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    } catch {
      return undefined;
    }
    const portAt = commandLine.indexOf("--port");
    if (commandLine[0] !== anvilBinary() || commandLine[portAt + 1] !== String(options.port)) return undefined;
    const record = await readChainRecord(options.stateDir);
    const url = `http://127.0.0.1:${options.port}`;
    const [chainId, genesis] = await Promise.all([
      callRpc<string>(url, "eth_chainId", [], RPC_PROBE_TIMEOUT_MS),
      blockAt(url, "0x0"),
    ]).catch(() => [undefined, undefined] as const);
    if (record === undefined || genesis?.hash !== record.genesisHash || Number(chainId) !== options.chainId) {
      return undefined;
    }
    // A run killed during a flush leaves mining paused.
    await callRpc(url, "evm_setAutomine", [true], RPC_CALL_TIMEOUT_MS);
    return new AnvilChain(options, adoptedProcess(pid), "adopted");
  }

  /** The registry this chain's record names, if any. */
  async recordedRegistry(): Promise<string | undefined> {
    return (await readChainRecord(this.options.stateDir))?.registry;
  }

  /** Records `address` as this chain's registry. Call after a flush that includes its deployment. */
  async recordRegistry(address: string): Promise<void> {
    const record = await readChainRecord(this.options.stateDir);
    if (record === undefined || record.registry?.toLowerCase() === address.toLowerCase()) return;
    await writeChainRecord(this.options.stateDir, { ...record, registry: address });
  }

  /** Saves the chain, then stops Anvil (SIGTERM, SIGKILL after 10 s). A failed save is thrown after the stop. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      let saveFailure: unknown;
      if (this.node.running()) await this.flush().catch((error: unknown) => (saveFailure = error));
      await this.halt();
      await rm(path.join(this.options.stateDir, PROCESS_FILE), { force: true });
      if (saveFailure !== undefined) throw saveFailure;
    })();
    return this.stopping;
  }

  /** Stops the node without saving. */
  private async halt(): Promise<void> {
    process.off("exit", this.killOnExit);
    if (!this.node.running()) return;
    this.node.signal("SIGTERM");
    if (await this.node.waitForExit(STOP_GRACE_MS)) return;
    this.node.signal("SIGKILL");
    await this.node.waitForExit(STOP_GRACE_MS);
  }

  private async save(): Promise<void> {
    if (!this.node.running()) {
      throw new LocalChainError(
        "chain-flush-failed",
        `The local chain (Anvil, pid ${this.pid}) has stopped: what it mined since its last save to ` +
          `${this.stateFile} is lost.`,
      );
    }
    try {
      const bytes = Buffer.from((await this.consistentDump()).slice(2), "hex");
      // Anvil answers gzip; --load-state reads plain JSON only.
      const json = bytes[0] === 0x1f && bytes[1] === 0x8b ? await gunzipAsync(bytes) : bytes;
      if (json[0] !== 0x7b) throw new Error("anvil_dumpState did not answer a JSON object");
      await replaceFileDurably(this.stateFile, json);
    } catch (error) {
      throw new LocalChainError(
        "chain-flush-failed",
        `Saving the local chain to ${this.stateFile} failed: ${messageOf(error)}`,
        { cause: error },
      );
    }
  }

  /**
   * anvil_dumpState reads the accounts and the blocks one after the other: a block mined in between
   * leaves a dump whose accounts are a block ahead of its blocks (seen in about a third of the dumps
   * taken while blocks were mined), and loading it would keep a transaction's effects without the
   * transaction. So mining pauses during the dump (transactions sent meanwhile wait in the pool and
   * are mined when it resumes), and a dump counts only if the head did not move while it was taken.
   */
  private async consistentDump(): Promise<string> {
    await callRpc(this.rpcUrl, "evm_setAutomine", [false], RPC_CALL_TIMEOUT_MS);
    try {
      for (let attempt = 1; ; attempt++) {
        const before = await blockAt(this.rpcUrl, "latest");
        const dump = await callRpc<string>(this.rpcUrl, "anvil_dumpState", [], DUMP_TIMEOUT_MS);
        const after = await blockAt(this.rpcUrl, "latest");
        if (after.hash === before.hash) return dump;
        // A block whose mining began before the pause ended during the dump: take it again.
        if (attempt === DUMP_ATTEMPTS) throw new Error(`blocks were still mined during ${DUMP_ATTEMPTS} dumps`);
      }
    } finally {
      await callRpc(this.rpcUrl, "evm_setAutomine", [true], RPC_CALL_TIMEOUT_MS);
    }
  }

  private async checkSameChain(
    record: ChainRecord | undefined,
    genesis: BlockIdentity,
    latest: BlockIdentity,
  ): Promise<void> {
    const firstParent = BigInt(latest.number) >= 1n ? (await blockAt(this.rpcUrl, "0x1")).parentHash : genesis.hash;
    const sameGenesis = record === undefined || record.genesisHash === genesis.hash;
    if (sameGenesis && firstParent === genesis.hash) return;
    throw new LocalChainError(
      "chain-state-mismatch",
      `The local chain loaded from ${this.stateFile} did not come back as the chain that was saved ` +
        `(genesis ${genesis.hash}, expected ${record?.genesisHash ?? firstParent}). It was left as it is; ` +
        `check ${path.join(this.options.stateDir, CHAIN_RECORD_FILE)} and the Anvil version.`,
    );
  }
}

function firstLine(text: string): string {
  return text.split("\n").find((line) => line.trim() !== "") ?? text;
}
