import { isoFromUnixSeconds, type Registrars } from "../api/wire";
import type { RegistrarEntry as IndexedRegistrar } from "../store/registry-index";

/** The directory as the index holds it (RegistryIndexStore implements it). */
export interface DirectoryIndex {
  registrars(): IndexedRegistrar[];
  organisationOf(registrar: string): { name: string; uri: string } | undefined;
  cursor(): { number: number } | undefined;
}

/**
 * Who is who in the consortium: the organisations the registry's admin named for registrar
 * addresses, on chain, so every member's service shows the same names without configuration.
 */
export class RegistrarDirectory {
  constructor(private readonly index: DirectoryIndex) {}

  organisationOf = (registrar: string): { name: string; uri: string } | undefined =>
    this.index.organisationOf(registrar);

  list(): Registrars {
    return {
      registrars: this.index.registrars().map(({ lastAnchoring, ...entry }) => ({
        ...entry,
        ...(lastAnchoring === undefined
          ? {}
          : { lastAnchoring: { ...lastAnchoring, timestampIso: isoFromUnixSeconds(lastAnchoring.timestamp) } }),
      })),
      indexedTo: this.index.cursor()?.number,
    };
  }
}
