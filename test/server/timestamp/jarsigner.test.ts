import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { CounterSerialSource } from "../../../server/timestamp/serial-source";
import { TimeStampAuthority } from "../../../server/timestamp/time-stamp-authority";
import { ensureLocalTsa, loadTsaCredentials, type LocalTsaFiles } from "../../../server/tsa/tsa-credentials";
import { run } from "../../support/processes";
import { startTimeStampServer, type TimeStampServer } from "../../support/time-stamp-server";

/** Java's own tools, not whatever is on PATH first: the test fails if they are missing. */
const JAVA = { keytool: "/usr/bin/keytool", jar: "/usr/bin/jar", jarsigner: "/usr/bin/jarsigner" };
const PASSWORD = "changeit-test";

describe("TimeStampAuthority with Java's jarsigner", function () {
  let dir: string;
  let local: LocalTsaFiles;
  let server: TimeStampServer;
  let granted: bigint[];

  async function java(tool: keyof typeof JAVA, ...args: string[]): Promise<string> {
    const result = await run("sh", ["-c", `cd "${dir}" && exec "$@" 2>&1`, tool, JAVA[tool], ...args]);
    expect(result.code, `${tool} ${args.join(" ")}\n${result.output}`).to.equal(0);
    return result.output;
  }

  before(async function () {
    dir = mkdtempSync(path.join(tmpdir(), "docproof-jarsigner-"));
    local = await ensureLocalTsa(path.join(dir, "tsa"));
    const tsa = TimeStampAuthority.create({
      credentials: await loadTsaCredentials(local),
      serials: new CounterSerialSource(),
      anchoring: { chainId: 31337, registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3" },
    });
    granted = [];
    server = await startTimeStampServer(async (query) => {
      const issue = await tsa.issueTimeStamp(query);
      if (issue.granted) granted.push(issue.granted.serial);
      return issue.response;
    });
    writeFileSync(path.join(dir, "Hello.txt"), "hello from a signed jar\n");
    await java("jar", "cf", "app.jar", "Hello.txt");
    await java(
      "keytool",
      "-genkeypair",
      "-keystore",
      "keys.p12",
      "-storetype",
      "PKCS12",
      "-storepass",
      PASSWORD,
      "-alias",
      "signer",
      "-keyalg",
      "EC",
      "-groupname",
      "secp256r1",
      "-dname",
      "CN=Jar Signer, O=Test",
      "-validity",
      "2",
    );
    // The TSA's CA becomes a trusted entry, so jarsigner can validate the timestamp's chain.
    await java(
      "keytool",
      "-importcert",
      "-noprompt",
      "-keystore",
      "keys.p12",
      "-storetype",
      "PKCS12",
      "-storepass",
      PASSWORD,
      "-alias",
      "docproof-tsa-ca",
      "-file",
      local.caFile,
    );
  });

  after(async function () {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("time-stamps a jar signature, and jarsigner -verify shows and accepts the timestamp", async function () {
    const signed = await java(
      "jarsigner",
      "-keystore",
      "keys.p12",
      "-storetype",
      "PKCS12",
      "-storepass",
      PASSWORD,
      "-tsa",
      server.url,
      "-signedjar",
      "signed.jar",
      "app.jar",
      "signer",
    );
    expect(signed).to.contain("jar signed.");
    expect(server.requests).to.have.length(1);
    expect(granted).to.have.length(1);

    const verified = await java(
      "jarsigner",
      "-verify",
      "-verbose",
      "-certs",
      "-strict",
      "-keystore",
      "keys.p12",
      "-storetype",
      "PKCS12",
      "-storepass",
      PASSWORD,
      "signed.jar",
    );
    expect(verified).to.contain("jar verified.");
    expect(verified).to.match(/Timestamped by "CN=Docproof local TSA, O=Docproof" on /);
    expect(verified).to.contain("The timestamp will expire on");
    expect(verified).to.not.match(/timestamp.*(not|in)valid/i);
  });
});
