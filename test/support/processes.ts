import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";

export const ROOT = path.resolve(__dirname, "..", "..");
export const BIN = path.join(ROOT, "node_modules", ".bin");

/** A free TCP port on loopback, chosen by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** A spawned process whose output is kept for failure messages, in its own process group. */
export class ManagedProcess {
  readonly child: ChildProcess;
  private output = "";
  private exited: Promise<number | null>;

  constructor(command: string, args: string[], options: SpawnOptions = {}) {
    this.child = spawn(command, args, { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"], ...options });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
    };
    this.child.stdout?.on("data", keep);
    this.child.stderr?.on("data", keep);
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`process did not start:\n${this.output}`);
    return this.child.pid;
  }

  get log(): string {
    return this.output;
  }

  get hasExited(): boolean {
    // exitCode/signalCode are set once the process has exited and been reaped.
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Waits for the process to exit by itself and returns its exit code. */
  wait(): Promise<number | null> {
    return this.exited;
  }

  /** SIGTERM to the whole process group, SIGKILL after `graceMs`; resolves once every member is gone. */
  async stop(graceMs = 5_000): Promise<void> {
    const group = this.pid;
    signalGroup(-group, "SIGTERM");
    const deadline = Date.now() + graceMs;
    while (groupAlive(group) && Date.now() < deadline) await sleep(50);
    if (groupAlive(group)) signalGroup(-group, "SIGKILL");
    while (groupAlive(group) && Date.now() < deadline + graceMs) await sleep(50);
    await this.exited;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function signalGroup(group: number, signal: NodeJS.Signals) {
  try {
    process.kill(group, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

/** True while any process of the group `pid` is alive (zombies, which are already dead, do not count). */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
  } catch {
    return false;
  }
  // kill(0) also succeeds for zombies waiting to be reaped: look at the group's live members.
  return readdirSync("/proc").some((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return fields[0] !== "Z" && Number(fields[2]) === pid;
    } catch {
      return false;
    }
  });
}

/** Runs a command to completion; resolves with its exit code and output. */
export async function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; output: string }> {
  const child = new ManagedProcess(command, args, { env: { ...process.env, ...env } });
  const code = await child.wait();
  return { code, output: child.log };
}

/** Polls `eth_chainId` at `url` until it answers, or throws after `timeoutMs` with the node's log. */
export async function waitForRpc(url: string, node: ManagedProcess, timeoutMs = 60_000): Promise<bigint> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (node.hasExited) throw new Error(`node exited before answering at ${url}:\n${node.log}`);
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      const body = (await response.json()) as { result?: string };
      if (body.result) return BigInt(body.result);
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no answer at ${url} within ${timeoutMs} ms:\n${node.log}`);
}

/** Starts a standalone `hardhat node` on loopback with the given chain id. */
export function startHardhatNode(port: number, chainId: number): ManagedProcess {
  return new ManagedProcess(path.join(BIN, "hardhat"), ["node", "--hostname", "127.0.0.1", "--port", String(port)], {
    env: { ...process.env, LOCAL_CHAIN_ID: String(chainId) },
  });
}

/**
 * The Anvil binary shipped in the platform package of `@foundry-rs/anvil`. Spawned directly rather
 * than through the package's Node wrapper, so that stopping it leaves no orphan behind.
 */
export function anvilBinary(): string {
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const pkg = require.resolve(`@foundry-rs/anvil-${process.platform}-${arch}/package.json`);
  return path.join(path.dirname(pkg), "bin", process.platform === "win32" ? "anvil.exe" : "anvil");
}

/** Starts an Anvil node (an independent EVM implementation) on loopback with the given chain id. */
export function startAnvil(port: number, chainId: number, extraArgs: string[] = []): ManagedProcess {
  return new ManagedProcess(
    anvilBinary(),
    ["--host", "127.0.0.1", "--port", String(port), "--chain-id", String(chainId), ...extraArgs],
    { env: process.env },
  );
}

/** Polls `probe` until it returns a value other than undefined; fails after `timeoutMs`. */
export async function poll<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`);
}
