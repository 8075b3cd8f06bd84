import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { PROBLEMS } from "../../../server/http/problems";
import { ROOT } from "../../support/processes";

describe("problem types", function () {
  it("are all listed in docs/errors.md with their status, and nothing else is", function () {
    const markdown = readFileSync(path.join(ROOT, "docs", "errors.md"), "utf8");
    const documented = Object.fromEntries(
      [...markdown.matchAll(/^\| `([a-z-]+)`\s*\|\s*(\d{3}) \|/gm)].map(([, code, status]) => [code, Number(status)]),
    );
    const defined = Object.fromEntries(Object.entries(PROBLEMS).map(([code, { status }]) => [code, status]));
    expect(documented).to.deep.equal(defined);
  });
});
