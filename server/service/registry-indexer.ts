import type { ChainCheck } from "../chain/chain-guard";
import type { BlockRef, RegistryEventBatch, RegistryEvents } from "../chain/registry";
import { fromBytes32 } from "../proof/digest";
import type { Logger } from "../logger";
import type { IndexUpdate, SupersededAnchoring } from "../store/registry-index";
import type { Clock } from "./ports";

/** The index's storage, as the follower needs it (RegistryIndexStore implements it). */
export interface IndexLedger {
  cursor(): { number: number; hash: string } | undefined;
  apply(update: IndexUpdate): void;
  /** Known blocks at or below `atMost`, newest first. */
  knownBlocks(atMost: number, limit: number): { number: number; hash: string }[];
  rollBackTo(block: { number: number; hash: string }, nowMs: number): SupersededAnchoring[];
}

export interface RegistryIndexerOptions {
  /** Blocks a block needs on top of it (itself included) before it is indexed: CONFIRMATIONS. */
  confirmations: number;
  /** How often the chain is asked for new blocks. */
  intervalMs: number;
  /** The first block to read (the registry's deployment block, or 0). */
  fromBlock: number;
  /** The most blocks read in one step; a long catch-up takes several, each written durably. */
  blocksPerStep: number;
}

export interface RegistryIndexerPorts {
  events: RegistryEvents;
  /** The node must be the chain the service was set up for: a replaced chain is not a rollback. */
  guard: Pick<ChainCheck, "checkNow">;
  index: IndexLedger;
  log: Logger;
  /**
   * Told when the chain was found rolled back below blocks the service relied on: everything above
   * `block` is gone from the index (`removed` lists the anchorings), and the service's own batches
   * there must be anchored again.
   */
  onRollback: (block: number, removed: SupersededAnchoring[]) => void;
  now?: Clock;
}

/** How many known blocks are checked per page while looking for where a rolled-back chain forked. */
const FORK_SEARCH_PAGE = 64;

/**
 * Follows the registry from `fromBlock` on: every anchoring and revocation by every registrar, the
 * directory and the registrar roles, only as far as blocks are final (`confirmations`), each step
 * written in one transaction with the cursor, so a restart resumes where it stopped. Before each
 * step it checks that the newest block the service relied on is still on the chain; when the chain
 * was rolled back below it (a reorganisation deeper than `confirmations`, or a node restored from an
 * older snapshot), the index forgets what is gone and the service is told, loudly.
 */
export class RegistryIndexer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private scheduled = false;
  private stopRequested = false;
  private lastFailureMs = Number.NEGATIVE_INFINITY;
  private readonly now: Clock;

  constructor(
    private readonly ports: RegistryIndexerPorts,
    private readonly options: RegistryIndexerOptions,
  ) {
    this.now = ports.now ?? Date.now;
  }

  start(): void {
    this.scheduled = true;
    this.schedule();
  }

  /** Stops following, after the step in progress. */
  async stop(): Promise<void> {
    this.scheduled = false;
    this.stopRequested = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    this.stopRequested = false;
  }

  private schedule(): void {
    if (!this.scheduled) return;
    this.timer = setTimeout(() => {
      void this.runOnce()
        .catch((error: unknown) => this.logFailure(error))
        .finally(() => this.schedule());
    }, this.options.intervalMs);
  }

  private logFailure(error: unknown): void {
    // An outage is reported by the chain guard; here once a minute is enough.
    if (this.now() - this.lastFailureMs < 60_000) return;
    this.lastFailureMs = this.now();
    this.ports.log.warn({ error }, "following the registry paused; will retry");
  }

  /** Catches up with the final head (checking for a rollback first). Concurrent calls share one run. */
  runOnce(): Promise<void> {
    this.running ??= this.catchUp().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async catchUp(): Promise<void> {
    const { events, index, guard } = this.ports;
    await guard.checkNow();
    const head = await events.headNumber();
    await this.checkHistory(head);
    const final = head - (this.options.confirmations - 1);
    for (;;) {
      const from = (index.cursor()?.number ?? this.options.fromBlock - 1) + 1;
      if (from > final) return;
      const to = Math.min(final, from + this.options.blocksPerStep - 1);
      const batch = await events.eventsBetween(from, to);
      const last = batch.blocks.find((block) => block.number === to)!;
      index.apply(updateOf(batch, last));
      if (this.stopRequested) return;
    }
  }

  /**
   * The newest block the service relied on must still be on the chain with the same hash. If it is
   * not, the chain was rolled back: find the newest known block that still is, and roll back to it.
   */
  private async checkHistory(head: number): Promise<void> {
    const { events, index, log } = this.ports;
    const [newest] = index.knownBlocks(Number.MAX_SAFE_INTEGER, 1);
    if (newest === undefined) return;
    if (newest.number <= head && (await events.blockAt(newest.number))?.hash === newest.hash) return;

    let fork: { number: number; hash: string } | undefined;
    for (let below = Math.min(newest.number, head); fork === undefined;) {
      const page = index.knownBlocks(below, FORK_SEARCH_PAGE);
      if (page.length === 0) break;
      for (const known of page) {
        if ((await events.blockAt(known.number))?.hash === known.hash) {
          fork = known;
          break;
        }
      }
      below = page[page.length - 1].number - 1;
    }
    const to = fork ?? { number: this.options.fromBlock - 1, hash: "" };
    const removed = index.rollBackTo(to, this.now());
    log.error(
      {
        lastKnownBlock: newest.number,
        lastKnownHash: newest.hash,
        head,
        rolledBackTo: to.number,
        anchoringsRemoved: removed.length,
      },
      "CHAIN ROLLED BACK below blocks the service relied on: affected documents are anchored again",
    );
    this.ports.onRollback(to.number, removed);
  }
}

/** The index update for a batch of events, ending at block `last`. */
function updateOf(batch: RegistryEventBatch, last: BlockRef): IndexUpdate {
  const withEvents = new Set([
    ...batch.anchorings.map((a) => a.blockNumber),
    ...batch.revocations.map((r) => r.blockNumber),
  ]);
  return {
    anchorings: batch.anchorings.map((a) => ({
      root: a.root,
      registrar: a.registrar,
      txHash: a.txHash,
      blockNumber: a.blockNumber,
      timestamp: a.timestamp,
      leafCount: a.leafCount,
      members: a.digests.map(fromBytes32),
    })),
    revocations: batch.revocations.map((r) => ({
      root: r.root,
      sha256: fromBytes32(r.digest),
      revokedBy: r.revokedBy,
      reason: r.reason,
      txHash: r.txHash,
      blockNumber: r.blockNumber,
      revokedAt: r.revokedAt,
    })),
    organisations: batch.organisations,
    roles: batch.roles,
    blocks: batch.blocks.filter((b) => withEvents.has(b.number)).map(({ number, hash }) => ({ number, hash })),
    cursor: { number: last.number, hash: last.hash },
  };
}
