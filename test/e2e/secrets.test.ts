import { expect } from "chai";
import { createHash, createPrivateKey, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { HDNodeWallet, JsonRpcProvider, Network, Wallet } from "ethers";
import { DocumentRegistry__factory } from "../../typechain-types";
import { buildTimeStampQuery } from "../../server/timestamp/time-stamp-query";
import type { Sha256Hex } from "../../server/proof/digest";
import { BIN, freePort, ManagedProcess, poll, startAnvil, waitForRpc } from "../support/processes";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The service as operators run it (server/main.ts, its own process) with a registrar key derived from
 * a fresh mnemonic, keys in API_KEYS and in API_KEYS_FILE. Every byte it writes to stdout and stderr
 * and every response status line, header and body is kept, through successes, refusals, bad input and
 * a chain that goes away; none may contain a secret.
 */
describe("secrets (the service as a process)", function () {
  this.timeout(180_000);
  const chainId = 800_000 + Math.floor(Math.random() * 100_000);
  const mnemonic = Wallet.createRandom().mnemonic!.phrase;
  const registrar = HDNodeWallet.fromPhrase(mnemonic, undefined, "m/44'/60'/0'/0/0");
  const envKey = `env-${randomBytes(20).toString("hex")}`;
  const fileKey = `file-${randomBytes(20).toString("hex")}`;
  const revokedKey = `revoked-${randomBytes(20).toString("hex")}`;
  const scratch = mkdtempSync(path.join(tmpdir(), "docproof-secrets-"));
  const keysFile = path.join(scratch, "api-keys");
  const seen: string[] = [];
  let logs = "";
  let anvil: ManagedProcess;
  let service: ManagedProcess;
  let base: string;

  async function call(
    method: string,
    url: string,
    init: { key?: string; body?: FormData | string; json?: unknown } = {},
  ) {
    const headers: Record<string, string> = {};
    if (init.key !== undefined) headers.authorization = `Bearer ${init.key}`;
    let body = init.body;
    if (init.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(init.json);
    }
    const response = await fetch(`${base}${url}`, { method, headers, body });
    const text = await response.text();
    seen.push(`${response.status} ${[...response.headers].map(([k, v]) => `${k}: ${v}`).join("\n")}\n${text}`);
    return { status: response.status, text };
  }
  const upload = (content: Buffer) => {
    const form = new FormData();
    form.append("file", new Blob([content]), "doc.bin");
    return form;
  };

  before(async function () {
    const rpcPort = await freePort();
    const rpcUrl = `http://127.0.0.1:${rpcPort}`;
    anvil = startAnvil(rpcPort, chainId, ["--mnemonic", mnemonic]);
    await waitForRpc(rpcUrl, anvil);
    const provider = new JsonRpcProvider(rpcUrl, Network.from(chainId), { staticNetwork: true });
    const deployer = new Wallet(registrar.privateKey, provider);
    const registry = await new DocumentRegistry__factory(deployer).deploy(0, deployer.address, [deployer.address]);
    await registry.waitForDeployment();
    const registryAddress = await registry.getAddress();
    provider.destroy();

    writeFileSync(keysFile, `${fileKey}\n${revokedKey}\n`);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      RPC_URL: rpcUrl,
      PRIVATE_KEY: registrar.privateKey,
      REGISTRY_ADDRESS: registryAddress,
      API_KEYS: envKey,
      API_KEYS_FILE: keysFile,
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: path.join(scratch, "data"),
      BATCH_INTERVAL_MS: "200",
    };
    service = new ManagedProcess(path.join(BIN, "ts-node"), ["server/main.ts"], { env });
    const keep = (chunk: Buffer) => {
      logs += chunk.toString();
    };
    service.child.stdout?.on("data", keep);
    service.child.stderr?.on("data", keep);
    await poll("the service to answer /healthz", async () => {
      if (service.hasExited) throw new Error(logs);
      return (await fetch(`${base}/healthz`)).status === 200 ? true : undefined;
    }).catch((error: Error) => {
      throw new Error(`${error.message}\n${logs}`);
    });
  });

  after(async function () {
    if (service && !service.hasExited) await service.stop();
    if (anvil && !anvil.hasExited) await anvil.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("serves, refuses and fails without writing or answering a key or the mnemonic", async function () {
    // Success: notarize with each valid key, anchor, read, verify, revoke.
    const content = randomBytes(2048);
    const digest = createHash("sha256").update(content).digest("hex");
    expect((await call("POST", "/api/v1/documents", { key: envKey, body: upload(content) })).status).to.equal(202);
    expect(
      (await call("POST", "/api/v1/documents", { key: fileKey, json: { sha256: randomBytes(32).toString("hex") } }))
        .status,
    ).to.equal(202);
    await poll("anchoring", async () => {
      const { text } = await call("GET", `/api/v1/documents/${digest}`);
      return JSON.parse(text).status === "anchored" ? true : undefined;
    });
    expect((await call("GET", `/api/v1/documents/${digest}/receipt`)).status).to.equal(200);
    expect((await call("POST", "/api/v1/verify", { body: upload(content) })).status).to.equal(200);

    // The TSA: open to RFC 3161 clients, with its certificate chain; a token, a rejection, a refusal.
    for (const query of [buildTimeStampQuery(digest as Sha256Hex).der, new Uint8Array([0x30, 0x00])]) {
      const response = await fetch(`${base}/tsa`, {
        method: "POST",
        headers: { "content-type": "application/timestamp-query" },
        body: query,
      });
      const reply = Buffer.from(await response.arrayBuffer());
      expect(response.status).to.equal(200);
      seen.push(`${[...response.headers].map(([k, v]) => `${k}: ${v}`).join("\n")}\n${reply.toString("latin1")}`);
      seen.push(reply.toString("base64"), reply.toString("hex"));
    }
    expect((await call("GET", "/tsa/certificate")).status).to.equal(200);
    expect((await call("POST", "/tsa", { body: "not a query" })).status).to.equal(415);
    expect(
      (await call("POST", `/api/v1/documents/${digest}/revoke`, { key: fileKey, json: { reason: 1 } })).status,
    ).to.equal(200);

    // Refusals: no key, a wrong key, a key with one character changed, a key revoked from the file.
    expect((await call("POST", "/api/v1/documents", { json: { sha256: digest } })).status).to.equal(401);
    expect((await call("POST", "/api/v1/documents", { key: `${envKey}x`, json: { sha256: digest } })).status).to.equal(
      401,
    );
    // The last character changed: to "1" when it is "0", since the key is random hex.
    const oneCharacterOff = `${envKey.slice(0, -1)}${envKey.endsWith("0") ? "1" : "0"}`;
    expect(
      (await call("POST", "/api/v1/documents", { key: oneCharacterOff, json: { sha256: digest } })).status,
    ).to.equal(401);
    writeFileSync(keysFile, `${fileKey}\n`);
    await poll("the revoked key to be refused", async () =>
      (await call("POST", "/api/v1/documents", { key: revokedKey, json: { sha256: digest } })).status === 401
        ? true
        : undefined,
    );

    // Bad input.
    expect((await call("POST", "/api/v1/documents", { key: envKey, json: { sha256: "zz" } })).status).to.equal(400);
    expect(
      (await call("POST", "/api/v1/verify", { json: { sha256: digest, receipt: { version: 1 } } })).status,
    ).to.equal(400);
    expect((await call("GET", "/api/v1/documents/%E0%A4%A")).status).to.equal(400);
    expect((await call("POST", "/api/v1/documents", { key: envKey, body: "{", json: undefined })).status).to.equal(415);

    // The chain goes away: health fails, verification answers 503, queued documents fail to anchor.
    await anvil.stop();
    expect((await call("GET", "/healthz")).status).to.equal(503);
    expect(
      (await call("POST", "/api/v1/verify", { json: { sha256: randomBytes(32).toString("hex") } })).status,
    ).to.equal(503);
    expect(
      (await call("POST", "/api/v1/documents", { key: envKey, json: { sha256: randomBytes(32).toString("hex") } }))
        .status,
    ).to.equal(202);
    await sleep(1_500); // several anchoring attempts against the missing chain
    await call("POST", `/api/v1/documents/${digest}/revoke`, { key: envKey, json: { reason: 2 } });

    await service.stop();
    expect(logs).to.include("docproof is serving");
    expect(logs).to.include("API keys file reloaded");
    expect(logs).to.include("anchoring paused; will retry"); // the chain errors were logged, with their causes

    // The TSA's private key, made at the first start: its scalar in every usual spelling, and the file.
    const tsaKeyPem = readFileSync(path.join(scratch, "data", "tsa", "tsa.key.pem"), "utf8");
    const tsaScalar = Buffer.from(createPrivateKey(tsaKeyPem).export({ format: "jwk" }).d!, "base64url");
    expect(logs).to.include(path.join(scratch, "data", "tsa", "ca.pem"));
    // The file's body also holds the public key and fixed algorithm identifiers, which the certificate
    // shares: it is looked for whole, and its secret part, the scalar, in fragments below.
    const tsaKeyBody = tsaKeyPem.replace(/-----[A-Z ]+-----|\s/g, "");
    expect(`${logs}\n${seen.join("\n")}`.includes(tsaKeyBody), "the TSA key file appears").to.equal(false);
    const secrets: [string, string][] = [
      ["the TSA key's scalar in hex", tsaScalar.toString("hex")],
      ["the TSA key's scalar in upper-case hex", tsaScalar.toString("hex").toUpperCase()],
      ["the TSA key's scalar in base64", tsaScalar.toString("base64")],
      ["the TSA key's scalar in base64url", tsaScalar.toString("base64url")],
      ["the private key", registrar.privateKey],
      ["the private key without 0x", registrar.privateKey.slice(2)],
      ["the private key in upper case", registrar.privateKey.slice(2).toUpperCase()],
      ["the mnemonic", mnemonic],
      ["the API_KEYS key", envKey],
      ["the file key", fileKey],
      ["the revoked key", revokedKey],
    ];
    const everything = `${logs}\n${seen.join("\n")}`;
    expect(seen.length).to.be.greaterThan(15);
    for (const [name, secret] of secrets) {
      expect(everything.includes(secret), `${name} appears in a log line or response`).to.equal(false);
    }
    // Nor does a fragment long enough to matter: any 16 characters of a key, or four words in a row of the mnemonic.
    for (const [name, secret] of secrets.filter(([, s]) => !s.includes(" "))) {
      for (let i = 0; i + 16 <= secret.length; i += 8) {
        expect(everything.includes(secret.slice(i, i + 16)), `part of ${name} appears`).to.equal(false);
      }
    }
    const words = mnemonic.split(" ");
    for (let i = 0; i + 4 <= words.length; i++) {
      expect(everything.includes(words.slice(i, i + 4).join(" ")), "part of the mnemonic appears").to.equal(false);
    }
  });
});
