import { expect } from "chai";
import { once } from "node:events";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { DocumentStore } from "../../../server/store/document-store";
import { parseReceipt } from "../../../server/proof/receipt";
import type { Sha256Hex } from "../../../server/proof/digest";
import { freePort, groupAlive, ManagedProcess, poll } from "../../support/processes";
import { openTestService, type ServiceHarness } from "../service-fixture";
import { deployedChain, deployer, docproof, DOCPROOF_BIN, docproofProcess, scratchDir } from "./cli-fixture";

const API_KEY = "cli-test-api-key-0123456789";

describe("docproof with the service", function () {
  this.timeout(180_000);
  const scratch = scratchDir();
  const file = (name: string, content = `the document ${name}, ${Date.now()}\n`) => {
    const full = path.join(scratch.dir, name);
    if (!existsSync(full)) writeFileSync(full, content);
    return full;
  };
  const sha256Of = (full: string) => createHash("sha256").update(readFileSync(full)).digest("hex") as Sha256Hex;
  let deployment: Awaited<ReturnType<typeof deployedChain>>;

  before(async function () {
    deployment = await deployedChain();
  });

  after(async function () {
    await deployment?.stop();
    scratch.remove();
  });

  describe("notarize and verify --api (service in this process)", function () {
    let harness: ServiceHarness;
    let server: Server;
    let api: string;
    const withKey = { env: { DOCPROOF_API_KEY: API_KEY } };

    before(async function () {
      harness = await openTestService(deployment.chain, {
        registryAddress: deployment.registry,
        apiKeys: [API_KEY],
        batchIntervalMs: 100,
      });
      harness.service.start();
      server = harness.service.app.listen(0, "127.0.0.1");
      await once(server, "listening");
      api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    after(async function () {
      server?.closeAllConnections();
      server?.close();
      await harness?.close();
    });

    it("sends only the digest by default, waits for anchoring and writes the service's receipt", async function () {
      const doc = file("digest-only.pdf");
      const { code, stdout, stderr } = await docproof(["notarize", doc, "--api", api], withKey);
      expect(code, stderr).to.equal(0);
      expect(stdout).to.match(/digest-only\.pdf: anchored in block \d+ \(tx 0x[0-9a-f]{64}\), receipt /);
      const served = await (await fetch(`${api}/api/v1/documents/${sha256Of(doc)}/receipt`)).text();
      expect(readFileSync(`${doc}.receipt.json`, "utf8")).to.equal(served);
    });

    it("exits 1 for a document notarized before and revoked since, still writing its receipt", async function () {
      const doc = file("revoked-later.pdf");
      expect((await docproof(["notarize", doc, "--api", api], withKey)).code).to.equal(0);
      await harness.service.notary.revoke(sha256Of(doc) as Sha256Hex, 2);
      const again = await docproof(["notarize", doc, "--api", api, "--force"], withKey);
      expect(again.code).to.equal(1);
      expect(again.stdout).to.include("revoked-later.pdf: anchored in block");
      expect(again.stdout).to.include("REVOKED");
      expect(again.stderr).to.include("revoked since");
      expect(parseReceipt(readFileSync(`${doc}.receipt.json`, "utf8")).sha256).to.equal(sha256Of(doc));
    });

    it("uploads the files with --upload, and prints JSON", async function () {
      const docs = [file("upload-1.pdf"), file("upload-2.pdf")];
      const { code, stdout, stderr } = await docproof(["notarize", ...docs, "--api", api, "--upload", "--json"], {
        env: {},
      }).then(async (first) => {
        expect(first.code).to.equal(2);
        expect(first.stderr).to.include("401 (unauthorized)");
        return docproof(["notarize", ...docs, "--api", api, "--upload", "--json", "--api-key", API_KEY]);
      });
      expect(code, stderr).to.equal(0);
      const printed = JSON.parse(stdout) as { file: string; sha256: string; status: string; receipt: unknown }[];
      expect(printed.map((r) => [r.file, r.sha256, r.status])).to.deep.equal(
        docs.map((doc) => [doc, sha256Of(doc), "anchored"]),
      );
      for (const doc of docs) {
        expect(parseReceipt(readFileSync(`${doc}.receipt.json`, "utf8")).sha256).to.equal(sha256Of(doc));
      }
    });

    it("returns at once with --no-wait, and fetches the receipt when run again", async function () {
      await harness.service.anchorer.stop();
      try {
        const doc = file("later.pdf");
        const queued = await docproof(["notarize", doc, "--api", api, "--no-wait"], withKey);
        expect(queued.code, queued.stderr).to.equal(0);
        expect(queued.stdout).to.include("later.pdf: pending, not anchored yet");
        expect(queued.stderr).to.include("run the same command again");
        expect(existsSync(`${doc}.receipt.json`)).to.equal(false);

        const timedOut = await docproof(["notarize", doc, "--api", api, "--timeout", "0.5"], withKey);
        expect(timedOut.code).to.equal(1);
        expect(timedOut.stderr).to.include("not anchored within 0.5 s");

        harness.service.start();
        const again = await docproof(["notarize", doc, "--api", api], withKey);
        expect(again.code, again.stderr).to.equal(0);
        expect(parseReceipt(readFileSync(`${doc}.receipt.json`, "utf8")).sha256).to.equal(sha256Of(doc));
      } finally {
        harness.service.start();
      }
    });

    it("verifies through the service: anchored exits 0", async function () {
      const doc = file("digest-only.pdf");
      const { code, stdout } = await docproof(["verify", doc, "--api", api]);
      expect(code, stdout).to.equal(0);
      expect(stdout).to.include(`ANCHORED: ${doc}`);
      expect(stdout).to.include(`checked with the service at ${api}, receipt ${doc}.receipt.json`);
    });

    it("verifies through the service: a modified file is unknown, a tampered receipt invalid, both exit 1", async function () {
      const doc = file("digest-only.pdf");
      const modified = file("digest-only-modified.pdf", `${readFileSync(doc, "utf8")}!`);
      const unknown = await docproof(["verify", modified, "--api", api, "--json"]);
      expect(unknown.code).to.equal(1);
      expect(JSON.parse(unknown.stdout)).to.include({ status: "unknown", valid: false, receiptFile: null });

      const receipt = parseReceipt(readFileSync(`${doc}.receipt.json`, "utf8"));
      writeFileSync(
        file("bad-leaf.json", ""),
        // The last hex digit changed (whatever it was), so the leaf is never the receipt's own.
        JSON.stringify({ ...receipt, leaf: receipt.leaf.replace(/.$/, (last) => (last === "0" ? "1" : "0")) }),
      );
      const tampered = await docproof(["verify", doc, "--api", api, "--receipt", file("bad-leaf.json"), "--json"]);
      expect(tampered.code, tampered.stdout).to.equal(1);
      expect(JSON.parse(tampered.stdout)).to.include({ status: "invalid-receipt", valid: false });
    });

    it("finds the receipt the API downloads, <sha256>.receipt.json, beside the file, and says so", async function () {
      const folder = path.join(scratch.dir, "downloads");
      mkdirSync(folder, { recursive: true });
      const doc = file("downloads/statement.pdf");
      expect((await docproof(["notarize", doc, "--api", api, "--upload"], withKey)).code).to.equal(0);
      rmSync(`${doc}.receipt.json`);
      const sha256 = sha256Of(doc);
      const download = await fetch(`${api}/api/v1/documents/${sha256}/receipt`);
      expect(download.headers.get("content-disposition")).to.include(`${sha256}.receipt.json`);
      const downloaded = path.join(folder, `${sha256}.receipt.json`);
      writeFileSync(downloaded, await download.text());

      const onChain = await docproof(["verify", doc, "--rpc", deployment.chain.rpcUrl]);
      expect(onChain.code, onChain.stdout).to.equal(0);
      expect(onChain.stdout).to.include(`checked with the chain at ${deployment.chain.rpcUrl}, receipt ${downloaded}`);
      const relative = await docproof(["verify", "statement.pdf", "--api", api, "--json"], { cwd: folder });
      expect(relative.code, relative.stdout).to.equal(0);
      expect(JSON.parse(relative.stdout)).to.include({ receiptFile: `${sha256}.receipt.json`, status: "anchored" });
    });

    it("prints the service's verdict with its times in ISO 8601 beside the Unix seconds", async function () {
      const { code, stdout } = await docproof(["verify", file("digest-only.pdf"), "--api", api, "--json"]);
      expect(code, stdout).to.equal(0);
      const verdict = JSON.parse(stdout);
      expect(verdict.anchoredAtIso).to.equal(new Date(verdict.anchoredAt * 1000).toISOString().replace(".000Z", "Z"));
    });

    it("refuses an empty file before sending anything, with status 2", async function () {
      const empty = file("empty.pdf", "");
      for (const command of [["notarize"], ["notarize", "--upload"], ["verify"]]) {
        const storeBefore = harness.service.store.stats();
        const { code, stdout, stderr } = await docproof(
          [command[0], empty, "--api", api, ...command.slice(1)],
          withKey,
        );
        expect(code, command.join(" ")).to.equal(2);
        expect(stdout).to.equal("");
        expect(stderr.startsWith(`docproof: ${empty}: The document is empty (0 bytes`), stderr).to.equal(true);
        expect(stderr.split("\n")).to.have.length(2);
        expect(harness.service.store.stats()).to.deep.equal(storeBefore);
      }
      expect(existsSync(`${empty}.receipt.json`)).to.equal(false);
    });

    it("verifies the service's receipt against the chain alone", async function () {
      const { code, stdout } = await docproof(["verify", file("upload-2.pdf"), "--rpc", deployment.chain.rpcUrl]);
      expect(code, stdout).to.equal(0);
      expect(stdout).to.include(`registrar    ${deployer.address}`);
    });

    it("exits 2 with one line when the service refuses the connection", async function () {
      const closed = `http://127.0.0.1:${await freePort()}`;
      const { code, stdout, stderr } = await docproof([
        "notarize",
        file("digest-only.pdf"),
        "--api",
        closed,
        "--force",
      ]);
      expect(code).to.equal(2);
      expect(stdout).to.equal("");
      expect(stderr).to.equal(`docproof: Cannot reach the service at ${closed} (ECONNREFUSED).\n`);
    });
  });

  describe("serve and reindex", function () {
    const servedDir = path.join(scratch.dir, "served-store");
    const reindexedDir = path.join(scratch.dir, "reindexed-store");
    let served: ManagedProcess | undefined;

    after(async function () {
      if (served && !served.hasExited) await served.stop();
    });

    it("serve runs the service on the given chain, port and store until the CLI is stopped", async function () {
      const port = await freePort();
      const api = `http://127.0.0.1:${port}`;
      mkdirSync(path.join(scratch.dir, "elsewhere"), { recursive: true });
      served = new ManagedProcess(
        process.execPath,
        [
          DOCPROOF_BIN,
          "serve",
          "--rpc",
          deployment.chain.rpcUrl,
          "--port",
          String(port),
          "--data-dir",
          "../served-store",
        ],
        {
          cwd: path.join(scratch.dir, "elsewhere"),
          env: { ...process.env, DOCPROOF_PRIVATE_KEY: deployer.privateKey, BATCH_INTERVAL_MS: "200", API_KEYS: "" },
        },
      );
      await poll("the service to be healthy", async () => {
        if (served!.hasExited) throw new Error(served!.log);
        return (await fetch(`${api}/healthz`)).status === 200 ? true : undefined;
      }).catch((error: Error) => {
        throw new Error(`${error.message}\n${served!.log}`);
      });
      expect(served.log).to.not.include(deployer.privateKey.slice(2));
      const page = await fetch(`${api}/`);
      expect(page.status).to.equal(200);
      expect(await page.text()).to.match(/<script[^>]* src="\/app\.js"/);

      const doc = file("served.pdf");
      const { code, stderr } = await docproof(["notarize", doc, "--api", api]);
      expect(code, stderr).to.equal(0);
      expect(existsSync(path.join(servedDir, "docproof.sqlite"))).to.equal(true);

      // Only the CLI is signalled, as a supervisor would: it passes the signal on to the service.
      const pid = served.pid;
      process.kill(pid, "SIGTERM");
      expect(await served.wait(), served.log).to.equal(0);
      expect(served.log).to.include('"message":"stopping"');
      expect(groupAlive(pid), "service processes left running").to.equal(false);
    });

    it("reindex rebuilds an empty store from the chain alone", async function () {
      const doc = file("served.pdf");
      const receipt = parseReceipt(readFileSync(`${doc}.receipt.json`, "utf8"));
      const { code, output } = await docproofProcess(
        ["reindex", "--rpc", deployment.chain.rpcUrl, "--data-dir", reindexedDir],
        { DOCPROOF_PRIVATE_KEY: deployer.privateKey },
      );
      expect(code, output).to.equal(0);
      expect(output).to.include("reindexed from the chain");
      const store = DocumentStore.open(reindexedDir);
      try {
        const [anchoring] = store.index.anchoringsOf(receipt.sha256);
        expect(anchoring?.txHash).to.equal(receipt.txHash);
        expect(anchoring?.registrar).to.equal(receipt.registrar);
        expect(store.index.anchoringsOf(sha256Of(file("digest-only.pdf")))).to.have.length(1);
      } finally {
        store.close();
      }
    });
  });
});
