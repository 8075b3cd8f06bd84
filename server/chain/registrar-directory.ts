import type { Provider } from "ethers";
import { DocumentRegistry__factory } from "../../typechain-types";
import { DocproofError, isDocproofError } from "../errors";

/** A registrar as the registry's role history shows it. */
export interface DirectoryEntry {
  readonly address: string;
  /** The block of the grant that made it a registrar (its latest grant, if it was granted again). */
  readonly grantedInBlock: number;
}

/**
 * The registry's current registrars, from its `RoleGranted`/`RoleRevoked` history for
 * REGISTRAR_ROLE, each confirmed with `hasRole` (state, not history, decides). Ordered by grant, so
 * the trust file lists the founding members first. This is the input of `buildTrustFile`.
 *
 * NOTE: reads the whole history from `fromBlock` in one `eth_getLogs` per event; a chain whose
 * nodes cap log ranges needs `fromBlock` set to the registry's deployment block.
 */
export async function readRegistrarDirectory(
  provider: Provider,
  registry: string,
  options: { fromBlock?: number } = {},
): Promise<DirectoryEntry[]> {
  const contract = DocumentRegistry__factory.connect(registry, provider);
  try {
    const role = await contract.REGISTRAR_ROLE();
    const fromBlock = options.fromBlock ?? 0;
    const [granted, revoked] = await Promise.all([
      contract.queryFilter(contract.filters.RoleGranted(role), fromBlock),
      contract.queryFilter(contract.filters.RoleRevoked(role), fromBlock),
    ]);
    const history = [
      ...granted.map((log) => ({ log, account: log.args.account, granted: true })),
      ...revoked.map((log) => ({ log, account: log.args.account, granted: false })),
    ].sort((a, b) => a.log.blockNumber - b.log.blockNumber || a.log.index - b.log.index);
    const current = new Map<string, number>();
    for (const { log, account, granted: isGrant } of history) {
      if (isGrant) current.set(account, log.blockNumber);
      else current.delete(account);
    }
    const entries = [...current].map(([address, grantedInBlock]) => ({ address, grantedInBlock }));
    const holds = await Promise.all(entries.map((entry) => contract.hasRole(role, entry.address)));
    return entries.filter((_, index) => holds[index]).sort((a, b) => a.grantedInBlock - b.grantedInBlock);
  } catch (error) {
    if (isDocproofError(error)) throw error;
    throw new DocproofError("chain-unavailable", "The chain did not answer while reading the registrar directory.", {
      cause: error,
    });
  }
}
