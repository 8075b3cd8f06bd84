import { expect } from "chai";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { HDNodeWallet, JsonRpcProvider, Mnemonic, Network } from "ethers";
import { DEV_MNEMONIC } from "../../server/chain/local-chain";
import { DocumentRegistry__factory } from "../../typechain-types";
import { docproofProcess } from "../server/cli/cli-fixture";
import { freePort, groupAlive, ManagedProcess, poll } from "../support/processes";

const member = (index: number) =>
  HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${index}`);
const ADMIN = member(0);
const A = member(1);
const C = member(3);

async function json<T = Record<string, unknown>>(
  url: string,
  body?: unknown,
): Promise<{ status: number; body: T; text: string }> {
  const response = await fetch(url, {
    method: body === undefined ? "GET" : "POST",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as T, text };
}

/**
 * `npm run consortium`: one durable chain and three member services (Bank A, Registry B, Fleet C),
 * driven through their HTTP APIs as the members' customers would.
 */
describe("a consortium on one machine (npm run consortium)", function () {
  this.timeout(420_000);
  const dir = mkdtempSync(path.join(tmpdir(), "docproof-consortium-"));
  let consortium: ManagedProcess;
  let rpcUrl: string;
  let registry: string;
  const url: Record<"A" | "B" | "C", string> = { A: "", B: "", C: "" };
  const randomDigest = () => createHash("sha256").update(randomBytes(32)).digest("hex");
  let first: string;
  let second: string;

  async function anchoredAt(base: string, sha256: string) {
    return poll(`${sha256} anchored at ${base}`, async () => {
      const { body } = await json<{ status: string }>(`${base}/api/v1/documents/${sha256}`).catch(() => ({
        body: { status: "" },
      }));
      return body.status === "anchored" ? true : undefined;
    });
  }

  async function verdictAt(base: string, sha256: string, status: string) {
    return poll(`${status} at ${base}`, async () => {
      const { body } = await json<{ status: string; anchoredBy?: { name?: string; address: string } }>(
        `${base}/api/v1/verify`,
        { sha256 },
      );
      return body.status === status ? body : undefined;
    });
  }

  before(async function () {
    const firstPort = await freePort();
    const rpcPort = await freePort();
    url.A = `http://127.0.0.1:${firstPort}`;
    url.B = `http://127.0.0.1:${firstPort + 1}`;
    url.C = `http://127.0.0.1:${firstPort + 2}`;
    rpcUrl = `http://127.0.0.1:${rpcPort}`;
    consortium = new ManagedProcess("npm", ["run", "consortium"], {
      env: {
        ...process.env,
        CONSORTIUM_DIR: dir,
        CONSORTIUM_PORT: String(firstPort),
        CONSORTIUM_RPC_PORT: String(rpcPort),
      },
    });
    await poll(
      "the consortium to be up",
      async () => {
        if (consortium.hasExited) throw new Error(consortium.log);
        return consortium.log.includes("Consortium is up:") ? true : undefined;
      },
      240_000,
    );
    registry = /registry {2}(0x[0-9a-fA-F]{40})/.exec(consortium.log)![1];
  });

  after(async function () {
    if (consortium !== undefined && !consortium.hasExited) {
      process.kill(-consortium.pid, "SIGINT");
      await consortium.wait();
      await poll(
        "every member and the chain to stop",
        async () => (groupAlive(consortium.pid) ? undefined : true),
        30_000,
      ).catch(() => consortium.stop());
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("prints each member's URL and organisation, and each answers /api/v1/info with its own registrar", async function () {
    for (const [label, name] of [
      ["A", "Bank A"],
      ["B", "Registry B"],
      ["C", "Fleet C"],
    ] as const) {
      expect(consortium.log).to.include(`${url[label]}  ${name}`);
    }
    expect((await json<{ registrar: string }>(`${url.A}/api/v1/info`)).body.registrar).to.equal(A.address);
    expect((await json<{ registrar: string }>(`${url.C}/api/v1/info`)).body.registrar).to.equal(C.address);
  });

  it("lets B and C verify by file alone what A notarized, anchored by A's name", async function () {
    first = randomDigest();
    second = randomDigest();
    for (const sha256 of [first, second]) {
      expect((await json(`${url.A}/api/v1/documents`, { sha256 })).status).to.be.oneOf([200, 202]);
      await anchoredAt(url.A, sha256);
    }
    for (const base of [url.B, url.C]) {
      const verdict = await verdictAt(base, first, "anchored");
      expect(verdict.anchoredBy).to.deep.include({ name: "Bank A", address: A.address });
    }
    const directory = await json<{ registrars: { name?: string; anchorings: number }[] }>(`${url.B}/api/v1/registrars`);
    expect(directory.body.registrars.find((r) => r.name === "Bank A")?.anchorings).to.be.at.least(1);
  });

  it("shows B the revocation A makes", async function () {
    const revoked = await json(`${url.A}/api/v1/documents/${first}/revoke`, { reason: "superseded" });
    expect(revoked.status, revoked.text).to.equal(200);
    await verdictAt(url.B, first, "revoked");
  });

  it("stops A from anchoring once the admin removes its role, while A's earlier documents still verify at B", async function () {
    const provider = new JsonRpcProvider(rpcUrl, Network.from(31338), { staticNetwork: true, cacheTimeout: -1 });
    try {
      const contract = DocumentRegistry__factory.connect(registry, ADMIN.connect(provider));
      await (await contract.revokeRole(await contract.REGISTRAR_ROLE(), A.address)).wait();
      // Once A's index has followed the revocation, A refuses new documents it could never anchor.
      const refusal = await poll("A to refuse new documents", async () => {
        const answer = await json<{ type: string; detail: string }>(`${url.A}/api/v1/documents`, {
          sha256: randomDigest(),
        });
        return answer.status === 202 ? undefined : answer;
      });
      expect(refusal.status).to.equal(503);
      expect(refusal.body.type).to.equal("urn:docproof:problem:registrar-inactive");
      expect(refusal.body.detail).to.include(A.address);
      const late = randomDigest();
      expect((await json(`${url.A}/api/v1/documents`, { sha256: late })).status).to.equal(503);
      expect((await json(`${url.A}/api/v1/documents/${late}`)).status, "nothing queued").to.equal(404);
      expect((await contract.documentAnchorOf(`0x${late}`)).registrar).to.equal(
        "0x0000000000000000000000000000000000000000",
      );
      const verdict = await verdictAt(url.B, second, "anchored");
      expect(verdict.anchoredBy).to.deep.include({ name: "Bank A" });
      const directory = await json<{ registrars: { address: string; active: boolean }[] }>(
        `${url.B}/api/v1/registrars`,
      );
      await poll("B's directory to show A without the role", async () => {
        const now = await json<{ registrars: { address: string; active: boolean }[] }>(`${url.B}/api/v1/registrars`);
        return now.body.registrars.find((r) => r.address === A.address)?.active === false ? true : undefined;
      });
      expect(directory.status).to.equal(200);
    } finally {
      provider.destroy();
    }
  });

  it("lets C rebuild its index from the chain alone, serving receipts identical to A's", async function () {
    const rebuilt = path.join(dir, "member-c-rebuilt");
    const reindexed = await docproofProcess(
      ["reindex", "--rpc", rpcUrl, "--registry", registry, "--data-dir", rebuilt],
      {
        DOCPROOF_PRIVATE_KEY: C.privateKey,
      },
    );
    expect(reindexed.code, reindexed.output).to.equal(0);
    const port = await freePort();
    const served = new ManagedProcess(
      process.execPath,
      [
        path.join(__dirname, "..", "..", "bin", "docproof.js"),
        "serve",
        "--rpc",
        rpcUrl,
        "--registry",
        registry,
        "--data-dir",
        rebuilt,
        "--port",
        String(port),
      ],
      { env: { ...process.env, DOCPROOF_PRIVATE_KEY: C.privateKey, PRIVATE_KEY: "" } },
    );
    try {
      const base = `http://127.0.0.1:${port}`;
      await poll("C, rebuilt, to serve", async () => {
        if (served.hasExited) throw new Error(served.log);
        return (await fetch(`${base}/healthz`).catch(() => undefined))?.ok ? true : undefined;
      });
      for (const sha256 of [first, second]) {
        const fromA = await json(`${url.A}/api/v1/documents/${sha256}/receipt`);
        const fromC = await json(`${base}/api/v1/documents/${sha256}/receipt`);
        expect(fromC.status).to.equal(200);
        expect(fromC.text, "byte-identical").to.equal(fromA.text);
      }
    } finally {
      await served.stop();
    }
  });
});
