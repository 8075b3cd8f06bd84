import { expect } from "chai";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { ManagedProcess, run } from "../../support/processes";
import { docproof, DOCPROOF_BIN, docproofProcess, scratchDir } from "./cli-fixture";

describe("the docproof executable", function () {
  it("prints the package version with --version", async function () {
    const { code, output } = await docproofProcess(["--version"]);
    expect(code).to.equal(0);
    expect(output.trim()).to.equal(require("../../../package.json").version);
  });

  it("runs from any working folder, with paths relative to it", async function () {
    const scratch = scratchDir();
    try {
      writeFileSync(path.join(scratch.dir, "a.txt"), "a");
      const child = new ManagedProcess(process.execPath, [DOCPROOF_BIN, "hash", "a.txt"], { cwd: scratch.dir });
      expect(await child.wait(), child.log).to.equal(0);
      expect(child.log).to.equal(`${createHash("sha256").update("a").digest("hex")}  a.txt\n`);
    } finally {
      scratch.remove();
    }
  });

  it("runs as `npx docproof` inside the repository", async function () {
    const { code, output } = await run("npx", ["--offline", "docproof", "--version"]);
    expect(code, output).to.equal(0);
    expect(output).to.include(require("../../../package.json").version);
  });

  it("exits 2 on a usage error and says why", async function () {
    const { code, output } = await docproofProcess(["verify", "x.pdf", "--no-such-option"]);
    expect(code).to.equal(2);
    expect(output).to.include("unknown option '--no-such-option'");
  });

  it("exits 2 when a command is missing its arguments", async function () {
    const { code, output } = await docproofProcess(["hash"]);
    expect(code).to.equal(2);
    expect(output).to.include("missing required argument 'file'");
  });

  it("shows help for every command", async function () {
    for (const command of [
      "hash",
      "notarize",
      "verify",
      "certificate",
      "revoke",
      "inspect",
      "deploy",
      "registrar",
      "serve",
      "reindex",
    ]) {
      const { code, stdout } = await docproof([command, "--help"]);
      expect(code, command).to.equal(0);
      expect(stdout, command).to.include(`Usage: docproof ${command}`);
    }
  });

  it("exits 2 with the help on stderr when no command is given", async function () {
    const { code, stdout, stderr } = await docproof([]);
    expect(code).to.equal(2);
    expect(stdout).to.equal("");
    expect(stderr).to.include("Usage: docproof [options] [command]");
    const executable = await docproofProcess([]);
    expect(executable.code).to.equal(2);
    expect(executable.output).to.include("Usage: docproof [options] [command]");
  });

  it("exits 2 when notarize or verify is given both --api and --rpc, saying to give one", async function () {
    for (const command of ["notarize", "verify"]) {
      const { code, stderr } = await docproof([
        command,
        "x.pdf",
        "--api",
        "http://127.0.0.1:1",
        "--rpc",
        "http://127.0.0.1:2",
      ]);
      expect(code, command).to.equal(2);
      expect(stderr, command).to.equal("docproof: Give --api <url> or --rpc <url>, not both.\n");
    }
  });

  it("refuses an empty file with status 2 before connecting anywhere", async function () {
    const scratch = scratchDir();
    try {
      writeFileSync(path.join(scratch.dir, "empty.pdf"), "");
      const closed = "http://127.0.0.1:1";
      for (const args of [
        ["notarize", "empty.pdf", "--rpc", closed],
        ["notarize", "empty.pdf", "--api", closed],
        ["verify", "empty.pdf", "--rpc", closed],
        ["verify", "empty.pdf", "--api", closed],
      ]) {
        const { code, stderr } = await docproof(args, {
          cwd: scratch.dir,
          env: { DOCPROOF_PRIVATE_KEY: "0x" + "11".repeat(32) },
        });
        expect(code, args.join(" ")).to.equal(2);
        expect(stderr, args.join(" ")).to.match(
          /^docproof: empty\.pdf: The document is empty \(0 bytes; SHA-256 e3b0c442…b855\)/,
        );
      }
    } finally {
      scratch.remove();
    }
  });

  describe("when an operator command is given --rpc without its key", function () {
    it("exits 2 with one line naming the key, before starting Hardhat", async function () {
      const cases: [string[], string][] = [
        [["deploy", "--rpc", "http://127.0.0.1:1", "--yes"], "the deployer's"],
        [
          ["registrar", "grant", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "--rpc", "http://127.0.0.1:1"],
          "the admin's",
        ],
      ];
      for (const [args, signer] of cases) {
        const { code, stdout, stderr } = await docproof(args);
        expect(code, args[0]).to.equal(2);
        expect(stdout).to.equal("");
        expect(stderr).to.equal(`docproof: --rpc needs ${signer} key: set DOCPROOF_PRIVATE_KEY (or pass --key).\n`);
      }
      // The executable, with no key in its environment either: one line, no stack trace.
      const executable = await docproofProcess(["deploy", "--rpc", "http://127.0.0.1:1"], { PRIVATE_KEY: "" });
      expect(executable.code).to.equal(2);
      expect(executable.output).to.equal(
        "docproof: --rpc needs the deployer's key: set DOCPROOF_PRIVATE_KEY (or pass --key).\n",
      );
    });

    it("exits 2 for a key that is not a key, without printing it", async function () {
      const { code, stderr } = await docproof(["deploy", "--rpc", "http://127.0.0.1:1", "--key", "not-a-secret-key"]);
      expect(code).to.equal(2);
      expect(stderr).to.equal("docproof: The deployer's key must be a 0x-prefixed 32-byte hex key.\n");
    });

    it("exits 2 for an --rpc that is not a URL", async function () {
      const { code, stderr } = await docproof(["deploy", "--rpc", "10.0.0.5:8545"], {
        env: { DOCPROOF_PRIVATE_KEY: `0x${"11".repeat(32)}` },
      });
      expect(code).to.equal(2);
      expect(stderr).to.match(/^docproof: --rpc must be the chain's JSON-RPC URL/);
    });
  });

  describe("when registrar is given a bad address", function () {
    it("exits 2 with one line, with or without a chain", async function () {
      for (const chain of [[], ["--rpc", "http://127.0.0.1:1"]]) {
        const { code, output } = await docproofProcess(["registrar", "grant", "0x12", ...chain], { PRIVATE_KEY: "" });
        expect(code, chain.join(" ")).to.equal(2);
        expect(output).to.equal(
          'docproof: "0x12" is not an address (0x and 40 hex digits, checksummed or in one case).\n',
        );
      }
    });
  });

  describe("when the operator commands are given two chains", function () {
    it("exits 2 before running anything", async function () {
      for (const command of [["deploy"], ["registrar", "grant", "0x0000000000000000000000000000000000000001"]]) {
        const { code, stderr } = await docproof([...command, "--rpc", "http://127.0.0.1:1", "--network", "localhost"]);
        expect(code, command[0]).to.equal(2);
        expect(stderr).to.equal("docproof: Give --rpc <url> or --network <name>, not both.\n");
      }
    });
  });
});
