import { getAddress, isAddress, Wallet, type JsonRpcProvider } from "ethers";
import path from "node:path";
import { readRegistryAddress } from "../chain/deployment-record";
import { createProvider, readChainId } from "../chain/provider";
import type { RegistryWriter } from "../chain/registry";
import { RegistryClient } from "../chain/registry-client";
import { EthersRegistryWriter } from "../chain/registry-writer";
import { isDocproofError } from "../errors";
import { PACKAGE_ROOT } from "../version";
import { CliError, networkCause } from "./cli-error";

const IGNITION_DIR = path.join(PACKAGE_ROOT, "ignition");

export interface RegistryConnection {
  readonly registry: RegistryClient;
  /** The connection's provider, for the chain reads that are not the registry's (evidence, history). */
  readonly provider: JsonRpcProvider;
  /** The registry written with `key` (from --key or DOCPROOF_PRIVATE_KEY); the key is never printed. */
  writer(key: string | undefined, confirmations: number): RegistryWriter;
  close(): void;
}

/** The chain id at `rpcUrl`, or a one-line `unreachable` error. */
async function chainIdAt(rpcUrl: string): Promise<number> {
  try {
    new URL(rpcUrl);
  } catch {
    throw new CliError(
      "usage",
      `--rpc must be the chain's JSON-RPC URL, such as http://127.0.0.1:8545; got "${rpcUrl}".`,
    );
  }
  try {
    return await readChainId(rpcUrl, 10_000);
  } catch (error) {
    if (!isDocproofError(error, "chain-unavailable")) throw error;
    throw new CliError("unreachable", `Cannot reach the chain at ${rpcUrl} (${networkCause(error.cause)}).`, {
      cause: error,
    });
  }
}

/**
 * Connects to the registry at `rpcUrl`: `explicit`, else the address Ignition recorded for the
 * chain's id (as `docproof deploy` writes it), else `fallback` (the receipt's own registry).
 */
export async function connectRegistry(
  rpcUrl: string,
  explicit: string | undefined,
  fallback?: string,
): Promise<RegistryConnection> {
  if (explicit !== undefined && !isAddress(explicit)) {
    throw new CliError("usage", `--registry must be an address; got "${explicit}".`);
  }
  const chainId = await chainIdAt(rpcUrl);
  const address = explicit ?? (await readRegistryAddress(IGNITION_DIR, chainId)) ?? fallback;
  if (address === undefined) {
    throw new CliError(
      "usage",
      `No DocumentRegistry deployment is recorded for chain ${chainId}: pass --registry <address>.`,
    );
  }
  const provider = createProvider(rpcUrl, chainId);
  const registry = new RegistryClient(provider, getAddress(address), chainId);
  try {
    if (!(await registry.hasCode())) {
      throw new CliError("usage", `No contract at ${registry.address} on chain ${chainId}: check --registry.`);
    }
  } catch (error) {
    provider.destroy();
    throw error;
  }
  return {
    registry,
    provider,
    writer: (key, confirmations) => new EthersRegistryWriter(registry, walletOf(key, provider), { confirmations }),
    close: () => provider.destroy(),
  };
}

function walletOf(key: string | undefined, provider: JsonRpcProvider): Wallet {
  if (key === undefined || key === "") {
    throw new CliError("usage", "Anchoring on chain needs the registrar's key: set DOCPROOF_PRIVATE_KEY (or --key).");
  }
  try {
    return new Wallet(key, provider);
  } catch {
    throw new CliError("usage", "The registrar key must be a 0x-prefixed 32-byte hex private key.");
  }
}
