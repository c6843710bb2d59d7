/** The files tsible owns on a host for releases (all under one root-owned directory, mode 0755) */
export const REMOTE_STATE_DIR = "/var/lib/tsible";
/** one JSON line per release that reached this host */
export const REMOTE_RELEASE_LOG = `${REMOTE_STATE_DIR}/releases.jsonl`;
/** the release the host is at now */
export const REMOTE_CURRENT_RELEASE = `${REMOTE_STATE_DIR}/release.json`;
/** present while a release works on the host */
export const REMOTE_LOCK = `${REMOTE_STATE_DIR}/release.lock`;
