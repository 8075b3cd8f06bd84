import { readFile } from "node:fs/promises";
import path from "node:path";

/** Ignition's future id of the registry in `ignition/modules/DocumentRegistry.ts`. */
export const REGISTRY_FUTURE_ID = "DocumentRegistryModule#DocumentRegistry";

/** Where Ignition records deployments to the chain `chainId` under `ignitionDir`. */
export function deploymentDirFor(ignitionDir: string, chainId: bigint | number): string {
  return path.join(ignitionDir, "deployments", `chain-${chainId}`);
}

/**
 * Reads the registry address Ignition recorded for `chainId`, or `undefined` when no deployment
 * to that chain was recorded.
 */
export async function readRegistryAddress(ignitionDir: string, chainId: bigint | number): Promise<string | undefined> {
  const file = path.join(deploymentDirFor(ignitionDir, chainId), "deployed_addresses.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const addresses = JSON.parse(text) as Record<string, unknown>;
  const address = addresses[REGISTRY_FUTURE_ID];
  return typeof address === "string" ? address : undefined;
}
