// Bundles the two commands into dist/bin/ with esbuild. Why: Node 20 spends most of a short
// run resolving and compiling hundreds of module files (zod, yaml, handlebars, execa, ...);
// one bundled file starts in about half the CPU time. tsc still type-checks and emits dist/src.
import { chmod, rm } from "node:fs/promises";
import { build } from "esbuild";

const entryPoints = { tsible: "src/cli/tsible.ts", smcrelease: "src/cli/smcrelease.ts" };

// chunk names change with their content: old ones would pile up
await rm("dist/bin", { recursive: true, force: true });
await build({
  entryPoints,
  outdir: "dist/bin",
  bundle: true,
  // the MQTT client (mqtt_check) lands in its own chunk, loaded only when a check runs
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  minify: true,
  sourcemap: "linked",
  // ssh2 may carry an optional native addon: leave it in node_modules where it can find it
  external: ["ssh2"],
  // bundled CommonJS packages call require() for Node's own modules
  banner: { js: "import { createRequire as __tsibleCreateRequire } from 'node:module'; const require = __tsibleCreateRequire(import.meta.url);" },
  logLevel: "warning",
});
for (const name of Object.keys(entryPoints)) await chmod(`dist/bin/${name}.js`, 0o755);
