/**
 * The composition root: reads the configuration (the only place that reads process.env), starts or
 * connects to the chain, assembles the server (server/compose.ts) and serves it.
 */
import { HDNodeWallet, Mnemonic } from "ethers";
import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { readRegistryAddress } from "./chain/deployment-record";
import {
  DEV_MNEMONIC,
  describeLocalChain,
  ensureLocalRegistry,
  startLocalChain,
  summarizeLocalChain,
  type LocalChain,
} from "./chain/local-chain";
import { readChainId } from "./chain/provider";
import { composeServer, type ChainTarget, type DocproofServer } from "./compose";
import { loadConfig, loggedSecrets, type ServiceConfig } from "./config";
import { ApiKeys } from "./http/auth";
import { prepareListener } from "./http/listener";
import { createLogger, type Logger } from "./logger";
import { reindex } from "./service/reindex";
import { PACKAGE_ROOT } from "./version";

/** The built page (`npm run build:web`, run before `npm start`). */
const WEB_DIR = path.join(PACKAGE_ROOT, "server", "web", "dist");

/** The chain to anchor on: the configured one, or the local development chain (started if needed). */
async function resolveChain(
  config: ServiceConfig,
  log: Logger,
): Promise<{ target: ChainTarget; localChain?: LocalChain }> {
  if (config.rpcUrl === undefined) {
    const durableDir = config.dataDir ?? path.join(PACKAGE_ROOT, "data", "local");
    const localChain = await startLocalChain((line) => log.info(line), {
      kind: config.localChain,
      // The chain's state lives beside the store: deleting the data directory resets both.
      stateDir: path.join(durableDir, "chain"),
      env: process.env,
    });
    const durable = localChain.persistence === "durable";
    try {
      const registryAddress =
        config.registryAddress ?? (await ensureLocalRegistry(localChain, (line) => log.info(line), process.env));
      return {
        localChain,
        target: {
          rpcUrl: localChain.rpcUrl,
          chainId: Number(localChain.chainId),
          registryAddress,
          privateKey:
            config.privateKey ??
            HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), "m/44'/60'/0'/0/0").privateKey,
          // A chain that forgets (in memory, or not ours) gets a store of its own, so it never
          // wipes the store of the durable chain.
          dataDir: config.dataDir ?? (durable ? durableDir : path.join(PACKAGE_ROOT, "data", "local-memory")),
          disposable: !durable,
        },
      };
    } catch (error) {
      await localChain.stop();
      throw error;
    }
  }
  const chainId = await readChainId(config.rpcUrl, config.rpcTimeoutMs);
  const registryAddress =
    config.registryAddress ?? (await readRegistryAddress(path.join(PACKAGE_ROOT, "ignition"), chainId));
  if (registryAddress === undefined) {
    throw new Error(
      `No DocumentRegistry deployment is recorded for chain ${chainId}: set REGISTRY_ADDRESS, or deploy with ` +
        "`npm run deploy -- --network private`.",
    );
  }
  return {
    target: {
      rpcUrl: config.rpcUrl,
      chainId,
      registryAddress,
      // loadConfig requires PRIVATE_KEY with RPC_URL.
      privateKey: config.privateKey!,
      dataDir: config.dataDir ?? path.join(PACKAGE_ROOT, "data", `chain-${chainId}`),
      disposable: false,
    },
  };
}

/** What a person starting the service needs to see: where everything is, and what would be lost. */
function startSummary(
  base: string,
  target: ChainTarget,
  registrar: string,
  localChain?: LocalChain,
  tsa?: DocproofServer["tsa"],
): string {
  const chainLines =
    localChain === undefined
      ? [`chain     ${target.rpcUrl} (chain id ${target.chainId}; its nodes keep the state)`]
      : describeLocalChain(localChain, 10);
  return [
    "",
    "Docproof is up:",
    `  page      ${base}/`,
    `  API       ${base}/api/v1/openapi.json`,
    `  health    ${base}/healthz`,
    ...chainLines.map((line) => `  ${line}`),
    `  registry  ${target.registryAddress}`,
    `  registrar ${registrar}`,
    `  data      ${target.dataDir}`,
    `  verify    docproof verify <file> --rpc ${target.rpcUrl}`,
    ...(tsa === undefined
      ? []
      : [
          `  TSA       ${base}/tsa (RFC 3161; certificates at ${base}/tsa/certificate)`,
          ...(tsa.caFile === undefined
            ? [`  TSA cert  ${tsa.certFile}`]
            : [
                `  TSA CA    ${tsa.caFile}`,
                `            openssl ts -verify -data <file> -in <file>.tsr -CAfile ${tsa.caFile}`,
              ]),
        ]),
    "",
  ].join("\n");
}

async function main(command: string | undefined) {
  if (command !== undefined && command !== "serve" && command !== "reindex") {
    throw new Error(`Unknown command "${command}": use serve (the default) or reindex.`);
  }
  const config = loadConfig(process.env);
  const log = createLogger({ secrets: loggedSecrets(config) });
  // Read before any chain is started, so a bad keys file stops nothing half-way.
  const keys = new ApiKeys({ keys: config.apiKeys, file: config.apiKeysFile, log });

  const { target, localChain } = await resolveChain(config, log);
  if (!existsSync(path.join(WEB_DIR, "index.html"))) {
    log.warn("the page is not built, so / answers 404: run `npm run build:web` (npm start does)");
  }
  if (config.publicUrl === undefined && !["127.0.0.1", "::1", "localhost"].includes(config.host)) {
    log.warn("PUBLIC_URL is not set: certificates asked for from beyond this machine carry no QR code");
  }
  if (!keys.enforced) {
    log.warn(
      "API_KEYS and API_KEYS_FILE are not set: anyone who can reach this loopback address may notarize and revoke",
    );
  }

  const server = await composeServer(config, target, {
    log,
    keys,
    webDir: WEB_DIR,
    durability: localChain,
  }).catch(async (error: unknown) => {
    await localChain?.stop();
    throw error;
  });
  if (command === "reindex") {
    try {
      if (!server.store.isEmpty()) {
        throw new Error(
          `The store in ${target.dataDir} is not empty: move it aside, then reindex into an empty DATA_DIR.`,
        );
      }
      const counts = await reindex(server.indexer, server.store);
      log.info({ ...counts, dataDir: target.dataDir }, "reindexed from the chain");
    } finally {
      await server.close();
      await localChain?.stop();
    }
    return;
  }

  const listener = server.app.listen(config.port, config.host);
  prepareListener(listener, { requestTimeoutMs: config.bodyTimeouts.totalMs + 60_000 });
  await new Promise<void>((resolve, reject) => {
    listener.once("listening", resolve);
    listener.once("error", reject);
  });
  server.start();
  const { port } = listener.address() as AddressInfo;
  const base = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
  const chain = localChain === undefined ? undefined : summarizeLocalChain(localChain);
  log.info(
    {
      page: `${base}/`,
      api: `${base}/api/v1/openapi.json`,
      health: `${base}/healthz`,
      rpcUrl: target.rpcUrl,
      chainId: target.chainId,
      chainState: chain?.stateFile,
      registry: target.registryAddress,
      registrar: server.registrar,
      dataDir: target.dataDir,
      tsa: `${base}/tsa`,
      tsaCaFile: server.tsa.caFile,
      tsaCertFile: server.tsa.certFile,
      witness: server.witness?.authority,
    },
    "docproof is serving",
  );
  if (server.tsa.created) {
    log.info(
      { caFile: server.tsa.caFile, certFile: server.tsa.certFile, subject: server.tsa.subject },
      "made a local CA and TSA certificate: give the CA certificate to whoever verifies time-stamps",
    );
  }
  if (keys.enforced && !config.tsa.requiresKey) {
    log.warn(
      "POST /tsa is open to anyone who can reach the service (rate-limited): set TSA_REQUIRES_KEY=true to require an API key",
    );
  }
  if (chain?.warning !== undefined) log.warn({ rpcUrl: target.rpcUrl }, chain.warning);
  console.log(startSummary(base, target, server.registrar, localChain, server.tsa));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping");
    listener.close();
    listener.closeAllConnections();
    await server.close();
    await localChain?.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
