/** Result rows of canonical values, as the three executions are compared. */

type Rows = string[][];

/** Rows in a fixed order: by their first value (numerically for ids), then by the rest. */
export function sortRows(rows: Rows): Rows {
  const key = (row: string[]) => {
    const first = row[0] ?? '';
    return /^-?\d+$/.test(first) ? BigInt(first) : first;
  };
  return [...rows].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (typeof ka === typeof kb && ka !== kb) return ka < kb ? -1 : 1;
    return a.join('\u0000') < b.join('\u0000') ? -1 : a.join('\u0000') > b.join('\u0000') ? 1 : 0;
  });
}
