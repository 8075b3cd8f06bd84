/**
 * `npm run consortium`: a consortium on one machine. One durable local chain (Anvil, saved in
 * CONSORTIUM_DIR/chain), the registry deployed once, and three member services, each with its own
 * registrar key, organisation name, port and data directory, all following the same registry.
 * Ctrl-C stops all of them.
 *
 *   CONSORTIUM_DIR        where the chain and the members' stores live (data/consortium)
 *   CONSORTIUM_PORT       the first member's port; the others follow (3001, 3002, 3003)
 *   CONSORTIUM_RPC_PORT   the chain's port (8546)
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { HDNodeWallet, JsonRpcProvider, Mnemonic, Network, type Signer } from "ethers";
import { DocumentRegistry__factory } from "../typechain-types";
import { DEV_MNEMONIC, ensureLocalRegistry, startLocalChain, type LocalChain } from "../server/chain/local-chain";

const ROOT = path.resolve(__dirname, "..");
/** Not the local chain of `npm start` (31337): the two keep separate deployment records. */
const CONSORTIUM_CHAIN_ID = 31338;

/** The members: development accounts 1 to 3 (account 0 is the registry's admin). */
const MEMBERS = [
  { label: "A", name: "Bank A", uri: "https://bank-a.example", account: 1 },
  { label: "B", name: "Registry B", uri: "https://registry-b.example", account: 2 },
  { label: "C", name: "Fleet C", uri: "https://fleet-c.example", account: 3 },
];

const devWallet = (index: number) =>
  HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${index}`);

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0 || value > 65_535)
    throw new Error(`${name} must be a port, got "${raw}".`);
  return value;
}

/** Grants each member the registrar role and names its organisation, unless the chain has them already. */
async function enrol(admin: Signer, registryAddress: string, log: (line: string) => void): Promise<void> {
  const registry = DocumentRegistry__factory.connect(registryAddress, admin);
  const role = await registry.REGISTRAR_ROLE();
  for (const member of MEMBERS) {
    const address = devWallet(member.account).address;
    const named = await registry.organisationOf(address);
    if (named.name !== member.name || named.uri !== member.uri) {
      await (await registry.setOrganisation(address, member.name, member.uri)).wait();
      log(`Named ${address} "${member.name}".`);
    }
    if (!(await registry.hasRole(role, address))) {
      await (await registry.grantRole(role, address)).wait();
      log(`Granted the registrar role to ${member.name} (${address}).`);
    }
  }
}

async function main() {
  const dir = path.resolve(process.env.CONSORTIUM_DIR ?? path.join(ROOT, "data", "consortium"));
  const firstPort = numberFromEnv("CONSORTIUM_PORT", 3001);
  const rpcPort = numberFromEnv("CONSORTIUM_RPC_PORT", 8546);
  const log = (line: string) => console.log(line);

  const chain: LocalChain = await startLocalChain(log, {
    port: rpcPort,
    chainId: CONSORTIUM_CHAIN_ID,
    stateDir: path.join(dir, "chain"),
    env: process.env,
  });
  const members: { label: string; name: string; url: string; child: ChildProcess }[] = [];
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await Promise.all(
      members.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGTERM");
          }),
      ),
    );
    await chain.stop();
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));

  try {
    const registryAddress = await ensureLocalRegistry(chain, log, process.env);
    const provider = new JsonRpcProvider(chain.rpcUrl, Network.from(CONSORTIUM_CHAIN_ID), {
      staticNetwork: true,
      cacheTimeout: -1,
    });
    try {
      await enrol(devWallet(0).connect(provider), registryAddress, log);
    } finally {
      provider.destroy();
    }
    await chain.flush();

    for (const [i, member] of MEMBERS.entries()) {
      const port = firstPort + i;
      const child = spawn(
        process.execPath,
        ["--require", require.resolve("ts-node/register/transpile-only"), path.join(ROOT, "server", "main.ts")],
        {
          cwd: ROOT,
          stdio: ["ignore", "inherit", "inherit"],
          env: {
            ...process.env,
            RPC_URL: chain.rpcUrl,
            PRIVATE_KEY: devWallet(member.account).privateKey,
            REGISTRY_ADDRESS: registryAddress,
            PORT: String(port),
            HOST: "127.0.0.1",
            DATA_DIR: path.join(dir, `member-${member.label.toLowerCase()}`),
            BATCH_INTERVAL_MS: process.env.BATCH_INTERVAL_MS ?? "500",
            INDEX_INTERVAL_MS: process.env.INDEX_INTERVAL_MS ?? "500",
          },
        },
      );
      child.once("exit", (code) => {
        if (!stopping) {
          console.error(`Member ${member.name} stopped (exit ${code}); stopping the consortium.`);
          void stop(1);
        }
      });
      members.push({ label: member.label, name: member.name, url: `http://127.0.0.1:${port}`, child });
    }
    // Each member says "Docproof is up" when it serves; the summary follows once all answer.
    for (const member of members) {
      for (let deadline = Date.now() + 120_000; ;) {
        const ok = await fetch(`${member.url}/healthz`).then(
          (response) => response.ok,
          () => false,
        );
        if (ok) break;
        if (Date.now() > deadline) throw new Error(`${member.name} did not answer at ${member.url}/healthz.`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    console.log(
      [
        "",
        "Consortium is up:",
        `  chain     ${chain.rpcUrl} (chain id ${CONSORTIUM_CHAIN_ID}, saved in ${chain.stateFile})`,
        `  registry  ${registryAddress} (admin ${devWallet(0).address})`,
        ...members.map(
          (m, i) => `  ${m.label}         ${m.url}  ${m.name}, registrar ${devWallet(MEMBERS[i].account).address}`,
        ),
        "",
        "Ctrl-C stops all.",
        "",
      ].join("\n"),
    );
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    await stop(1);
  }
}

void main();
