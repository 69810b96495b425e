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
  type SqlT,
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

  /** An expression of any family in a receiver position. */
  private anyReceiver(levels: Levels, depth: number): fc.Arbitrary<Expr> {
    const options = FAMILIES.map((fam) => this.receiver(levels, fam, depth)).filter(
      (a): a is fc.Arbitrary<Expr> => a !== undefined,
    );
    return fc.oneof(...options);
  }

  /** A predicate in a receiver position (a WHERE clause, a select-list item). */
  private predicate(levels: Levels, depth: number): fc.Arbitrary<Expr> {
    const p = this.receiver(levels, 'bool', depth);
    if (!p) throw new Error('no predicate can be generated in this scope');
    return p;
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
    // A wrapped literal is an untyped parameter, like a db.literal() receiver.
    return this.f.wrappedLiterals && this.f.untypedLiterals ? fc.boolean() : fc.constant(false);
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

  /** An expression that is not a literal (undefined where only literals could stand). */
  private nonLiteral(levels: Levels, fam: Family, depth: number): fc.Arbitrary<Expr> | undefined {
    const key = `nonLiteral ${JSON.stringify([levels.map((l) => [l.src?.table, l.src?.alias, l.restricted, l.textOk]), fam, Math.max(depth, 0)])}`;
    if (this.memo.has(key)) return this.memo.get(key);
    const cols = this.columns(levels, fam);
    const options: { arbitrary: fc.Arbitrary<Expr>; weight: number }[] = [];
    if (cols.length) options.push(weighted(fc.constantFrom(...cols), 4));
    if (depth > 0) for (const c of this.composites(levels, fam, depth)) options.push(weighted(c, 1));
    const chain = chainOf(levels);
    const arb = options.length ? fc.oneof(...options).filter((e) => familyOf(typeOf(e, chain)) === fam) : undefined;
    if (arb) this.memo.set(key, arb);
    return arb;
  }

  /** An expression in a receiver position (`x` of `x.lt(...)`): a literal there is `db.literal(v)`. */
  private receiver(levels: Levels, fam: Family, depth: number): fc.Arbitrary<Expr> | undefined {
    return this.f.untypedLiterals ? this.expr(levels, fam, depth) : this.nonLiteral(levels, fam, depth);
  }

  /** An argument that gino-edge binds without a type (function arguments). */
  private untypedArg(levels: Levels, fam: Family, depth: number): fc.Arbitrary<Expr> | undefined {
    return this.receiver(levels, fam, depth);
  }

  /**
   * The literals that may stand as the argument of a method on `receiver`. gino-edge binds such a
   * value with the receiver's type; switches off for open bugs keep to what works today.
   */
  private literalsFor(receiver: Expr, chain: Chain, fam: Family, nonZero = false): fc.Arbitrary<Expr> | undefined {
    const base = nonZero ? this.nonZeroLiteral() : this.literal(fam);
    if (this.f.untypedLiterals && this.f.outOfTypeValues) return base;
    const t = ginoType(receiver, chain);
    if (t === 'untyped') return this.f.untypedLiterals ? base : undefined;
    if (this.f.outOfTypeValues) return base;
    return base.filter((e) => e.k === 'lit' && storable(e.v, t));
  }

  /** The argument of a method on `receiver`: any expression, or a literal it can take. */
  private argFor(receiver: Expr, levels: Levels, fam: Family, depth: number): fc.Arbitrary<Expr> {
    if (this.f.untypedLiterals && this.f.outOfTypeValues) return this.expr(levels, fam, depth);
    const options: { arbitrary: fc.Arbitrary<Expr>; weight: number }[] = [];
    const lits = this.literalsFor(receiver, chainOf(levels), fam);
    const rest = this.nonLiteral(levels, fam, depth);
    if (lits) options.push(weighted(lits, 2));
    if (rest) options.push(weighted(rest, 3));
    // Where neither can stand (an untyped receiver in a scope with no columns), compare it with itself.
    return options.length ? fc.oneof(...options) : fc.constant(receiver);
  }

  /** A receiver and what `make` builds from it (the arguments depend on the receiver's type). */
  private withReceiver<T>(
    levels: Levels,
    fam: Family,
    depth: number,
    make: (receiver: Expr) => fc.Arbitrary<T>,
  ): fc.Arbitrary<T> | undefined {
    const recv = this.receiver(levels, fam, depth);
    if (!recv) return undefined;
    if (this.f.untypedLiterals && this.f.outOfTypeValues) {
      // Arguments do not depend on the receiver: generated side by side, which shrinks better.
      const probe: Expr = { k: 'lit', v: null, wrap: false };
      return fc.tuple(recv, make(probe)).map(([r, built]) => rebind(built, probe, r));
    }
    return recv.chain(make);
  }

  private composites(levels: Levels, fam: Family, depth: number): fc.Arbitrary<Expr>[] {
    const { f } = this;
    const d = depth - 1;
    const chain = chainOf(levels);
    const out: fc.Arbitrary<Expr>[] = [];
    const push = (a: fc.Arbitrary<Expr> | undefined) => {
      if (a) out.push(a);
    };
    const recv = (fam2: Family) => this.receiver(levels, fam2, d);
    const operandFamilies: Family[] = f.booleanOperands ? ['num', 'text', 'bool'] : ['num', 'text'];
    if (fam === 'bool') {
      if (f.comparisons) {
        for (const of of operandFamilies) {
          push(
            this.withReceiver(levels, of, d, (l) =>
              fc.record({
                k: fc.constant('cmp' as const),
                op: fc.constantFrom<CmpOp>('=', '<>', '<', '<=', '>', '>='),
                l: fc.constant(l),
                r: this.argFor(l, levels, of, d),
              }),
            ),
          );
        }
      }
      const bools = recv('bool');
      if (f.andOr && bools) {
        out.push(
          fc.record({
            k: fc.constant('bool' as const),
            op: fc.constantFrom<'and' | 'or'>('and', 'or'),
            args: fc.array(bools, { minLength: 2, maxLength: 3 }),
          }),
        );
      }
      if (f.not && bools) out.push(fc.record({ k: fc.constant('not' as const), a: bools }));
      if (f.isNull) {
        const any = FAMILIES.map((x) => recv(x)).filter((a): a is fc.Arbitrary<Expr> => a !== undefined);
        if (any.length) {
          out.push(
            fc.record({
              k: fc.constant('isnull' as const),
              a: fc.oneof(...any),
              neg: fc.boolean(),
              spelling: f.eqNull ? fc.constantFrom<'method' | 'eq'>('method', 'eq') : fc.constant('method' as const),
            }),
          );
        }
      }
      if (f.inList) {
        for (const of of operandFamilies) {
          push(
            this.withReceiver(levels, of, d, (a) =>
              fc.record({
                k: fc.constant('in' as const),
                a: fc.constant(a),
                items: fc
                  .array(this.argFor(a, levels, of, d - 1), { minLength: f.emptyIn ? 0 : 1, maxLength: 4 })
                  .filter((items) => f.singleScalarIn || items.length !== 1 || items[0]?.k !== 'scalar'),
                neg: fc.boolean(),
              }),
            ),
          );
        }
      }
      if (f.between) {
        for (const of of operandFamilies) {
          push(
            this.withReceiver(levels, of, d, (a) =>
              fc.record({
                k: fc.constant('between' as const),
                a: fc.constant(a),
                lo: this.argFor(a, levels, of, d),
                hi: this.argFor(a, levels, of, d),
                neg: fc.boolean(),
              }),
            ),
          );
        }
      }
      const texts = recv('text');
      if (f.like && texts) {
        const ops: LikeOp[] = f.ilike ? ['LIKE', 'NOT LIKE', 'ILIKE', 'NOT ILIKE'] : ['LIKE', 'NOT LIKE'];
        out.push(
          fc.record({
            k: fc.constant('like' as const),
            op: fc.constantFrom(...ops),
            a: texts,
            // like() binds its pattern as text: any string literal is fine.
            pat: fc.oneof(weighted(this.pattern(), 3), weighted(this.expr(levels, 'text', d), 1)),
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
          const a = recv(of);
          if (s && a) out.push(fc.record({ k: fc.constant('inSub' as const), a, sub: s, neg: fc.boolean() }));
        }
      }
    }
    if (fam === 'num') {
      if (f.arithmetic) {
        push(
          this.withReceiver(levels, 'num', d, (l) =>
            fc.record({
              k: fc.constant('arith' as const),
              op: fc.constantFrom<ArithOp>('+', '-', '*'),
              l: fc.constant(l),
              r: this.argFor(l, levels, 'num', d),
            }),
          ),
        );
        if (f.division) {
          push(
            this.withReceiver(levels, 'num', d, (l) => {
              const divisor = this.literalsFor(l, chain, 'num', true);
              // Without a divisor gino-edge can take today, the receiver stands alone.
              return divisor
                ? fc.record({
                    k: fc.constant('arith' as const),
                    op: fc.constant('/' as const),
                    l: fc.constant(l),
                    r: divisor,
                  })
                : fc.constant(l);
            }),
          );
        }
      }
      const nums = recv('num');
      if (f.unaryMinus && nums) out.push(fc.record({ k: fc.constant('neg' as const), a: nums }));
      if (f.functions) {
        const n = this.untypedArg(levels, 'num', d);
        const t = this.untypedArg(levels, 'text', d);
        if (n)
          out.push(fc.record({ k: fc.constant('fn' as const), name: fc.constant('abs' as const), args: fc.tuple(n) }));
        if (t) {
          out.push(
            fc.record({ k: fc.constant('fn' as const), name: fc.constant('length' as const), args: fc.tuple(t) }),
          );
        }
      }
    }
    if (fam === 'text') {
      if (f.concat) {
        const intCols = this.columns(levels, 'num', 'int4');
        // concat() binds its parts as text: any string literal is fine there.
        const free = this.expr(levels, 'text', d);
        const part = intCols.length ? fc.oneof(weighted(free, 4), weighted(fc.constantFrom(...intCols), 1)) : free;
        const head = this.receiver(levels, 'text', d);
        const headPart =
          head && intCols.length ? fc.oneof(weighted(head, 4), weighted(fc.constantFrom(...intCols), 1)) : head;
        // An integer column may be one side of ||, not both (integer || integer has no operator).
        out.push(
          fc.record({ k: fc.constant('concat' as const), l: part, r: free, spelling: fc.constant('func' as const) }),
        );
        if (headPart) {
          out.push(
            fc.record({
              k: fc.constant('concat' as const),
              l: headPart,
              r: free,
              spelling: fc.constant('method' as const),
            }),
          );
        }
        const textCols = this.columns(levels, 'text');
        if (textCols.length) {
          out.push(
            fc.record({
              k: fc.constant('concat' as const),
              l: fc.constantFrom(...textCols),
              r: free,
              spelling: fc.constant('add' as const),
            }),
          );
        }
      }
      const t = this.untypedArg(levels, 'text', d);
      if (f.functions && t) {
        out.push(
          fc.record({
            k: fc.constant('fn' as const),
            name: fc.constantFrom<'lower' | 'upper'>('lower', 'upper'),
            args: fc.tuple(t),
          }),
        );
      }
    }
    const args = this.untypedArg(levels, fam, d);
    if (fam !== 'bool' && f.functions && args) {
      out.push(
        fc.record({
          k: fc.constant('fn' as const),
          name: fc.constantFrom<'coalesce' | 'greatest' | 'least'>('coalesce', 'greatest', 'least'),
          args: fc.array(args, { minLength: 2, maxLength: 3 }),
        }),
        fc.record({ k: fc.constant('fn' as const), name: fc.constant('nullif' as const), args: fc.tuple(args, args) }),
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
      // Mostly an operator at the top of the fragment: what its enclosing expression must parenthesise.
      const ops = d > 0 ? this.composites(inner, fam, d) : [];
      const body = ops.length
        ? fc.oneof(weighted(fc.oneof(...ops), 3), weighted(this.expr(inner, fam, d), 1))
        : this.expr(inner, fam, d);
      out.push(
        fc.record({
          k: fc.constant('text' as const),
          inner: body.filter((e) => familyOf(typeOf(e, chainOf(inner))) === fam || e.k === 'lit'),
        }),
      );
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
      const where = this.receiver(inner, 'bool', Math.min(depth - 1, 2));
      options.push(
        fc.record({
          src: fc.constant(src),
          out: fc.constantFrom(...outs),
          where: where ? fc.option(where, { nil: null, freq: 5 }) : fc.constant(null),
        }),
      );
    }
    return options.length ? fc.oneof(...options) : undefined;
  }

  // ---- statements -------------------------------------------------------------------------

  private top(table: TableName, textOk = true): Levels {
    return [{ src: { table, alias: null }, restricted: false, textOk }];
  }

  /** The scope of a DELETE or UPDATE: without subqueries while dmlSubqueries is off. */
  private dmlLevels(table: TableName): Levels {
    return this.f.dmlSubqueries ? this.top(table) : [{ src: { table, alias: null }, restricted: true, textOk: true }];
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
        preds: fc.array(this.predicate(this.top(table), 3), { minLength: count, maxLength: count }),
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
          .array(fc.record({ e: this.anyReceiver(this.top(table), 3), label }), { minLength: count, maxLength: count })
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
      items: fc.array(this.anyReceiver(levels, 3), { minLength: count, maxLength: count }),
    });
  }

  private orderItem(levels: Levels): fc.Arbitrary<OrderItem> {
    const e = this.anyReceiver(levels, 2);
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
        where: fc.option(this.predicate(this.top(table), 3), { nil: null, freq: 8 }),
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
        value: this.anyReceiver(levels, 2),
        where: fc.option(this.predicate(levels, 3), { nil: null, freq: 8 }),
      });
    });
  }

  dml(): fc.Arbitrary<Statement> {
    const where = (table: TableName) => fc.option(this.predicate(this.dmlLevels(table), 3), { nil: null, freq: 10 });
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
      options.push(
        weighted(
          this.perTable((table) => {
            const chain = chainOf(this.top(table));
            const levels = this.dmlLevels(table);
            // SET x = value: gino-edge binds a plain value with the column's type.
            const column = (col: string): Expr => ({ k: 'col', up: 0, col });
            const intValue = this.argFor(column('x'), levels, 'num', 2).filter((e) =>
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
                value: this.argFor(column('s'), levels, 'text', 2),
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

/**
 * The type gino-edge gives an expression (the type a value compared with it is bound as):
 * a column's own, an operator's left operand's, `first` for abs/coalesce; untyped elsewhere.
 */
function ginoType(e: Expr, chain: Chain): SqlT | 'untyped' {
  switch (e.k) {
    case 'col':
      return typeOf(e, chain);
    case 'arith':
      return ginoType(e.l, chain);
    case 'neg':
    case 'label':
      return ginoType(e.a, chain);
    case 'concat':
      return 'text';
    case 'fn':
      if (e.name === 'lower' || e.name === 'upper') return 'text';
      if (e.name === 'length') return 'int4';
      if (e.name === 'abs' || e.name === 'coalesce') return e.args[0] ? ginoType(e.args[0], chain) : 'untyped';
      return 'untyped';
    case 'cmp':
    case 'bool':
    case 'not':
    case 'isnull':
    case 'in':
    case 'inSub':
    case 'between':
    case 'like':
    case 'exists':
      return 'bool';
    case 'lit':
    case 'text':
    case 'scalar':
      return 'untyped';
  }
}

/** Whether gino-edge's type `t` takes the value as it is today. */
function storable(v: unknown, t: SqlT): boolean {
  if (v === null) return true;
  switch (t) {
    case 'int4':
      return (
        (typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647) ||
        (typeof v === 'bigint' && v >= -2147483648n && v <= 2147483647n)
      );
    case 'float8':
      return typeof v === 'number';
    case 'text':
      return typeof v === 'string';
    case 'bool':
      return typeof v === 'boolean';
    case 'int8':
    case 'null':
      return false;
  }
}

/** `built` with each property that is `probe` replaced by `value`. */
function rebind<T>(built: T, probe: Expr, value: Expr): T {
  if (built === (probe as unknown)) return value as unknown as T;
  if (built === null || typeof built !== 'object') return built;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(built)) out[k] = v === probe ? value : v;
  return out as T;
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
  if (e.k === 'arith' || e.k === 'cmp' || e.k === 'concat') return { ...e, l: { k: 'label', a: e.l, name: 'o_in' } };
  if (e.k === 'fn' && e.args[0]) {
    return { ...e, args: [{ k: 'label', a: e.args[0], name: 'o_in' }, ...e.args.slice(1)] };
  }
  // Leaves and the other operators stay unlabelled: 'top' covers them.
  return e;
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
