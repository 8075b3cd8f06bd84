/**
 * The durability hook of a chain node whose state this process saves itself (the local Anvil
 * chain). Whoever records an outcome of a transaction as final (a batch anchored, a document
 * revoked) calls flush() after the transaction is mined and before writing that record, so a crash
 * can never leave the store claiming what the chain forgot.
 */
export interface ChainDurability {
  /** Resolves once everything the node had mined when flush() was called is on disk. */
  flush(): Promise<void>;
}

/** For chains that are not ours to save (a remote network, a node someone else runs). */
export const NO_DURABILITY: ChainDurability = Object.freeze({ flush: async () => {} });

/**
 * Wraps `saveOnce` so that concurrent callers share saves: at most one save runs and at most one
 * waits. A caller is only answered by a save that started after its call, because a save already
 * running may have read the state before the caller's transaction was mined.
 */
export function coalesce(saveOnce: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let waiting: Promise<void> | undefined;

  const begin = (): Promise<void> => {
    const save = saveOnce().finally(() => {
      if (running === save) running = undefined;
    });
    running = save;
    return save;
  };

  return () => {
    if (waiting !== undefined) return waiting;
    if (running === undefined) return begin();
    const next = running
      .catch(() => undefined)
      .then(() => {
        waiting = undefined;
        return begin();
      });
    waiting = next;
    return next;
  };
}
