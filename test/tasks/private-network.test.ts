import { expect } from "chai";
import path from "node:path";
import { ROOT, run } from "../support/processes";

const HARDHAT = path.join(ROOT, "node_modules", ".bin", "hardhat");
const KEY = `0x${"5a".repeat(32)}`;
const DEPLOY = ["ignition", "deploy", path.join("ignition", "modules", "DocumentRegistry.ts"), "--network", "private"];

/** The environment of an operator who set only `env` (the tester's own RPC_URL and key are cleared). */
const only = (env: Record<string, string>) => ({ RPC_URL: "", PRIVATE_KEY: "", CHAIN_ID: "", ...env });

/**
 * hardhat.config.ts reads the private network from the environment. A variable missing or wrong is
 * a usage error: one line naming it and status 2, as the README promises, never Hardhat's report of
 * an unexpected error with its stack trace and status 1.
 */
describe("the private network's configuration (hardhat.config.ts)", function () {
  this.timeout(120_000);

  const cases: [string, string[], Record<string, string>, string][] = [
    [
      "deploy without RPC_URL",
      DEPLOY,
      { PRIVATE_KEY: KEY },
      "hardhat.config.ts: RPC_URL is required for --network private (e.g. RPC_URL=http://10.0.0.5:8545).",
    ],
    [
      "deploy without PRIVATE_KEY",
      DEPLOY,
      { RPC_URL: "http://127.0.0.1:1" },
      "hardhat.config.ts: PRIVATE_KEY is required for --network private: the deployer's or admin's key, 0x and 64 hex digits.",
    ],
    [
      "the registrar task without RPC_URL",
      ["registrar", "grant", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "--network", "private"],
      { PRIVATE_KEY: KEY },
      "hardhat.config.ts: RPC_URL is required for --network private (e.g. RPC_URL=http://10.0.0.5:8545).",
    ],
    [
      "a CHAIN_ID that is not a positive integer",
      DEPLOY,
      { RPC_URL: "http://127.0.0.1:1", PRIVATE_KEY: KEY, CHAIN_ID: "-5" },
      'hardhat.config.ts: CHAIN_ID must be a positive integer, got "-5".',
    ],
  ];
  for (const [name, args, env, line] of cases) {
    it(`prints one line and exits with status 2 for ${name}`, async function () {
      const { code, output } = await run(HARDHAT, args, only(env));
      expect(code, output).to.equal(2);
      expect(output).to.equal(`${line}\n`);
    });
  }

  it("never prints a PRIVATE_KEY that is not a key", async function () {
    const secret = "0xnot-a-key-but-still-a-secret";
    const { code, output } = await run(HARDHAT, DEPLOY, only({ RPC_URL: "http://127.0.0.1:1", PRIVATE_KEY: secret }));
    expect(code, output).to.equal(2);
    expect(output).to.equal(
      "hardhat.config.ts: PRIVATE_KEY must be a 0x-prefixed 32-byte hex key (its value is not shown).\n",
    );
  });

  it("passes the status on through `npm run deploy`", async function () {
    const { code, output } = await run("npm", ["run", "--silent", "deploy", "--", "--network", "private"], only({}));
    expect(code, output).to.equal(2);
    expect(output).to.include("hardhat.config.ts: RPC_URL is required for --network private");
    expect(output).to.not.match(/\n\s+at /);
  });
});
