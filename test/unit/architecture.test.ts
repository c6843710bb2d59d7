/**
 * The shape of src/: arrows point one way. Each top-level directory (or file)
 * of src/ is a layer; a layer may import only the layers below it, and no
 * file imports itself back through others. A new directory must be placed in
 * LAYERS before its code can land.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../../src");

/** Top first. Layers on one line are peers: they may not import each other at all. */
const LAYERS: readonly (readonly string[])[] = [
  ["cli"],
  ["release", "convert"],
  ["output"],
  ["executor"],
  ["module-registry"],
  ["mosquitto"],
  ["modules"],
  ["facts"],
  ["playbook", "inventory"],
  ["vars"],
  ["connection"],
  ["vault", "config"],
  ["text-file"],
  ["errors", "secrets", "map-with-limit", "ansible-bool"],
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** The src files a file imports (type imports too: they tie the layers just the same) */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/(?:from|import\()\s*"(\.[^"]+)"/g)].map((match) => resolve(dirname(file), (match[1] ?? "").replace(/\.js$/, ".ts")));
}

const layerOf = (file: string): string => relative(SRC, file).split(sep)[0]?.replace(/\.ts$/, "") ?? "";
const rankOf = (layer: string): number => LAYERS.findIndex((peers) => peers.includes(layer));
const files = sourceFiles(SRC);
const graph = new Map(files.map((file) => [file, importsOf(file)]));

describe("the architecture of src/", () => {
  it("places every top-level directory in a layer", () => {
    expect([...new Set(files.map(layerOf))].filter((layer) => rankOf(layer) === -1)).toEqual([]);
  });

  it("has no import of a higher or a peer layer", () => {
    const wrong = [...graph].flatMap(([file, imports]) =>
      imports
        .filter((target) => layerOf(target) !== layerOf(file) && rankOf(layerOf(target)) <= rankOf(layerOf(file)))
        .map((target) => `${relative(SRC, file)} imports ${relative(SRC, target)}`),
    );
    expect(wrong).toEqual([]);
  });

  it("has no import loop between files", () => {
    const loops: string[] = [];
    const state = new Map<string, "visiting" | "done">();
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === "done") return;
      if (state.get(file) === "visiting") {
        loops.push([...path.slice(path.indexOf(file)), file].map((step) => relative(SRC, step)).join(" -> "));
        return;
      }
      state.set(file, "visiting");
      for (const target of graph.get(file) ?? []) visit(target, [...path, file]);
      state.set(file, "done");
    };
    for (const file of files) visit(file, []);
    expect(loops).toEqual([]);
  });

  it("keeps modules/ free of the broker's code: mosquitto/ builds on modules/, never the other way", () => {
    const intoMosquitto = [...graph].filter(([file, imports]) => layerOf(file) === "modules" && imports.some((target) => layerOf(target) === "mosquitto"));
    expect(intoMosquitto.map(([file]) => relative(SRC, file))).toEqual([]);
  });
});
