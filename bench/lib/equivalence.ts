/**
 * Do the two tools leave the same files? Reads the managed files from one host after each tool's
 * first deploy: the config, bridges and ACL must be byte-identical; the password files must list
 * the same users, each hash verifying against the wanted password (the salts differ: tsible's are
 * random, the Ansible filter's derived from the user name).
 */
import { spawnSync } from "node:child_process";
import { parsePasswordFile } from "../../src/mosquitto/password-file.js";
import { verifyPassword } from "../../src/mosquitto/password-hash.js";
import { defaultFloorPaths } from "../floor.js";
import type { BenchHost } from "./fleet.js";

export const managedFiles = {
  config: defaultFloorPaths.mainConfig,
  bridges: `${defaultFloorPaths.configDir}/conf.d/tsible-bridges.conf`,
  acl: `${defaultFloorPaths.configDir}/acl`,
  passwd: `${defaultFloorPaths.configDir}/passwd`,
} as const;

export type ManagedFiles = Record<keyof typeof managedFiles, string>;

export function readManagedFiles(host: BenchHost, knownHostsFile: string, user: string): ManagedFiles {
  const read = (file: string): string => {
    const result = spawnSync(
      "ssh",
      ["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${knownHostsFile}`, "-i", host.keyFile, "-l", user, host.address, `sudo -n stat -c '%U:%G %a' '${file}' && sudo -n cat '${file}'`],
      { encoding: "utf8" },
    );
    if (result.status !== 0) throw new Error(`reading ${file} on ${host.name}: ${result.stderr}`);
    return result.stdout;
  };
  return { config: read(managedFiles.config), bridges: read(managedFiles.bridges), acl: read(managedFiles.acl), passwd: read(managedFiles.passwd) };
}

/** Differences between the tools' files, as sentences; empty when equivalent */
export function compareManagedFiles(tsible: ManagedFiles, ansible: ManagedFiles, passwords: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const key of ["config", "bridges", "acl"] as const) {
    if (tsible[key] !== ansible[key]) problems.push(`${managedFiles[key]} differs (owner/mode line + content):\n--- tsible\n${tsible[key]}\n--- ansible\n${ansible[key]}`);
  }
  const [tsibleAttributes, ...tsibleLines] = tsible.passwd.split("\n");
  const [ansibleAttributes, ...ansibleLines] = ansible.passwd.split("\n");
  if (tsibleAttributes !== ansibleAttributes) problems.push(`passwd owner/mode: tsible ${tsibleAttributes}, ansible ${ansibleAttributes}`);
  for (const [tool, text] of [["tsible", tsibleLines.join("\n")], ["ansible", ansibleLines.join("\n")]] as const) {
    const users = parsePasswordFile(text).flatMap((line) => (line.kind === "user" ? [line] : []));
    const names = users.map((line) => line.user).join(",");
    if (names !== Object.keys(passwords).join(",")) problems.push(`${tool} passwd users ${names}, wanted ${Object.keys(passwords).join(",")}`);
    for (const line of users) {
      if (!verifyPassword(passwords[line.user] ?? "", line.hash)) problems.push(`${tool} passwd: the hash of ${line.user} does not verify`);
      if (!line.hash.startsWith("$7$101$")) problems.push(`${tool} passwd: ${line.user} is not a mosquitto 2.0 $7$101$ hash`);
    }
  }
  return problems;
}
