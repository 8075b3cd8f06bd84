import type { TransactionReceipt } from "ethers";
import type { ChainGuard } from "../chain/chain-guard";
import type { RegistryClient } from "../chain/registry-client";
import type { TxSender } from "../chain/tx-sender";
import { toBytes32 } from "../proof/digest";
import { buildBatch, type Hex32, type MerkleBatch } from "../proof/merkle";
import type { BatchRecord, DocumentStore } from "../store/document-store";
import type { Logger } from "../logger";
import type { ServiceMetrics } from "./metrics";

/** A failure that lasts is logged again at this interval, not at every attempt. */
const REPEAT_FAILURE_LOG_MS = 60_000;

export interface BatchAnchorerOptions {
  intervalMs: number;
  maxBatchSize: number;
}

/**
 * Takes queued digests and anchors them as Merkle batches: every `intervalMs`, or at once when
 * `maxBatchSize` are waiting. A batch is written to the store before its transaction is sent and
 * its hash right after, so a restart finds every batch and completes it: if its root is on chain
 * it is recorded from the chain, otherwise it is sent again (never twice: the registry refuses a
 * root it already has, and the root is checked before every send). Each run, and each send, first
 * checks that the node is still the chain the service was set up for; while it is unreachable or
 * another chain, documents stay queued and the run is tried again at the next interval.
 */
export class BatchAnchorer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private rerun = false;
  /** Scheduling is on between start() and stop(); runOnce() also works without it. */
  private scheduled = false;
  private stopRequested = false;
  private lastFailure: { code: string; loggedAtMs: number } | undefined;

  constructor(
    private readonly store: DocumentStore,
    private readonly registry: RegistryClient,
    private readonly sender: TxSender,
    private readonly guard: ChainGuard,
    private readonly options: BatchAnchorerOptions,
    private readonly log: Logger,
    private readonly metrics: ServiceMetrics,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.scheduled = true;
    this.stopRequested = false;
    this.schedule();
  }

  /** Stops scheduling and waits for the batch in progress. */
  async stop(): Promise<void> {
    this.scheduled = false;
    this.stopRequested = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Called after each accepted document: a full batch goes at once. */
  notifyAccepted(): void {
    if (this.scheduled && this.store.countUnbatched() >= this.options.maxBatchSize) void this.runOnce();
  }

  private schedule(): void {
    if (!this.scheduled) return;
    this.timer = setTimeout(() => {
      void this.runOnce().finally(() => this.schedule());
    }, this.options.intervalMs);
  }

  /** Completes unfinished batches, then anchors what is queued. Resolves when idle. */
  runOnce(): Promise<void> {
    if (this.running !== undefined) {
      this.rerun = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.rerun = false;
        try {
          await this.work();
          if (this.lastFailure !== undefined) this.log.info("anchoring resumed");
          this.lastFailure = undefined;
        } catch (error) {
          this.metrics.errors.inc({ type: "anchoring" });
          this.logFailure(error);
        }
      } while (this.rerun && !this.stopRequested);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private logFailure(error: unknown): void {
    const code = String((error as { code?: unknown }).code ?? "internal");
    const nowMs = this.now();
    const last = this.lastFailure;
    if (last !== undefined && last.code === code && nowMs - last.loggedAtMs < REPEAT_FAILURE_LOG_MS) return;
    this.lastFailure = { code, loggedAtMs: nowMs };
    const fields = { error, queued: this.queuedOrUnknown() };
    if (code === "chain-mismatch") this.log.error("anchoring stopped: wrong chain; documents stay queued", fields);
    else this.log.warn("anchoring paused; will retry", fields);
  }

  private queuedOrUnknown(): number | undefined {
    try {
      return this.store.countUnbatched();
    } catch {
      return undefined;
    }
  }

  private async work(): Promise<void> {
    await this.guard.check();
    for (const batch of this.store.unfinishedBatches()) await this.complete(batch);
    for (;;) {
      const digests = this.store.unbatched(this.options.maxBatchSize);
      if (digests.length === 0) return;
      const batch = buildBatch(digests.map(toBytes32));
      const record = this.store.prepareBatch(batch.root, digests, this.now());
      await this.complete(record, batch);
      if (this.stopRequested) return;
    }
  }

  /** Brings a prepared or sent batch to anchored, whatever happened before; `tree` if just built. */
  private async complete(batch: BatchRecord, tree?: MerkleBatch): Promise<void> {
    const existing = await this.registry.anchorOf(batch.root);
    if (existing !== undefined) {
      const found =
        batch.txHash !== undefined && (await this.registry.transactionAnchored(batch.txHash, batch.root))
          ? { txHash: batch.txHash }
          : await this.registry.findAnchoringTransaction(batch.root);
      if (found === undefined) throw new Error(`root ${batch.root} is anchored but its transaction was not found`);
      this.record(batch, found.txHash, existing);
      return;
    }
    if (batch.txHash !== undefined) {
      const receipt = await this.registry.provider.getTransactionReceipt(batch.txHash).catch(() => null);
      const pending = receipt === null && (await this.registry.provider.getTransaction(batch.txHash).catch(() => null));
      if (pending) {
        await this.finish(batch, await this.sender.waitFor(batch.txHash));
        return;
      }
      // Dropped, or mined and reverted without anchoring: send again.
    }
    await this.guard.check();
    // Building a large tree takes the event loop for a while: do it once per batch.
    tree ??= buildBatch(this.store.members(batch.id).map(toBytes32));
    const contract = this.registry.connect(this.sender.wallet);
    const receipt = await this.sender.send(
      (nonce) =>
        tree.digests.length === 1
          ? contract.anchor(tree.digests[0], { nonce })
          : contract.anchorBatch(tree.root, [...tree.digests], { nonce }),
      (txHash, nonce) => this.store.markSent(batch.id, txHash as Hex32, nonce),
    );
    await this.finish(batch, receipt);
  }

  private async finish(batch: BatchRecord, receipt: TransactionReceipt): Promise<void> {
    if (receipt.status !== 1 || !this.registry.anchoringRoots(receipt).includes(batch.root)) {
      throw new Error(`transaction ${receipt.hash} did not anchor root ${batch.root}`);
    }
    const anchor = await this.registry.anchorOf(batch.root);
    if (anchor === undefined) throw new Error(`root ${batch.root} is not on chain after ${receipt.hash}`);
    this.record(batch, receipt.hash as Hex32, anchor);
  }

  private record(
    batch: BatchRecord,
    txHash: Hex32,
    anchor: { registrar: string; anchoredAt: number; blockNumber: number },
  ): void {
    const nowMs = this.now();
    this.store.markAnchored(
      batch.id,
      { txHash, blockNumber: anchor.blockNumber, timestamp: anchor.anchoredAt, registrar: anchor.registrar },
      nowMs,
    );
    this.metrics.anchored.inc(batch.leafCount);
    this.metrics.batchSize.observe(batch.leafCount);
    this.metrics.batchAnchorSeconds.observe((nowMs - batch.createdAtMs) / 1000);
    for (const acceptedAtMs of this.store.acceptedTimes(batch.id)) {
      this.metrics.timeToAnchor.observe((nowMs - acceptedAtMs) / 1000);
    }
    this.log.info("batch anchored", {
      root: batch.root,
      documents: batch.leafCount,
      txHash,
      blockNumber: anchor.blockNumber,
    });
  }
}
