/**
 * Relationships (SQLAlchemy's `relationship()`, which GINO never had): declared once in a model's
 * definition, loaded by name (`Post.load('author')`, `Author.load({ posts: Post.load('tags') })`).
 *
 * A relationship is not a column: it is not in the table, in `create()` values or in `toDict()`
 * unless loaded. Loading one adds one expression to the parent's SELECT list — a correlated
 * subquery that builds the related rows as a JSON document — so a whole graph is one statement
 * (one round trip on every adapter, neon-http included), and the parent query's LIMIT and OFFSET
 * count parents, never joined rows. Inside the JSON every column is selected as its own text and
 * decoded with the same parsers as a top-level column (`types/decode.ts`): JSON's numbers and
 * strings never stand in for int8, numeric, dates, bytea or ±infinity.
 *
 *   (SELECT json_build_array(CAST(authors.id AS TEXT), ...) FROM authors
 *     WHERE authors.id = posts.author_id ORDER BY authors.id LIMIT 1)                   -- one
 *   to_json(ARRAY((SELECT json_build_array(CAST(posts.id AS TEXT), ..., <nested>) FROM posts
 *     WHERE posts.author_id = authors.id ORDER BY posts.id)))                            -- many
 */
import { indexOf, type Loader, type PreparedLoader, toLoader } from '../engine/shape.js';
import { InvalidRequestError, modelName } from '../errors.js';
import { and, Cast, type Expr, Func, ScalarSelect } from '../sql/expr.js';
import { collectFrom } from '../sql/nodes.js';
import { Select } from '../sql/select.js';
import { Alias, type Column, type FromItem, referencesTable, type Table } from '../sql/table.js';
import { nestedDecoder } from '../types/decode.js';
import { TYPES, typeFactories } from '../types/sqltypes.js';

/** A table or an alias of it: where a relationship's rows are read from. */
type Source = Table | Alias;

/**
 * Columns by attribute key, as `on` receives them: `(author, post) => post.authorId.eq(author.id)`
 * (any key reads as a column: the models of a cycle cannot be typed while they are defined).
 */
// biome-ignore lint/suspicious/noExplicitAny: a column of any type, by any key
export type RelationColumns = { readonly [key: string]: Column<any> } & Record<string, any>;

export interface RelationshipOptions {
  /** A collection (`author.posts: Post[]`); without it, one related row or null. */
  many?: boolean;
  /** The association model of a many-to-many relationship (or a function returning it). */
  secondary?: unknown;
  /**
   * The join condition, when no foreign key says it (or to say it differently): given the
   * columns of this model's rows, of the related rows, and of the secondary table.
   */
  on?: (self: RelationColumns, other: RelationColumns, secondary: RelationColumns) => Expr;
  /**
   * Which foreign key to join on, when several link the tables: its column(s) by attribute key
   * (on either table; on the secondary table, the column(s) pointing at this model).
   */
  foreignKey?: string | Column | readonly (string | Column)[];
}

const OPTION_KEYS = new Set(['many', 'secondary', 'on', 'foreignKey']);

/** A model class as relationships see it. */
interface ModelCtor {
  new (): object;
  readonly __table__: Table;
  readonly name: string;
}

/**
 * `db.relationship(() => Post, { many: true })` in a model's definition. `P` is the attribute's
 * type on instances (`Post[]`, `Author | null`); it is inferred from the target, or given when two
 * models refer to each other (TypeScript cannot infer a cycle of class definitions).
 */
export class RelationshipDef<P = unknown> {
  /** Phantom: the loaded attribute's type. */
  declare readonly __relation: P;
  constructor(
    readonly target: unknown,
    readonly options: RelationshipOptions,
  ) {
    if (typeof target !== 'function') {
      throw new InvalidRequestError(
        'db.relationship() takes the related model, or a function returning it for a model defined later: db.relationship(() => Post)',
      );
    }
    for (const key of Object.keys(options)) {
      if (!OPTION_KEYS.has(key)) {
        throw new InvalidRequestError(
          `db.relationship(): unknown option '${key}' (options: many, secondary, on, foreignKey)`,
        );
      }
    }
    if (options.on !== undefined && typeof options.on !== 'function') {
      throw new InvalidRequestError(
        'db.relationship({ on }): give a function of the two sides, e.g. on: (author, post) => post.authorId.eq(author.id)',
      );
    }
  }
}

/** A relationship as declared on one model class. */
interface Declared {
  readonly owner: object;
  readonly key: string;
  readonly def: RelationshipDef;
  resolved?: Resolved;
}

/** The relationships declared by each `db.Model()` class, by attribute key. */
const declared = new WeakMap<object, Map<string, Declared>>();

/** @internal Called by `db.Model()` with the definition's relationships. */
export function declareRelationships(model: object, entries: readonly (readonly [string, RelationshipDef])[]): void {
  if (entries.length === 0) return;
  const map = new Map<string, Declared>();
  for (const [key, def] of entries) map.set(key, { owner: model, key, def });
  declared.set(model, map);
}

function declaredOn(model: object): Map<string, Declared> | undefined {
  for (let m: object | null = model; m && m !== Function.prototype; m = Object.getPrototypeOf(m)) {
    const found = declared.get(m);
    if (found) return found;
  }
  return undefined;
}

/** The relationship `key` of this model, if it declares one. */
export function relationshipOf(model: object, key: string): Declared | undefined {
  return declaredOn(model)?.get(key);
}

/** The keys of the relationships a model declares. */
export function relationshipKeys(model: object): string[] {
  return [...(declaredOn(model)?.keys() ?? [])];
}

/** A model given as itself or as a function returning it (a model class is a function too). */
function modelFrom(given: unknown, what: string): ModelCtor {
  const value =
    typeof given === 'function' &&
    (given as Partial<ModelCtor>).__table__ === undefined &&
    !/^class\b/.test(String(given))
      ? (given as () => unknown)()
      : given;
  if (typeof value !== 'function' || !(value as Partial<ModelCtor>).__table__) {
    throw new InvalidRequestError(`${what} is not a model with a table (got ${String(value).slice(0, 40)})`);
  }
  return value as ModelCtor;
}

// ---- resolving the join -----------------------------------------------------------------------

/** Column keys: related.child = self.parent, or secondary.sec = self.parent / related.child. */
type Pairs = readonly (readonly [string, string])[];

interface Resolved {
  readonly target: ModelCtor;
  readonly many: boolean;
  readonly kind: 'many-to-one' | 'one-to-many' | 'one-to-one' | 'many-to-many';
  /** Direct: [parent key, child key] pairs (child.childKey = parent.parentKey). */
  readonly pairs?: Pairs;
  /** Through a secondary table: [secondary key, parent key] and [secondary key, child key]. */
  readonly secondary?: { readonly table: Table; readonly toParent: Pairs; readonly toChild: Pairs };
  readonly on?: RelationshipOptions['on'];
}

interface Fk {
  readonly from: Table;
  readonly to: Table;
  /** [local key, referenced key] */
  readonly pairs: Pairs;
}

function foreignKeys(from: Table, to: Table): Fk[] {
  return from.foreignKeys
    .filter((fk) => referencesTable(fk, from, to))
    .map((fk) => ({
      from,
      to,
      pairs: fk.columns.map((c, i) => [c.key, to.column(fk.target.columns[i] as string).key] as const),
    }));
}

function describeFk(fk: Fk): string {
  const local = fk.pairs.map(([l]) => l).join(', ');
  const remote = fk.pairs.map(([, r]) => r).join(', ');
  return `${fk.from.name}(${local}) → ${fk.to.name}(${remote})`;
}

function wantedKeys(given: RelationshipOptions['foreignKey']): string[] | undefined {
  if (given === undefined) return undefined;
  const list = Array.isArray(given) ? given : [given];
  return list.map((c) => (typeof c === 'string' ? c : (c as Column).key));
}

function matches(fk: Fk, keys: readonly string[]): boolean {
  return (
    fk.pairs.length === keys.length && keys.every((k) => fk.pairs.some(([l]) => l === k || fk.from.c[l]?.name === k))
  );
}

function resolve(model: object, rel: Declared): Resolved {
  if (rel.resolved) return rel.resolved;
  const name = `${modelName(model)}.${rel.key}`;
  const { options } = rel.def;
  const target = modelFrom(rel.def.target, `${name}: the related model`);
  const self = (model as ModelCtor).__table__;
  const other = target.__table__;
  const many = options.many === true;
  const wanted = wantedKeys(options.foreignKey);
  const howOn = `on: (${lower(modelName(model))}, ${lower(target.name)}) => ${lower(target.name)}.<column>.eq(${lower(modelName(model))}.<column>)`;
  let resolved: Resolved;
  if (options.secondary !== undefined) {
    const secondary = modelFrom(options.secondary, `${name}: secondary`).__table__;
    if (options.on) {
      resolved = {
        target,
        many,
        kind: 'many-to-many',
        secondary: { table: secondary, toParent: [], toChild: [] },
        on: options.on,
      };
    } else {
      const toSelf = foreignKeys(secondary, self);
      const toOther = self === other ? toSelf : foreignKeys(secondary, other);
      const pick = (list: Fk[], role: string, exclude?: Fk): Fk => {
        let candidates = list.filter((fk) => fk !== exclude);
        if (wanted && role === 'self') candidates = candidates.filter((fk) => matches(fk, wanted));
        if (candidates.length === 1) return candidates[0] as Fk;
        const all = (self === other ? toSelf : list).map(describeFk).join('; ') || 'none';
        if (candidates.length === 0) {
          throw new InvalidRequestError(
            `${name}: no foreign key of ${secondary.name} points at ${role === 'self' ? self.name : other.name}${wanted ? ` with column(s) ${wanted.join(', ')}` : ''} (candidates: ${all}); add db.ForeignKey(...) to ${secondary.name}, or give ${howOn}`,
          );
        }
        throw new InvalidRequestError(
          `${name}: ${secondary.name} has ${candidates.length} foreign keys to ${role === 'self' ? self.name : other.name} (${candidates.map(describeFk).join('; ')}); say which points at ${modelName(model)} with foreignKey: '${candidates[0]?.pairs[0]?.[0]}'`,
        );
      };
      const up = pick(toSelf, 'self');
      const down = pick(toOther, 'other', self === other ? up : undefined);
      resolved = {
        target,
        many,
        kind: 'many-to-many',
        secondary: {
          table: secondary,
          toParent: up.pairs.map(([s, p]) => [s, p] as const),
          toChild: down.pairs.map(([s, c]) => [s, c] as const),
        },
      };
    }
  } else if (options.on) {
    resolved = { target, many, kind: many ? 'one-to-many' : 'many-to-one', on: options.on };
  } else {
    const outgoing = foreignKeys(self, other); // self's columns reference the related table
    const incoming = self === other ? outgoing : foreignKeys(other, self);
    const all = [...new Set([...outgoing, ...incoming])];
    let chosen: { fk: Fk; direction: 'out' | 'in' } | undefined;
    const choose = (list: Fk[], direction: 'out' | 'in'): boolean => {
      const candidates = wanted ? list.filter((fk) => matches(fk, wanted)) : list;
      if (candidates.length > 1) {
        throw new InvalidRequestError(
          `${name}: ${candidates.length} foreign keys link ${self.name} and ${other.name} (${candidates.map(describeFk).join('; ')}); say which with foreignKey: '${candidates[0]?.pairs[0]?.[0]}'`,
        );
      }
      if (candidates.length === 1) chosen = { fk: candidates[0] as Fk, direction };
      return candidates.length === 1;
    };
    // A collection is read through the related table's key to this one; a single row through
    // this table's key to it, else (one-to-one) through the related table's key to this one.
    if (many) choose(incoming, 'in');
    else if (!choose(outgoing, 'out') && self !== other) choose(incoming, 'in');
    if (!chosen) {
      if (many && outgoing.length && self !== other) {
        throw new InvalidRequestError(
          `${name}: ${describeFk(outgoing[0] as Fk)} makes it a many-to-one (each ${modelName(model)} has one ${target.name}): drop { many: true }`,
        );
      }
      throw new InvalidRequestError(
        all.length && wanted
          ? `${name}: no foreign key with column(s) ${wanted.join(', ')} links ${self.name} and ${other.name} (candidates: ${all.map(describeFk).join('; ')})`
          : `${name}: no foreign key links ${self.name} and ${other.name}; add references: db.ForeignKey('${self.name}.<column>') to a column of ${other.name} (or the other way round), or give ${howOn}`,
      );
    }
    const { fk, direction } = chosen;
    resolved =
      direction === 'out'
        ? { target, many, kind: 'many-to-one', pairs: fk.pairs.map(([l, r]) => [l, r] as const) }
        : { target, many, kind: many ? 'one-to-many' : 'one-to-one', pairs: fk.pairs.map(([l, r]) => [r, l] as const) };
  }
  rel.resolved = resolved;
  return resolved;
}

function lower(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

// ---- what a relationship loads --------------------------------------------------------------

/** What a relation reads of each related row: its model, columns, nested relations and filters. */
interface ChildSpec {
  readonly model: ModelCtor;
  /** An alias of the related table the user built the filters on, if any. */
  readonly source: Source | undefined;
  readonly only: readonly string[] | undefined;
  readonly nested: readonly (readonly [string, Nestable])[];
  readonly where: Expr | undefined;
  readonly orderBy: readonly Expr[];
  readonly limit: Expr | undefined;
  readonly offset: Expr | undefined;
}

/** A relation or a count, buildable against any parent source (its own, or an alias of it). */
interface Nestable {
  build(parent: Source): Built;
}

interface Built {
  readonly expr: Expr;
  /** The JSON value (or, for a count, its text) → what the attribute gets. */
  readonly decode: (value: unknown) => unknown;
  /** Decoding the top-level column, parsed by the driver. */
  readonly top: (value: unknown) => unknown;
}

const JSON_TYPE = typeFactories.JSON();
const { TEXT, INTEGER } = TYPES;
const decodeInteger = nestedDecoder(INTEGER);
/** PostgreSQL's limit on a function's arguments (json_build_array's columns). */
const MAX_ARGS = 100;

/** The parts of a model loader a relation reads (its model, source, columns, related loaders). */
interface LoaderParts {
  readonly model: ModelCtor;
  readonly source: Source;
  readonly state: {
    readonly only: readonly Column[] | undefined;
    readonly extras: readonly (readonly [string, Loader])[];
    readonly on: Expr | undefined;
    readonly distinct: readonly Expr[] | undefined;
  };
}

function isModelLoader(value: unknown): value is LoaderParts {
  return (
    typeof value === 'object' &&
    value !== null &&
    'model' in value &&
    'source' in value &&
    'state' in value &&
    (value as { isLoader?: unknown }).isLoader === true
  );
}

/** What `load({ posts: <value> })` gives, as the related rows' spec. */
function childSpec(name: string, target: ModelCtor, value: unknown): ChildSpec {
  let loader: unknown = value ?? target;
  let filters: Pick<ChildSpec, 'where' | 'orderBy' | 'limit' | 'offset'> = {
    where: undefined,
    orderBy: [],
    limit: undefined,
    offset: undefined,
  };
  if (loader instanceof Select) {
    const s = loader.state;
    if (s.groupBy.length || s.having || s.distinct !== false || s.forUpdate) {
      throw new InvalidRequestError(
        `${name}: a relation's query takes where(), orderBy(), limit() and offset() only (no groupBy, having, distinct or forUpdate)`,
      );
    }
    loader = s.loader ?? target;
    const own = isModelLoader(loader) ? loader.source : target.__table__;
    if (s.from.some((f) => f !== own)) {
      throw new InvalidRequestError(
        `${name}: a relation's query reads its own rows only (no join() or selectFrom()); the join to the parent is the relationship's`,
      );
    }
    filters = { where: s.where, orderBy: s.orderBy, limit: s.limit, offset: s.offset };
  }
  const parts = isModelLoader(loader) ? loader : toLoader(loader);
  if (!isModelLoader(parts)) {
    throw new InvalidRequestError(
      `${name} loads ${target.name}: give ${target.name}, ${target.name}.load(...), or ${target.name}.query.where(...).orderBy(...).limit(n)`,
    );
  }
  if (
    parts.model !== target &&
    !(parts.model.prototype instanceof target) &&
    !(target.prototype instanceof parts.model)
  ) {
    throw new InvalidRequestError(`${name} loads ${target.name}, not ${modelName(parts.model)}`);
  }
  if (parts.state.on || parts.state.distinct) {
    throw new InvalidRequestError(
      `${name}: on() and distinct() belong to joined loaders; a relation knows its join and loads each row once`,
    );
  }
  const nested: [string, Nestable][] = [];
  for (const [key, l] of parts.state.extras) {
    if (l instanceof RelationLoader || l instanceof CountLoader) nested.push([key, l]);
    else {
      throw new InvalidRequestError(
        `${name}: '${key}' is not a relationship of ${modelName(parts.model)}; inside a relation, load relationships (declared with db.relationship) and counts`,
      );
    }
  }
  const table = target.__table__;
  return {
    model: parts.model,
    source: parts.source === table || parts.source.kind === 'table' ? undefined : parts.source,
    only: parts.state.only?.map((c) => c.key),
    nested,
    ...filters,
  };
}

/** `child.key = parent.key AND ...` for pairs of [parent key, child key]. */
function equalities(parent: Source, child: Source, pairs: Pairs): Expr[] {
  return pairs.map(([p, c]) => (child.c[c] as Column).eq(parent.c[p] as Column));
}

/** The FROM item and WHERE clause that read the related rows of `parent`. */
function relatedRows(name: string, resolved: Resolved, parent: Source, child: Source): { from: FromItem; where: Expr } {
  const { secondary, on } = resolved;
  if (secondary) {
    const sec = new Alias(secondary.table);
    if (on) {
      const where = checkedOn(name, on(parent.c, child.c, sec.c), [parent, child, sec]);
      return { from: child.join(sec, and()), where };
    }
    const join = and(...secondary.toChild.map(([s, c]) => (sec.c[s] as Column).eq(child.c[c] as Column)));
    const where = and(...secondary.toParent.map(([s, p]) => (sec.c[s] as Column).eq(parent.c[p] as Column)));
    return { from: child.join(sec, join), where };
  }
  if (on) return { from: child, where: checkedOn(name, on(parent.c, child.c, {}), [parent, child]) };
  return { from: child, where: and(...equalities(parent, child, resolved.pairs as Pairs)) };
}

/** An `on` condition reads only the sides it was given. */
function checkedOn(name: string, condition: unknown, allowed: readonly FromItem[]): Expr {
  if (typeof condition !== 'object' || condition === null || typeof (condition as Expr).kind !== 'string') {
    throw new InvalidRequestError(
      `${name}: on() must return a condition, e.g. (author, post) => post.authorId.eq(author.id)`,
    );
  }
  for (const item of collectFrom([condition], [])) {
    if (!allowed.includes(item)) {
      throw new InvalidRequestError(
        `${name}: on() reads ${(item as { name?: string }).name ?? 'a table'} directly; use the columns it is given: on: (self, other) => other.<column>.eq(self.<column>)`,
      );
    }
  }
  return condition as Expr;
}

/** The related table, or an alias of it when it is the parent's own source (self-reference). */
function childSource(name: string, spec: ChildSpec, table: Table, parent: Source): Source {
  const given = spec.source ?? table;
  if (given !== parent) return given;
  if (spec.where || spec.orderBy.length) {
    throw new InvalidRequestError(
      `${name} relates ${table.name} to itself: write the relation's where()/orderBy() on an alias, e.g. const Child = ${spec.model.name}.alias(); ${name.split('.')[1]}: Child.load().query.where(Child.<column>...)`,
    );
  }
  return new Alias(table);
}

/**
 * A relationship's loader: one expression in the parent's SELECT list, decoded into instances of
 * the related model (an array for `many`, else one instance or null).
 */
export class RelationLoader implements Loader, Nestable {
  readonly isLoader = true;
  #column: Expr | undefined;
  #built: Built | undefined;

  constructor(
    readonly owner: object,
    readonly key: string,
    readonly parent: Source,
    readonly spec: ChildSpec,
    readonly resolved: Resolved,
  ) {}

  get name(): string {
    return `${modelName(this.owner)}.${this.key}`;
  }

  build(parent: Source): Built {
    if (parent === this.parent && this.#built) return this.#built;
    const { spec, resolved, name } = this;
    const table = resolved.target.__table__;
    const child = childSource(name, spec, table, parent);
    const keys = spec.only ?? table.columns.map((c) => c.key);
    const columns = keys.map((k) => child.c[k] as Column);
    const nested = spec.nested.map(([key, n]) => [key, n.build(child)] as const);
    if (columns.length + nested.length > MAX_ARGS) {
      throw new InvalidRequestError(
        `${name}: a related row is built from at most ${MAX_ARGS} values (PostgreSQL's limit on a function's arguments); load fewer columns: ${spec.model.name}.load('id', ...)`,
      );
    }
    const tuple = new Func(
      'json_build_array',
      [...columns.map((c) => new Cast(c, TEXT)), ...nested.map(([, b]) => b.expr)],
      JSON_TYPE,
    );
    const { from, where } = relatedRows(name, resolved, parent, child);
    const orderBy = spec.orderBy.length
      ? spec.orderBy
      : (table.primaryKey.length ? table.primaryKey : table.columns).map((c) => child.c[c.key] as Column);
    const limit = resolved.many ? spec.limit : (spec.limit ?? 1);
    let select = new Select({ columns: [tuple], from: [from], orderBy }).where(where).correlate(parent);
    if (spec.where) select = select.where(spec.where);
    if (limit !== undefined) select = select.limit(limit);
    if (spec.offset) select = select.offset(spec.offset);
    const decoders = columns.map((c) => nestedDecoder(c.type));
    const model = spec.model;
    const n = columns.length;
    const row = (tupleValue: unknown): object => {
      const values = tupleValue as unknown[];
      const instance = new model() as Record<string, unknown>;
      for (let i = 0; i < n; i++) instance[keys[i] as string] = (decoders[i] as (v: unknown) => unknown)(values[i]);
      for (let j = 0; j < nested.length; j++) {
        const [key, b] = nested[j] as readonly [string, Built];
        instance[key] = b.decode(values[n + j]);
      }
      return instance;
    };
    const decode = resolved.many
      ? (v: unknown) => (Array.isArray(v) ? v.map(row) : [])
      : (v: unknown) => (Array.isArray(v) ? row(v) : null);
    const expr = resolved.many
      ? new Func('to_json', [new Func('ARRAY', [new ScalarSelect(select)], JSON_TYPE)], JSON_TYPE)
      : new ScalarSelect(select);
    // A driver hands the top-level JSON parsed; a string (a driver that does not) is parsed here.
    const top = (v: unknown) => decode(typeof v === 'string' ? JSON.parse(v) : v);
    const built = { expr, decode, top };
    if (parent === this.parent) this.#built = built;
    return built;
  }

  /** The one SELECT-list entry, labelled by the attribute (the same object every time). */
  get columns(): readonly Expr[] {
    this.#column ??= this.build(this.parent).expr.label(this.key);
    return [this.#column];
  }

  prepare(columns: Parameters<Loader['prepare']>[0], fields: Parameters<Loader['prepare']>[1]): PreparedLoader {
    return prepareColumn(this.name, this.columns[0] as Expr, this.build(this.parent).top, columns, fields);
  }
}

function prepareColumn(
  name: string,
  expr: Expr,
  decode: (v: unknown) => unknown,
  columns: Parameters<Loader['prepare']>[0],
  fields: Parameters<Loader['prepare']>[1],
): PreparedLoader {
  const index = indexOf(expr, columns, fields);
  if (index === -1) {
    throw new InvalidRequestError(
      `${name} is not in the SELECT list: load relationships through the loader's query (Model.load('${name.split('.')[1]}').query)`,
    );
  }
  return (row) => [decode(row[index]), true];
}

/**
 * `Model.countOf('posts')`: how many related rows each row has — a correlated `count(*)`, usable
 * in where() and orderBy(), and as a loader: `Author.load({ postCount: Author.countOf('posts') })`.
 */
export class RelationCount extends Cast<number> {
  constructor(
    readonly owner: object,
    readonly key: string,
    readonly resolved: Resolved,
    readonly parent: Source,
    readonly filter?: (related: RelationColumns) => Expr,
  ) {
    super(countSelect(`${modelName(owner)}.${key}`, resolved, parent, filter), INTEGER);
  }
  /** The same count for rows of another source (an alias of the model's table, a relation's rows). */
  over(parent: Source): Expr<number> {
    return parent === this.parent ? this : new RelationCount(this.owner, this.key, this.resolved, parent, this.filter);
  }
}

function countSelect(
  name: string,
  resolved: Resolved,
  parent: Source,
  filter: ((related: RelationColumns) => Expr) | undefined,
): Expr {
  const table = resolved.target.__table__;
  const child = table === parent ? new Alias(table) : table;
  const { from, where } = relatedRows(name, resolved, parent, child);
  let select = new Select({ columns: [new Func('count', [], INTEGER)], from: [from] }).where(where).correlate(parent);
  if (filter) select = select.where(checkedOn(name, filter(child.c), [child, parent]));
  return new ScalarSelect(select);
}

/** A count as a loader of a model loader (`load({ postCount: Author.countOf('posts') })`). */
export class CountLoader implements Loader, Nestable {
  readonly isLoader = true;
  #column: Expr | undefined;
  constructor(
    readonly count: RelationCount,
    readonly key: string,
    readonly parent: Source,
  ) {}
  build(parent: Source): Built {
    return { expr: new Cast(this.count.over(parent), TEXT), decode: decodeInteger, top: (v) => v };
  }
  get columns(): readonly Expr[] {
    this.#column ??= this.count.over(this.parent).label(this.key);
    return [this.#column];
  }
  prepare(columns: Parameters<Loader['prepare']>[0], fields: Parameters<Loader['prepare']>[1]): PreparedLoader {
    const name = `${modelName(this.count.owner)}.${this.key}`;
    return prepareColumn(name, this.columns[0] as Expr, (v) => v, columns, fields);
  }
}

/**
 * The loader of `load({ key: value })` or `load('key')` on a model loader when `key` is one of the
 * model's relationships (or `value` a relation count); undefined for GINO's own loaders.
 */
export function relatedLoader(model: object, source: Source, key: string, value: unknown): Loader | undefined {
  if (value instanceof RelationCount) return new CountLoader(value, key, source);
  const rel = relationshipOf(model, key);
  if (!rel) return undefined;
  const resolved = resolve(model, rel);
  const spec = childSpec(`${modelName(model)}.${key}`, resolved.target, value);
  const loader = new RelationLoader(model, key, source, spec, resolved);
  // Built now, so that what is wrong with it (an `on` reading other tables) is said at load().
  loader.columns;
  return loader;
}

/** `Model.countOf(name, filter?)`: the count of a relationship's rows (those `filter` keeps) per row of the model's table. */
export function relationCount(model: object, key: string, filter?: (related: RelationColumns) => Expr): RelationCount {
  if (filter !== undefined && typeof filter !== 'function') {
    throw new InvalidRequestError(
      `${modelName(model)}.countOf('${key}', filter): the filter is a function of the related row's columns, e.g. (post) => post.title.like('a%')`,
    );
  }
  const rel = relationshipOf(model, key);
  if (!rel) {
    const keys = relationshipKeys(model);
    throw new InvalidRequestError(
      `${modelName(model)} has no relationship '${key}'${keys.length ? ` (it has ${keys.join(', ')})` : ' (declare one with db.relationship(() => Other))'}`,
    );
  }
  return new RelationCount(model, key, resolve(model, rel), (model as ModelCtor).__table__, filter);
}

/** A relationship key given to `new Model(values)` / `create(values)`: a clear error, before any I/O. */
export function notAColumn(model: object, key: string): InvalidRequestError {
  return new InvalidRequestError(
    `'${key}' is a relationship of ${modelName(model)}, not a column: create the related rows explicitly (in one db.transaction() or db.batch()), e.g. create the parent, then the children with its key`,
  );
}

/** The loaded relationships of an instance, for `toDict()`: collections and rows as dictionaries. */
export function loadedRelations(instance: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const own = instance as Record<string, unknown>;
  for (const key of relationshipKeys(instance.constructor)) {
    if (!Object.hasOwn(own, key)) continue;
    const value = own[key];
    const dict = (v: unknown) =>
      v !== null && typeof v === 'object' && typeof (v as { toDict?: unknown }).toDict === 'function'
        ? (v as { toDict(): unknown }).toDict()
        : v;
    out[key] = Array.isArray(value) ? value.map(dict) : dict(value);
  }
  return out;
}
