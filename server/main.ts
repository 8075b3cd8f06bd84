/**
 * The composition root: reads the configuration, starts or connects to the chain, opens the
 * service and serves it. Nothing else reads process.env.
 */
import { HDNodeWallet, Mnemonic } from "ethers";
import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { readRegistryAddress } from "./chain/deployment-record";
import { DEV_MNEMONIC, ensureLocalRegistry, PROJECT_ROOT, startLocalChain, type LocalChain } from "./chain/local-chain";
import { readChainId } from "./chain/registry-client";
import { loadConfig } from "./config";
import { readApiKeysFile } from "./http/auth";
import { answerClientErrors } from "./http/client-errors";
import { createLogger } from "./logger";
import { openService } from "./service/open-service";
import { reindex } from "./service/reindex";

/** The built page (`npm run build:web`, run before `npm start`). */
const WEB_DIR = path.join(PROJECT_ROOT, "server", "web", "dist");

async function main(command: string | undefined) {
  if (command !== undefined && command !== "serve" && command !== "reindex") {
    throw new Error(`Unknown command "${command}": use serve (the default) or reindex.`);
  }
  const config = loadConfig(process.env);
  // Checked before any chain is started, so a bad keys file stops nothing half-way.
  if (config.apiKeysFile !== undefined) readApiKeysFile(config.apiKeysFile);
  const secrets = [config.privateKey, ...config.apiKeys].filter((s): s is string => s !== undefined);
  const log = createLogger((line) => process.stdout.write(`${line}\n`), secrets);

  let chain: LocalChain | undefined;
  let rpcUrl: string;
  let chainId: number;
  let registryAddress: string | undefined = config.registryAddress;
  let privateKey = config.privateKey;
  let dataDir = config.dataDir;
  if (config.rpcUrl === undefined) {
    chain = await startLocalChain((line) => log.info(line));
    rpcUrl = chain.rpcUrl;
    chainId = Number(chain.chainId);
    registryAddress ??= await ensureLocalRegistry(chain, (line) => log.info(line));
    privateKey ??= HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), "m/44'/60'/0'/0/0").privateKey;
    dataDir ??= path.join(PROJECT_ROOT, "data", "local");
  } else {
    rpcUrl = config.rpcUrl;
    chainId = await readChainId(rpcUrl, config.rpcTimeoutMs);
    registryAddress ??= await readRegistryAddress(path.join(PROJECT_ROOT, "ignition"), chainId);
    if (registryAddress === undefined) {
      throw new Error(
        `No DocumentRegistry deployment is recorded for chain ${chainId}: set REGISTRY_ADDRESS, or deploy with ` +
          "`npm run deploy -- --network private`.",
      );
    }
    dataDir ??= path.join(PROJECT_ROOT, "data", `chain-${chainId}`);
  }
  if (!existsSync(path.join(WEB_DIR, "index.html"))) {
    log.warn("the page is not built, so / answers 404: run `npm run build:web` (npm start does)");
  }
  if (config.apiKeys.length === 0 && config.apiKeysFile === undefined) {
    log.warn(
      "API_KEYS and API_KEYS_FILE are not set: anyone who can reach this loopback address may notarize and revoke",
    );
  }

  const service = await openService({
    rpcUrl,
    chainId,
    rpcTimeoutMs: config.rpcTimeoutMs,
    registryAddress,
    privateKey: privateKey!,
    dataDir,
    apiKeys: config.apiKeys,
    batchIntervalMs: config.batchIntervalMs,
    batchMax: config.batchMax,
    confirmations: config.confirmations,
    maxUploadBytes: config.maxUploadBytes,
    log,
    resetStoreOnChainChange: chain !== undefined,
    webDir: WEB_DIR,
    protection: {
      apiKeysFile: config.apiKeysFile,
      rateLimits: config.rateLimits,
      bodyTimeouts: config.bodyTimeouts,
    },
  });
  if (command === "reindex") {
    if (service.store.stats().documents !== 0) {
      await service.close();
      await chain?.stop();
      throw new Error(`The store in ${dataDir} is not empty: move it aside, then reindex into an empty DATA_DIR.`);
    }
    const counts = await reindex(service.store, service.registry, service.registrar);
    log.info("reindexed from the chain", { ...counts, dataDir });
    await service.close();
    await chain?.stop();
    return;
  }

  const server = service.app.listen(config.port, config.host);
  answerClientErrors(server);
  // Node's own cap on a whole request, as a backstop behind the body deadlines, which answer first.
  server.requestTimeout = config.bodyTimeouts.totalMs + 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  service.start();
  const { port } = server.address() as AddressInfo;
  const base = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
  log.info("docproof is serving", {
    page: `${base}/`,
    api: `${base}/api/v1/openapi.json`,
    health: `${base}/healthz`,
    chainId,
    registry: registryAddress,
    registrar: service.registrar,
    dataDir,
  });
  console.log(
    `\nDocproof is up:\n  page    ${base}/\n  API     ${base}/api/v1/openapi.json\n  health  ${base}/healthz\n`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("stopping", { signal });
    server.close();
    server.closeAllConnections();
    await service.close();
    await chain?.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
