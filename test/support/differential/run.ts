/**
 * One differential case: the statement run through gino-edge, its oracle SQL run raw, and the JS
 * evaluation, compared in canonical form. A mismatch throws an error whose message has everything
 * needed to reproduce it: the gino-edge code, its SQL and parameters, the oracle SQL and its
 * parameters, the three results and the AST.
 */
import { type Gino, InvalidRequestError } from '../../../src/index.js';
import type { Statement } from './ast.js';
import { Builder, type BuiltStatement } from './build.js';
import { canonical, type Data, evaluateStatement, Undefined } from './evaluate.js';
import { renderStatement } from './oracle-sql.js';
import { sortRows } from './rows.js';
import { RESTORE, type Tables } from './schema.js';

type Rows = string[][];
type Result = { rows: Rows } | { error: string } | { refused: string };

/** JSON with bigints written as `123n` and non-finite numbers as `<NaN>`, `<Infinity>`. */
export function show(value: unknown): string {
  return JSON.stringify(value, (_k, v) => {
    if (typeof v === 'bigint') return `${v}n`;
    if (typeof v === 'number' && !Number.isFinite(v)) return `<${v}>`;
    return v;
  });
}

function describeError(e: unknown): string {
  const err = e as { constructor?: { name?: string }; code?: string; message?: string };
  return `${err?.constructor?.name ?? 'Error'}${err?.code ? ` ${err.code}` : ''}: ${err?.message ?? String(e)}`;
}

const isDml = (s: Statement) => s.k === 'delete' || s.k === 'update';
const unordered = (s: Statement) => s.k === 'unanchored' || isDml(s);

/** The raw oracle's result columns, in order. */
function rawColumns(s: Statement): string[] {
  switch (s.k) {
    case 'predicates':
      return ['id', ...s.preds.map((_, i) => `c${i}`)];
    case 'values':
      return ['id', ...s.items.map((_, i) => `c${i}`)];
    case 'const':
      return s.items.map((_, i) => `c${i}`);
    case 'query':
    case 'delete':
      return ['id'];
    case 'unanchored':
      return ['c0'];
    case 'update':
      return ['id', 'c0'];
  }
}

/** The members of a batch statement, one statement each (to name the one that fails). */
function members(s: Statement): Statement[] {
  if (s.k === 'predicates') return s.preds.map((p) => ({ ...s, preds: [p] }));
  if (s.k === 'values') return s.items.map((it) => ({ ...s, items: [it] }));
  if (s.k === 'const') return s.items.map((e) => ({ ...s, items: [e] }));
  return [s];
}

/** The statement without the members PostgreSQL would raise an error on (overflow, underflow). */
function defined(s: Statement, data: Data): { statement: Statement | null; dropped: number } {
  const ok = (m: Statement) => {
    try {
      evaluateStatement(m, data);
      return true;
    } catch (error) {
      if (error instanceof Undefined) return false;
      throw error;
    }
  };
  if (s.k === 'predicates') {
    const preds = s.preds.filter((p) => ok({ ...s, preds: [p] }));
    return { statement: preds.length ? { ...s, preds } : null, dropped: s.preds.length - preds.length };
  }
  if (s.k === 'values') {
    const items = s.items.filter((it) => ok({ ...s, items: [it] }));
    return { statement: items.length ? { ...s, items } : null, dropped: s.items.length - items.length };
  }
  if (s.k === 'const') {
    const items = s.items.filter((e) => ok({ ...s, items: [e] }));
    return { statement: items.length ? { ...s, items } : null, dropped: s.items.length - items.length };
  }
  return ok(s) ? { statement: s, dropped: 0 } : { statement: null, dropped: 1 };
}

export interface Tally {
  compared: number;
  dropped: number;
}

export class Differential {
  readonly tally: Tally = { compared: 0, dropped: 0 };
  constructor(
    private readonly db: Gino,
    private readonly tables: Tables,
    private readonly data: Data,
  ) {}

  /** Run one generated statement three ways; throws the report on any disagreement. */
  async check(generated: Statement): Promise<void> {
    const { statement, dropped } = defined(generated, this.data);
    this.tally.dropped += dropped;
    if (!statement) return;
    const report = await this.compare(statement);
    if (!report) {
      this.tally.compared += members(statement).length;
      return;
    }
    // Name the member that fails on its own, when the statement is a batch of several.
    const all = members(statement);
    if (all.length > 1) {
      for (const m of all) {
        const alone = await this.compare(m);
        if (alone) throw new Error(`${alone}\n(one of a batch of ${all.length}: the batch as a whole failed too)`);
      }
    }
    throw new Error(report);
  }

  /** The mismatch report, or undefined when all three agree. */
  async compare(s: Statement): Promise<string | undefined> {
    const expected = sortIf(s, evaluateStatement(s, this.data));
    const oracle = renderStatement(s);
    const raw = await this.runRaw(s, oracle.sql, oracle.params);
    const builder = new Builder(this.db, this.tables);
    let built: BuiltStatement | undefined;
    let gino: Result;
    try {
      built = builder.statement(s);
      gino = await this.runGino(s, built);
    } catch (error) {
      gino = { error: `while building: ${describeError(error)}` };
    }
    const same = (r: Result) => 'rows' in r && show(r.rows) === show(expected);
    // Parameter collection, checked apart from the rows: the SQL names exactly $1..$n for n parameters.
    const placeholders = built ? placeholderProblem(this.db, built.statement) : undefined;
    if (same(raw) && (same(gino) || 'refused' in gino) && !placeholders) return undefined;
    let compiled = '(not compiled)';
    if (built) {
      try {
        const c = this.db.compile(built.statement);
        compiled = `${c.sql}\n  params: ${show(c.params)}`;
      } catch (error) {
        compiled = `(compile failed: ${describeError(error)})`;
      }
    }
    const headline = placeholders
      ? `gino-edge's parameters do not match its SQL: ${placeholders}`
      : same(raw)
        ? 'gino-edge disagrees with both oracles'
        : 'the raw SQL oracle disagrees with the JS evaluator (a tester bug, or PostgreSQL semantics the evaluator lacks)';
    return [
      `differential mismatch (${s.k}): ${headline}`,
      `gino-edge code:\n  ${(built?.code ?? '(not built)').replace(/\n/g, '\n  ')}`,
      `gino-edge SQL:\n  ${compiled}`,
      `oracle SQL:\n  ${oracle.sql}\n  params: ${show(oracle.params)}`,
      `expected (JS evaluator): ${showRows(expected)}`,
      `raw SQL oracle:          ${showResult(raw, expected)}`,
      `gino-edge:               ${showResult(gino, expected)}`,
      `AST: ${show(s)}`,
    ].join('\n');
  }

  private async runRaw(s: Statement, sql: string, params: unknown[]): Promise<Result> {
    const columns = rawColumns(s);
    try {
      const rows = isDml(s)
        ? ((await this.db.batch([this.db.text(sql, params), ...RESTORE]))[0] as Record<string, unknown>[])
        : await this.db.all<Record<string, unknown>>(sql, params);
      return {
        rows: sortIf(
          s,
          rows.map((row) => columns.map((c) => canonical(row[c]))),
        ),
      };
    } catch (error) {
      return { error: describeError(error) };
    }
  }

  private async runGino(s: Statement, built: BuiltStatement): Promise<Result> {
    try {
      const rows = isDml(s)
        ? ((await this.db.batch([built.statement, ...RESTORE]))[0] as unknown[])
        : await (built.statement as { gino: { all(): Promise<unknown[]> } }).gino.all();
      const out: Rows = [];
      for (const row of rows) {
        if (built.instances) {
          out.push([canonical((row as { id: unknown }).id)]);
          continue;
        }
        const values = Object.values(row as object);
        if (values.length !== built.width) {
          return {
            error: `a row has ${values.length} keys (${Object.keys(row as object).join(', ')}) for ${built.width} result columns: a value was lost`,
          };
        }
        out.push(values.map(canonical));
      }
      return { rows: sortIf(s, out) };
    } catch (error) {
      // Refusing a list whose keys repeat, before any I/O, is as good as keeping every column.
      if (built.repeatsKeys && error instanceof InvalidRequestError) return { refused: describeError(error) };
      return { error: describeError(error) };
    }
  }
}

/** What is wrong with a compiled statement's placeholders ($n never named, or named beyond the parameters), if anything. */
function placeholderProblem(db: Gino, statement: unknown): string | undefined {
  let c: { sql: string; params: unknown[] };
  try {
    c = db.compile(statement as object);
  } catch {
    return undefined;
  }
  const named = new Set([...c.sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
  const missing = c.params.map((_, i) => i + 1).filter((n) => !named.has(n));
  const beyond = [...named].filter((n) => n < 1 || n > c.params.length);
  if (!missing.length && !beyond.length) return undefined;
  return `${c.params.length} parameters; never named: ${missing.map((n) => `$${n}`).join(', ') || 'none'}; named beyond them: ${beyond.map((n) => `$${n}`).join(', ') || 'none'}`;
}

function sortIf(s: Statement, rows: Rows): Rows {
  return unordered(s) ? sortRows(rows) : rows;
}

function showRows(rows: Rows): string {
  return rows.length > 12 ? `${show(rows.slice(0, 12))} ... (${rows.length} rows)` : show(rows);
}

/** A result, and where it first differs from the expected rows. */
function showResult(r: Result, expected: Rows): string {
  if ('error' in r) return `ERROR ${r.error}`;
  if ('refused' in r) return `refused ${r.refused}`;
  if (show(r.rows) === show(expected)) return 'same as expected';
  const length = Math.max(r.rows.length, expected.length);
  let at = 0;
  while (at < length && show(r.rows[at] ?? null) === show(expected[at] ?? null)) at++;
  return `${showRows(r.rows)}\n    first difference at row ${at}: got ${show(r.rows[at] ?? null)}, expected ${show(expected[at] ?? null)}`;
}
