/**
 * The JS oracle: the AST evaluated over the seeded rows with SQL's three-valued logic. Integers are
 * bigints (checked against int4/int8 bounds, as PostgreSQL raises on overflow), float8 follows
 * PostgreSQL's rules (NaN sorts above everything and equals itself; overflow and underflow raise),
 * text compares by code unit, which is the server's order for the ASCII letters and digits the
 * generator uses (checked against the server before the run). Everything is evaluated eagerly, so
 * an error PostgreSQL could raise anywhere is predicted; such cases are left out (`Undefined`).
 */
import {
  type Chain,
  COLUMNS,
  type Expr,
  enter,
  fnType,
  type LitValue,
  literalType,
  type OrderItem,
  type Source,
  type SqlT,
  type Statement,
  type Sub,
  subOutType,
  type TableName,
  typeOf,
} from './ast.js';
import { sortRows } from './rows.js';
import { bindColumn, type Frame, namedSources, subqueryFrom } from './scope.js';

/** An evaluated value: integers as bigint, float8 as number. */
export type V = bigint | number | string | boolean | null;
export type Row = Readonly<Record<string, V>>;
export type Data = Readonly<Record<TableName, readonly Row[]>>;

/** PostgreSQL would raise an error here (overflow, underflow): the case has no value to compare. */
export class Undefined extends Error {}

interface EvalFrame extends Frame {
  readonly rows: readonly Row[];
}

const BOUNDS: Record<'int4' | 'int8', [bigint, bigint]> = {
  int4: [-(2n ** 31n), 2n ** 31n - 1n],
  int8: [-(2n ** 63n), 2n ** 63n - 1n],
};

function checked(v: bigint, t: SqlT): bigint {
  const b = BOUNDS[t as 'int4' | 'int8'];
  if (!b) return v;
  if (v < b[0] || v > b[1]) throw new Undefined(`${t} out of range`);
  return v;
}

/** A value converted to type `t` (the numeric promotions only). */
function as(v: V, t: SqlT): V {
  if (v === null) return null;
  if (t === 'float8') return Number(v);
  if ((t === 'int4' || t === 'int8') && typeof v === 'number') return BigInt(v);
  return v;
}

export function literalValue(v: LitValue): V {
  const t = literalType(v);
  if (v === null) return null;
  if (t === 'int4' || t === 'int8') return BigInt(v as number | bigint);
  if (t === 'float8') return Number(v);
  return v as string | boolean;
}

function floatCmp(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return a > b ? 1 : a < b ? -1 : 0;
}

/** Compare two non-null values of types `lt` and `rt` as PostgreSQL's operators would. */
export function compare(l: V, r: V, lt: SqlT, rt: SqlT): number {
  if (typeof l === 'string' && typeof r === 'string') return l < r ? -1 : l > r ? 1 : 0;
  if (typeof l === 'boolean' && typeof r === 'boolean') return Number(l) - Number(r);
  if (lt === 'float8' || rt === 'float8' || typeof l === 'number' || typeof r === 'number')
    return floatCmp(Number(l), Number(r));
  const a = l as bigint;
  const b = r as bigint;
  return a > b ? 1 : a < b ? -1 : 0;
}

function and3(values: readonly V[]): V {
  if (values.includes(false)) return false;
  if (values.includes(null)) return null;
  return true;
}

function or3(values: readonly V[]): V {
  if (values.includes(true)) return true;
  if (values.includes(null)) return null;
  return false;
}

function not3(v: V): V {
  return v === null ? null : !v;
}

/** `a IN (values)` with SQL's NULL rules. */
function in3(a: V, at: SqlT, values: readonly { v: V; t: SqlT }[]): V {
  if (values.length === 0) return false;
  if (a === null) return null;
  let sawNull = false;
  for (const { v, t } of values) {
    if (v === null) sawNull = true;
    else if (compare(a, v, at, t) === 0) return true;
  }
  return sawNull ? null : false;
}

function likeRegex(pattern: string, insensitive: boolean): RegExp {
  let re = '';
  for (const ch of pattern) {
    if (ch === '%') re += '[\\s\\S]*';
    else if (ch === '_') re += '[\\s\\S]';
    else re += ch.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, insensitive ? 'i' : '');
}

function floatResult(op: string, a: number, b: number): number {
  if (op === '/' && b === 0) throw new Undefined('division by zero');
  const out = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a / b;
  const finite = (x: number) => Number.isFinite(x);
  if (!finite(out) && !Number.isNaN(out) && finite(a) && (op === '/' ? true : finite(b)))
    throw new Undefined('float8 overflow');
  if (op === '*' && out === 0 && a !== 0 && b !== 0) throw new Undefined('float8 underflow');
  if (op === '/' && out === 0 && a !== 0 && finite(b)) throw new Undefined('float8 underflow');
  return out;
}

function intResult(op: string, a: bigint, b: bigint, t: SqlT): bigint {
  if (op === '/' && b === 0n) throw new Undefined('division by zero');
  const out = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a / b;
  return checked(out, t);
}

function textOf(v: V): string {
  return typeof v === 'bigint' ? v.toString() : String(v);
}

class Evaluator {
  constructor(private readonly data: Data) {}

  rowsOf(items: readonly Source[]): Row[][] {
    let out: Row[][] = [[]];
    for (const item of items) {
      const rows = this.data[item.table];
      out = out.flatMap((prefix) => rows.map((row) => [...prefix, row]));
    }
    return out;
  }

  column(chain: Chain, frames: readonly EvalFrame[], up: number, col: string): V {
    const src = chain[up];
    if (!src) throw new Error(`scope ${up} has no source`);
    const at = bindColumn(src, frames);
    const row = (frames[at.frame] as EvalFrame).rows[at.item] as Row;
    return row[col] ?? null;
  }

  expr(e: Expr, chain: Chain, frames: readonly EvalFrame[]): V {
    const ev = (x: Expr) => this.expr(x, chain, frames);
    const ty = (x: Expr) => typeOf(x, chain);
    switch (e.k) {
      case 'lit':
        return literalValue(e.v);
      case 'col':
        return this.column(chain, frames, e.up, e.col);
      case 'cmp': {
        const l = ev(e.l);
        const r = ev(e.r);
        if (l === null || r === null) return null;
        const c = compare(l, r, ty(e.l), ty(e.r));
        switch (e.op) {
          case '=':
            return c === 0;
          case '<>':
            return c !== 0;
          case '<':
            return c < 0;
          case '<=':
            return c <= 0;
          case '>':
            return c > 0;
          case '>=':
            return c >= 0;
        }
        break;
      }
      case 'bool': {
        const values = e.args.map(ev);
        return e.op === 'and' ? and3(values) : or3(values);
      }
      case 'not':
        return not3(ev(e.a));
      case 'isnull': {
        const isNull = ev(e.a) === null;
        return e.neg ? !isNull : isNull;
      }
      case 'in': {
        const a = ev(e.a);
        const items = e.items.map((i) => ({ v: ev(i), t: ty(i) }));
        const v = in3(a, ty(e.a), items);
        return e.neg ? not3(v) : v;
      }
      case 'inSub': {
        const a = ev(e.a);
        const t = subOutType(e.sub, chain);
        const values = this.subValues(e.sub, chain, frames).map((v) => ({ v, t }));
        const v = in3(a, ty(e.a), values);
        return e.neg ? not3(v) : v;
      }
      case 'between': {
        const a = ev(e.a);
        const lo = ev(e.lo);
        const hi = ev(e.hi);
        const ge = a === null || lo === null ? null : compare(a, lo, ty(e.a), ty(e.lo)) >= 0;
        const le = a === null || hi === null ? null : compare(a, hi, ty(e.a), ty(e.hi)) <= 0;
        const v = and3([ge, le]);
        return e.neg ? not3(v) : v;
      }
      case 'like': {
        const a = ev(e.a);
        const p = ev(e.pat);
        if (a === null || p === null) return null;
        const matches = likeRegex(String(p), e.op.includes('ILIKE')).test(String(a));
        return e.op.startsWith('NOT') ? !matches : matches;
      }
      case 'arith': {
        const t = ty(e);
        const l = as(ev(e.l), t);
        const r = as(ev(e.r), t);
        if (l === null || r === null) return null;
        if (t === 'float8') return floatResult(e.op, l as number, r as number);
        return intResult(e.op, l as bigint, r as bigint, t);
      }
      case 'neg': {
        const v = ev(e.a);
        if (v === null) return null;
        return typeof v === 'bigint' ? checked(-v, ty(e)) : -(v as number);
      }
      case 'concat': {
        const l = ev(e.l);
        const r = ev(e.r);
        return l === null || r === null ? null : textOf(l) + textOf(r);
      }
      case 'fn':
        return this.fn(e, chain, frames);
      case 'text':
        return ev(e.inner);
      case 'exists':
        return this.passing(e.sub, chain, frames).length > 0;
      case 'scalar':
        return this.scalar(e.sub, chain, frames);
      case 'label':
        return ev(e.a);
    }
  }

  fn(e: Extract<Expr, { k: 'fn' }>, chain: Chain, frames: readonly EvalFrame[]): V {
    const args = e.args.map((a) => this.expr(a, chain, frames));
    const types = e.args.map((a) => typeOf(a, chain));
    const t = fnType(e.name, types);
    const [a = null, b = null] = args;
    switch (e.name) {
      case 'abs':
        if (a === null) return null;
        return typeof a === 'bigint' ? checked(a < 0n ? -a : a, t) : Math.abs(a as number);
      case 'length':
        return a === null ? null : BigInt([...String(a)].length);
      case 'lower':
        return a === null ? null : String(a).toLowerCase();
      case 'upper':
        return a === null ? null : String(a).toUpperCase();
      case 'coalesce':
        return as(args.find((v) => v !== null) ?? null, t);
      case 'greatest':
      case 'least': {
        let best: V = null;
        for (const v of args.map((x) => as(x, t))) {
          if (v === null) continue;
          const c = best === null ? 0 : compare(v, best, t, t);
          if (best === null || (e.name === 'greatest' ? c > 0 : c < 0)) best = v;
        }
        return best;
      }
      case 'nullif': {
        if (a === null) return null;
        if (b !== null && compare(a, b, types[0] as SqlT, types[1] as SqlT) === 0) return null;
        return as(a, t);
      }
    }
  }

  /** The subquery's FROM rows (one row per FROM item) whose WHERE is true, in the order they came. */
  passing(sub: Sub, chain: Chain, frames: readonly EvalFrame[]): { frames: EvalFrame[] }[] {
    const items = subqueryFrom(sub, chain, frames);
    const inner = enter(chain, sub);
    const out: { frames: EvalFrame[] }[] = [];
    for (const rows of this.rowsOf(items)) {
      const all = [{ items, rows }, ...frames];
      const ok = sub.where ? this.expr(sub.where, inner, all) : true;
      // The output is evaluated for every row, so that an error it could raise is always seen.
      this.column(inner, all, 0, sub.out.col);
      if (ok === true) out.push({ frames: all });
    }
    return out;
  }

  subValues(sub: Sub, chain: Chain, frames: readonly EvalFrame[]): V[] {
    const inner = enter(chain, sub);
    return this.passing(sub, chain, frames).map((p) => this.column(inner, p.frames, 0, sub.out.col));
  }

  scalar(sub: Sub, chain: Chain, frames: readonly EvalFrame[]): V {
    const inner = enter(chain, sub);
    const rows = this.passing(sub, chain, frames);
    const value = (p: { frames: EvalFrame[] }, col: string) => this.column(inner, p.frames, 0, col);
    const out = sub.out;
    if (out.k === 'agg') {
      if (out.fn === 'count') return BigInt(rows.filter((p) => value(p, out.col) !== null).length);
      const t = COLUMNS[sub.src.table][out.col] as SqlT;
      let best: V = null;
      for (const p of rows) {
        const v = value(p, out.col);
        if (v === null) continue;
        const c = best === null ? 0 : compare(v, best, t, t);
        if (best === null || (out.fn === 'max' ? c > 0 : c < 0)) best = v;
      }
      return best;
    }
    if (!out.limit1) throw new Error('a scalar subquery selects an aggregate or one row');
    let first: { frames: EvalFrame[] } | undefined;
    for (const p of rows) {
      if (!first || (value(p, 'id') as bigint) < (value(first, 'id') as bigint)) first = p;
    }
    return first ? value(first, out.col) : null;
  }
}

/** A value in the canonical form all three executions are compared in. */
export function canonical(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'boolean':
      return String(v);
    case 'bigint':
      return v.toString();
    case 'number':
      if (Number.isNaN(v)) return 'NaN';
      if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
      return Number.isInteger(v) ? BigInt(v).toString() : String(v);
    case 'string':
      return JSON.stringify(v);
    default:
      return `unexpected ${typeof v}: ${JSON.stringify(v)}`;
  }
}

/** The outcome the three executions are compared on: rows of canonical values, or an error. */
export type Outcome = { rows: string[][] } | { error: string };

/** What a statement gives, by the JS oracle: rows of canonical values (`Undefined` if it would raise). */
export function evaluateStatement(s: Statement, data: Data): string[][] {
  const ev = new Evaluator(data);
  if (s.k === 'const') {
    const frames: EvalFrame[] = [{ items: [], rows: [] }];
    return [s.items.map((e) => canonical(ev.expr(e, [null], frames)))];
  }
  const T: Source = { table: s.table, alias: null };
  const chain: Chain = [T];
  const rowsOf = (items: Source[]) => ev.rowsOf(items).map((rows): EvalFrame[] => [{ items, rows }]);
  const id = (frames: EvalFrame[]) => ev.column(chain, frames, 0, 'id');
  switch (s.k) {
    case 'predicates':
    case 'values': {
      const exprs = s.k === 'predicates' ? s.preds : s.items.map((i) => i.e);
      const items = namedSources(exprs, chain, [T]);
      return rowsOf(items)
        .map((frames) => [canonical(id(frames)), ...exprs.map((e) => canonical(ev.expr(e, chain, frames)))])
        .sort((a, b) => compare(BigInt(a[0] as string), BigInt(b[0] as string), 'int4', 'int4'));
    }
    case 'query': {
      const items = namedSources([s.where, ...s.order.map((o) => o.e)], chain, [T]);
      const rows = rowsOf(items).map((frames) => ({
        frames,
        ok: s.where ? ev.expr(s.where, chain, frames) : true,
        keys: s.order.map((o) => ev.expr(o.e, chain, frames)),
      }));
      const kept = rows.filter((r) => r.ok === true);
      kept.sort((a, b) => {
        for (let i = 0; i < s.order.length; i++) {
          const c = orderCompare(
            a.keys[i] as V,
            b.keys[i] as V,
            s.order[i] as OrderItem,
            typeOf((s.order[i] as OrderItem).e, chain),
          );
          if (c !== 0) return c;
        }
        return compare(id(a.frames), id(b.frames), 'int4', 'int4');
      });
      const start = s.offset ?? 0;
      const end = s.limit === null ? undefined : start + s.limit;
      return kept.slice(start, end).map((r) => [canonical(id(r.frames))]);
    }
    case 'unanchored': {
      const items = namedSources([s.value, s.where], chain);
      const frames = items.length ? rowsOf(items) : [[{ items, rows: [] }]];
      const out: string[][] = [];
      for (const f of frames) {
        const ok = s.where ? ev.expr(s.where, chain, f) : true;
        const value = ev.expr(s.value, chain, f);
        if (ok === true) out.push([canonical(value)]);
      }
      return sortRows(out);
    }
    case 'delete':
    case 'update': {
      const out: string[][] = [];
      for (const frames of rowsOf([T])) {
        const ok = s.where ? ev.expr(s.where, chain, frames) : true;
        const value = s.k === 'update' ? canonical(ev.expr(s.value, chain, frames)) : undefined;
        if (ok === true) out.push(value === undefined ? [canonical(id(frames))] : [canonical(id(frames)), value]);
      }
      return sortRows(out);
    }
  }
}

/** ORDER BY's comparison: ASC puts NULLs last and DESC first, unless NULLS FIRST/LAST says otherwise. */
function orderCompare(a: V, b: V, item: OrderItem, t: SqlT): number {
  const desc = item.dir === 'desc';
  const nullsFirst = item.nulls ? item.nulls === 'first' : desc;
  if (a === null || b === null) {
    if (a === b) return 0;
    return (a === null) === nullsFirst ? -1 : 1;
  }
  const c = compare(a, b, t, t);
  return desc ? -c : c;
}
