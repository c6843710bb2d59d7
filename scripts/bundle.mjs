// Bundles the two commands into dist/bin/ with esbuild. Why: Node 20 spends most of a short
// run resolving and compiling hundreds of module files (zod, yaml, handlebars, execa, ...);
// one bundled file starts in about half the CPU time. tsc still type-checks and emits dist/src.
//
// Each command is a CommonJS bundle (NAME.cjs) started by a small launcher (NAME.js) that
// keeps V8's code cache for it (src/cli/code-cache.ts): only a script compiled through
// node:vm can be given one on Node 20, and only a CommonJS one can be compiled that way.
import { createHash } from "node:crypto";
import { chmod, readFile, rm } from "node:fs/promises";
import { build } from "esbuild";
import path from "node:path";

/** `require("./crypto/build/Release/sshcrypto.node")` inside ssh2 becomes a require of ssh2's file, resolved when it runs */
const nativeAddonsFromNodeModules = {
  name: "native-addons-from-node-modules",
  setup(build) {
    build.onResolve({ filter: /\.node$/ }, (args) => {
      const inPackage = /node_modules\/(.+)$/.exec(path.join(args.resolveDir, args.path));
      if (!inPackage) throw new Error(`a native addon outside node_modules cannot be bundled: ${args.path}`);
      return { path: inPackage[1], external: true };
    });
  },
};

/**
 * Handlebars builds its compiled templates with source-map's SourceNode when it can load it, and
 * with a plain string builder when it cannot: tsible never asks for template source maps, and
 * the string builder compiles a run's templates in about half the time
 */
const handlebarsWithoutSourceMaps = {
  name: "handlebars-without-source-maps",
  setup(build) {
    build.onResolve({ filter: /^source-map$/ }, (args) =>
      args.importer.includes("/node_modules/handlebars/") ? { path: "source-map", namespace: "no-source-map" } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "no-source-map" }, () => ({ contents: "module.exports = {};", loader: "js" }));
  },
};

const commands = { tsible: "src/cli/tsible.ts", smcrelease: "src/cli/smcrelease.ts" };
const common = { bundle: true, platform: "node", target: "node20", minify: true, logLevel: "warning" };

// old bundles and chunks would pile up
await rm("dist/bin", { recursive: true, force: true });
await build({
  ...common,
  entryPoints: commands,
  outdir: "dist/bin",
  outExtension: { ".js": ".cjs" },
  format: "cjs",
  // the file is one function expression, Node's CommonJS wrapper, for the launcher to compile as is
  banner: { js: "(function (exports, require, module, __filename, __dirname) {var __bundleUrl=require('node:url').pathToFileURL(__filename).href;" },
  // ESM packages that find their files from import.meta.url (fdir, under tinyglobby) get the bundle's own
  define: { "import.meta.url": "__bundleUrl" },
  footer: { js: "})" },
  charset: "ascii",
  sourcemap: "linked",
  // native addons stay in node_modules: ssh2's own crypto (when it could be built at install)
  // is found from there at run time, and cpu-features is an optional package. The AWS SDK
  // (EC2 inventory sources only) is required from node_modules when such a source is read:
  // bundled, it doubled the file every run reads and cost each run about 40 ms of CPU.
  external: ["cpu-features", "@aws-sdk/*"],
  // and is loaded with require: an import() from the bundle is experimental under node:vm on
  // Node 20 (a warning on stderr) and fails outright once the code cache is used
  supported: { "dynamic-import": false },
  plugins: [nativeAddonsFromNodeModules, handlebarsWithoutSourceMaps],
});
for (const name of Object.keys(commands)) {
  const bundle = await readFile(`dist/bin/${name}.cjs`);
  if (bundle.some((byte) => byte > 0x7f)) throw new Error(`dist/bin/${name}.cjs is not ASCII: the launcher reads it as latin1`);
  const sha256 = createHash("sha256").update(bundle).digest("hex");
  await build({
    ...common,
    stdin: {
      contents: `import { runBundle } from "./src/cli/code-cache.ts";\nrunBundle(new URL("./${name}.cjs", import.meta.url), "${sha256}");\n`,
      resolveDir: ".",
      sourcefile: `${name}-launcher.ts`,
      loader: "ts",
    },
    outfile: `dist/bin/${name}.js`,
    format: "esm",
    banner: { js: "#!/usr/bin/env node" },
  });
  await chmod(`dist/bin/${name}.js`, 0o755);
}
