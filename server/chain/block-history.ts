import { readFile } from "node:fs/promises";
import { DocproofError } from "../errors";
import type { Hex32 } from "../proof/digest";
import { isEvidenceError } from "../proof/evidence-error";
import {
  BlockHashHistorySchema,
  buildReceiptLink,
  checkpointOf,
  epochOf,
  type BlockHashHistory,
  type Checkpoint,
  type ReceiptLink,
} from "../proof/history-accumulator";
import { replaceFileDurably, removeUnfinishedReplacements } from "./durable-file";
import { epochHashesFromNode, extendHistoryFromNode } from "./history-accumulator";
import { callNode, type JsonRpcPort } from "./json-rpc";

/** Blocks read between two saves: a long first catch-up resumes from the last save after a restart. */
const BLOCKS_PER_STEP = 20_000;
/** Complete epochs whose 8192 block hashes are kept read (256 KiB each). */
const EPOCH_CACHE_SIZE = 4;
/** Links kept made, per block and checkpoint: the tree over the last epoch is rebuilt for each. */
const LINK_CACHE_SIZE = 1_024;

export interface BlockHistoryOptions {
  /** Where the history is kept between runs (JSON, replaced durably at every step). */
  file: string;
  /** Blocks a block needs on top of it, itself included, before it enters the history (CONFIRMATIONS). */
  confirmations: number;
  blocksPerStep?: number;
}

/** A least-recently-set map of bounded size (the chain layer's own; the service's is in service/). */
class Recent<K, V> extends Map<K, V> {
  constructor(private readonly capacity: number) {
    super();
  }
  override set(key: K, value: V): this {
    this.delete(key);
    if (this.size >= this.capacity) this.delete(this.keys().next().value!);
    return super.set(key, value);
  }
}

/**
 * The chain's block-hash history, kept by the service: extended from the node up to the final head
 * (never past it, so a reorganisation within `confirmations` cannot enter it), saved durably after
 * every step, and used to publish the checkpoint at its head and to link receipts to it.
 *
 * A history that no longer links to the node (the chain was rolled back below its head, or the file
 * belongs to another chain) is dropped and read again from the genesis.
 */
export class BlockHistoryKeeper {
  private history: BlockHashHistory | undefined;
  private loaded = false;
  private readonly epochs = new Recent<number, Promise<Hex32[]>>(EPOCH_CACHE_SIZE);
  private readonly links = new Recent<string, { blockHash: Hex32; link: ReceiptLink }>(LINK_CACHE_SIZE);

  constructor(
    private readonly port: JsonRpcPort,
    private readonly options: BlockHistoryOptions,
  ) {}

  /** The checkpoint at the history's head; undefined until the first step is read. */
  checkpoint(): Checkpoint | undefined {
    return this.history === undefined ? undefined : checkpointOf(this.history);
  }

  /**
   * Reads the final blocks after the history's head, in steps, saving after each. Returns the head
   * reached. Throws `chain-unavailable` when the node fails.
   */
  async catchUp(): Promise<number | undefined> {
    if (!this.loaded) {
      this.history = await this.read();
      this.loaded = true;
    }
    const latest = Number(await callNode(this.port, "eth_blockNumber", []));
    const final = latest - (this.options.confirmations - 1);
    if (final < 1) return this.history?.head.blockNumber;
    const step = this.options.blocksPerStep ?? BLOCKS_PER_STEP;
    for (;;) {
      const from = this.history?.head.blockNumber ?? 0;
      if (this.history !== undefined && from >= final) break;
      const to = Math.min(final, from + step);
      let extended: BlockHashHistory;
      try {
        extended = await extendHistoryFromNode(this.port, this.history, to);
      } catch (error) {
        const unlinked =
          isEvidenceError(error, "history-broken") ||
          (error instanceof DocproofError && error.code === "chain-mismatch");
        // A chain that does not link even from its genesis (blocks made by hardhat_mine) has no history.
        if (!unlinked || this.history === undefined) throw error;
        // The chain no longer holds the history's blocks: start again from the genesis.
        this.history = undefined;
        this.links.clear();
        this.epochs.clear();
        continue;
      }
      this.history = extended;
      await this.save(extended);
    }
    return this.history?.head.blockNumber;
  }

  /**
   * A link from block `blockNumber` (whose hash must be `blockHash`) to the checkpoint at the
   * history's head; undefined when the history does not reach that block yet, or holds another hash
   * there (a reorganisation the history has not caught up with).
   */
  async linkFor(blockNumber: number, blockHash: Hex32): Promise<ReceiptLink | undefined> {
    const history = this.history;
    if (history === undefined || blockNumber > history.head.blockNumber) return undefined;
    const key = `${blockNumber}:${history.head.blockNumber}:${history.head.blockHash}`;
    const cached = this.links.get(key);
    if (cached !== undefined) return cached.blockHash === blockHash ? cached.link : undefined;
    const { epoch } = epochOf(blockNumber, history.epochSize);
    const epochHashes = epoch < history.epochRoots.length ? await this.epochHashes(epoch, history) : undefined;
    let built;
    try {
      built = buildReceiptLink(history, blockNumber, epochHashes);
    } catch (error) {
      if (isEvidenceError(error, "link-unavailable")) return undefined;
      throw error;
    }
    this.links.set(key, { blockHash: built.blockHash, link: built.link });
    return built.blockHash === blockHash ? built.link : undefined;
  }

  private epochHashes(epoch: number, history: BlockHashHistory): Promise<Hex32[]> {
    let hashes = this.epochs.get(epoch);
    if (hashes === undefined) {
      hashes = epochHashesFromNode(this.port, epoch, history.epochSize);
      hashes.catch(() => this.epochs.delete(epoch));
      this.epochs.set(epoch, hashes);
    }
    return hashes;
  }

  private async read(): Promise<BlockHashHistory | undefined> {
    await removeUnfinishedReplacements(this.options.file);
    let text: string;
    try {
      text = await readFile(this.options.file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return undefined;
    }
    const parsed = BlockHashHistorySchema.safeParse(json);
    // A file that does not parse is rebuilt from the chain, which holds everything it held.
    return parsed.success ? parsed.data : undefined;
  }

  private save(history: BlockHashHistory): Promise<void> {
    return replaceFileDurably(this.options.file, `${JSON.stringify(history)}\n`);
  }
}
