/**
 * Replaces a file atomically: the new text goes to a temp file in the same directory, gets
 * the old file's mode and owner, and is renamed over it. A reader sees the old file or the
 * new one, never half of one; a failure leaves the old file as it was.
 */
import { randomBytes } from "node:crypto";
import { chown, open, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export async function replaceFileAtomically(path: string, text: string): Promise<void> {
  const info = await stat(path);
  const temp = join(dirname(path), `.${basename(path)}.tsible-${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temp, "wx", 0o600);
  try {
    try {
      await handle.writeFile(text, "utf8");
      await handle.chmod(info.mode & 0o7777);
      if (info.uid !== process.getuid?.() || info.gid !== process.getgid?.()) await chown(temp, info.uid, info.gid);
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
