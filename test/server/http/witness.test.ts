import { expect } from "chai";
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { writeFileSync } from "node:fs";
import path from "node:path";
import request from "supertest";
import type { Sha256Hex } from "../../../server/proof/digest";
import type { ChainWitnessRecord } from "../../../server/timestamp/witness-imprint";
import { createOpensslTsa, type OpensslTsa } from "../../support/openssl-tsa";
import { poll, run } from "../../support/processes";
import { startTimeStampServer, type TimeStampServer } from "../../support/time-stamp-server";
import { tempDir } from "../../support/unit-fixtures";
import { docproof } from "../cli/cli-fixture";
import { openTestService, TestChain, type ServiceHarness } from "../service-fixture";

const API_KEY = "witness-test-api-key-0123456789";
const sha256 = (content: Buffer) => createHash("sha256").update(content).digest("hex") as Sha256Hex;

describe("the chain witnessed by an outside TSA (WITNESS_TSA_URL)", function () {
  this.timeout(180_000);
  const chain = new TestChain();
  const scratch = tempDir("docproof-witness-http-");
  let outside: OpensslTsa;
  let tsaServer: TimeStampServer;
  let failing = false;
  let harness: ServiceHarness;
  const app = () => harness.service.app;
  const rpc = (method: string, params: unknown[] = []) =>
    fetch(chain.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    }).then((response) => response.json() as Promise<{ result: unknown }>);
  const head = async () => {
    const { result } = await rpc("eth_getBlockByNumber", ["latest", false]);
    const block = result as { number: string; hash: string };
    return { number: Number(block.number), hash: block.hash };
  };

  /** `openssl ts -verify` of a witness token against the block hash's 32 bytes, as an auditor runs it. */
  async function auditorVerifies(blockHash: string, reply: Uint8Array): Promise<string> {
    const name = `witness-${blockHash.slice(2, 10)}`;
    writeFileSync(path.join(scratch.dir, `${name}.bin`), Buffer.from(blockHash.slice(2), "hex"));
    writeFileSync(path.join(scratch.dir, `${name}.tsr`), reply);
    const result = await run("sh", [
      "-c",
      `cd "${scratch.dir}" && exec openssl ts -verify -data ${name}.bin -in ${name}.tsr -CAfile "${outside.caFile}" 2>&1`,
    ]);
    return result.output;
  }

  before(async function () {
    outside = createOpensslTsa(scratch.dir);
    tsaServer = await startTimeStampServer((query) =>
      failing ? Promise.reject(new Error("the outside TSA is down")) : outside.reply(query),
    );
    await chain.start();
    await rpc("evm_mine");
    harness = await openTestService(chain, {
      apiKeys: [API_KEY],
      batchIntervalMs: 200,
      witness: { url: tsaServer.url, caFile: outside.caFile, intervalMs: 3_600_000 },
    });
    harness.service.start();
  });

  after(async function () {
    await harness?.close();
    await chain.stop();
    await tsaServer?.close();
    scratch.remove();
  });

  it("time-stamps the latest final block at start, and openssl ts -verify accepts the stored token", async function () {
    const witnessed = await poll("the first witness", () => harness.service.store.witnesses.latestWitness());
    const latest = await head();
    expect(Number(witnessed.blockNumber)).to.equal(latest.number);
    expect(witnessed.blockHash).to.equal(latest.hash);
    expect(witnessed.authority).to.equal(tsaServer.url);
    expect(await auditorVerifies(witnessed.blockHash, witnessed.reply)).to.include("Verification: OK");
    expect(harness.logs.some((line) => line.includes("the outside TSA time-stamped the chain's final block"))).to.be
      .true;
  });

  it("shows the first witness covering an anchoring's block beside it, in the document and the verdict", async function () {
    const content = randomBytes(300);
    const digest = sha256(content);
    await request(app()).post("/api/v1/documents").set("authorization", `Bearer ${API_KEY}`).send({ sha256: digest });
    const anchored = await poll("anchoring", async () => {
      const { body } = await request(app()).get(`/api/v1/documents/${digest}`).expect(200);
      return body.status === "anchored" ? body : undefined;
    });
    // The witness taken at start is of an older block: it says nothing of this anchoring.
    expect(anchored).to.not.have.property("witnessedBy");

    const stamped = await request(app()).post("/api/v1/witness").set("authorization", `Bearer ${API_KEY}`).expect(201);
    expect(stamped.body.blockNumber).to.be.at.least(anchored.receipt.blockNumber);
    expect(stamped.body.authority).to.equal(tsaServer.url);
    const token = Buffer.from(stamped.body.token, "base64");
    expect(await auditorVerifies(stamped.body.blockHash, token)).to.include("Verification: OK");

    const again = await request(app()).post("/api/v1/witness").set("authorization", `Bearer ${API_KEY}`).expect(200);
    expect(again.body).to.deep.equal(stamped.body);

    const document = await request(app()).get(`/api/v1/documents/${digest}`).expect(200);
    expect(document.body.witnessedBy).to.deep.equal(stamped.body);
    const verdict = await request(app()).post("/api/v1/verify").send({ sha256: digest }).expect(200);
    expect(verdict.body).to.include({ valid: true, status: "anchored" });
    expect(verdict.body.witnessedBy).to.deep.equal(stamped.body);

    const server = app().listen(0, "127.0.0.1");
    try {
      await once(server, "listening");
      const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const document = path.join(scratch.dir, "deed.bin");
      writeFileSync(document, content);
      const cli = await docproof(["verify", document, "--api", api]);
      expect(cli.code, cli.stderr).to.equal(0);
      expect(cli.stdout).to.include(
        `witnessed    block ${stamped.body.blockNumber} existed by ${stamped.body.genTime}, time-stamped by ${tsaServer.url}`,
      );
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it("needs the API key to witness on demand", async function () {
    const refused = await request(app()).post("/api/v1/witness").expect(401);
    expect(refused.body.type).to.equal("urn:docproof:problem:unauthorized");
    const wrongMethod = await request(app()).get("/api/v1/witness").expect(405);
    expect(wrongMethod.headers.allow).to.equal("POST");
  });

  it("answers 502 witness-failed when the outside TSA fails, and witnesses again once it is back", async function () {
    await rpc("evm_mine");
    failing = true;
    const failed = await request(app()).post("/api/v1/witness").set("authorization", `Bearer ${API_KEY}`).expect(502);
    expect(failed.body.type).to.equal("urn:docproof:problem:witness-failed");
    expect(failed.body.detail).to.include(tsaServer.url).and.include("HTTP 500");

    failing = false;
    const latest = await head();
    const stamped = await request(app()).post("/api/v1/witness").set("authorization", `Bearer ${API_KEY}`).expect(201);
    expect(stamped.body).to.include({ blockNumber: latest.number, blockHash: latest.hash });
    const stored: ChainWitnessRecord | undefined = await harness.service.store.witnesses.latestWitness();
    expect(stored?.blockHash).to.equal(latest.hash);
  });

  it("answers 409 witness-not-configured on a service without an outside TSA", async function () {
    const plain = await openTestService(chain);
    try {
      const response = await request(plain.service.app).post("/api/v1/witness").expect(409);
      expect(response.type).to.equal("application/problem+json");
      expect(response.body.type).to.equal("urn:docproof:problem:witness-not-configured");
    } finally {
      await plain.close();
    }
  });
});
