import path from "node:path";
import { task, types } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";
import { readRegistryAddress } from "../server/chain/deployment-record";

const PLUGIN = "docproof-registrar";

/**
 * `hardhat registrar grant|revoke <account> [--registry 0x..] --network <name>`
 *
 * Grants or revokes REGISTRAR_ROLE on a deployed registry. The registry address defaults to the one
 * Ignition recorded for the connected chain's id. The first configured account must be the admin.
 */
task("registrar", "Grants or revokes the registrar role on a deployed DocumentRegistry")
  .addPositionalParam("action", "grant or revoke")
  .addPositionalParam("account", "Address of the registrar")
  .addOptionalParam(
    "registry",
    "Registry address (default: the Ignition deployment for this chain)",
    undefined,
    types.string,
  )
  .setAction(async ({ action, account, registry }: { action: string; account: string; registry?: string }, hre) => {
    const { ethers } = hre;
    if (action !== "grant" && action !== "revoke") {
      throw new HardhatPluginError(PLUGIN, `Unknown action "${action}": use grant or revoke.`);
    }
    if (!ethers.isAddress(account)) {
      throw new HardhatPluginError(PLUGIN, `"${account}" is not an address.`);
    }
    const { chainId } = await ethers.provider.getNetwork();
    const address = registry ?? (await readRegistryAddress(path.join(hre.config.paths.root, "ignition"), chainId));
    if (address === undefined) {
      throw new HardhatPluginError(
        PLUGIN,
        `No DocumentRegistry deployment recorded for chain ${chainId}: deploy first, or pass --registry.`,
      );
    }
    const contract = await ethers.getContractAt("DocumentRegistry", address);
    const role = await contract.REGISTRAR_ROLE();
    const hasRole = await contract.hasRole(role, account);
    if ((action === "grant") === hasRole) {
      console.log(`${account} ${hasRole ? "already holds" : "does not hold"} the registrar role on ${address}.`);
      return;
    }
    const tx = action === "grant" ? await contract.grantRole(role, account) : await contract.revokeRole(role, account);
    const receipt = await tx.wait();
    console.log(
      `${action === "grant" ? "Granted" : "Revoked"} the registrar role ${action === "grant" ? "to" : "from"} ${account} ` +
        `on ${address} (tx ${tx.hash}, block ${receipt?.blockNumber}).`,
    );
  });
