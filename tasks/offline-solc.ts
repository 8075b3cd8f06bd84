import path from "node:path";
import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import { HardhatPluginError } from "hardhat/plugins";

/**
 * Compiles with the `solc` npm package (solc-js) instead of a downloaded compiler.
 *
 * Hardhat's default subtask fetches a compiler list and binary from the internet; private networks
 * are often air-gapped, so the compiler ships with `npm ci` instead. The package is pinned to the
 * contracts' exact pragma, and any other requested version is refused with both versions named.
 */
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD).setAction(
  async ({ solcVersion }: { quiet: boolean; solcVersion: string }) => {
    const solcPackageDir = path.dirname(require.resolve("solc/package.json"));
    const bundledVersion: string = require("solc/package.json").version;
    if (solcVersion !== bundledVersion) {
      throw new HardhatPluginError(
        "docproof-offline-solc",
        `Solidity ${solcVersion} was requested, but the bundled solc npm package is ${bundledVersion}. ` +
          `Compilers are never downloaded: pin "solc" to ${solcVersion} in package.json, ` +
          `or set the pragma and hardhat.config.ts to ${bundledVersion}.`,
      );
    }
    const solc = require("solc") as { version(): string };
    return {
      compilerPath: path.join(solcPackageDir, "soljson.js"),
      isSolcJs: true,
      version: bundledVersion,
      // "0.8.28+commit.7893614a.Emscripten.clang" -> "0.8.28+commit.7893614a", as Hardhat records it.
      longVersion: solc.version().replace(/\.Emscripten\.clang$/, ""),
    };
  },
);
