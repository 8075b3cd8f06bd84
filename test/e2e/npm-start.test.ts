import { expect } from "chai";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, groupAlive, ManagedProcess, poll, waitForRpc } from "../support/processes";

describe("npm start (zero configuration)", function () {
  this.timeout(180_000);
  let service: ManagedProcess;
  let base: string;
  const dataDir = mkdtempSync(path.join(tmpdir(), "docproof-start-"));

  before(async function () {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), DATA_DIR: dataDir, BATCH_INTERVAL_MS: "200" };
    for (const name of ["RPC_URL", "PRIVATE_KEY", "REGISTRY_ADDRESS", "API_KEYS", "HOST"]) delete env[name];
    service = new ManagedProcess("npm", ["start"], { env });
    await poll("the service to answer /healthz", async () => {
      if (service.hasExited) throw new Error(service.log);
      const response = await fetch(`${base}/healthz`);
      return response.status === 200 ? true : undefined;
    }).catch((error: Error) => {
      throw new Error(`${error.message}\n${service.log}`);
    });
  });

  after(async function () {
    if (service && !service.hasExited) await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("prints the page, API and health URLs", function () {
    expect(service.log).to.include(`page    ${base}/`);
    expect(service.log).to.include(`API     ${base}/api/v1/openapi.json`);
  });

  it("serves the page", async function () {
    const response = await fetch(`${base}/`);
    expect(response.status).to.equal(200);
    expect(response.headers.get("content-type")).to.match(/^text\/html/);
  });

  it("notarizes an upload and anchors it on the local chain", async function () {
    const content = randomBytes(4096);
    const digest = createHash("sha256").update(content).digest("hex");
    const form = new FormData();
    form.append("file", new Blob([content]), "doc.bin");
    const accepted = await fetch(`${base}/api/v1/documents`, { method: "POST", body: form });
    expect(accepted.status).to.equal(202);
    const receipt = await poll("anchoring", async () => {
      const body = (await (await fetch(`${base}/api/v1/documents/${digest}`)).json()) as {
        status: string;
        receipt?: unknown;
      };
      return body.status === "anchored" ? body.receipt : undefined;
    });
    expect(receipt).to.have.property("sha256", digest);
    expect(await waitForRpc("http://127.0.0.1:8545", service)).to.equal(31337n);
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
    const stillAnswering = await fetch("http://127.0.0.1:8545", { method: "POST" }).then(
      () => true,
      () => false,
    );
    expect(stillAnswering, "the local chain is still running").to.equal(false);
  });
});
