/**
 * The release as the host remembers it: a line appended to
 * /var/lib/tsible/releases.jsonl and /var/lib/tsible/release.json replaced,
 * both written atomically as root (mode 0644, so anyone may read them).
 */
import { shellScript } from "../connection/quote.js";
import { RemoteFileError } from "../connection/types.js";
import { releaseRecordSchema, recordLine, type ReleaseRecord } from "./record.js";
import type { HostTarget } from "./host-target.js";
import { REMOTE_CURRENT_RELEASE, REMOTE_RELEASE_LOG, REMOTE_STATE_DIR } from "./remote-paths.js";

const MAKE_DIR_SCRIPT = `set -eu
mkdir -p -- "$1"
chmod 0755 -- "$1"
`;

export async function writeHostRecord(target: HostTarget, record: ReleaseRecord): Promise<void> {
  const { connection, become } = target;
  const made = await connection.run(shellScript(MAKE_DIR_SCRIPT, [REMOTE_STATE_DIR]), { become });
  if (made.exitCode !== 0) {
    throw new RemoteFileError(target.name, REMOTE_STATE_DIR, `cannot create ${REMOTE_STATE_DIR}: ${made.stderr.trim()}`);
  }
  // appended by rewriting the whole file atomically: the host lock keeps other releases out meanwhile
  const previous = (await connection.readFile(REMOTE_RELEASE_LOG, { become }))?.toString("utf8") ?? "";
  const separator = previous === "" || previous.endsWith("\n") ? "" : "\n";
  const line = recordLine(record);
  await connection.writeFile(REMOTE_RELEASE_LOG, previous + separator + line, { become, mode: "0644", owner: "root", group: "root" });
  await connection.writeFile(REMOTE_CURRENT_RELEASE, line, { become, mode: "0644", owner: "root", group: "root" });
}

/** The host's current release; undefined when it never had one, "unreadable" when the file is not ours */
export async function readHostRelease(target: HostTarget): Promise<ReleaseRecord | "unreadable" | undefined> {
  const content = await target.connection.readFile(REMOTE_CURRENT_RELEASE);
  if (content === undefined) return undefined;
  try {
    const parsed = releaseRecordSchema.safeParse(JSON.parse(content.toString("utf8")));
    return parsed.success ? parsed.data : "unreadable";
  } catch {
    return "unreadable";
  }
}
