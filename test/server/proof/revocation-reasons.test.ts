import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { REVOCATION_REASON_NAMES } from "../../../server/api/wire";
import { listedRevocationReasons, revocationReasonName } from "../../../server/proof/revocation-reasons";
import { ROOT } from "../../support/processes";

describe("revocation reasons", function () {
  describe("listedRevocationReasons", function () {
    it("are the table of docs/revocation-reasons.md: code, name and meaning, row for row", function () {
      const markdown = readFileSync(path.join(ROOT, "docs", "revocation-reasons.md"), "utf8");
      const rows = [...markdown.matchAll(/^\|\s*(\d+) \| ([a-z-]+)\s*\| (.+?)\s*\|$/gm)].map(
        ([, code, name, meaning]) => ({
          code: Number(code),
          name,
          meaning,
        }),
      );
      expect(listedRevocationReasons()).to.deep.equal(rows);
    });

    it("are the names the API takes, in the same order", function () {
      expect(listedRevocationReasons().map((reason) => reason.name)).to.deep.equal(REVOCATION_REASON_NAMES);
      expect(revocationReasonName(7)).to.equal("reserved");
    });
  });
});
