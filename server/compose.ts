/**
 * The wiring: builds every adapter and use case of the service and connects them. It decides
 * nothing of its own beyond the start-up checks that must pass before anything is served.
 */
import { Wallet, type JsonRpcApiProvider } from "ethers";
import type { Express } from "express";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { ServiceInfo } from "./api/wire";
import { loadDejaVuFonts } from "./certificate/dejavu-fonts";
import type { ChainDurability } from "./chain/chain-durability";
import { BlockHistoryKeeper } from "./chain/block-history";
import { BlockWitness } from "./chain/block-witness";
import { ChainGuard } from "./chain/chain-guard";
import { buildReceiptV2 } from "./chain/evidence-builder";
import { nodeBlockHashLookup } from "./chain/history-accumulator";
import { ConsortiumWitnesses } from "./chain/witness-peers";
import { httpJsonRpc } from "./chain/json-rpc";
import { createProvider } from "./chain/provider";
import { RegistryClient } from "./chain/registry-client";
import { EthersRegistryWriter } from "./chain/registry-writer";
import type { ServiceConfig } from "./config";
import { DocproofError } from "./errors";
import { MAX_BATCH_SIZE } from "./proof/merkle";
import { useWasmKeccak } from "./proof/wasm-keccak";
import { createApp } from "./http/app";
import type { ApiKeys } from "./http/auth";
import type { Logger } from "./logger";
import { BatchAnchorer } from "./service/batch-anchorer";
import { ChainClock } from "./service/chain-clock";
import { ChainWitness, finalBlocks, witnessLookup } from "./service/chain-witness";
import { TimeStamping } from "./service/time-stamping";
import { CertificateIssuer } from "./service/certificates";
import { createMetrics, type ServiceMetrics } from "./service/metrics";
import { Notary } from "./service/notary";
import { OfflineReceipts } from "./service/offline-receipts";
import { WitnessCosigning } from "./service/witness-cosigning";
import { RegistrarDirectory } from "./service/directory";
import { DocumentAnchorings } from "./service/document-anchorings";
import { DocumentList } from "./service/document-list";
import { ReceiptBook } from "./service/receipt-book";
import { RegistryIndexer } from "./service/registry-indexer";
import { ServiceStatus } from "./service/status";
import { Verifier } from "./service/verifier";
import { WebhookDispatcher } from "./service/webhook-dispatcher";
import { WebhookEventBodies } from "./service/webhook-events";
import { createWebhookMetrics } from "./service/webhook-metrics";
import { Webhooks } from "./service/webhooks";
import { DocumentStore } from "./store/document-store";
import { TimeStampAuthority } from "./timestamp/time-stamp-authority";
import { certificatesFromFile } from "./timestamp/token-verification";
import { HttpTimeStampClient } from "./tsa/http-time-stamp-client";
import { ensureLocalTsa, loadTsaCredentials } from "./tsa/tsa-credentials";
import { SERVICE_VERSION } from "./version";
import { HostPolicy } from "./webhook/host-policy";
import { HttpWebhookTransport } from "./webhook/http-webhook-transport";

/** Blocks the index reads in one step: each step is one durable write, so a long catch-up resumes. */
const INDEX_BLOCKS_PER_STEP = 2_000;
/** How often the TSA's clock is compared with the chain's newest block. */
const CLOCK_CHECK_INTERVAL_MS = 1_000;

/** Gas a batch costs beyond its documents (the transaction, the record, the event), measured generously. */
const BATCH_BASE_GAS = 100_000n;
/** Gas per document of a large batch: its calldata floor (1,280) and a little execution (bench/gas.ts). */
const GAS_PER_DOCUMENT = 1_300n;
/** Osaka's cap on one transaction's gas (EIP-7825); chains before it have none as low. */
const TRANSACTION_GAS_CAP = 2n ** 24n;

/**
 * Documents a batch transaction carries at most by default: 32 bytes each of calldata, kept under
 * the 128 KiB Geth accepts into its pool (GoQuorum's default is 64 KiB: set BATCH_MAX there).
 */
const DEFAULT_TRANSACTION_DOCUMENTS = 3_900;

/**
 * The largest batch one transaction of this chain takes by default: the registry's limit, or less
 * where blocks are small or transactions must stay under the common pool size limit.
 */
export function batchSizeFor(blockGasLimit: bigint): number {
  const usable = (blockGasLimit < TRANSACTION_GAS_CAP ? blockGasLimit : TRANSACTION_GAS_CAP) - BATCH_BASE_GAS;
  const fits = usable <= 0n ? 1 : Number(usable / GAS_PER_DOCUMENT);
  return Math.max(1, Math.min(MAX_BATCH_SIZE, DEFAULT_TRANSACTION_DOCUMENTS, fits));
}
/**
 * Most batch transactions in flight by default (each holds its tree in memory). Geth counts its pool
 * in slots of 32 KiB: it guarantees an account 16 (`--txpool.accountslots`), four batches of 3,900,
 * and keeps more while the pool has room (5,120 slots by default). A pool that must hold less
 * (busy, or a client with a stricter limit per sender) needs BATCHES_IN_FLIGHT set (docs/consortium.md).
 */
const MAX_DEFAULT_IN_FLIGHT = 16;

/**
 * Batch transactions in flight by default: as many as two blocks hold. While the node fills one
 * block, the next block's batches are waiting in its pool, so a deep queue fills every block
 * (bench/RESULTS.md: with a fixed 4 on blocks every second, the chain, not the service, bound it).
 */
export function batchesInFlightFor(blockGasLimit: bigint, batchMax: number): number {
  const batchGas = BATCH_BASE_GAS + BigInt(batchMax) * GAS_PER_DOCUMENT;
  const perBlock = Number(blockGasLimit / batchGas);
  return Math.max(1, Math.min(MAX_DEFAULT_IN_FLIGHT, 2 * perBlock));
}

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
  offlineReceipts: OfflineReceipts;
  certificates: CertificateIssuer;
  webhooks: Webhooks;
  dispatcher: WebhookDispatcher;
  registrar: string;
  timeStamping: TimeStamping;
  /** The TSA's clock, checked against the chain's blocks. */
  clock: ChainClock;
  /** The outside TSA's witness of the chain, when configured. */
  witness?: ChainWitness;
  /** Where the TSA's certificates are, and whose they are. */
  tsa: { subject: string; certFile: string; caFile?: string; created: boolean };
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
  // Batches of thousands are hashed on the one thread that also answers requests.
  await useWasmKeccak();
  const provider = runtime.provider ?? createProvider(target.rpcUrl, target.chainId, config.rpcTimeoutMs);
  // Batch transactions, about 250,000 characters of hex each, are sent and read back over plain
  // HTTP: ethers' provider would convert each between strings and bytes in JavaScript.
  const rpc = runtime.provider ?? httpJsonRpc(target.rpcUrl, config.rpcTimeoutMs);
  let store: DocumentStore | undefined;
  try {
    const registry = new RegistryClient(provider, target.registryAddress, target.chainId, rpc);
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
    const blockGasLimit = await registry.blockGasLimit();
    const batchMax = config.batchMax ?? batchSizeFor(blockGasLimit);
    if (config.batchMax === undefined) log.info({ batchMax }, "batches sized to the chain's block gas limit");
    const batchesInFlight = config.batchesInFlight ?? batchesInFlightFor(blockGasLimit, batchMax);
    if (config.batchesInFlight === undefined) {
      log.info({ batchesInFlight }, "batch transactions in flight sized to the chain's blocks");
    }
    const writer = new EthersRegistryWriter(registry, wallet, {
      rpc,
      confirmations: config.confirmations,
      maxInFlight: batchesInFlight,
    });
    const guard = new ChainGuard(registry, { chainId: target.chainId, genesisHash }, log);
    const openStore = store;
    const metrics = createMetrics(() => openStore.countUnbatched());
    const anchorer = new BatchAnchorer(
      { ledger: store, writer, guard, log, metrics, durability: runtime.durability },
      { intervalMs: config.batchIntervalMs, maxBatchSize: batchMax, inFlight: batchesInFlight },
    );
    const receipts = new ReceiptBook(registry);
    const anchorings = new DocumentAnchorings(store, store.index);
    const directory = new RegistrarDirectory(store.index);
    const indexer = new RegistryIndexer(
      {
        events: registry,
        guard,
        // Each update with what it means for documents submitted here: their revocations and events.
        index: store.followedIndex,
        log,
        onRollback: (block) => {
          // This service's batches above the fork go back to the queue, to be anchored again.
          const reopened = openStore.reopenAnchoredAbove(block, Date.now());
          openStore.witnesses.supersedeAbove(block, Date.now());
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
    const witnessOf = witnessLookup(store.witnesses);
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
      witnessOf,
      roles: store.index,
    });
    const verifier = new Verifier({
      anchorings,
      superseded: store.index,
      index: store.index,
      receipts,
      registry,
      guard,
      blockHashAt: nodeBlockHashLookup(provider),
    });
    // Receipts that need no trusted node: evidence from the chain, a checkpoint, the members' cosignatures.
    const blockWitness = new BlockWitness(provider, wallet, {
      chainId: target.chainId,
      registry: registry.address,
      confirmations: config.confirmations,
    });
    const offlineReceipts = new OfflineReceipts(
      {
        receipts: notary,
        evidence: { receiptV2Of: (receipt) => buildReceiptV2(provider, receipt) },
        history: new BlockHistoryKeeper(provider, {
          file: path.join(target.dataDir, "block-history.json"),
          confirmations: config.confirmations,
        }),
        cosigners: new ConsortiumWitnesses(blockWitness, config.witnessPeers ?? []),
        guard,
        log,
      },
      { intervalMs: config.indexIntervalMs },
    );
    const witnessCosigning = new WitnessCosigning(blockWitness);

    const tsaFiles =
      config.tsa.keyFile === undefined || config.tsa.certFile === undefined
        ? await ensureLocalTsa(path.join(target.dataDir, "tsa"))
        : { keyFile: config.tsa.keyFile, certFile: config.tsa.certFile, caFile: undefined, created: false };
    const credentials = await loadTsaCredentials(tsaFiles);
    for (const warning of credentials.warnings) log.warn(warning);
    const clock = new ChainClock(
      { chain: registry, log },
      { accuracyMs: config.tsa.accuracyMs, intervalMs: CLOCK_CHECK_INTERVAL_MS },
    );
    const authority = TimeStampAuthority.create({
      credentials,
      serials: store.timeStamps,
      anchoring: { chainId: target.chainId, registry: registry.address },
      policy: config.tsa.policy,
      accuracy: { seconds: Math.floor(config.tsa.accuracyMs / 1000), millis: config.tsa.accuracyMs % 1000 },
      clock: () => clock.now(),
    });
    const timeStamping = new TimeStamping({
      authority,
      notary,
      tokens: store.timeStamps,
      certificates: credentials.certificates,
      log,
      metrics,
    });
    const witness = config.witness === undefined ? undefined : await chainWitness(config, store, registry, log);
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
      ...(config.publicRpcUrl === undefined ? {} : { publicRpcUrl: config.publicRpcUrl }),
    };
    const status = new ServiceStatus({ guard, store, info });
    const documentList = new DocumentList({
      listing: store.listing,
      directory,
      ownRegistrar: writer.registrar,
    });
    const app = createApp(
      {
        notary,
        verifier,
        status,
        directory,
        metrics,
        documentList,
        offlineReceipts,
        witnessCosigning,
        timeStamping,
        witness,
        witnessOf,
        certificates,
        webhooks,
      },
      config,
      runtime,
    );
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
      offlineReceipts,
      certificates,
      webhooks,
      dispatcher,
      registrar: writer.registrar,
      timeStamping,
      clock,
      witness,
      tsa: { subject: credentials.subject, ...tsaFiles },
      start: () => {
        anchorer.start();
        indexer.start();
        offlineReceipts.start();
        clock.start();
        witness?.start();
        dispatcher.start();
      },
      close: async () => {
        await dispatcher.stop();
        await witness?.stop();
        await clock.stop();
        await offlineReceipts.stop();
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

/** The outside TSA (WITNESS_TSA_URL) time-stamping the chain's final blocks into the store. */
async function chainWitness(
  config: ServiceConfig,
  store: DocumentStore,
  registry: RegistryClient,
  log: Logger,
): Promise<ChainWitness> {
  const { url, caFile, certFile, intervalMs } = config.witness!;
  const certificates = async (file: string, variable: string) => {
    try {
      return certificatesFromFile(await readFile(file));
    } catch (error) {
      throw new Error(`${variable} ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"}).`, {
        cause: error,
      });
    }
  };
  const client = new HttpTimeStampClient({
    url,
    trustAnchors: await certificates(caFile, "WITNESS_TSA_CA_FILE"),
    certificates: certFile === undefined ? undefined : await certificates(certFile, "WITNESS_TSA_CERT_FILE"),
  });
  return new ChainWitness({
    blocks: finalBlocks(registry, config.confirmations),
    tsa: client,
    store: store.witnesses,
    intervalMs,
    onError: (error) => log.warn({ error, authority: client.authority }, "the outside TSA did not witness the chain"),
    onWitnessed: (record) =>
      log.info(
        {
          authority: record.authority,
          blockNumber: record.blockNumber,
          blockHash: record.blockHash,
          genTime: record.genTime.toISOString(),
        },
        "the outside TSA time-stamped the chain's final block",
      ),
  });
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
