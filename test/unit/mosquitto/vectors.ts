/** Reads the hash vectors made by test/fixtures/mosquitto/make-vectors.sh */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface Vector {
  password: string;
  /** the whole "user:hash" line */
  line: string;
  user: string;
  hash: string;
}

export function readVectors(name: "vectors-2.0.11.txt" | "vectors-computed.txt"): Vector[] {
  const path = fileURLToPath(new URL(`../../fixtures/mosquitto/${name}`, import.meta.url));
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((record) => {
      const [passwordJson, line] = record.split("\t");
      if (passwordJson === undefined || line === undefined) throw new Error(`bad vector record: ${record}`);
      const colon = line.indexOf(":");
      return { password: JSON.parse(passwordJson) as string, line, user: line.slice(0, colon), hash: line.slice(colon + 1) };
    });
}
