import { expect } from "chai";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { docproofProcess } from "../server/cli/cli-fixture";
import { freePort, groupAlive, ManagedProcess, poll, waitForRpc } from "../support/processes";

const LOCAL_RPC = "http://127.0.0.1:8545";

async function rpc<T>(method: string, params: unknown[] = []): Promise<T> {
  const response = await fetch(LOCAL_RPC, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return ((await response.json()) as { result: T }).result;
}

/** The local Anvil node's process id, from the file the service keeps beside the chain's state. */
const anvilPid = (dataDir: string) =>
  (JSON.parse(readFileSync(path.join(dataDir, "chain", "anvil.pid"), "utf8")) as { pid: number }).pid;

const answering = () =>
  fetch(LOCAL_RPC, { method: "POST" }).then(
    () => true,
    () => false,
  );

describe("npm start (zero configuration)", function () {
  this.timeout(300_000);
  let service: ManagedProcess;
  let base: string;
  let env: NodeJS.ProcessEnv;
  const dataDir = mkdtempSync(path.join(tmpdir(), "docproof-start-"));
  const files = mkdtempSync(path.join(tmpdir(), "docproof-start-files-"));
  /** Documents reported anchored, with their receipts, as a user would keep them. */
  const kept: { file: string; digest: string; receipt: Record<string, unknown> }[] = [];
  let genesis: string;

  async function start() {
    service = new ManagedProcess("npm", ["start"], { env });
    await poll("the service to answer /healthz", async () => {
      if (service.hasExited) throw new Error(service.log);
      const response = await fetch(`${base}/healthz`);
      return response.status === 200 ? true : undefined;
    }).catch((error: Error) => {
      throw new Error(`${error.message}\n${service.log}`);
    });
  }

  async function notarize(): Promise<void> {
    const content = randomBytes(4096);
    const digest = createHash("sha256").update(content).digest("hex");
    const file = path.join(files, `${digest.slice(0, 8)}.bin`);
    writeFileSync(file, content);
    const form = new FormData();
    form.append("file", new Blob([content]), "doc.bin");
    const accepted = await fetch(`${base}/api/v1/documents`, { method: "POST", body: form });
    expect(accepted.status).to.equal(202);
    const receipt = await poll("anchoring", async () => {
      const body = (await (await fetch(`${base}/api/v1/documents/${digest}`)).json()) as {
        status: string;
        receipt?: Record<string, unknown>;
      };
      return body.status === "anchored" ? body.receipt : undefined;
    });
    writeFileSync(`${file}.receipt.json`, JSON.stringify(receipt, null, 2));
    kept.push({ file, digest, receipt: receipt! });
  }

  /** Every kept document is anchored, and its receipt verifies through the API and with `docproof verify --rpc`. */
  async function expectEveryReceiptVerifies() {
    for (const { file, digest, receipt } of kept) {
      const status = (await (await fetch(`${base}/api/v1/documents/${digest}`)).json()) as { status: string };
      expect(status.status, digest).to.equal("anchored");
      const verdict = await fetch(`${base}/api/v1/verify`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ sha256: digest, receipt }),
      });
      expect(((await verdict.json()) as { status: string }).status, digest).to.equal("anchored");
      const { code, output } = await docproofProcess(["verify", file, "--rpc", LOCAL_RPC]);
      expect(code, output).to.equal(0);
      expect(output).to.match(/ANCHORED/);
    }
  }

  before(async function () {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = { ...process.env, PORT: String(port), DATA_DIR: dataDir, BATCH_INTERVAL_MS: "200" };
    for (const name of ["RPC_URL", "PRIVATE_KEY", "REGISTRY_ADDRESS", "API_KEYS", "HOST", "LOCAL_CHAIN"]) {
      delete env[name];
    }
    await start();
  });

  after(async function () {
    if (service && !service.hasExited) await service.stop();
    // The local chain runs in a process group of its own: stop it too if a test left it.
    if (existsSync(path.join(dataDir, "chain", "anvil.pid"))) {
      try {
        process.kill(anvilPid(dataDir), "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(files, { recursive: true, force: true });
  });

  it("prints the page, API and health URLs, the chain's RPC URL and where its state lives", function () {
    expect(service.log).to.match(new RegExp(`page +${base}/`));
    expect(service.log).to.match(new RegExp(`API +${base}/api/v1/openapi.json`));
    expect(service.log).to.match(
      new RegExp(`chain +${LOCAL_RPC} \\(chain id 31337, anvil, saved in .*anvil-state.json\\)`),
    );
    expect(service.log).to.match(/registry +0x[0-9a-fA-F]{40}/);
    expect(service.log).to.match(/registrar +0x[0-9a-fA-F]{40}/);
    expect(service.log).to.include(`data      ${dataDir}`);
    expect(service.log).to.not.include("WARNING");
  });

  it("serves the page", async function () {
    const response = await fetch(`${base}/`);
    expect(response.status).to.equal(200);
    expect(response.headers.get("content-type")).to.match(/^text\/html/);
  });

  it("notarizes an upload and anchors it on the local chain", async function () {
    await notarize();
    expect(kept[0].receipt).to.have.property("sha256", kept[0].digest);
    expect(await waitForRpc(LOCAL_RPC, service)).to.equal(31337n);
    genesis = (await rpc<{ hash: string }>("eth_getBlockByNumber", ["0x0", false])).hash;
  });

  it("stops the service and the chain it started on SIGINT", async function () {
    const pid = service.pid;
    process.kill(-pid, "SIGINT");
    const code = await service.wait();
    // npm itself ends on the signal, as in a terminal; the service logs its own orderly stop.
    expect(code === 0 || service.child.signalCode === "SIGINT", `exit ${code}`).to.equal(true);
    await poll(
      "the service's stop message",
      async () => (service.log.includes('"message":"stopping"') ? true : undefined),
      5_000,
    );
    await poll("the process group to end", async () => (groupAlive(pid) ? undefined : true), 15_000);
    await poll("the local chain to stop", async () => ((await answering()) ? undefined : true), 15_000);
  });

  it("comes back on the same chain after Ctrl-C: every receipt issued before still verifies", async function () {
    await start();
    expect((await rpc<{ hash: string }>("eth_getBlockByNumber", ["0x0", false])).hash).to.equal(genesis);
    const block = Number(kept[0].receipt.blockNumber);
    const header = await rpc<{ hash: string } | null>("eth_getBlockByNumber", [`0x${block.toString(16)}`, false]);
    expect(header, "the anchoring block").to.not.equal(null);
    await expectEveryReceiptVerifies();
  });

  it("comes back after the service and the chain node are killed together (SIGKILL)", async function () {
    await notarize();
    await notarize();
    // The moment the last document is reported anchored, kill everything without warning.
    const node = anvilPid(dataDir);
    process.kill(-service.pid, "SIGKILL");
    process.kill(node, "SIGKILL");
    await service.wait();
    await poll("the local chain to die", async () => ((await answering()) ? undefined : true), 15_000);

    await start();
    expect((await rpc<{ hash: string }>("eth_getBlockByNumber", ["0x0", false])).hash).to.equal(genesis);
    await expectEveryReceiptVerifies();
  });
});
