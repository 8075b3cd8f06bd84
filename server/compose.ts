/**
 * The wiring: builds every adapter and use case of the service and connects them. It decides
 * nothing of its own beyond the start-up checks that must pass before anything is served.
 */
import { Wallet, type JsonRpcApiProvider } from "ethers";
import type { Express } from "express";
import type { ServiceInfo } from "./api/wire";
import { loadDejaVuFonts } from "./certificate/dejavu-fonts";
import type { ChainDurability } from "./chain/chain-durability";
import { ChainGuard } from "./chain/chain-guard";
import { createProvider } from "./chain/provider";
import { RegistryClient } from "./chain/registry-client";
import { EthersRegistryWriter } from "./chain/registry-writer";
import type { ServiceConfig } from "./config";
import { DocproofError } from "./errors";
import { createApp } from "./http/app";
import type { ApiKeys } from "./http/auth";
import type { Logger } from "./logger";
import { BatchAnchorer } from "./service/batch-anchorer";
import { CertificateIssuer } from "./service/certificates";
import { createMetrics, type ServiceMetrics } from "./service/metrics";
import { Notary } from "./service/notary";
import { RegistrarDirectory } from "./service/directory";
import { DocumentAnchorings } from "./service/document-anchorings";
import { ReceiptBook } from "./service/receipt-book";
import { RegistryIndexer } from "./service/registry-indexer";
import { ServiceStatus } from "./service/status";
import { Verifier } from "./service/verifier";
import { WebhookDispatcher } from "./service/webhook-dispatcher";
import { WebhookEventBodies } from "./service/webhook-events";
import { createWebhookMetrics } from "./service/webhook-metrics";
import { Webhooks } from "./service/webhooks";
import { DocumentStore } from "./store/document-store";
import { SERVICE_VERSION } from "./version";
import { HostPolicy } from "./webhook/host-policy";
import { HttpWebhookTransport } from "./webhook/http-webhook-transport";

/** Blocks the index reads in one step: each step is one durable write, so a long catch-up resumes. */
const INDEX_BLOCKS_PER_STEP = 2_000;
/** Notification attempts in flight at once: a slow receiver holds one, not the queue. */
const WEBHOOK_CONCURRENCY = 8;

/** The chain the service anchors on, as server/main.ts resolved it. */
export interface ChainTarget {
  rpcUrl: string;
  chainId: number;
  registryAddress: string;
  privateKey: string;
  dataDir: string;
  /** A throwaway development chain: a store of another chain is wiped instead of refused. */
  disposable: boolean;
}

export interface ServerRuntime {
  log: Logger;
  /** The API keys, built once (their file is read there, before anything else starts). */
  keys: ApiKeys;
  /** Folder of the built web page, served at `/` when given. */
  webDir?: string;
  /** A provider to use instead of one for the RPC URL (an in-process chain in tests). */
  provider?: JsonRpcApiProvider;
  /** Saves the chain's state when the service runs its own local chain. */
  durability?: ChainDurability;
}

export interface DocproofServer {
  app: Express;
  notary: Notary;
  verifier: Verifier;
  anchorer: BatchAnchorer;
  indexer: RegistryIndexer;
  status: ServiceStatus;
  store: DocumentStore;
  registry: RegistryClient;
  metrics: ServiceMetrics;
  certificates: CertificateIssuer;
  webhooks: Webhooks;
  dispatcher: WebhookDispatcher;
  registrar: string;
  /** Starts anchoring on a timer (serving is the caller's `listen`). */
  start(): void;
  close(): Promise<void>;
}

/**
 * Connects to the chain, opens the store and assembles the server, after checking that the
 * registry is there, the store belongs to this chain and registry, and the key may anchor.
 */
export async function composeServer(
  config: ServiceConfig,
  target: ChainTarget,
  runtime: ServerRuntime,
): Promise<DocproofServer> {
  const { log } = runtime;
  const provider = runtime.provider ?? createProvider(target.rpcUrl, target.chainId, config.rpcTimeoutMs);
  let store: DocumentStore | undefined;
  try {
    const registry = new RegistryClient(provider, target.registryAddress, target.chainId);
    if (!(await registry.hasCode())) {
      throw new DocproofError(
        "chain-mismatch",
        `No contract at ${target.registryAddress} on chain ${target.chainId} (${target.rpcUrl}): deploy the ` +
          "registry (npm run deploy) or correct REGISTRY_ADDRESS.",
      );
    }
    const genesisHash = await registry.genesisHash();
    store = openStoreFor(target, genesisHash, log);

    const wallet = new Wallet(target.privateKey, provider);
    if (!(await registry.isRegistrar(wallet.address))) {
      throw new DocproofError(
        "unauthorized",
        `The key's account ${wallet.address} is not a registrar of ${target.registryAddress}: ` +
          "grant it with `npm run registrar -- grant <address> --network <name>`.",
      );
    }
    const writer = new EthersRegistryWriter(registry, wallet, { confirmations: config.confirmations });
    const guard = new ChainGuard(registry, { chainId: target.chainId, genesisHash }, log);
    const openStore = store;
    const metrics = createMetrics(() => openStore.countUnbatched());
    const anchorer = new BatchAnchorer(
      { ledger: store, writer, guard, log, metrics, durability: runtime.durability },
      { intervalMs: config.batchIntervalMs, maxBatchSize: config.batchMax },
    );
    const receipts = new ReceiptBook(registry);
    const anchorings = new DocumentAnchorings(store, store.index);
    const directory = new RegistrarDirectory(store.index);
    const indexer = new RegistryIndexer(
      {
        events: registry,
        // Each update with what it means for documents submitted here: their revocations and events.
        index: store.followedIndex,
        log,
        onRollback: (block) => {
          // This service's batches above the fork go back to the queue, to be anchored again.
          const reopened = openStore.reopenAnchoredAbove(block, Date.now());
          if (reopened.length > 0) {
            log.error({ batches: reopened.map((b) => b.root) }, "anchoring again the batches the rollback removed");
            void anchorer.runOnce();
          }
        },
      },
      {
        confirmations: config.confirmations,
        intervalMs: config.indexIntervalMs,
        fromBlock: config.indexFromBlock,
        blocksPerStep: INDEX_BLOCKS_PER_STEP,
      },
    );
    const notary = new Notary({
      queue: store,
      receipts,
      anchorings,
      directory,
      registry,
      writer,
      guard,
      metrics,
      onAccepted: () => anchorer.notifyAccepted(),
      durability: runtime.durability,
    });
    const verifier = new Verifier({ anchorings, receipts, registry, guard });
    // Read once: about 1.8 MB, parsed on the first certificate and kept.
    const certificates = new CertificateIssuer({ documents: notary, fonts: loadDejaVuFonts() });
    const transport = new HttpWebhookTransport(new HostPolicy(config.webhooks.allowedHosts));
    const webhooks = new Webhooks({ store: store.webhooks, urls: transport });
    const dispatcher = new WebhookDispatcher(
      {
        outbox: store.webhooks,
        transport,
        bodies: new WebhookEventBodies({
          receipts,
          membersOf: (root) => openStore.webhooks.membersOf(root),
          organisationOf: directory.organisationOf,
        }),
        log,
        metrics: createWebhookMetrics(metrics.registry, () => openStore.webhooks.counts()),
        userAgent: `Docproof/${SERVICE_VERSION}`,
      },
      { ...config.webhooks, concurrency: WEBHOOK_CONCURRENCY },
    );
    const info: ServiceInfo = {
      version: SERVICE_VERSION,
      chainId: target.chainId,
      registry: registry.address,
      registrar: writer.registrar,
      apiKeyRequired: runtime.keys.enforced,
      maxUploadBytes: config.maxUploadBytes,
    };
    const status = new ServiceStatus({ guard, store, info });
    const app = createApp({ notary, verifier, status, directory, metrics, certificates, webhooks }, config, runtime);
    return {
      app,
      notary,
      verifier,
      anchorer,
      indexer,
      status,
      store,
      registry,
      metrics,
      certificates,
      webhooks,
      dispatcher,
      registrar: writer.registrar,
      start: () => {
        anchorer.start();
        indexer.start();
        dispatcher.start();
      },
      close: async () => {
        await dispatcher.stop();
        await indexer.stop();
        await anchorer.stop();
        openStore.close();
        provider.destroy();
      },
    };
  } catch (error) {
    store?.close();
    provider.destroy();
    throw error;
  }
}

/** The store in the target's data directory, which must belong to this chain and registry. */
function openStoreFor(target: ChainTarget, genesisHash: string, log: Logger): DocumentStore {
  let store = DocumentStore.open(target.dataDir);
  const identity = store.chainIdentity();
  const sameChain =
    identity === undefined ||
    (identity.chainId === target.chainId &&
      identity.registry.toLowerCase() === target.registryAddress.toLowerCase() &&
      identity.genesisHash === genesisHash);
  if (!sameChain) {
    store.close();
    if (!target.disposable) {
      throw new DocproofError(
        "chain-mismatch",
        `The store in ${target.dataDir} belongs to registry ${identity.registry} on chain ${identity.chainId} ` +
          `(genesis ${identity.genesisHash}), not to registry ${target.registryAddress} on chain ` +
          `${target.chainId} (genesis ${genesisHash}). Use another DATA_DIR, or reindex from the chain.`,
      );
    }
    log.warn({ dataDir: target.dataDir }, "the development chain is new: starting with an empty store");
    DocumentStore.delete(target.dataDir);
    store = DocumentStore.open(target.dataDir);
  }
  store.recordChainIdentity({ chainId: target.chainId, registry: target.registryAddress, genesisHash });
  return store;
}
