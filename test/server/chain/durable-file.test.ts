import { expect } from "chai";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { removeUnfinishedReplacements, replaceFileDurably } from "../../../server/chain/durable-file";

describe("durable-file", function () {
  let dir: string;

  beforeEach(function () {
    dir = mkdtempSync(path.join(tmpdir(), "docproof-durable-"));
  });

  afterEach(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  describe("replaceFileDurably", function () {
    it("creates the file and leaves nothing else behind", async function () {
      const file = path.join(dir, "state.json");
      await replaceFileDurably(file, '{"a":1}');
      expect(readFileSync(file, "utf8")).to.equal('{"a":1}');
      expect(readdirSync(dir)).to.deep.equal(["state.json"]);
    });

    it("replaces an existing file whole", async function () {
      const file = path.join(dir, "state.json");
      writeFileSync(file, "x".repeat(100_000));
      await replaceFileDurably(file, Buffer.from("short"));
      expect(readFileSync(file, "utf8")).to.equal("short");
    });

    it("leaves the old file and no temporary file when the directory is gone", async function () {
      const file = path.join(dir, "missing", "state.json");
      const error = await replaceFileDurably(file, "new").catch((e: NodeJS.ErrnoException) => e);
      expect((error as NodeJS.ErrnoException).code).to.equal("ENOENT");
      expect(readdirSync(dir)).to.deep.equal([]);
    });
  });

  describe("removeUnfinishedReplacements", function () {
    it("removes the temporary files of an interrupted replacement, and only those", async function () {
      const file = path.join(dir, "state.json");
      writeFileSync(file, "{}");
      writeFileSync(path.join(dir, ".state.json.123.1.tmp"), "{ half");
      writeFileSync(path.join(dir, ".other.json.123.1.tmp"), "{}");
      await removeUnfinishedReplacements(file);
      expect(readdirSync(dir).sort()).to.deep.equal([".other.json.123.1.tmp", "state.json"]);
    });
  });
});
