/**
 * Replaces a file atomically: the new content goes to a temp file in the same directory, gets
 * the old file's mode and owner (or the mode asked for), and is renamed over it. A reader sees
 * the old file or the new one, never half of one; a failure leaves the old file as it was.
 */
import { randomBytes } from "node:crypto";
import { chown, open, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export interface ReplaceOptions {
  /** the new file's mode, instead of the old file's (a file that does not exist yet gets 0600 otherwise) */
  mode?: number;
}

export async function replaceFileAtomically(path: string, content: string | Buffer, options: ReplaceOptions = {}): Promise<void> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  const temp = join(dirname(path), `.${basename(path)}.tsible-${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temp, "wx", 0o600);
  try {
    try {
      await handle.writeFile(content);
      await handle.chmod(options.mode ?? (info ? info.mode & 0o7777 : 0o600));
      if (info && (info.uid !== process.getuid?.() || info.gid !== process.getgid?.())) await chown(temp, info.uid, info.gid);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
