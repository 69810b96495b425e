/**
 * The one cache of the query path. Everything kept here is derived from objects that never change
 * once built — tables, columns, named aliases, and result lists their builders marked shared
 * (`sql/shared.ts`) — or is a statement compiled once and run again with new values (a baked
 * query, as GINO bakes `Model.get`). So an entry is valid for every engine and every compile, and
 * dropping one costs only the time to make it again: the cache changes how fast, never what.
 *
 * The compiler is handed a cache (`compile(node, cache)`); the engine owns the instance its
 * queries use (`engine/cache.ts`). Every section is bounded: a section keyed by object identity is
 * a WeakMap, whose entries live only as long as their keys (a program's tables, columns and the
 * lists built from them); a section keyed by text is capped, and once full it keeps what it has
 * and stores nothing more. What it saves is small (a microsecond or two a statement, against a
 * round trip of a hundred or more), and where a statement holds values, subqueries or anonymous
 * aliases it is compiled in full every time.
 */
import type { Expr } from '../sql/expr.js';
import { type SharedList, shareList } from '../sql/shared.js';
import type { Alias, Column, FromItem, Table } from '../sql/table.js';
import type { CompiledQuery, ResultColumn } from './compiler.js';
import { classifySql, type SqlClass } from './sqltext.js';

/** What a result list renders to, and the keys and types of the columns it gives. */
export interface Head {
  readonly list: string;
  readonly columns: readonly ResultColumn[];
  /** Some column is keyed apart from a same-named one (`teams_id`): as a subquery it is renamed in SQL. */
  readonly renamed: boolean;
}

/** A shared list's head also knows the FROM items the list names, in order, and their SQL once rendered. */
export interface SharedHead extends Head {
  readonly froms: readonly FromItem[];
  fromSql?: string | undefined;
}

/** A map keyed by text that stops growing at `limit` entries. */
export class CappedMap<V> {
  private readonly map = new Map<string, V>();
  constructor(readonly limit: number) {}
  get size(): number {
    return this.map.size;
  }
  has(key: string): boolean {
    return this.map.has(key);
  }
  get(key: string): V | undefined {
    return this.map.get(key);
  }
  /** Keep `value` under `key` unless the map is full; returns `value` either way. */
  set(key: string, value: V): V {
    if (this.map.size < this.limit || this.map.has(key)) this.map.set(key, value);
    return value;
  }
}

/** The bounds of the capped sections. */
export const CACHE_LIMITS = Object.freeze({
  /** Function names as SQL (`db.func.<name>`), across the program. */
  functionNames: 1000,
  /** Baked statements per owner (a table's `get`, a column's function calls). */
  bakedPerOwner: 64,
  /** RETURNING lists of `apply()` per table (one per set of changed columns). */
  returningPerTable: 256,
  /** Row prototypes (`row[User.id]` accessors), one per distinct result shape. */
  rowPrototypes: 2000,
  /** Classes of raw SQL texts (`classifySql`), for texts of at most `rawTextLength` characters. */
  rawTexts: 1000,
  rawTextLength: 2000,
});

/**
 * The sections, by what they hold. `Prepared` is the engine's prepared loader (kept per shared
 * result list and loader); the compiler never reads it.
 */
export class QueryCache<Prepared = unknown> {
  // ---- names: rendered once per object ------------------------------------------------------

  /** A table's or named alias's SQL name (`"My Schema"."Weird Table"`). Anonymous aliases are named per compile, never kept. */
  readonly ownerSql = new WeakMap<Table | Alias, string>();
  /** A column's own name as SQL, unqualified (`nickname`, `"select"`): INSERT and SET targets. */
  readonly columnNames = new WeakMap<Column, string>();
  /** A column reference of a table or named alias (`users.id`). */
  readonly columnSql = new WeakMap<Column, string>();
  /** How error messages name a value meant for a column (`users.nickname`). */
  readonly columnLabels = new WeakMap<Column, string>();
  /** A function's name as SQL, by the name given (`db.func['My Func']` → `"My Func"`). */
  readonly functionNames = new CappedMap<string>(CACHE_LIMITS.functionNames);
  /** `[table]`, one frozen list per table: the scope of an UPDATE or DELETE that names no other table. */
  readonly scopes = new WeakMap<Table, readonly FromItem[]>();

  // ---- result lists ---------------------------------------------------------------------------

  /** A shared list's rendering, when it holds no value, subquery or anonymous alias. */
  readonly heads = new WeakMap<SharedList<Expr>, SharedHead>();
  /** Result columns every statement with the same shared list (or the same baked query) has. */
  private readonly sharedColumns = new WeakSet<readonly ResultColumn[]>();
  /** `apply()`'s RETURNING lists, one shared list per table and set of columns. */
  private readonly returningLists = new WeakMap<Table, CappedMap<SharedList<Column>>>();

  // ---- baked queries --------------------------------------------------------------------------

  /** Statements compiled once and run with new parameter values, by owner and name. */
  private readonly baked = new WeakMap<object, CappedMap<CompiledQuery>>();

  // ---- rows: per shared result columns ------------------------------------------------------

  /** Which result columns' types finish their values (BigInteger modes, enum arrays, ...), and how. */
  readonly finishers = new WeakMap<readonly ResultColumn[], readonly (readonly [number, (v: unknown) => unknown])[]>();
  /** Loaders prepared for shared result columns, by loader. */
  private readonly loaders = new WeakMap<readonly ResultColumn[], WeakMap<object, Prepared>>();
  /** The result columns of `db.text(sql).columns(...)` lists, by list. */
  readonly textColumns = new WeakMap<readonly Column[], readonly ResultColumn[]>();
  /** Row prototypes by what they read (column → key): rows of the same shape share one. */
  readonly rowPrototypes = new CappedMap<object>(CACHE_LIMITS.rowPrototypes);

  // ---- raw SQL --------------------------------------------------------------------------------

  /** What raw SQL texts do (`classifySql`), by text. */
  private readonly rawClasses = new CappedMap<SqlClass>(CACHE_LIMITS.rawTexts);

  /** What this raw SQL text does; kept for texts short enough (a script is read again). */
  rawClass(sql: string): SqlClass {
    const known = this.rawClasses.get(sql);
    if (known) return known;
    const found = classifySql(sql);
    return sql.length <= CACHE_LIMITS.rawTextLength ? this.rawClasses.set(sql, found) : found;
  }

  /** Mark result columns as shared: what is derived from them alone may be kept. */
  shareColumns(columns: readonly ResultColumn[]): void {
    this.sharedColumns.add(columns);
  }

  /** Whether these result columns are shared (by a shared list's head or a baked query). */
  isShared(columns: readonly ResultColumn[]): boolean {
    return this.sharedColumns.has(columns);
  }

  /** The shared RETURNING list of these columns of `table` (the same list for the same columns). */
  returningList(table: Table, columns: readonly Column[]): SharedList<Column> {
    let lists = this.returningLists.get(table);
    if (!lists) {
      lists = new CappedMap(CACHE_LIMITS.returningPerTable);
      this.returningLists.set(table, lists);
    }
    const key = columns.map((c) => String(c)).join('\u0000');
    return lists.get(key) ?? lists.set(key, shareList([...columns]));
  }

  /** The statement baked under `owner` and `name`, if any. */
  bakedQuery(owner: object, name: string): CompiledQuery | undefined {
    return this.baked.get(owner)?.get(name);
  }

  /**
   * Keep `compiled` under `owner` and `name`, run again as it is: frozen, and its result columns
   * shared, so what is derived from them is derived once.
   */
  bake(owner: object, name: string, compiled: CompiledQuery): CompiledQuery {
    this.shareColumns(compiled.columns);
    Object.freeze(compiled.params);
    Object.freeze(compiled.paramTypes);
    Object.freeze(compiled.paramLabels);
    Object.freeze(compiled);
    let byName = this.baked.get(owner);
    if (!byName) {
      byName = new CappedMap(CACHE_LIMITS.bakedPerOwner);
      this.baked.set(owner, byName);
    }
    return byName.set(name, compiled);
  }

  /** The loader prepared for these (shared) result columns, if any. */
  preparedLoader(columns: readonly ResultColumn[], loader: object): Prepared | undefined {
    return this.loaders.get(columns)?.get(loader);
  }

  /** Keep a loader prepared for shared result columns; columns that are not shared keep nothing. */
  keepPreparedLoader(columns: readonly ResultColumn[], loader: object, prepared: Prepared): Prepared {
    if (!this.isShared(columns)) return prepared;
    let byLoader = this.loaders.get(columns);
    if (!byLoader) {
      byLoader = new WeakMap();
      this.loaders.set(columns, byLoader);
    }
    byLoader.set(loader, prepared);
    return prepared;
  }
}
