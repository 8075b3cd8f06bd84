/**
 * Hardhat configuration for Docproof.
 *
 * Environment variables (all optional unless a network that needs them is selected):
 *   RPC_URL         JSON-RPC endpoint of the private chain (`--network private`). Required there.
 *   PRIVATE_KEY     0x-prefixed 32-byte hex key of the deployer / operator (`--network private`).
 *                   Required there. Never committed, never printed.
 *   CHAIN_ID        Expected chain id of the private chain; Hardhat refuses a chain that differs.
 *   LOCAL_CHAIN_ID  Chain id of the in-process `hardhat` network and of `npm run chain` (31337).
 *   DEPLOY_CONFIRMATIONS
 *                   Blocks Ignition waits for after each deployment transaction (1). BFT chains
 *                   (QBFT, IBFT 2.0, Raft) are final at one block; raise it on proof-of-work or
 *                   Clique networks that can reorganise.
 *   REPORT_GAS      Any non-empty value prints the gas report after `npm test`.
 *   HARDHAT_IGNITION_CONFIRM_DEPLOYMENT
 *                   Any value skips Ignition's interactive "Confirm deploy" prompt (scripts, CI).
 */
import type { HardhatUserConfig, NetworkUserConfig } from "hardhat/types";
import "@nomicfoundation/hardhat-toolbox";
import "./tasks/offline-solc";
import "./tasks/registrar";

/** The compiler version is pinned here, in every pragma and in package.json's "solc". */
const SOLIDITY_VERSION = "0.8.28";

/**
 * A configuration mistake: one line naming the variable, and status 2 as for any usage error.
 * NOTE: thrown, an error would take Hardhat's report instead: "An unexpected error occurred" and a
 * stack trace for an Error, "Error in plugin …" and a stack trace for a HardhatPluginError on a
 * machine without a display (which Hardhat takes for CI), and status 1 either way.
 */
function configurationError(message: string): never {
  console.error(`hardhat.config.ts: ${message}`);
  process.exit(2);
}

function privateNetwork(): NetworkUserConfig | undefined {
  const flag = process.argv.indexOf("--network");
  const selected = (flag >= 0 && process.argv[flag + 1] === "private") || process.env.HARDHAT_NETWORK === "private";
  const url = process.env.RPC_URL;
  const key = process.env.PRIVATE_KEY;
  if (!selected) {
    return url === undefined ? undefined : { url };
  }
  if (url === undefined || url === "") {
    configurationError("RPC_URL is required for --network private (e.g. RPC_URL=http://10.0.0.5:8545).");
  }
  if (key === undefined || key === "") {
    configurationError(
      "PRIVATE_KEY is required for --network private: the deployer's or admin's key, 0x and 64 hex digits.",
    );
  }
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) {
    configurationError("PRIVATE_KEY must be a 0x-prefixed 32-byte hex key (its value is not shown).");
  }
  const chainId = process.env.CHAIN_ID ? positiveInteger("CHAIN_ID", 0) : undefined;
  return { url, accounts: [key], ...(chainId === undefined ? {} : { chainId }) };
}

function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!(Number.isSafeInteger(value) && value > 0)) {
    configurationError(`${name} must be a positive integer, got "${raw}".`);
  }
  return value;
}

function localChainId(): number {
  return positiveInteger("LOCAL_CHAIN_ID", 31337);
}

const privateConfig = privateNetwork();

const config: HardhatUserConfig = {
  solidity: {
    version: SOLIDITY_VERSION,
    settings: {
      optimizer: { enabled: true, runs: 10_000 },
      // Paris (the Merge) has no PUSH0/MCOPY, so the bytecode also runs on private chains that
      // never activated Shanghai or Cancun (older GoQuorum and Besu networks).
      evmVersion: "paris",
    },
  },
  networks: {
    hardhat: { chainId: localChainId() },
    localhost: { url: "http://127.0.0.1:8545", chainId: localChainId() },
    ...(privateConfig === undefined ? {} : { private: privateConfig }),
  },
  gasReporter: {
    enabled: process.env.REPORT_GAS !== undefined && process.env.REPORT_GAS !== "",
    offline: true,
    currency: "USD",
  },
  ignition: { requiredConfirmations: positiveInteger("DEPLOY_CONFIRMATIONS", 1) },
  mocha: { timeout: 120_000 },
};

export default config;
