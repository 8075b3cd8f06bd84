import { Wallet, type JsonRpcApiProvider } from "ethers";
import { rmSync } from "node:fs";
import path from "node:path";
import type { Express } from "express";
import { ChainGuard } from "../chain/chain-guard";
import { createProvider, RegistryClient } from "../chain/registry-client";
import { TxSender } from "../chain/tx-sender";
import { DocproofError } from "../errors";
import { createApp, type HttpProtection } from "../http/app";
import type { Logger } from "../logger";
import { DocumentStore } from "../store/document-store";
import { BatchAnchorer } from "./batch-anchorer";
import { createMetrics, type ServiceMetrics } from "./metrics";
import { Notary } from "./notary";

export const SERVICE_VERSION = "0.1.0";

export interface ServiceOptions {
  rpcUrl: string;
  chainId: number;
  /** How long one JSON-RPC request may take before the chain counts as unavailable. */
  rpcTimeoutMs?: number;
  registryAddress: string;
  privateKey: string;
  dataDir: string;
  apiKeys: readonly string[];
  batchIntervalMs: number;
  batchMax: number;
  confirmations: number;
  maxUploadBytes: number;
  log: Logger;
  /** For throwaway development chains only: a store of another chain is wiped instead of refused. */
  resetStoreOnChainChange?: boolean;
  webDir?: string;
  /** API keys file, rate limits and body deadlines of the HTTP layer. */
  protection?: HttpProtection;
  /** A provider to use instead of one for `rpcUrl` (an in-process chain in tests). */
  provider?: JsonRpcApiProvider;
}

export interface Service {
  app: Express;
  notary: Notary;
  anchorer: BatchAnchorer;
  store: DocumentStore;
  registry: RegistryClient;
  chainGuard: ChainGuard;
  metrics: ServiceMetrics;
  registrar: string;
  start(): void;
  close(): Promise<void>;
}

/**
 * Connects the adapters and checks, before anything is served, that the registry is there, the
 * store belongs to this chain and registry, and the key may anchor.
 */
export async function openService(options: ServiceOptions): Promise<Service> {
  const provider = options.provider ?? createProvider(options.rpcUrl, options.chainId, options.rpcTimeoutMs);
  try {
    const registry = new RegistryClient(provider, options.registryAddress, options.chainId);
    if (!(await registry.hasCode())) {
      throw new DocproofError(
        "chain-mismatch",
        `No contract at ${options.registryAddress} on chain ${options.chainId} (${options.rpcUrl}): deploy the ` +
          "registry (npm run deploy) or correct REGISTRY_ADDRESS.",
      );
    }
    const genesisHash = await registry.genesisHash();
    let store = DocumentStore.open(options.dataDir);
    const identity = store.chainIdentity();
    const sameChain =
      identity === undefined ||
      (identity.chainId === options.chainId &&
        identity.registry.toLowerCase() === options.registryAddress.toLowerCase() &&
        identity.genesisHash === genesisHash);
    if (!sameChain) {
      if (!options.resetStoreOnChainChange) {
        store.close();
        throw new DocproofError(
          "chain-mismatch",
          `The store in ${options.dataDir} belongs to registry ${identity!.registry} on chain ${identity!.chainId} ` +
            `(genesis ${identity!.genesisHash}), not to registry ${options.registryAddress} on chain ` +
            `${options.chainId} (genesis ${genesisHash}). Use another DATA_DIR, or reindex from the chain.`,
        );
      }
      options.log.warn("the development chain is new: starting with an empty store", { dataDir: options.dataDir });
      store.close();
      for (const file of ["docproof.sqlite", "docproof.sqlite-wal", "docproof.sqlite-shm"]) {
        rmSync(path.join(options.dataDir, file), { force: true });
      }
      store = DocumentStore.open(options.dataDir);
    }
    store.recordChainIdentity({ chainId: options.chainId, registry: options.registryAddress, genesisHash });

    const wallet = new Wallet(options.privateKey, provider);
    if (!(await registry.isRegistrar(wallet.address))) {
      store.close();
      throw new DocproofError(
        "unauthorized",
        `The key's account ${wallet.address} is not a registrar of ${options.registryAddress}: ` +
          "grant it with `npm run registrar -- grant <address> --network <name>`.",
      );
    }
    const sender = new TxSender(wallet, { confirmations: options.confirmations });
    const chainGuard = new ChainGuard(registry, { chainId: options.chainId, genesisHash }, options.log);
    const metrics = createMetrics(() => store.countUnbatched());
    const anchorer = new BatchAnchorer(
      store,
      registry,
      sender,
      chainGuard,
      { intervalMs: options.batchIntervalMs, maxBatchSize: options.batchMax },
      options.log,
      metrics,
    );
    const notary = new Notary(store, registry, sender, chainGuard, anchorer, metrics);
    let app: Express;
    try {
      app = createApp({
        notary,
        registry,
        chainGuard,
        store,
        metrics,
        log: options.log,
        apiKeys: options.apiKeys,
        limits: { maxFileBytes: options.maxUploadBytes, maxReceiptBytes: 64 * 1024 },
        webDir: options.webDir,
        protection: options.protection,
        version: SERVICE_VERSION,
        registrar: sender.address,
      });
    } catch (error) {
      // A bad API_KEYS_FILE is found here, after the store was opened.
      store.close();
      throw error;
    }
    return {
      app,
      notary,
      anchorer,
      store,
      registry,
      chainGuard,
      metrics,
      registrar: wallet.address,
      start: () => anchorer.start(),
      close: async () => {
        await anchorer.stop();
        store.close();
        provider.destroy();
      },
    };
  } catch (error) {
    provider.destroy();
    throw error;
  }
}
