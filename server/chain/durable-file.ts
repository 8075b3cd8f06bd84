import { open, readdir, rename, rm } from "node:fs/promises";
import path from "node:path";

let sequence = 0;

function temporaryPrefix(file: string): string {
  return `.${path.basename(file)}.`;
}

/**
 * Replaces `file` with `data` so that a crash at any moment leaves either the whole old content or
 * the whole new one: the data goes to a temporary file in the same directory, is fsynced, renamed
 * over `file` (atomic within one file system), and the directory is fsynced so the rename itself
 * survives a power loss.
 */
export async function replaceFileDurably(file: string, data: Uint8Array | string): Promise<void> {
  const directory = path.dirname(file);
  const temporary = path.join(directory, `${temporaryPrefix(file)}${process.pid}.${++sequence}.tmp`);
  try {
    const handle = await open(temporary, "w", 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(directory);
}

async function syncDirectory(directory: string): Promise<void> {
  // NOTE: Windows cannot open a directory for fsync; NTFS journals the rename itself.
  if (process.platform === "win32") return;
  const handle = await open(directory, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Removes what replaceFileDurably leaves behind when a crash stops it before the rename. */
export async function removeUnfinishedReplacements(file: string): Promise<void> {
  const prefix = temporaryPrefix(file);
  const entries = await readdir(path.dirname(file)).catch(() => [] as string[]);
  await Promise.all(
    entries
      .filter((entry) => entry.startsWith(prefix) && entry.endsWith(".tmp"))
      .map((entry) => rm(path.join(path.dirname(file), entry), { force: true })),
  );
}
