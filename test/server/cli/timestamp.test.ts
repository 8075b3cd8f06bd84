import { expect } from "chai";
import { once } from "node:events";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { rejectionResponse } from "../../../server/timestamp/time-stamp-authority";
import { ensureLocalTsa } from "../../../server/tsa/tsa-credentials";
import { run } from "../../support/processes";
import { startTimeStampServer, type TimeStampServer } from "../../support/time-stamp-server";
import { openTestService, TestChain, type ServiceHarness } from "../service-fixture";
import { docproof, scratchDir } from "./cli-fixture";

const API_KEY = "cli-tsa-api-key-0123456789";

describe("docproof timestamp and verify --tsr", function () {
  this.timeout(180_000);
  const scratch = scratchDir();
  const chain = new TestChain();
  let harness: ServiceHarness;
  let server: Server;
  let api: string;
  let caFile: string;
  const file = (name: string, content = `the document ${name}, ${Date.now()}\n`) => {
    const full = path.join(scratch.dir, name);
    writeFileSync(full, content);
    return full;
  };
  const opensslVerifies = (document: string, token: string) =>
    run("sh", ["-c", `exec openssl ts -verify -data "${document}" -in "${token}" -CAfile "${caFile}" 2>&1`]);

  before(async function () {
    await chain.start();
    // The anchorer is run by hand (runOnce), so a token can be checked before and after its anchoring.
    harness = await openTestService(chain);
    server = harness.service.app.listen(0, "127.0.0.1");
    await once(server, "listening");
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    caFile = path.join(harness.dataDir, "tsa", "ca.pem");
  });

  after(async function () {
    server?.closeAllConnections();
    server?.close();
    await harness?.close();
    await chain.stop();
    scratch.remove();
  });

  describe("timestamp", function () {
    it("writes <file>.tsr, a token openssl ts -verify accepts, printing each check", async function () {
      const doc = file("contract.pdf");
      const { code, stdout, stderr } = await docproof(["timestamp", doc, "--api", api]);
      expect(code, stderr).to.equal(0);
      expect(stdout).to.match(/^TIME-STAMPED: .*contract\.pdf$/m);
      for (const check of ["content-type", "message-digest", "signature", "signing-certificate", "imprint", "nonce"]) {
        expect(stdout).to.match(new RegExp(`^    passed +${check} `, "m"));
      }
      expect(stdout).to.match(/^ {4}skipped +certificate-chain +no CA given/m);
      expect(stdout).to.match(/^ {2}TSA +O=Docproof, CN=Docproof local TSA$/m);
      expect(stdout).to.include(`registry ${harness.registryAddress}`);
      expect(stdout).to.match(/^ {2}token +.*contract\.pdf\.tsr$/m);
      const verified = await opensslVerifies(doc, `${doc}.tsr`);
      expect(verified.output).to.include("Verification: OK");
    });

    it("checks the certificate chain with --tsa-ca, and prints JSON with --json", async function () {
      const doc = file("annex.pdf");
      const { code, stdout, stderr } = await docproof([
        ...["timestamp", doc, "--api", api, "--tsa-ca", caFile, "--out", path.join(scratch.dir, "annex.token")],
        "--json",
      ]);
      expect(code, stderr).to.equal(0);
      const report = JSON.parse(stdout);
      expect(report).to.include({ valid: true, trust: "ca", tokenFile: path.join(scratch.dir, "annex.token") });
      expect(report.checks.find((c: { name: string }) => c.name === "certificate-chain")).to.include({
        outcome: "passed",
      });
      expect(report.anchoring).to.deep.equal({ chainId: chain.chainId, registry: harness.registryAddress });
      expect(existsSync(path.join(scratch.dir, "annex.token"))).to.equal(true);
    });

    it("refuses to replace a token without --force (exit 2), and replaces it with --force", async function () {
      const doc = file("twice.pdf");
      expect((await docproof(["timestamp", doc, "--api", api])).code).to.equal(0);
      const first = readFileSync(`${doc}.tsr`);
      const again = await docproof(["timestamp", doc, "--api", api]);
      expect(again.code).to.equal(2);
      expect(again.stderr).to.include("twice.pdf.tsr exists: pass --force to replace it.");
      expect((await docproof(["timestamp", doc, "--api", api, "--force"])).code).to.equal(0);
      expect(readFileSync(`${doc}.tsr`).equals(first)).to.equal(false);
    });

    it("reports a token whose chain does not lead to the CA given, and writes nothing (exit 1)", async function () {
      const other = await ensureLocalTsa(path.join(scratch.dir, "other-tsa"));
      const doc = file("stranger.pdf");
      const { code, stdout } = await docproof(["timestamp", doc, "--api", api, "--tsa-ca", other.caFile]);
      expect(code).to.equal(1);
      expect(stdout).to.match(/^INVALID TOKEN: .*stranger\.pdf \(not written\)$/m);
      expect(stdout).to.match(/^ {4}failed +certificate-chain +does not chain to a trusted CA/m);
      expect(existsSync(`${doc}.tsr`)).to.equal(false);
    });

    it("reports the TSA's rejection (exit 1)", async function () {
      let tsa: TimeStampServer | undefined;
      try {
        tsa = await startTimeStampServer(async () => rejectionResponse("systemFailure", "the TSA is resting"));
        const doc = file("refused.pdf");
        const { code, stdout } = await docproof(["timestamp", doc, "--api", tsa.url]);
        expect(code).to.equal(1);
        expect(stdout).to.include("REFUSED:");
        expect(stdout).to.match(/status +rejection \(systemFailure\)/);
        expect(stdout).to.match(/reason +the TSA is resting/);
        expect(existsSync(`${doc}.tsr`)).to.equal(false);
      } finally {
        await tsa?.close();
      }
    });

    it("exits 2 when the URL is not a Docproof service, or --api is missing", async function () {
      const doc = file("nowhere.pdf");
      const rpc = await docproof(["timestamp", doc, "--api", chain.rpcUrl]);
      expect(rpc.code).to.equal(2);
      expect(rpc.stderr).to.include("is not a Docproof service");
      const missing = await docproof(["timestamp", doc]);
      expect(missing.code).to.equal(2);
      expect(missing.stderr).to.include("timestamp needs --api <url>");
    });
  });

  describe("verify --tsr", function () {
    it("wants the token valid and its imprint anchored: exit 1 before the anchoring, 0 after", async function () {
      const doc = file("deed.pdf");
      expect((await docproof(["timestamp", doc, "--api", api])).code).to.equal(0);
      const args = ["verify", doc, "--tsr", `${doc}.tsr`, "--tsa-ca", caFile, "--api", api];

      const before = await docproof(args);
      expect(before.code).to.equal(1);
      expect(before.stdout).to.match(/^TIME-STAMP VALID: .*deed\.pdf \(token .*deed\.pdf\.tsr\)$/m);
      expect(before.stdout).to.match(/^ {4}passed +certificate-chain +chains to a trusted CA at genTime$/m);
      expect(before.stdout).to.include("UNKNOWN:");
      expect(before.stdout).to.include("queued and not anchored yet");

      await harness.service.anchorer.runOnce();
      const after = await docproof(args);
      expect(after.code, after.stdout).to.equal(0);
      expect(after.stdout).to.include("TIME-STAMP VALID:");
      expect(after.stdout).to.match(/^ANCHORED: /m);
    });

    it("checks the anchoring on chain with --rpc, in the registry the token names", async function () {
      const doc = file("on-chain.pdf");
      expect((await docproof(["timestamp", doc, "--api", api])).code).to.equal(0);
      await harness.service.anchorer.runOnce();
      const { code, stdout } = await docproof(["verify", doc, "--tsr", `${doc}.tsr`, "--rpc", chain.rpcUrl, "--json"]);
      expect(code, stdout).to.equal(0);
      const verdict = JSON.parse(stdout);
      expect(verdict).to.include({ valid: true, status: "anchored", registry: harness.registryAddress });
      expect(verdict.timeStamp).to.include({ valid: true, trust: "embedded-certificate" });
    });

    it("fails a modified document on the token's imprint (exit 1)", async function () {
      const doc = file("original.pdf");
      expect((await docproof(["timestamp", doc, "--api", api])).code).to.equal(0);
      await harness.service.anchorer.runOnce();
      writeFileSync(doc, `${readFileSync(doc, "utf8")}one more line\n`);
      const { code, stdout } = await docproof(["verify", doc, "--tsr", `${doc}.tsr`, "--api", api]);
      expect(code).to.equal(1);
      expect(stdout).to.include("TIME-STAMP INVALID:");
      expect(stdout).to.match(/^ {4}failed +imprint +another document's digest$/m);
    });

    it("exits 2 for --tsa-ca without --tsr, and a token file that is not one", async function () {
      const doc = file("lonely.pdf");
      const lonely = await docproof(["verify", doc, "--tsa-ca", caFile, "--api", api]);
      expect(lonely.code).to.equal(2);
      expect(lonely.stderr).to.include("--tsa-ca goes with --tsr");
      const bogus = await docproof(["verify", doc, "--tsr", doc, "--api", api]);
      expect(bogus.code).to.equal(2);
      expect(bogus.stderr).to.include("Not a time-stamp token");
    });
  });

  describe("when the TSA requires an API key", function () {
    let keyed: ServiceHarness;
    let keyedServer: Server;
    let keyedApi: string;

    before(async function () {
      keyed = await openTestService(chain, { apiKeys: [API_KEY], tsa: { requiresKey: true } });
      keyedServer = keyed.service.app.listen(0, "127.0.0.1");
      await once(keyedServer, "listening");
      keyedApi = `http://127.0.0.1:${(keyedServer.address() as AddressInfo).port}`;
    });

    after(async function () {
      keyedServer?.closeAllConnections();
      keyedServer?.close();
      await keyed?.close();
    });

    it("sends $DOCPROOF_API_KEY, and says the service refused without it (exit 2)", async function () {
      const doc = file("keyed.pdf");
      const refused = await docproof(["timestamp", doc, "--api", keyedApi]);
      expect(refused.code).to.equal(2);
      expect(refused.stderr).to.include("The service answered 401 (unauthorized)");
      const granted = await docproof(["timestamp", doc, "--api", keyedApi], { env: { DOCPROOF_API_KEY: API_KEY } });
      expect(granted.code, granted.stderr).to.equal(0);
    });
  });
});
