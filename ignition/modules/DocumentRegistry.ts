import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/** Two days: long enough for a consortium to notice and cancel an unwanted admin transfer. */
export const DEFAULT_ADMIN_DELAY_SECONDS = 2 * 24 * 60 * 60;

/**
 * Deploys the DocumentRegistry and grants the first registrar.
 *
 * Parameters (all optional, `--parameters file.json` under "DocumentRegistryModule"):
 *   admin              default admin (the deployer)
 *   adminDelaySeconds  delay of a two-step admin transfer (two days)
 *   registrar          first registrar (the deployer)
 */
const DocumentRegistryModule = buildModule("DocumentRegistryModule", (m) => {
  const deployer = m.getAccount(0);
  const admin = m.getParameter("admin", deployer);
  const adminDelaySeconds = m.getParameter("adminDelaySeconds", DEFAULT_ADMIN_DELAY_SECONDS);
  const registrar = m.getParameter("registrar", deployer);

  const registry = m.contract("DocumentRegistry", [adminDelaySeconds, admin, [registrar]]);
  return { registry };
});

export default DocumentRegistryModule;
