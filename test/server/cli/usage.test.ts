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
    for (const command of ["hash", "notarize", "verify", "deploy", "registrar", "serve", "reindex"]) {
      const { code, stdout } = await docproof([command, "--help"]);
      expect(code, command).to.equal(0);
      expect(stdout, command).to.include(`Usage: docproof ${command}`);
    }
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
