/** Small statistics and Markdown helpers shared by the measurements. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** `0.42×` */
export function ratio(value: number, base: number): string {
  if (!Number.isFinite(value) || !Number.isFinite(base) || base === 0) return 'n/a';
  const r = value / base;
  return `${r < 10 ? r.toFixed(2) : r.toFixed(1)}×`;
}

export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map((_h, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

export function kb(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

export const now = (): number => performance.now();

/** Rotate a list by `n` (round `n` starts with a different library: A B C D, B C D A, ...). */
export function rotate<T>(items: readonly T[], n: number): T[] {
  const k = n % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/** Samples by library and operation; `medians()` gives each library's median per operation. */
export class Samples<Op extends string> {
  private readonly lists = new Map<string, number[]>();
  constructor(private readonly ops: readonly Op[]) {}

  push(lib: string, op: Op, value: number): void {
    const key = `${lib}\u0000${op}`;
    const list = this.lists.get(key);
    if (list) list.push(value);
    else this.lists.set(key, [value]);
  }

  medians(libs: readonly string[]): Record<string, Record<Op, number>> {
    const out: Record<string, Record<Op, number>> = {};
    for (const lib of libs) {
      out[lib] = Object.fromEntries(
        this.ops.map((op) => [op, median(this.lists.get(`${lib}\u0000${op}`) ?? [])]),
      ) as Record<Op, number>;
    }
    return out;
  }
}
