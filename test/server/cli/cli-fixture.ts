import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { deploymentDirFor, readRegistryAddress } from "../../../server/chain/deployment-record";
import { runCli } from "../../../server/cli/main";
import { devAccount } from "../../support/dev-accounts";
import { ROOT, run } from "../../support/processes";
import { TestChain } from "../service-fixture";

export const DOCPROOF_BIN = path.join(ROOT, "bin", "docproof.js");
const IGNITION_DIR = path.join(ROOT, "ignition");

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI in this process, as the executable would (same argv, same exit status), with its
 * own output buffers and an environment of `env` only, so the tester's shell cannot leak in.
 */
export async function docproof(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; tty?: boolean } = {},
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text), isTTY: options.tty === true, columns: 100 },
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
  });
  return { code, stdout, stderr };
}

/** Runs the real `docproof` executable (bin/docproof.js) in a process; stdout and stderr together. */
export function docproofProcess(args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, [DOCPROOF_BIN, ...args], { DOCPROOF_PRIVATE_KEY: "", DOCPROOF_API_KEY: "", ...env });
}

/** A folder for a test file's documents and receipts. */
export function scratchDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), "docproof-cli-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const deployer = devAccount(0);

/**
 * An Anvil node with the registry deployed by `docproof deploy` (Hardhat Ignition, the real
 * deployment path), its address recorded for the chain id as operators would have it.
 */
export async function deployedChain(): Promise<{ chain: TestChain; registry: string; stop(): Promise<void> }> {
  const chain = await new TestChain().start();
  const { code, output } = await docproofProcess(["deploy", "--rpc", chain.rpcUrl, "--yes"], {
    DOCPROOF_PRIVATE_KEY: deployer.privateKey,
  });
  expect(code, output).to.equal(0);
  expect(output).to.not.include(deployer.privateKey.slice(2));
  const registry = await readRegistryAddress(IGNITION_DIR, chain.chainId);
  expect(registry, output).to.match(/^0x[0-9a-fA-F]{40}$/);
  return {
    chain,
    registry: registry!,
    async stop() {
      await rm(deploymentDirFor(IGNITION_DIR, chain.chainId), { recursive: true, force: true });
      await chain.stop();
    },
  };
}
