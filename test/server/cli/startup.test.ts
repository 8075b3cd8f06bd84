import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { ROOT } from "../../support/processes";

/**
 * The packages a command loads only when it runs (each command's action imports its own work):
 * `docproof --version`, `--help` and a usage error start without them.
 */
const LOADED_BY_ACTIONS = ["ethers", "zod", "pkijs", "asn1js", "pdf-lib", "@ethereumjs", "hash-wasm", "better-sqlite3"];

describe("docproof start-up", function () {
  it("registers every command without loading what the commands use to run", function () {
    const script = `
      const { runCli } = require("./server/cli/main.ts");
      const quiet = { write: () => true };
      runCli(["--version"], { stdout: quiet, stderr: quiet, env: {}, cwd: process.cwd() }).then((code) => {
      if (code !== 0) throw new Error("--version answered " + code);
      const loaded = new Set();
      for (const file of Object.keys(require.cache)) {
        const match = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(file);
        if (match) loaded.add(match[1].startsWith("@ethereumjs/") ? "@ethereumjs" : match[1]);
      }
      process.stdout.write(JSON.stringify([...loaded]));
      });
    `;
    const output = execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], {
      cwd: ROOT,
      encoding: "utf8",
    });
    const loaded = JSON.parse(output) as string[];
    expect(loaded, "commander is loaded").to.include("commander");
    for (const name of LOADED_BY_ACTIONS) expect(loaded, name).to.not.include(name);
  });
});
