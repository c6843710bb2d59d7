import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";
import { loadInventory } from "../../../src/inventory/index.js";

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "../../fixtures/inventory");

/** Writes `files` (relative path -> text) into a fresh temp directory and returns it. */
const trees: string[] = [];
// registered in the root suite of every test file that imports this helper
afterAll(async () => {
  await Promise.all(trees.splice(0).map((tree) => rm(tree, { recursive: true, force: true })));
});

export async function writeTree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "tsible-inventory-"));
  trees.push(root);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

/** Loads one inventory file with the given text (named `name`) from a temp directory. */
export async function inventoryFromText(text: string, name = "hosts") {
  const root = await writeTree({ [name]: text });
  return loadInventory([join(root, name)]);
}
