import { expect } from "chai";
import hre from "hardhat";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";

interface SolcBuild {
  compilerPath: string;
  isSolcJs: boolean;
  version: string;
  longVersion: string;
}

describe("offline-solc", function () {
  describe("TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD", function () {
    it("returns the bundled solc-js for the pinned version", async function () {
      const build: SolcBuild = await hre.run(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, {
        quiet: true,
        solcVersion: "0.8.28",
      });
      expect(build.isSolcJs).to.equal(true);
      expect(build.version).to.equal("0.8.28");
      expect(build.longVersion).to.match(/^0\.8\.28\+commit\.[0-9a-f]{8}$/);
      expect(build.compilerPath).to.match(/node_modules[/\\]solc[/\\]soljson\.js$/);
      expect(existsSync(build.compilerPath)).to.equal(true);
    });

    it("refuses another version, naming both, instead of downloading", async function () {
      const error: unknown = await hre
        .run(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, { quiet: true, solcVersion: "0.8.27" })
        .then(
          () => undefined,
          (rejection: unknown) => rejection,
        );
      expect(error).to.be.instanceOf(Error);
      expect((error as Error).message).to.match(
        /Solidity 0\.8\.27 was requested, but the bundled solc npm package is 0\.8\.28/,
      );
    });

    it("is the version of the config, of the solc package and of every contract's pragma", function () {
      const [compiler] = hre.config.solidity.compilers;
      const solcPackage = JSON.parse(readFileSync(require.resolve("solc/package.json"), "utf8")) as { version: string };
      const contractsDir = hre.config.paths.sources;
      const pragmas = readdirSync(contractsDir, { recursive: true })
        .map(String)
        .filter((file) => file.endsWith(".sol"))
        .map((file) => /pragma solidity ([^;]+);/.exec(readFileSync(path.join(contractsDir, file), "utf8"))?.[1]);
      expect(pragmas).to.not.be.empty;
      expect(new Set(pragmas)).to.deep.equal(new Set([compiler.version]));
      expect(solcPackage.version).to.equal(compiler.version);
      expect(compiler.settings.optimizer).to.deep.include({ enabled: true });
    });
  });
});
