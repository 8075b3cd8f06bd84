import { expect } from "chai";
import { createHash, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { FILE_CHUNK_BYTES, PROGRESS_MIN_BYTES } from "../../../server/cli/file-digest";
import { docproof, scratchDir } from "./cli-fixture";

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
      // The bar's line is cleared (ANSI "erase line") once the file is hashed.
      expect(stderr.endsWith("\x1b[2K")).to.equal(true);
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
