/** The registry of built-in modules: one line per module file. */
import type { Module } from "./types.js";

export const builtinModules: readonly Module<unknown>[] = [
  // each module file adds itself here, one line each
];

export function findModule(name: string): Module<unknown> | undefined {
  const shortName = name.replace(/^ansible\.(builtin|posix)\./, "");
  return builtinModules.find((module) => module.name === shortName || module.aliases?.includes(shortName));
}

export function moduleNames(): string[] {
  return builtinModules.flatMap((module) => [module.name, ...(module.aliases ?? [])]).sort();
}
