/** A dollar-quote tag (`$$`, `$body$`) where the scan stands (sticky: no copy of the rest). */
const DOLLAR_TAG = /\$([A-Za-z_][A-Za-z0-9_]*)?\$/y;

/**
 * Raw SQL text (`db.text`) is scanned once: string literals (`'…'`, `E'…'`), quoted identifiers,
 * dollar-quoted bodies and comments are kept as they are; only the code between them is handed to
 * `code` (to fill `:name` or renumber `$n` placeholders).
 */
export function mapSqlCode(sql: string, code: (chunk: string) => string): string {
  let out = '';
  let start = 0;
  let i = 0;
  const flush = (end: number) => {
    if (end > start) out += code(sql.slice(start, end));
  };
  const keep = (from: number, to: number) => {
    out += sql.slice(from, to);
    start = to;
    i = to;
  };
  while (i < sql.length) {
    const ch = sql[i] as string;
    if (ch === "'" || ch === '"') {
      const escapes = ch === "'" && i > 0 && /[eE]/.test(sql[i - 1] as string) && !/\w/.test(sql[i - 2] ?? '');
      let j = i + 1;
      while (j < sql.length) {
        if (escapes && sql[j] === '\\') j += 2;
        else if (sql[j] === ch && sql[j + 1] === ch) j += 2;
        else if (sql[j] === ch) break;
        else j++;
      }
      flush(i);
      keep(i, Math.min(j + 1, sql.length));
      continue;
    }
    if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      flush(i);
      keep(i, end === -1 ? sql.length : end);
      continue;
    }
    if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      flush(i);
      keep(i, end === -1 ? sql.length : end + 2);
      continue;
    }
    if (ch === '$') {
      DOLLAR_TAG.lastIndex = i;
      const tag = DOLLAR_TAG.exec(sql);
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        flush(i);
        keep(i, end === -1 ? sql.length : end + tag[0].length);
        continue;
      }
    }
    i++;
  }
  flush(sql.length);
  return out;
}
