import { expect } from "chai";
import { createHash, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { FILE_CHUNK_BYTES } from "../../../server/proof/sha256";
import { PROGRESS_MIN_BYTES } from "../../../server/cli/file-digest";
import { ManagedProcess, run } from "../../support/processes";
import { docproof, DOCPROOF_BIN, docproofProcess, scratchDir } from "./cli-fixture";

describe("docproof hash", function () {
  const scratch = scratchDir();
  const large = path.join(scratch.dir, "large.bin");
  const small = path.join(scratch.dir, "small.txt");
  let largeDigest: string;
  let smallDigest: string;

  before(function () {
    // Larger than the progress threshold and spanning many read chunks, ending mid-chunk.
    const content = randomBytes(PROGRESS_MIN_BYTES + 3 * FILE_CHUNK_BYTES + 12_345);
    writeFileSync(large, content);
    largeDigest = createHash("sha256").update(content).digest("hex");
    writeFileSync(small, "hello\n");
    smallDigest = createHash("sha256").update("hello\n").digest("hex");
  });

  after(function () {
    scratch.remove();
  });

  it("prints digests as sha256sum does, each equal to node:crypto's", async function () {
    const { code, stdout, stderr } = await docproof(["hash", "large.bin", "small.txt"], { cwd: scratch.dir });
    expect(code, stderr).to.equal(0);
    expect(stdout).to.equal(`${largeDigest}  large.bin\n${smallDigest}  small.txt\n`);
  });

  it("prints JSON with --json", async function () {
    const { code, stdout } = await docproof(["hash", "--json", small, large]);
    expect(code).to.equal(0);
    expect(JSON.parse(stdout)).to.deep.equal([
      { file: small, sha256: smallDigest, bytes: 6 },
      { file: large, sha256: largeDigest, bytes: PROGRESS_MIN_BYTES + 3 * FILE_CHUNK_BYTES + 12_345 },
    ]);
  });

  describe("when stderr is a terminal", function () {
    it("draws a progress bar for a large file and clears it, leaving stdout clean", async function () {
      const { stdout, stderr } = await docproof(["hash", large, small], { tty: true });
      expect(stdout).to.equal(`${largeDigest}  ${large}\n${smallDigest}  ${small}\n`);
      expect(stderr).to.match(/\[#+\] 100% \d+\/\d+ MiB/);
      expect(stderr.endsWith("\r\x1b[2K")).to.equal(true);
      expect(stderr).to.not.include("small.txt");
    });
  });

  describe("when stderr is not a terminal", function () {
    it("draws no progress bar", async function () {
      const { stderr } = await docproof(["hash", large]);
      expect(stderr).to.equal("");
    });
  });

  describe("when a file is missing", function () {
    it("exits 2 with a one-line message", async function () {
      const { code, stdout, stderr } = await docproof(["hash", small, "missing.pdf"], { cwd: scratch.dir });
      expect(code).to.equal(2);
      expect(stdout).to.equal("");
      expect(stderr).to.equal("docproof: Cannot read missing.pdf: ENOENT.\n");
    });
  });
});

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
});
