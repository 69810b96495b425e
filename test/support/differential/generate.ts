/**
 * fast-check arbitraries of the neutral AST. Generation is type-directed (a family per position)
 * and scope-aware: a column reference only names a table some enclosing SELECT has, a text fragment
 * only names its own SELECT's source, and a subquery over the enclosing statement's own table
 * (unaliased) names nothing else, so every tree is valid SQL with one meaning.
 */
import fc from 'fast-check';
import {
  type ArithOp,
  type Chain,
  type CmpOp,
  COLUMNS,
  type Expr,
  type Family,
  familyOf,
  type LikeOp,
  type OrderItem,
  type Source,
  type Statement,
  type Sub,
  type SubOut,
  type TableName,
  typeOf,
  type ValueItem,
} from './ast.js';
import type { Features } from './features.js';

/** One enclosing SELECT while generating: its source, and what may appear inside it. */
interface Level {
  readonly src: Source | null;
  /** A subquery over the enclosing statement's own table: only its own columns, no subqueries. */
  readonly restricted: boolean;
  /** Text fragments may name this level's source (it is sure to be in this SELECT's FROM). */
  readonly textOk: boolean;
}
type Levels = readonly Level[];

type Purpose = { readonly k: 'exists' } | { readonly k: 'in' | 'scalar'; readonly fam: Family };

const TABLES: readonly TableName[] = ['dt_a', 'dt_b'];
const FAMILIES: readonly Family[] = ['num', 'text', 'bool'];
/** Strings come from a few ASCII letters and digits, where C collation order is byte order. */
export const STRING_UNITS = ['a', 'b', 'z', '0', '1', '9'] as const;
const PLACEHOLDER = '?';
const MAX_LEVELS = 3;

const chainOf = (levels: Levels): Chain => levels.map((l) => l.src);
const weighted = <T>(arbitrary: fc.Arbitrary<T>, weight: number) => ({ arbitrary, weight });

export class Generator {
  private readonly memo = new Map<string, fc.Arbitrary<Expr>>();
  constructor(readonly f: Features) {}

  /** An expression of family `fam` in scope `levels`, at most `depth` operators deep. */
  expr(levels: Levels, fam: Family, depth: number): fc.Arbitrary<Expr> {
    const key = JSON.stringify([
      levels.map((l) => [l.src?.table, l.src?.alias, l.restricted, l.textOk]),
      fam,
      Math.max(depth, 0),
    ]);
    const known = this.memo.get(key);
    if (known) return known;
    const leaves = this.leaves(levels, fam);
    const composites = depth > 0 ? this.composites(levels, fam, depth) : [];
    const chain = chainOf(levels);
    const arb = (
      composites.length ? fc.oneof(weighted(leaves, 4), ...composites.map((c) => weighted(c, 1))) : leaves
    ).filter((e) => e.k === 'lit' || familyOf(typeOf(e, chain)) === fam);
    this.memo.set(key, arb);
    return arb;
  }

  private anyFamily(levels: Levels, depth: number): fc.Arbitrary<Expr> {
    return fc.oneof(...FAMILIES.map((fam) => this.expr(levels, fam, depth)));
  }

  private columns(levels: Levels, fam: Family, only?: 'int4'): Expr[] {
    const out: Expr[] = [];
    const ups = levels[0]?.restricted || !this.f.correlation ? [0] : levels.map((_, i) => i);
    for (const up of ups) {
      const src = levels[up]?.src;
      if (!src) continue;
      for (const [col, t] of Object.entries(COLUMNS[src.table])) {
        if (familyOf(t) === fam && (!only || t === only)) out.push({ k: 'col', up, col });
      }
    }
    return out;
  }

  private leaves(levels: Levels, fam: Family): fc.Arbitrary<Expr> {
    const cols = this.columns(levels, fam);
    const lit = this.literal(fam);
    return cols.length ? fc.oneof(weighted(fc.constantFrom(...cols), 3), weighted(lit, 2)) : lit;
  }

  private wrap(): fc.Arbitrary<boolean> {
    return this.f.wrappedLiterals ? fc.boolean() : fc.constant(false);
  }

  /** A literal of the family: numbers of every JavaScript kind, short strings, booleans, null. */
  literal(fam: Family): fc.Arbitrary<Expr> {
    const { f } = this;
    const values: { arbitrary: fc.Arbitrary<number | bigint | string | boolean | null>; weight: number }[] = [];
    if (fam === 'num') {
      values.push(weighted(fc.integer({ min: -10, max: 10 }), 6), weighted(fc.integer({ min: -1000, max: 1000 }), 2));
      if (f.bigLiterals) {
        values.push(
          weighted(
            fc.constantFrom(
              2147483647,
              -2147483648,
              2147483648,
              -2147483649,
              3000000000,
              -3000000000,
              2 ** 40,
              2 ** 60,
            ),
            1,
          ),
        );
      }
      if (f.fractionLiterals) {
        values.push(
          weighted(
            fc.oneof(
              fc.integer({ min: -40, max: 40 }).map((n) => n + 0.5),
              fc.constantFrom(0.1, -0.25, 2.75, 1e-3),
            ),
            2,
          ),
        );
      }
      if (f.bigintLiterals) {
        values.push(
          weighted(fc.oneof(fc.bigInt({ min: -10n, max: 10n }), fc.constantFrom(3000000000n, -2147483649n)), 1),
        );
      }
      if (f.nonFiniteLiterals) values.push(weighted(fc.constantFrom(Number.NaN, Infinity, -Infinity), 1));
    } else if (fam === 'text') {
      values.push(weighted(fc.string({ unit: fc.constantFrom(...STRING_UNITS), maxLength: 3 }), 1));
    } else {
      values.push(weighted(fc.boolean(), 1));
    }
    const value = fc.oneof(...values);
    const withNull = f.nullLiterals ? fc.oneof(weighted(value, 9), weighted(fc.constant(null), 1)) : value;
    return fc.record({ k: fc.constant('lit' as const), v: withNull, wrap: this.wrap() });
  }

  private pattern(): fc.Arbitrary<Expr> {
    return fc.record({
      k: fc.constant('lit' as const),
      v: fc.string({ unit: fc.constantFrom('a', 'b', '1', '%', '_'), maxLength: 4 }),
      wrap: this.wrap(),
    });
  }

  private nonZeroLiteral(): fc.Arbitrary<Expr> {
    return this.literal('num').filter((e) => e.k === 'lit' && e.v !== null && e.v !== 0 && e.v !== 0n);
  }

  private composites(levels: Levels, fam: Family, depth: number): fc.Arbitrary<Expr>[] {
    const { f } = this;
    const d = depth - 1;
    const sub = (fam2: Family) => this.expr(levels, fam2, d);
    const out: fc.Arbitrary<Expr>[] = [];
    const operandFamilies: Family[] = f.booleanOperands ? ['num', 'text', 'bool'] : ['num', 'text'];
    if (fam === 'bool') {
      if (f.comparisons) {
        for (const of of operandFamilies) {
          out.push(
            fc.record({
              k: fc.constant('cmp' as const),
              op: fc.constantFrom<CmpOp>('=', '<>', '<', '<=', '>', '>='),
              l: sub(of),
              r: sub(of),
            }),
          );
        }
      }
      if (f.andOr) {
        out.push(
          fc.record({
            k: fc.constant('bool' as const),
            op: fc.constantFrom<'and' | 'or'>('and', 'or'),
            args: fc.array(sub('bool'), { minLength: 2, maxLength: 3 }),
          }),
        );
      }
      if (f.not) out.push(fc.record({ k: fc.constant('not' as const), a: sub('bool') }));
      if (f.isNull) {
        out.push(
          fc.record({
            k: fc.constant('isnull' as const),
            a: this.anyFamily(levels, d),
            neg: fc.boolean(),
            spelling: f.eqNull ? fc.constantFrom<'method' | 'eq'>('method', 'eq') : fc.constant('method' as const),
          }),
        );
      }
      if (f.inList) {
        for (const of of operandFamilies) {
          out.push(
            fc.record({
              k: fc.constant('in' as const),
              a: sub(of),
              items: fc.array(this.expr(levels, of, d - 1), { minLength: f.emptyIn ? 0 : 1, maxLength: 4 }),
              neg: fc.boolean(),
            }),
          );
        }
      }
      if (f.between) {
        for (const of of operandFamilies) {
          out.push(
            fc.record({ k: fc.constant('between' as const), a: sub(of), lo: sub(of), hi: sub(of), neg: fc.boolean() }),
          );
        }
      }
      if (f.like) {
        const ops: LikeOp[] = f.ilike ? ['LIKE', 'NOT LIKE', 'ILIKE', 'NOT ILIKE'] : ['LIKE', 'NOT LIKE'];
        out.push(
          fc.record({
            k: fc.constant('like' as const),
            op: fc.constantFrom(...ops),
            a: sub('text'),
            pat: fc.oneof(weighted(this.pattern(), 3), weighted(sub('text'), 1)),
          }),
        );
      }
      const exists = this.subquery(levels, { k: 'exists' }, depth);
      if (f.exists && exists) {
        out.push(
          fc.record({
            k: fc.constant('exists' as const),
            sub: exists,
            spelling: fc.constantFrom<'db' | 'method'>('db', 'method'),
          }),
        );
      }
      if (f.inSubquery) {
        for (const of of operandFamilies) {
          const s = this.subquery(levels, { k: 'in', fam: of }, depth);
          if (s) out.push(fc.record({ k: fc.constant('inSub' as const), a: sub(of), sub: s, neg: fc.boolean() }));
        }
      }
    }
    if (fam === 'num') {
      if (f.arithmetic) {
        out.push(
          fc.record({
            k: fc.constant('arith' as const),
            op: fc.constantFrom<ArithOp>('+', '-', '*'),
            l: sub('num'),
            r: sub('num'),
          }),
        );
        if (f.division) {
          out.push(
            fc.record({
              k: fc.constant('arith' as const),
              op: fc.constant('/' as const),
              l: sub('num'),
              r: this.nonZeroLiteral(),
            }),
          );
        }
      }
      if (f.unaryMinus) out.push(fc.record({ k: fc.constant('neg' as const), a: sub('num') }));
      if (f.functions) {
        out.push(
          fc.record({ k: fc.constant('fn' as const), name: fc.constant('abs' as const), args: fc.tuple(sub('num')) }),
          fc.record({
            k: fc.constant('fn' as const),
            name: fc.constant('length' as const),
            args: fc.tuple(sub('text')),
          }),
        );
      }
    }
    if (fam === 'text') {
      if (f.concat) {
        const intCols = this.columns(levels, 'num', 'int4');
        const part = intCols.length
          ? fc.oneof(weighted(sub('text'), 4), weighted(fc.constantFrom(...intCols), 1))
          : sub('text');
        const textCols = this.columns(levels, 'text');
        out.push(
          fc.record({
            k: fc.constant('concat' as const),
            l: part,
            r: part,
            spelling: fc.constantFrom<'method' | 'func'>('method', 'func'),
          }),
        );
        if (textCols.length) {
          out.push(
            fc.record({
              k: fc.constant('concat' as const),
              l: fc.constantFrom(...textCols),
              r: sub('text'),
              spelling: fc.constant('add' as const),
            }),
          );
        }
      }
      if (f.functions) {
        out.push(
          fc.record({
            k: fc.constant('fn' as const),
            name: fc.constantFrom<'lower' | 'upper'>('lower', 'upper'),
            args: fc.tuple(sub('text')),
          }),
        );
      }
    }
    if (fam !== 'bool' && f.functions) {
      out.push(
        fc.record({
          k: fc.constant('fn' as const),
          name: fc.constantFrom<'coalesce' | 'greatest' | 'least'>('coalesce', 'greatest', 'least'),
          args: fc.array(sub(fam), { minLength: 2, maxLength: 3 }),
        }),
        fc.record({
          k: fc.constant('fn' as const),
          name: fc.constant('nullif' as const),
          args: fc.tuple(sub(fam), sub(fam)),
        }),
      );
    }
    const scalar = this.subquery(levels, { k: 'scalar', fam }, depth);
    if (this.f.scalarSubqueries && scalar) {
      out.push(
        fc.record({
          k: fc.constant('scalar' as const),
          sub: scalar,
          spelling: fc.constantFrom<'asScalar' | 'select'>('asScalar', 'select'),
        }),
      );
    }
    const top = levels[0];
    if (f.textFragments && top?.src && top.textOk) {
      const inner: Levels = [{ src: top.src, restricted: true, textOk: false }];
      out.push(fc.record({ k: fc.constant('text' as const), inner: this.expr(inner, fam, d) }));
    }
    return out;
  }

  /** A subquery for `purpose` inside `levels`, or undefined where none may stand. */
  private subquery(levels: Levels, purpose: Purpose, depth: number): fc.Arbitrary<Sub> | undefined {
    const { f } = this;
    if (levels[0]?.restricted || levels.length >= MAX_LEVELS) return undefined;
    const sources: { src: Source; restricted: boolean }[] = [];
    const unaliased = (t: TableName) => levels.some((l) => l.src?.table === t && l.src.alias === null);
    for (const table of TABLES) {
      if (f.aliasSubqueries) sources.push({ src: { table, alias: PLACEHOLDER }, restricted: false });
      if (f.otherTableSubqueries && !unaliased(table)) sources.push({ src: { table, alias: null }, restricted: false });
      if (f.selfSubqueries && unaliased(table)) sources.push({ src: { table, alias: null }, restricted: true });
    }
    const options: fc.Arbitrary<Sub>[] = [];
    for (const { src, restricted } of sources) {
      const outs = subOutputs(src.table, purpose);
      if (!outs.length) continue;
      const inner: Levels = [{ src, restricted, textOk: true }, ...levels];
      options.push(
        fc.record({
          src: fc.constant(src),
          out: fc.constantFrom(...outs),
          where: fc.option(this.expr(inner, 'bool', Math.min(depth - 1, 2)), { nil: null, freq: 5 }),
        }),
      );
    }
    return options.length ? fc.oneof(...options) : undefined;
  }

  // ---- statements -------------------------------------------------------------------------

  private top(table: TableName, textOk = true): Levels {
    return [{ src: { table, alias: null }, restricted: false, textOk }];
  }

  private perTable<T>(make: (table: TableName) => fc.Arbitrary<T>): fc.Arbitrary<T> {
    return fc.oneof(weighted(make('dt_a'), 3), weighted(make('dt_b'), 1));
  }

  /** `count` predicates over a table, evaluated on every row in one SELECT. */
  predicates(count: number): fc.Arbitrary<Statement> {
    return this.perTable((table) =>
      fc.record({
        k: fc.constant('predicates' as const),
        table: fc.constant(table),
        preds: fc.array(this.expr(this.top(table), 'bool', 3), { minLength: 1, maxLength: count }),
      }),
    );
  }

  values(count: number): fc.Arbitrary<Statement> {
    const label = this.f.duplicateKeys
      ? fc.option(fc.constantFrom('k', 'x', 'id', 's', 'v'), { nil: null })
      : fc.constant(null);
    return this.perTable((table) =>
      fc.record({
        k: fc.constant('values' as const),
        table: fc.constant(table),
        items: fc
          .array(fc.record({ e: this.anyFamily(this.top(table), 3), label }), { minLength: 1, maxLength: count })
          .map((items) =>
            this.f.duplicateKeys ? items : items.map((it, i): ValueItem => ({ e: it.e, label: `v${i}` })),
          ),
      }),
    );
  }

  constSelect(count: number): fc.Arbitrary<Statement> {
    const levels: Levels = [{ src: null, restricted: false, textOk: false }];
    return fc.record({
      k: fc.constant('const' as const),
      items: fc.array(this.anyFamily(levels, 3), { minLength: 1, maxLength: count }),
    });
  }

  private orderItem(levels: Levels): fc.Arbitrary<OrderItem> {
    const e = this.anyFamily(levels, 2);
    const labelled = this.f.orderByLabels
      ? fc.tuple(e, fc.constantFrom('none', 'top', 'inner')).map(([x, where]) => labelIn(x, where))
      : e;
    return fc.record({
      e: labelled,
      dir: fc.constantFrom<'asc' | 'desc' | null>(null, 'asc', 'desc'),
      nulls: fc.constantFrom<'first' | 'last' | null>(null, 'first', 'last'),
    });
  }

  query(): fc.Arbitrary<Statement> {
    const n = this.f.limitOffset ? fc.option(fc.integer({ min: 0, max: 12 }), { nil: null }) : fc.constant(null);
    return this.perTable((table) =>
      fc.record({
        k: fc.constant('query' as const),
        table: fc.constant(table),
        shape: fc.constantFrom<'model' | 'select'>('model', 'select'),
        where: fc.option(this.expr(this.top(table), 'bool', 3), { nil: null, freq: 8 }),
        order: this.f.orderBy ? fc.array(this.orderItem(this.top(table)), { maxLength: 2 }) : fc.constant([]),
        limit: n,
        offset: n,
      }),
    );
  }

  unanchored(): fc.Arbitrary<Statement> {
    return this.perTable((table) => {
      const levels = this.top(table, false);
      return fc.record({
        k: fc.constant('unanchored' as const),
        table: fc.constant(table),
        value: this.anyFamily(levels, 2),
        where: fc.option(this.expr(levels, 'bool', 3), { nil: null, freq: 8 }),
      });
    });
  }

  dml(): fc.Arbitrary<Statement> {
    const where = (table: TableName) => fc.option(this.expr(this.top(table), 'bool', 3), { nil: null, freq: 10 });
    const options: { arbitrary: fc.Arbitrary<Statement>; weight: number }[] = [];
    if (this.f.deletes) {
      options.push(
        weighted(
          this.perTable((table) =>
            fc.record({ k: fc.constant('delete' as const), table: fc.constant(table), where: where(table) }),
          ),
          1,
        ),
      );
    }
    if (this.f.updates) {
      const valueLevels = (table: TableName): Levels =>
        this.f.updateSubqueries ? this.top(table) : [{ ...this.top(table)[0], restricted: true } as Level];
      options.push(
        weighted(
          this.perTable((table) => {
            const chain = chainOf(this.top(table));
            const intValue = this.expr(valueLevels(table), 'num', 2).filter((e) =>
              ['int4', 'null'].includes(typeOf(e, chain)),
            );
            return fc.oneof(
              fc.record({
                k: fc.constant('update' as const),
                table: fc.constant(table),
                col: fc.constant('x' as const),
                value: intValue,
                where: where(table),
              }),
              fc.record({
                k: fc.constant('update' as const),
                table: fc.constant(table),
                col: fc.constant('s' as const),
                value: this.expr(valueLevels(table), 'text', 2),
                where: where(table),
              }),
            );
          }),
          1,
        ),
      );
    }
    return fc.oneof(...options);
  }
}

/** Outputs a subquery may select for a purpose, over a table. */
function subOutputs(table: TableName, purpose: Purpose): SubOut[] {
  if (purpose.k === 'exists') return [{ k: 'col', col: 'id', limit1: false }];
  const cols = Object.entries(COLUMNS[table]).filter(([, t]) => familyOf(t) === purpose.fam);
  if (purpose.k === 'in') return cols.map(([col]) => ({ k: 'col', col, limit1: false }));
  const out: SubOut[] = cols.map(([col]) => ({ k: 'col', col, limit1: true }));
  if (purpose.fam !== 'bool') {
    for (const [col] of cols) out.push({ k: 'agg', fn: 'max', col }, { k: 'agg', fn: 'min', col });
  }
  if (purpose.fam === 'num') out.push({ k: 'agg', fn: 'count', col: 'id' });
  return out;
}

/** Put a label on an ORDER BY expression: around it, or around its first operand. */
function labelIn(e: Expr, where: string): Expr {
  if (where === 'top') return { k: 'label', a: e, name: 'o_top' };
  if (where !== 'inner') return e;
  switch (e.k) {
    case 'arith':
    case 'cmp':
    case 'concat':
      return { ...e, l: { k: 'label', a: e.l, name: 'o_in' } };
    case 'fn':
      return e.args.length
        ? { ...e, args: [{ k: 'label', a: e.args[0] as Expr, name: 'o_in' }, ...e.args.slice(1)] }
        : e;
    default:
      return e;
  }
}

/**
 * Give every generated alias its name (`a1`, `b2`, ...), unique within the statement. A plain
 * structural copy: the AST holds nothing but plain objects, arrays and primitives.
 */
export function finalize<T>(value: T): T {
  const counts: Record<TableName, number> = { dt_a: 0, dt_b: 0 };
  const visit = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(visit);
    if (v === null || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = visit(x);
    const src = (v as { src?: Source }).src;
    if ('out' in v && src && src.alias === PLACEHOLDER) {
      counts[src.table] += 1;
      out.src = { table: src.table, alias: `${src.table === 'dt_a' ? 'a' : 'b'}${counts[src.table]}` };
    }
    return out;
  };
  return visit(value) as T;
}
