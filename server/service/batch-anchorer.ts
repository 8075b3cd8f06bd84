import { NO_DURABILITY, type ChainDurability } from "../chain/chain-durability";
import type { ChainCheck } from "../chain/chain-guard";
import type { AnchoredBatch, RegistryWriter } from "../chain/registry";
import { toBytes32 } from "../proof/digest";
import { buildBatch, type MerkleBatch } from "../proof/merkle";
import type { BatchRecord } from "../store/document-store";
import type { Logger } from "../logger";
import type { ServiceMetrics } from "./metrics";
import type { BatchLedger, Clock } from "./ports";

/** A failure that lasts is logged again at this interval, not at every attempt. */
const REPEAT_FAILURE_LOG_MS = 60_000;

export interface BatchAnchorerOptions {
  intervalMs: number;
  maxBatchSize: number;
  /** Batch transactions that may wait for their confirmations at once (1 by default). */
  inFlight?: number;
}

export interface BatchAnchorerPorts {
  ledger: BatchLedger;
  writer: RegistryWriter;
  guard: ChainCheck;
  log: Logger;
  metrics: ServiceMetrics;
  /** Saves the chain node's state (the local chain); a batch is marked anchored only after it. */
  durability?: ChainDurability;
  now?: Clock;
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

  private readonly ledger: BatchLedger;
  private readonly writer: RegistryWriter;
  private readonly guard: ChainCheck;
  private readonly log: Logger;
  private readonly metrics: ServiceMetrics;
  private readonly durability: ChainDurability;
  private readonly now: Clock;

  constructor(
    ports: BatchAnchorerPorts,
    private readonly options: BatchAnchorerOptions,
  ) {
    this.ledger = ports.ledger;
    this.writer = ports.writer;
    this.guard = ports.guard;
    this.log = ports.log;
    this.metrics = ports.metrics;
    this.durability = ports.durability ?? NO_DURABILITY;
    this.now = ports.now ?? Date.now;
  }

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
    // Stopping ends the run in progress, not the anchorer: runOnce() works fully again afterwards.
    this.stopRequested = false;
  }

  /** Called after each accepted document: a full batch goes at once. */
  notifyAccepted(): void {
    if (this.scheduled && this.ledger.countUnbatched() >= this.options.maxBatchSize) void this.runOnce();
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
    if (code === "chain-mismatch") this.log.error(fields, "anchoring stopped: wrong chain; documents stay queued");
    else this.log.warn(fields, "anchoring paused; will retry");
  }

  private queuedOrUnknown(): number | undefined {
    try {
      return this.ledger.countUnbatched();
    } catch {
      return undefined;
    }
  }

  private async work(): Promise<void> {
    await this.guard.checkNow();
    for (const batch of this.ledger.unfinishedBatches()) await this.complete(batch);
    // A queue deeper than one batch keeps several batch transactions in flight (consecutive nonces
    // from the one key), while the next batch's tree is built.
    const inFlight = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;
    while (!this.stopRequested && failure === undefined) {
      if (inFlight.size >= (this.options.inFlight ?? 1)) {
        await Promise.race(inFlight);
        continue;
      }
      const digests = this.ledger.unbatched(this.options.maxBatchSize);
      if (digests.length === 0) break;
      // Building a large tree takes the event loop for a while: do it once per batch.
      const tree = buildBatch(digests.map(toBytes32));
      const record = this.ledger.prepareBatch(tree.root, digests, this.now());
      const completing: Promise<void> = this.complete(record, tree)
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => inFlight.delete(completing));
      inFlight.add(completing);
    }
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure.error;
  }

  /** Brings a prepared or sent batch to anchored, whatever happened before; `tree` if just built. */
  private async complete(batch: BatchRecord, tree?: MerkleBatch): Promise<void> {
    tree ??= buildBatch(this.ledger.members(batch.id).map(toBytes32));
    const anchored = await this.writer.anchorBatch(tree, {
      sentTxHash: batch.txHash,
      beforeSend: () => this.guard.checkNow(),
      onSent: (txHash) => this.ledger.markSent(batch.id, txHash),
    });
    // Only once the chain state that holds the batch is on disk: a crash can then never leave a
    // document reported anchored on a chain that forgot it.
    await this.durability.flush();
    this.record(batch, anchored);
  }

  private record(batch: BatchRecord, anchored: AnchoredBatch): void {
    const nowMs = this.now();
    this.ledger.markAnchored(
      batch.id,
      {
        txHash: anchored.txHash,
        blockNumber: anchored.blockNumber,
        blockHash: anchored.blockHash,
        timestamp: anchored.anchoredAt,
        registrar: anchored.registrar,
      },
      nowMs,
    );
    this.metrics.anchored.inc(batch.leafCount);
    this.metrics.batchSize.observe(batch.leafCount);
    this.metrics.batchAnchorSeconds.observe((nowMs - batch.createdAtMs) / 1000);
    for (const acceptedAtMs of this.ledger.acceptedTimes(batch.id)) {
      this.metrics.timeToAnchor.observe((nowMs - acceptedAtMs) / 1000);
    }
    this.log.info(
      { root: batch.root, documents: batch.leafCount, txHash: anchored.txHash, blockNumber: anchored.blockNumber },
      "batch anchored",
    );
  }
}
