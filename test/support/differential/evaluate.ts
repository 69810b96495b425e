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

/** The rows in scope: for each enclosing FROM list (innermost first), one row per item. */
type Env = readonly (readonly Row[])[];
type Fn = (env: Env) => V;

/**
 * One statement's evaluation. Each AST node stands in one scope, so its type, a column's binding
 * and a subquery's FROM list are worked out once, when the node is compiled to a closure.
 */
class Evaluator {
  private readonly compiled = new Map<Expr, Fn>();
  private readonly products = new Map<string, Row[][]>();
  constructor(private readonly data: Data) {}

  rowsOf(items: readonly Source[]): Row[][] {
    const key = items.map((i) => `${i.table}:${i.alias}`).join(',');
    const known = this.products.get(key);
    if (known) return known;
    let out: Row[][] = [[]];
    for (const item of items) {
      const rows = this.data[item.table];
      out = out.flatMap((prefix) => rows.map((row) => [...prefix, row]));
    }
    this.products.set(key, out);
    return out;
  }

  /** Evaluate `e` (compiled once) on the rows of `frames`. */
  expr(e: Expr, chain: Chain, frames: readonly EvalFrame[]): V {
    let fn = this.compiled.get(e);
    if (!fn) {
      fn = this.compile(e, chain, frames);
      this.compiled.set(e, fn);
    }
    return fn(frames.map((f) => f.rows));
  }

  column(chain: Chain, frames: readonly Frame[], up: number, col: string): Fn {
    const src = chain[up];
    if (!src) throw new Error(`scope ${up} has no source`);
    const { frame, item } = bindColumn(src, frames);
    return (env) => (env[frame] as readonly Row[])[item]?.[col] ?? null;
  }

  compile(e: Expr, chain: Chain, frames: readonly Frame[]): Fn {
    const c = (x: Expr) => this.compile(x, chain, frames);
    const ty = (x: Expr) => typeOf(x, chain);
    switch (e.k) {
      case 'lit': {
        const v = literalValue(e.v);
        return () => v;
      }
      case 'col':
        return this.column(chain, frames, e.up, e.col);
      case 'cmp': {
        const [l, r, lt, rt, op] = [c(e.l), c(e.r), ty(e.l), ty(e.r), e.op];
        return (env) => {
          const a = l(env);
          const b = r(env);
          if (a === null || b === null) return null;
          const k = compare(a, b, lt, rt);
          switch (op) {
            case '=':
              return k === 0;
            case '<>':
              return k !== 0;
            case '<':
              return k < 0;
            case '<=':
              return k <= 0;
            case '>':
              return k > 0;
            case '>=':
              return k >= 0;
          }
        };
      }
      case 'bool': {
        const args = e.args.map(c);
        const combine = e.op === 'and' ? and3 : or3;
        return (env) => combine(args.map((a) => a(env)));
      }
      case 'not': {
        const a = c(e.a);
        return (env) => not3(a(env));
      }
      case 'isnull': {
        const [a, neg] = [c(e.a), e.neg];
        return (env) => (a(env) === null) !== neg;
      }
      case 'in': {
        const [a, at, neg] = [c(e.a), ty(e.a), e.neg];
        const items = e.items.map((i) => ({ fn: c(i), t: ty(i) }));
        return (env) => {
          const v = in3(
            a(env),
            at,
            items.map((i) => ({ v: i.fn(env), t: i.t })),
          );
          return neg ? not3(v) : v;
        };
      }
      case 'inSub': {
        const [a, at, neg] = [c(e.a), ty(e.a), e.neg];
        const t = subOutType(e.sub, chain);
        const sub = this.sub(e.sub, chain, frames);
        return (env) => {
          const v = in3(
            a(env),
            at,
            sub.passing(env).map((inner) => ({ v: sub.out(inner), t })),
          );
          return neg ? not3(v) : v;
        };
      }
      case 'between': {
        const [a, lo, hi, at, lt, ht, neg] = [c(e.a), c(e.lo), c(e.hi), ty(e.a), ty(e.lo), ty(e.hi), e.neg];
        return (env) => {
          const x = a(env);
          const l = lo(env);
          const h = hi(env);
          const ge = x === null || l === null ? null : compare(x, l, at, lt) >= 0;
          const le = x === null || h === null ? null : compare(x, h, at, ht) <= 0;
          const v = and3([ge, le]);
          return neg ? not3(v) : v;
        };
      }
      case 'like': {
        const [a, pat] = [c(e.a), c(e.pat)];
        const insensitive = e.op.includes('ILIKE');
        const negated = e.op.startsWith('NOT');
        return (env) => {
          const x = a(env);
          const p = pat(env);
          if (x === null || p === null) return null;
          return likeRegex(String(p), insensitive).test(String(x)) !== negated;
        };
      }
      case 'arith': {
        const t = ty(e);
        const [l, r, op] = [c(e.l), c(e.r), e.op];
        return (env) => {
          const a = as(l(env), t);
          const b = as(r(env), t);
          if (a === null || b === null) return null;
          if (t === 'float8') return floatResult(op, a as number, b as number);
          return intResult(op, a as bigint, b as bigint, t);
        };
      }
      case 'neg': {
        const [a, t] = [c(e.a), ty(e)];
        return (env) => {
          const v = a(env);
          if (v === null) return null;
          return typeof v === 'bigint' ? checked(-v, t) : -(v as number);
        };
      }
      case 'concat': {
        const [l, r] = [c(e.l), c(e.r)];
        return (env) => {
          const a = l(env);
          const b = r(env);
          return a === null || b === null ? null : textOf(a) + textOf(b);
        };
      }
      case 'fn':
        return this.fn(e, chain, frames);
      case 'text':
        return c(e.inner);
      case 'exists': {
        const sub = this.sub(e.sub, chain, frames);
        return (env) => sub.passing(env).length > 0;
      }
      case 'scalar':
        return this.scalar(e.sub, chain, frames);
      case 'label':
        return c(e.a);
    }
  }

  fn(e: Extract<Expr, { k: 'fn' }>, chain: Chain, frames: readonly Frame[]): Fn {
    const args = e.args.map((a) => this.compile(a, chain, frames));
    const types = e.args.map((a) => typeOf(a, chain));
    const t = fnType(e.name, types);
    const [a = () => null, b = () => null] = args;
    switch (e.name) {
      case 'abs':
        return (env) => {
          const v = a(env);
          if (v === null) return null;
          return typeof v === 'bigint' ? checked(v < 0n ? -v : v, t) : Math.abs(v as number);
        };
      case 'length':
        return (env) => {
          const v = a(env);
          return v === null ? null : BigInt([...String(v)].length);
        };
      case 'lower':
      case 'upper': {
        const upper = e.name === 'upper';
        return (env) => {
          const v = a(env);
          if (v === null) return null;
          return upper ? String(v).toUpperCase() : String(v).toLowerCase();
        };
      }
      case 'coalesce':
        return (env) => {
          const values = args.map((f) => f(env));
          return as(values.find((v) => v !== null) ?? null, t);
        };
      case 'greatest':
      case 'least': {
        const greatest = e.name === 'greatest';
        return (env) => {
          let best: V = null;
          for (const v of args.map((f) => as(f(env), t))) {
            if (v === null) continue;
            const k = best === null ? 0 : compare(v, best, t, t);
            if (best === null || (greatest ? k > 0 : k < 0)) best = v;
          }
          return best;
        };
      }
      case 'nullif': {
        const [at, bt] = [types[0] as SqlT, types[1] as SqlT];
        return (env) => {
          const x = a(env);
          const y = b(env);
          if (x === null) return null;
          if (y !== null && compare(x, y, at, bt) === 0) return null;
          return as(x, t);
        };
      }
    }
  }

  /**
   * A subquery compiled: `passing(env)` gives the environments of its FROM rows whose WHERE is
   * true (the output is evaluated on every row, so an error it could raise is always seen).
   */
  sub(sub: Sub, chain: Chain, frames: readonly Frame[]): { passing: (env: Env) => Env[]; out: Fn; id: Fn } {
    const items = subqueryFrom(sub, chain, frames);
    const inner = enter(chain, sub);
    const all: Frame[] = [{ items }, ...frames];
    const where = sub.where ? this.compile(sub.where, inner, all) : () => true;
    const out = this.column(inner, all, 0, sub.out.col);
    const id = this.column(inner, all, 0, 'id');
    const product = this.rowsOf(items);
    return {
      passing: (env) => {
        const kept: Env[] = [];
        for (const rows of product) {
          const innerEnv = [rows, ...env];
          const ok = where(innerEnv);
          out(innerEnv);
          if (ok === true) kept.push(innerEnv);
        }
        return kept;
      },
      out,
      id,
    };
  }

  scalar(sub: Sub, chain: Chain, frames: readonly Frame[]): Fn {
    const s = this.sub(sub, chain, frames);
    const spec = sub.out;
    if (spec.k === 'agg') {
      if (spec.fn === 'count') return (env) => BigInt(s.passing(env).filter((r) => s.out(r) !== null).length);
      const t = COLUMNS[sub.src.table][spec.col] as SqlT;
      const max = spec.fn === 'max';
      return (env) => {
        let best: V = null;
        for (const r of s.passing(env)) {
          const v = s.out(r);
          if (v === null) continue;
          const k = best === null ? 0 : compare(v, best, t, t);
          if (best === null || (max ? k > 0 : k < 0)) best = v;
        }
        return best;
      };
    }
    if (!spec.limit1) throw new Error('a scalar subquery selects an aggregate or one row');
    return (env) => {
      let first: Env | undefined;
      for (const r of s.passing(env)) {
        if (!first || (s.id(r) as bigint) < (s.id(first) as bigint)) first = r;
      }
      return first ? s.out(first) : null;
    };
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
  }
  // Objects and the like: never equal to a canonical value, so such a result is reported as a mismatch.
  return `unexpected ${typeof v}: ${String(v)}`;
}

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
  const id = (frames: EvalFrame[]) => frames[0]?.rows[0]?.id ?? null;
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
