import path from "node:path";
import { task, types } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { readRegistryAddress } from "../server/chain/deployment-record";
import { checkOrganisationName, checkOrganisationUri } from "../server/proof/organisation";

const USAGE_ERRORS = [
  "unknown-action",
  "invalid-address",
  "invalid-name",
  "invalid-uri",
  "missing-name",
  "misplaced-argument",
] as const;

export type RegistrarErrorCode = (typeof USAGE_ERRORS)[number] | "no-deployment" | "not-admin";

/**
 * A failure the task explains in one line. A bad command line (refused before the task touches the
 * chain) exits with status 2, as shells do for usage errors; a registry it cannot act on, with 1.
 */
export class RegistrarError extends Error {
  readonly code: RegistrarErrorCode;
  readonly exitCode: 1 | 2;

  constructor(code: RegistrarErrorCode, message: string) {
    super(message);
    this.name = "RegistrarError";
    this.code = code;
    this.exitCode = (USAGE_ERRORS as readonly string[]).includes(code) ? 2 : 1;
  }
}

export interface RegistrarArguments {
  action: string;
  account: string;
  /** The organisation's name, as the third word of `name`. */
  organisation?: string;
  /** The organisation's name, as `grant --name`. */
  name?: string;
  /** The organisation's URI or identifier; omitted keeps the one recorded, "" clears it. */
  uri?: string;
  registry?: string;
}

type Action = "grant" | "revoke" | "name";

interface Command {
  action: Action;
  account: string;
  /** The directory entry to record, if the command names the organisation. */
  entry?: { name: string; uri?: string };
  registry?: string;
}

/** Checks the command line alone, so that a typo costs no transaction and no connection. */
export function parseRegistrarArguments(args: RegistrarArguments, isAddress: (value: string) => boolean): Command {
  const { action, account, organisation, name, uri, registry } = args;
  if (action !== "grant" && action !== "revoke" && action !== "name") {
    throw new RegistrarError("unknown-action", `unknown action "${action}": use grant, revoke or name.`);
  }
  if (!isAddress(account)) {
    throw new RegistrarError(
      "invalid-address",
      `"${account}" is not an address (0x and 40 hex digits, checksummed or in one case).`,
    );
  }
  if (registry !== undefined && !isAddress(registry)) {
    throw new RegistrarError("invalid-address", `--registry "${registry}" is not an address.`);
  }
  if (action === "name" && name !== undefined) {
    throw new RegistrarError("misplaced-argument", `give the name as the third word: name <address> "<name>".`);
  }
  if (action !== "name" && organisation !== undefined) {
    const hint =
      action === "grant" ? `name the organisation with --name "${organisation}"` : "revoke takes one address";
    throw new RegistrarError("misplaced-argument", `unexpected "${organisation}": ${hint}.`);
  }
  if (action === "revoke" && (name !== undefined || uri !== undefined)) {
    throw new RegistrarError(
      "misplaced-argument",
      "revoke changes no name: the organisation keeps its name in the directory.",
    );
  }
  const entryName = action === "name" ? organisation : name;
  if (entryName === undefined) {
    if (action === "name") throw new RegistrarError("missing-name", `name needs a name: name <address> "<name>".`);
    if (uri !== undefined) throw new RegistrarError("missing-name", "--uri needs --name.");
    return { action, account, registry };
  }
  const nameFault = checkOrganisationName(entryName);
  if (nameFault !== undefined) throw new RegistrarError("invalid-name", `${nameFault.message}.`);
  const uriFault = uri === undefined ? undefined : checkOrganisationUri(uri);
  if (uriFault !== undefined) throw new RegistrarError("invalid-uri", `${uriFault.message}.`);
  return { action, account, entry: { name: entryName, uri }, registry };
}

/** Runs a checked command against the registry; the first configured account must be its admin. */
export async function runRegistrarCommand(command: Command, hre: HardhatRuntimeEnvironment): Promise<void> {
  const { ethers } = hre;
  const { chainId } = await ethers.provider.getNetwork();
  const address =
    command.registry ?? (await readRegistryAddress(path.join(hre.config.paths.root, "ignition"), chainId));
  if (address === undefined) {
    throw new RegistrarError(
      "no-deployment",
      `no DocumentRegistry deployment recorded for chain ${chainId}: deploy first, or pass --registry.`,
    );
  }
  const contract = await ethers.getContractAt("DocumentRegistry", address);
  const [signer] = await ethers.getSigners();
  if (!(await contract.hasRole(await contract.DEFAULT_ADMIN_ROLE(), signer.address))) {
    throw new RegistrarError(
      "not-admin",
      `${signer.address} is not the admin of the registry ${address} (${await contract.defaultAdmin()} is).`,
    );
  }
  const { account } = command;

  if (command.action !== "name") {
    const role = await contract.REGISTRAR_ROLE();
    const hasRole = await contract.hasRole(role, account);
    const grant = command.action === "grant";
    if (grant === hasRole) {
      console.log(`${account} ${hasRole ? "already holds" : "does not hold"} the registrar role on ${address}.`);
    } else {
      const tx = grant ? await contract.grantRole(role, account) : await contract.revokeRole(role, account);
      const receipt = await tx.wait();
      console.log(
        `${grant ? "Granted" : "Revoked"} the registrar role ${grant ? "to" : "from"} ${account} ` +
          `on ${address} (tx ${tx.hash}, block ${receipt?.blockNumber}).`,
      );
    }
  }

  const current = await contract.organisationOf(account);
  if (command.entry === undefined) {
    if (current.updatedAt !== 0n) console.log(`${account} is named "${current.name}" in the directory.`);
    return;
  }
  const name = command.entry.name;
  const uri = command.entry.uri ?? current.uri;
  const described = `"${name}"${uri === "" ? "" : ` (${uri})`}`;
  if (current.updatedAt !== 0n && current.name === name && current.uri === uri) {
    console.log(`${account} is already named ${described} on ${address}.`);
    return;
  }
  const tx = await contract.setOrganisation(account, name, uri);
  const receipt = await tx.wait();
  console.log(
    `${current.updatedAt === 0n ? "Named" : `Renamed "${current.name}" to`} ${described} for ${account} ` +
      `on ${address} (tx ${tx.hash}, block ${receipt?.blockNumber}).`,
  );
}

/**
 * `hardhat registrar grant|revoke <account> [--name "Bank A" [--uri ..]] [--registry 0x..] --network <name>`
 * `hardhat registrar name <account> "Bank A" [--uri ..] [--registry 0x..] --network <name>`
 *
 * Grants or revokes REGISTRAR_ROLE, and records the organisation behind the address in the registry's
 * directory. The registry address defaults to the one Ignition recorded for the connected chain's id.
 * The first configured account must be the admin. A bad command line prints one line and exits with
 * status 2 before anything is sent; a missing deployment or a non-admin account, one line and status 1.
 */
task("registrar", "Grants or revokes the registrar role, and names its organisation, on a deployed DocumentRegistry")
  .addPositionalParam("action", "grant, revoke or name")
  .addPositionalParam("account", "Address of the registrar")
  .addOptionalPositionalParam("organisation", 'Name of the organisation, for name (e.g. "Bank A")')
  .addOptionalParam("name", "Name of the organisation, recorded with grant", undefined, types.string)
  .addOptionalParam(
    "uri",
    'URI or identifier of the organisation, such as an LEI (default: keep the recorded one; "" clears it)',
    undefined,
    types.string,
  )
  .addOptionalParam(
    "registry",
    "Registry address (default: the Ignition deployment for this chain)",
    undefined,
    types.string,
  )
  .setAction(async (args: RegistrarArguments, hre) => {
    try {
      await runRegistrarCommand(parseRegistrarArguments(args, hre.ethers.isAddress), hre);
    } catch (error) {
      if (!(error instanceof RegistrarError)) throw error;
      // Thrown, it would take Hardhat's report: several lines, a stack trace on a machine without a
      // display (which Hardhat takes for CI), and status 1 whatever the cause.
      console.error(`registrar: ${error.message}`);
      process.exitCode = error.exitCode;
    }
  });
