/** Colours only when writing to a terminal (and NO_COLOR is not set) */
export interface Palette {
  ok(text: string): string;
  changed(text: string): string;
  failed(text: string): string;
  skipped(text: string): string;
  dim(text: string): string;
  header(text: string): string;
}

const wrap = (code: string) => (text: string) => `\u001b[${code}m${text}\u001b[0m`;
const plain = (text: string) => text;

export function palette(enabled: boolean): Palette {
  if (!enabled) return { ok: plain, changed: plain, failed: plain, skipped: plain, dim: plain, header: plain };
  return { ok: wrap("32"), changed: wrap("33"), failed: wrap("31"), skipped: wrap("36"), dim: wrap("2"), header: wrap("1") };
}
