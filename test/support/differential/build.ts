/**
 * The AST turned into gino-edge public-API calls (`A.x.lt(...)`, `db.and`, `db.select`, `db.exists`,
 * `Model.alias`, `Model.delete.where`, ...), together with the same calls as TypeScript source, so
 * that a failure shows the expression a user would write.
 */
import type { Delete, Expr as GExpr, Gino, Select, Update } from '../../../src/index.js';
import type { Chain, CmpOp, Expr, LitValue, OrderItem, Source, Statement, Sub } from './ast.js';
import { fragmentSql } from './oracle-sql.js';
import type { Tables } from './schema.js';

type Columns = Record<string, GExpr>;

/** A built piece: the gino-edge value and its source code. */
interface Piece<T = unknown> {
  readonly value: T;
  readonly code: string;
}

/** What the tester runs through gino-edge, and how rows become canonical values. */
export interface BuiltStatement {
  readonly statement: Select<unknown, unknown> | Delete<unknown> | Update<unknown>;
  /** TypeScript for the statement, with the aliases it declares. */
  readonly code: string;
  /** How many result columns each row must keep (the anchor id and the listed expressions). */
  readonly width: number;
  /** Rows are model instances: read `id` from each. */
  readonly instances: boolean;
  /**
   * Two result columns get the same key by GINO's naming (attribute key, label, `<func>_<n>`,
   * `anon_<n>`): gino-edge may keep both under new keys, or refuse the statement before any I/O.
   */
  readonly repeatsKeys: boolean;
}

/** The result keys GINO gives a select list: a column its attribute key, a label its name, else numbered. */
function resultKeys(items: readonly Expr[]): string[] {
  const counters = new Map<string, number>();
  return items.map((e) => {
    if (e.k === 'col') return e.col;
    if (e.k === 'label') return e.name;
    const base = e.k === 'fn' ? e.name : 'anon';
    const n = (counters.get(base) ?? 0) + 1;
    counters.set(base, n);
    return `${base}_${n}`;
  });
}

const METHOD: Record<CmpOp, 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge'> = {
  '=': 'eq',
  '<>': 'ne',
  '<': 'lt',
  '<=': 'le',
  '>': 'gt',
  '>=': 'ge',
};

/** A value item as gino-edge sees it: labelled, or the bare expression. */
function labelled(it: { e: Expr; label: string | null }): Expr {
  return it.label ? { k: 'label', a: it.e, name: it.label } : it.e;
}

export function literalCode(v: LitValue): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
    return Object.is(v, -0) ? '-0' : String(v);
  }
  return JSON.stringify(v);
}

// Method calls on built pieces: the API's methods are looked up by name, like `A.x[method](v)`.
type Callable = Record<string, (...args: unknown[]) => unknown>;

export class Builder {
  private readonly aliases = new Map<string, Columns>();
  private readonly declarations: string[] = [];

  constructor(
    private readonly db: Gino,
    private readonly tables: Tables,
  ) {}

  private model(table: string): Columns & { alias(name: string): Columns } {
    return (table === 'dt_a' ? this.tables.A : this.tables.B) as unknown as Columns & {
      alias(name: string): Columns;
    };
  }

  private modelCode(table: string): string {
    return table === 'dt_a' ? 'A' : 'B';
  }

  source(src: Source): Piece<Columns> {
    if (src.alias === null) return { value: this.model(src.table), code: this.modelCode(src.table) };
    let alias = this.aliases.get(src.alias);
    if (!alias) {
      alias = this.model(src.table).alias(src.alias);
      this.aliases.set(src.alias, alias);
      this.declarations.push(`const ${src.alias} = ${this.modelCode(src.table)}.alias('${src.alias}');`);
    }
    return { value: alias, code: src.alias };
  }

  private call(target: Piece, method: string, args: readonly Piece[]): Piece<GExpr> {
    const fn = (target.value as Callable)[method];
    if (typeof fn !== 'function') throw new Error(`${target.code} has no method ${method}`);
    return {
      value: fn.apply(
        target.value,
        args.map((a) => a.value),
      ) as GExpr,
      code: `${target.code}.${method}(${args.map((a) => a.code).join(', ')})`,
    };
  }

  private dbCall(name: string, args: readonly Piece[]): Piece<GExpr> {
    return this.call({ value: this.db, code: 'db' }, name, args);
  }

  /** An expression in a receiver position: a literal becomes `db.literal(v)`. */
  receiver(e: Expr, chain: Chain): Piece<GExpr> {
    if (e.k === 'lit') return this.dbCall('literal', [{ value: e.v, code: literalCode(e.v) }]);
    if (e.k === 'scalar') return this.call(this.sub(e.sub, chain), 'asScalar', []);
    return this.build(e, chain);
  }

  /** An expression as a method argument: a literal stays a plain value unless wrapped. */
  operand(e: Expr, chain: Chain): Piece {
    if (e.k === 'lit' && !e.wrap) return { value: e.v, code: literalCode(e.v) };
    if (e.k === 'scalar' && e.spelling === 'select') return this.sub(e.sub, chain);
    return this.receiver(e, chain);
  }

  build(e: Expr, chain: Chain): Piece<GExpr> {
    const rec = (x: Expr) => this.receiver(x, chain);
    const arg = (x: Expr) => this.operand(x, chain);
    switch (e.k) {
      case 'lit':
        return rec(e);
      case 'col': {
        const src = chain[e.up];
        if (!src) throw new Error(`scope ${e.up} has no source`);
        const owner = this.source(src);
        const column = owner.value[e.col];
        if (!column) throw new Error(`${owner.code} has no column ${e.col}`);
        return { value: column, code: `${owner.code}.${e.col}` };
      }
      case 'cmp': {
        // `eq(null)` means IS NULL in GINO; a NULL compared with `=` is written db.literal(null).
        const plainNull = e.r.k === 'lit' && e.r.v === null && !e.r.wrap && (e.op === '=' || e.op === '<>');
        const right = plainNull ? this.dbCall('literal', [{ value: null, code: 'null' }]) : arg(e.r);
        return this.call(rec(e.l), METHOD[e.op], [right]);
      }
      case 'bool':
        return this.dbCall(e.op, e.args.map(rec));
      case 'not':
        return this.dbCall('not', [rec(e.a)]);
      case 'isnull':
        if (e.spelling === 'eq') return this.call(rec(e.a), e.neg ? 'ne' : 'eq', [{ value: null, code: 'null' }]);
        return this.call(rec(e.a), e.neg ? 'isNotNull' : 'isNull', []);
      case 'in': {
        const items = e.items.map(arg);
        const list = { value: items.map((i) => i.value), code: `[${items.map((i) => i.code).join(', ')}]` };
        return this.call(rec(e.a), e.neg ? 'notIn' : 'in', [list]);
      }
      case 'inSub':
        return this.call(rec(e.a), e.neg ? 'notIn' : 'in', [this.sub(e.sub, chain)]);
      case 'between':
        return this.call(rec(e.a), e.neg ? 'notBetween' : 'between', [arg(e.lo), arg(e.hi)]);
      case 'like': {
        const method = { LIKE: 'like', ILIKE: 'ilike', 'NOT LIKE': 'notLike', 'NOT ILIKE': 'notIlike' }[e.op];
        return this.call(rec(e.a), method, [arg(e.pat)]);
      }
      case 'arith': {
        const method = { '+': 'add', '-': 'sub', '*': 'mul', '/': 'div' }[e.op];
        return this.call(rec(e.l), method, [arg(e.r)]);
      }
      case 'neg':
        return this.call(rec(e.a), 'neg', []);
      case 'concat':
        if (e.spelling === 'func') return this.dbCall('concat', [arg(e.l), arg(e.r)]);
        return this.call(rec(e.l), e.spelling === 'add' ? 'add' : 'concat', [arg(e.r)]);
      case 'fn': {
        const fn = (this.db.func as unknown as Callable)[e.name] as Callable[string];
        const args = e.args.map(arg);
        return {
          value: fn(...args.map((a) => a.value)) as GExpr,
          code: `db.func.${e.name}(${args.map((a) => a.code).join(', ')})`,
        };
      }
      case 'text': {
        const src = chain[0];
        if (!src) throw new Error('a text fragment needs a source');
        const { sql, params } = fragmentSql(e.inner, src);
        const args: Piece[] = [{ value: sql, code: JSON.stringify(sql) }];
        if (params.length)
          args.push({ value: params, code: `[${params.map((p) => literalCode(p as LitValue)).join(', ')}]` });
        return this.dbCall('text', args);
      }
      case 'exists':
        if (e.spelling === 'method') return this.call(this.sub(e.sub, chain), 'exists', []);
        return this.dbCall('exists', [this.sub(e.sub, chain)]);
      case 'scalar':
        return rec(e);
      case 'label':
        return this.call(rec(e.a), 'label', [{ value: e.name, code: `'${e.name}'` }]);
    }
  }

  sub(sub: Sub, chain: Chain): Piece<Select<unknown, unknown>> {
    const inner: Chain = [sub.src, ...chain];
    const owner = this.source(sub.src);
    const column: Piece = { value: owner.value[sub.out.col], code: `${owner.code}.${sub.out.col}` };
    let out: Piece = column;
    if (sub.out.k === 'agg') {
      const fn = (this.db.func as unknown as Callable)[sub.out.fn] as Callable[string];
      out = { value: fn(column.value), code: `db.func.${sub.out.fn}(${column.code})` };
    }
    let sel = this.dbCall('select', [{ value: [out.value], code: `[${out.code}]` }]) as Piece;
    if (sub.where) sel = this.call(sel, 'where', [this.receiver(sub.where, inner)]);
    if (sub.out.k === 'col' && sub.out.limit1) {
      sel = this.call(sel, 'orderBy', [{ value: owner.value.id, code: `${owner.code}.id` }]);
      sel = this.call(sel, 'limit', [{ value: 1, code: '1' }]);
    }
    return sel as Piece<Select<unknown, unknown>>;
  }

  private order(item: OrderItem, chain: Chain): Piece {
    let p: Piece = this.receiver(item.e, chain);
    if (item.dir) p = this.call(p, item.dir, []);
    if (item.nulls) p = this.call(p, item.nulls === 'first' ? 'nullsFirst' : 'nullsLast', []);
    return p;
  }

  statement(s: Statement): BuiltStatement {
    const piece = this.statementPiece(s);
    const width =
      s.k === 'predicates'
        ? s.preds.length + 1
        : s.k === 'values'
          ? s.items.length + 1
          : s.k === 'const'
            ? s.items.length
            : s.k === 'update'
              ? 2
              : 1;
    return {
      statement: piece.value as BuiltStatement['statement'],
      code: [...this.declarations, piece.code].join('\n'),
      width,
      instances: s.k === 'query' && s.shape === 'model',
      repeatsKeys:
        s.k === 'values' &&
        new Set(resultKeys([{ k: 'col', up: 0, col: 'id' }, ...s.items.map((it) => labelled(it))])).size !==
          s.items.length + 1,
    };
  }

  private list(items: readonly Piece[]): Piece {
    return { value: items.map((i) => i.value), code: `[${items.map((i) => i.code).join(', ')}]` };
  }

  private statementPiece(s: Statement): Piece {
    if (s.k === 'const') {
      const items = s.items.map((e, i) =>
        this.call(this.receiver(e, [null]), 'label', [{ value: `c${i}`, code: `'c${i}'` }]),
      );
      return this.dbCall('select', [this.list(items)]);
    }
    const chain: Chain = [{ table: s.table, alias: null }];
    const T = this.source({ table: s.table, alias: null });
    const id: Piece = { value: T.value.id, code: `${T.code}.id` };
    const where = (p: Piece, w: Expr | null) => (w ? this.call(p, 'where', [this.receiver(w, chain)]) : p);
    switch (s.k) {
      case 'predicates': {
        const preds = s.preds.map((e, i) =>
          this.call(this.receiver(e, chain), 'label', [{ value: `c${i}`, code: `'c${i}'` }]),
        );
        return this.call(this.dbCall('select', [this.list([id, ...preds])]), 'orderBy', [id]);
      }
      case 'values': {
        const items = s.items.map((it) => {
          const p = this.receiver(it.e, chain);
          return it.label ? this.call(p, 'label', [{ value: it.label, code: `'${it.label}'` }]) : p;
        });
        return this.call(this.dbCall('select', [this.list([id, ...items])]), 'orderBy', [id]);
      }
      case 'query': {
        const base: Piece =
          s.shape === 'model'
            ? { value: (T.value as unknown as { query: unknown }).query, code: `${T.code}.query` }
            : this.dbCall('select', [this.list([id])]);
        let q = where(base, s.where);
        q = this.call(q, 'orderBy', [...s.order.map((o) => this.order(o, chain)), id]);
        if (s.limit !== null) q = this.call(q, 'limit', [{ value: s.limit, code: String(s.limit) }]);
        if (s.offset !== null) q = this.call(q, 'offset', [{ value: s.offset, code: String(s.offset) }]);
        return q;
      }
      case 'unanchored': {
        const value = this.call(this.receiver(s.value, chain), 'label', [{ value: 'c0', code: "'c0'" }]);
        return where(this.dbCall('select', [this.list([value])]), s.where);
      }
      case 'delete': {
        const del: Piece = { value: (T.value as unknown as { delete: unknown }).delete, code: `${T.code}.delete` };
        return this.call(where(del, s.where), 'returning', [id]);
      }
      case 'update': {
        const upd: Piece = { value: (T.value as unknown as { update: unknown }).update, code: `${T.code}.update` };
        const value = this.operand(s.value, chain);
        const set = this.call(upd, 'values', [
          { value: { [s.col]: value.value }, code: `{ ${s.col}: ${value.code} }` },
        ]);
        return this.call(where(set, s.where), 'returning', [id, { value: T.value[s.col], code: `${T.code}.${s.col}` }]);
      }
    }
  }
}
