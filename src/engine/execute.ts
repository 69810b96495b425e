/**
 * The execution path shared by engines, connections and transactions: turn a query into its
 * compiled form, serialise parameters, call the driver, map errors, log, and shape rows.
 */
import { type CompiledQuery, compile, compileRaw, type ResultColumn, resolveParams } from '../compiler/compiler.js';
import { checkRawStatement } from '../compiler/sqltext.js';
import { InvalidRequestError, MultipleResultsFound, NoResultFound, toGinoError } from '../errors.js';
import type { StatusResult } from '../sql/executor.js';
import { Func, TextClause } from '../sql/expr.js';
import { Select } from '../sql/select.js';
import { Column } from '../sql/table.js';
import { serializeValue } from '../types/serialize.js';
import type { BatchOptions, DriverQuery, DriverResult } from './adapter.js';
import { queryCache } from './cache.js';
import { countingParents } from './parents.js';
import { type LoaderContext, type PreparedLoader, rowMakerOf, toLoader } from './shape.js';
import type { SpanLike, Tracing } from './tracing.js';

/** A statement, a function call, `db.text(...)`, or a SQL string. */
export type Query = object | string;

export type Mode = 'all' | 'first' | 'one' | 'oneOrNone' | 'scalar' | 'status';

/** The logger option's event: never the connection string. */
export interface QueryEvent {
  sql: string;
  params: unknown[];
  ms: number;
  /** The rows a `COPY ... FROM STDIN` copied (`db.copyInto`; 0 when it failed); absent for other statements. */
  rowCount?: number;
}

export type Logger = (event: QueryEvent) => void;

/**
 * The method by which an object stands for a statement it builds: a model loader runs as its
 * `.query` (GINO's loaders delegate to it).
 */
export const toStatementOf: unique symbol = Symbol('gino-edge.toStatement');

/** Something that runs as the statement it builds. */
export interface StatementSource {
  [toStatementOf](): object;
}

function statementOf(query: Query): Query {
  return typeof query === 'object' && (query as Partial<StatementSource>)[toStatementOf] !== undefined
    ? (query as StatementSource)[toStatementOf]()
    : query;
}

/**
 * A statement compiled once and run with new parameter values (GINO's baked queries): the CRUD
 * paths whose SQL never changes (`Model.get`) skip building and compiling on every call.
 */
export class Precompiled {
  constructor(readonly compiled: CompiledQuery) {}
}

/**
 * The compiled form of any query; SQL strings take `params` as `$1, $2, ...`. `loader` is what
 * shapes the rows when it is not the statement's own: a SELECT whose loader folds rows into
 * objects runs with LIMIT and OFFSET counting those objects (see `countingParents`).
 */
export function toCompiled(given: Query, params?: readonly unknown[], loader?: unknown): CompiledQuery {
  if (given instanceof Precompiled) return given.compiled;
  let query = statementOf(given);
  if (query instanceof Select && (query.state.limit !== undefined || query.state.offset !== undefined)) {
    query = countingParents(query, loader === undefined ? query.state.loader : loader);
  }
  if (params?.length && typeof query !== 'string') {
    throw new InvalidRequestError(
      'parameters go with a SQL string (db.all(sql, [values])); a statement carries its own values: use where(), db.text(sql, { name })',
    );
  }
  if (typeof query === 'string') {
    checkRawStatement(query);
    return checkParameterCount(compileRaw(query, params ? [...params] : [], queryCache));
  }
  if (query instanceof Func) return compileCall(query);
  if (query instanceof TextClause) checkRawStatement(query.sql, 'this db.text() statement');
  return checkParameterCount(compile(query, queryCache));
}

/** The owner of the baked calls of no argument (`db.func.now()`). */
const NO_ARGUMENT = Object.freeze({});

/**
 * `SELECT <call>` for `db.func.<name>(...).gino.scalar()`. A call of no arguments or of one column
 * (`db.func.count(User.id)`, `db.func.now()`) always compiles to the same SQL with no parameters,
 * so it is baked once per column, name and result type (as `Model.get` is).
 */
function compileCall(call: Func): CompiledQuery {
  const [arg, more] = call.args;
  if (more !== undefined || (arg !== undefined && !(arg instanceof Column))) {
    return compile(new Select({ columns: [call] }), queryCache);
  }
  const owner = arg ?? NO_ARGUMENT;
  const known = queryCache.bakedQuery(owner, call.name);
  if (known !== undefined && known.columns[0]?.type === call.type) return known;
  return queryCache.bake(owner, call.name, compile(new Select({ columns: [call] }), queryCache));
}

/** The loader a query carries, if any. */
export function loaderOf(given: Query): unknown {
  const query = statementOf(given);
  if (typeof query === 'string') return undefined;
  return (query as { state?: { loader?: unknown } }).state?.loader;
}

/** The parameters as text for the driver; client defaults (functions) are drawn here, per execution. */
export function serializeParams(
  compiled: CompiledQuery,
  params: readonly unknown[] = resolveParams(compiled.params),
): (string | null)[] {
  const { paramTypes, paramLabels } = compiled;
  const out = new Array<string | null>(params.length);
  for (let i = 0; i < params.length; i++) {
    const type = paramTypes[i];
    const label = paramLabels[i];
    out[i] = type ? type.serialize(params[i], label ?? `parameter $${i + 1}`) : defaultSerialize(params[i], i);
  }
  return out;
}

function defaultSerialize(value: unknown, i: number): string | null {
  try {
    return serializeValue(value);
  } catch (error) {
    throw new InvalidRequestError(`parameter $${i + 1}: ${(error as Error).message}`, { cause: error });
  }
}

/** PostgreSQL's protocol counts a statement's parameters in 16 bits. */
const MAX_PARAMETERS = 65535;

/**
 * Refuse a statement with more parameters than the protocol can carry: checked where queries are
 * compiled (before a batch or transaction starts) and again where they are sent (baked statements).
 */
function checkParameterCount(compiled: CompiledQuery): CompiledQuery {
  const count = compiled.params.length;
  if (count <= MAX_PARAMETERS) return compiled;
  throw new InvalidRequestError(
    `this statement has ${count} parameters; PostgreSQL takes at most ${MAX_PARAMETERS} in one statement: ` +
      'chunk the work (insert the rows a few thousand at a time, inside db.transaction() or db.batch([...]) to keep it atomic)',
  );
}

/** Something a query can run on: an Engine (any pooled connection) or a held connection. */
export interface Target {
  readonly logger: Logger | undefined;
  /** The engine's spans (`new Gino({ tracer })`), and the span statements sent here belong to. */
  readonly tracing?: Tracing | undefined;
  traceParent?(): SpanLike | undefined;
  send(q: DriverQuery, compiled: CompiledQuery): Promise<DriverResult>;
}

const clock = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** Run a compiled query on a target: serialise, send, log, map errors. */
export async function execute(target: Target, compiled: CompiledQuery): Promise<DriverResult> {
  checkParameterCount(compiled);
  const params = resolveParams(compiled.params);
  const q: DriverQuery = { sql: compiled.sql, params: serializeParams(compiled, params) };
  const logger = target.logger;
  const start = logger ? clock() : 0;
  const span = target.tracing?.statement(compiled.sql, target.traceParent?.());
  try {
    const result = await target.send(q, compiled);
    span?.end(result.rows.length);
    return result;
  } catch (error) {
    const e = toGinoError(error, compiled.sql);
    span?.fail(e);
    throw e;
  } finally {
    if (logger) logger({ sql: compiled.sql, params: params as unknown[], ms: clock() - start });
  }
}

/**
 * Run compiled statements as one native batch of the engine's adapter (one request on neon-http):
 * serialised, logged and error-mapped like `execute`, each statement logged with the batch's time.
 */
export async function executeBatch(
  target: Target & { sendBatch(queries: readonly DriverQuery[], options: BatchOptions): Promise<DriverResult[]> },
  compiled: readonly CompiledQuery[],
  options: BatchOptions,
): Promise<DriverResult[]> {
  for (const c of compiled) checkParameterCount(c);
  const params = compiled.map((c) => resolveParams(c.params));
  const queries = compiled.map((c, i) => ({ sql: c.sql, params: serializeParams(c, params[i]) }));
  const logger = target.logger;
  const start = logger ? clock() : 0;
  const span = target.tracing?.batch(
    compiled.map((c) => c.sql),
    target.traceParent?.(),
  );
  try {
    const results = await target.sendBatch(queries, options);
    span?.end();
    return results;
  } catch (error) {
    const failed = compiled.map((c) => c.sql).join('; ');
    const e = toGinoError(error, failed);
    span?.fail(e);
    throw e;
  } finally {
    if (logger) {
      const ms = clock() - start;
      compiled.forEach((c, i) => {
        logger({ sql: c.sql, params: params[i] as unknown[], ms });
      });
    }
  }
}

type Finishers = readonly (readonly [number, (v: unknown) => unknown])[];

/** The finishing of each result column whose type has one; kept for shared result columns. */
function finishers(cols: readonly ResultColumn[]): Finishers {
  const known = queryCache.finishers.get(cols);
  if (known) return known;
  const found: [number, (v: unknown) => unknown][] = [];
  cols.forEach((c, i) => {
    if (c.type.result) found.push([i, c.type.result]);
  });
  if (queryCache.isShared(cols)) queryCache.finishers.set(cols, found);
  return found;
}

/**
 * The finishing a result needs (BigInteger modes, enum arrays, ...), or undefined when none: only
 * when the statement's result columns match the driver's fields.
 */
function finishingOf(result: DriverResult, compiled: CompiledQuery): Finishers | undefined {
  const cols = compiled.columns;
  if (cols.length === 0 || cols.length !== result.fields.length) return undefined;
  const list = finishers(cols);
  return list.length === 0 ? undefined : list;
}

/**
 * One row with its finishing applied: the driver's row itself when no value changes (an int[]
 * of numbers, a bigint in 'bigint' mode), else a copy. Rows are finished one at a time as they
 * are shaped, so a big result is never held twice.
 */
function finishRow(row: readonly unknown[], list: Finishers): readonly unknown[] {
  let out: unknown[] | undefined;
  for (let k = 0; k < list.length; k++) {
    const [i, finish] = list[k] as readonly [number, (v: unknown) => unknown];
    const v = row[i];
    if (v === null || v === undefined) continue;
    const w = finish(v);
    if (w === v) continue;
    out ??= row.slice();
    out[i] = w;
  }
  return out ?? row;
}

/** The key of the plain loader (rows as objects) among prepared loaders. */
const PLAIN = Object.freeze({});

/**
 * A loader prepared for a result. When the statement's result columns are shared and match the
 * driver's fields, preparing depends on the columns alone, so it is done once per list and loader.
 */
function prepareLoader(
  loader: unknown,
  columns: readonly ResultColumn[],
  fields: DriverResult['fields'],
): PreparedLoader {
  const key = loader === undefined || loader === null ? PLAIN : loader;
  if (
    !queryCache.isShared(columns) ||
    columns.length !== fields.length ||
    (typeof key !== 'object' && typeof key !== 'function')
  ) {
    return toLoader(loader).prepare(columns, fields);
  }
  return (
    queryCache.preparedLoader(columns, key) ??
    queryCache.keepPreparedLoader(columns, key, toLoader(loader).prepare(columns, fields))
  );
}

/**
 * Rows → objects with the query's loader (distinct loaders may merge several rows into one). The
 * shaper keeps its loader state across results, so a cursor's pages merge like one result.
 */
export function shaper(compiled: CompiledQuery, loader: unknown): (result: DriverResult) => unknown[] {
  const ctx: LoaderContext = { seen: new Map() };
  let prepared: PreparedLoader | undefined;
  let make: ((row: readonly unknown[]) => unknown) | undefined;
  return (result) => {
    const rows = result.rows;
    const n = rows.length;
    if (n === 0) return [];
    if (prepared === undefined) {
      prepared = prepareLoader(loader, compiled.columns, result.fields);
      make = rowMakerOf(prepared);
    }
    const finishing = finishingOf(result, compiled);
    const out: unknown[] = [];
    if (make !== undefined) {
      for (let i = 0; i < n; i++) {
        const row = rows[i] as readonly unknown[];
        out.push(make(finishing ? finishRow(row, finishing) : row));
      }
      return out;
    }
    for (let i = 0; i < n; i++) {
      const row = rows[i] as readonly unknown[];
      const [value, isNew] = prepared(finishing ? finishRow(row, finishing) : row, ctx);
      if (isNew) out.push(value);
    }
    return out;
  };
}

/** Rows → objects with the query's loader. */
export function shape(result: DriverResult, compiled: CompiledQuery, loader: unknown): unknown[] {
  return shaper(compiled, loader)(result);
}

/** The mode's answer from a result. */
export function answer(mode: Mode, result: DriverResult, compiled: CompiledQuery, loader: unknown): unknown {
  switch (mode) {
    case 'scalar': {
      const row = result.rows[0];
      if (row === undefined || row.length === 0) return null;
      const finishing = finishingOf(result, compiled);
      return (finishing ? finishRow(row, finishing) : row)[0] ?? null;
    }
    case 'status':
      return {
        status: result.command,
        rowCount: result.rowCount,
        rows: shape(result, compiled, loader),
      } satisfies StatusResult<unknown>;
    case 'all':
      return shape(result, compiled, loader);
    case 'first':
      return shape(result, compiled, loader)[0] ?? null;
    case 'one':
    case 'oneOrNone': {
      const rows = shape(result, compiled, loader);
      if (rows.length > 1) {
        throw new MultipleResultsFound(`expected one row, got ${rows.length}; add a where() or use first()/all()`);
      }
      if (rows.length === 0) {
        if (mode === 'one')
          throw new NoResultFound('expected one row, got none; use oneOrNone() or first() to allow none');
        return null;
      }
      return rows[0];
    }
  }
}
