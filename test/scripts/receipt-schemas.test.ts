import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { schemaFiles } from "../../scripts/receipt-schemas";

describe("scripts/receipt-schemas.ts", function () {
  it("produces exactly the committed JSON Schemas of receipts v1 and v2 and of checkpoints", async function () {
    const files = await schemaFiles();
    expect(files.map((file) => path.basename(file.path)).sort()).to.deep.equal([
      "checkpoint.schema.json",
      "receipt-v1.schema.json",
      "receipt-v2.schema.json",
    ]);
    for (const { path: file, text } of files) {
      expect(
        readFileSync(file, "utf8"),
        `${path.basename(file)} is stale: run npx ts-node scripts/receipt-schemas.ts`,
      ).to.equal(text);
    }
  });
});
