/**
 * Starts a bundled command (dist/bin/NAME.cjs, see scripts/bundle.mjs) with V8's code cache:
 * the bytecode of every function the last uncached run compiled, so this run skips parsing and
 * compiling them. Why: a one-host run is mostly the controller's own CPU, and ~0.1 s of it was
 * compiling the same bundle again on every run. Node 20 has no module compile cache (Node 22's
 * module.enableCompileCache), and v8-compile-cache keeps only what is compiled before the code
 * runs, which measured 0.1 s slower here than a cache made at the end of a run.
 *
 * The cache lives in $XDG_CACHE_HOME/tsible (~/.cache/tsible), one file per command, named by
 * the bundle's sha256 (computed when it was built) and Node's version: V8 itself checks only
 * the source's length, so the name must say which bytes the cache was made from. Anything
 * wrong with it (missing, unreadable, rejected by V8, a directory we cannot write) costs only
 * the time it would have saved. TSIBLE_CODE_CACHE=off runs without it.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Script, constants } from "node:vm";

/** what the bundle evaluates to: it is written as one function expression, Node's CommonJS wrapper */
type BundleFunction = (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string) => void;

export function runBundle(bundleUrl: URL, bundleSha256: string): void {
  const bundleFile = fileURLToPath(bundleUrl);
  // the bundle is ASCII only (the build checks it): latin1 reads it without decoding UTF-8
  const source = readFileSync(bundleFile, "latin1");
  const cacheFile = process.env["TSIBLE_CODE_CACHE"] === "off" ? undefined : cacheFileFor(bundleFile, bundleSha256);
  const cachedData = cacheFile === undefined ? undefined : readIfThere(cacheFile);
  // an import() inside the bundle loads as it would from a module file
  const script = new Script(source, { filename: bundleFile, cachedData, importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
  if (cacheFile !== undefined && (cachedData === undefined || script.cachedDataRejected === true)) {
    // at exit every function the run used has been compiled, and goes into the cache
    process.once("exit", () => saveCache(cacheFile, script));
  }
  const run = script.runInThisContext() as BundleFunction;
  const module = { exports: {} };
  run(module.exports, createRequire(bundleFile), module, bundleFile, path.dirname(bundleFile));
}

function cacheFileFor(bundleFile: string, bundleSha256: string): string {
  const base = process.env["XDG_CACHE_HOME"] || path.join(homedir(), ".cache");
  return path.join(base, "tsible", `${path.basename(bundleFile, ".cjs")}-${bundleSha256.slice(0, 16)}-node${process.versions.node}-${process.arch}.v8`);
}

function readIfThere(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

function saveCache(cacheFile: string, script: Script): void {
  const dir = path.dirname(cacheFile);
  const temp = `${cacheFile}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(temp, script.createCachedData());
    renameSync(temp, cacheFile);
    // caches of this command's earlier builds will never be read again
    const command = `${path.basename(cacheFile).split("-")[0]}-`;
    for (const name of readdirSync(dir)) {
      if (name.startsWith(command) && name.endsWith(".v8") && name !== path.basename(cacheFile)) rmSync(path.join(dir, name), { force: true });
    }
  } catch {
    try {
      rmSync(temp, { force: true });
    } catch {
      // nothing more to do: the next run makes the cache again
    }
  }
}
