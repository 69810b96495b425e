/**
 * Every error gino-edge throws extends `GinoError`, so one `instanceof` check catches them all.
 *
 * @example
 * try { await User.get(1) } catch (e) { if (e instanceof GinoError) console.error(e.message) }
 */
export class GinoError extends Error {
  override name = 'GinoError';
}

/** `db.bind` was read, or a query run, with nothing bound. Call `await db.setBind(url)` first. */
export class UninitializedError extends GinoError {
  override name = 'UninitializedError';
}

/** `instance.update(...).apply()` found no row with the key captured at `update()`. */
export class NoSuchRowError extends GinoError {
  override name = 'NoSuchRowError';
}

/** `.one()` got no row. */
export class NoResultFound extends GinoError {
  override name = 'NoResultFound';
}

/** `.one()` or `.oneOrNone()` got more than one row. */
export class MultipleResultsFound extends GinoError {
  override name = 'MultipleResultsFound';
}

/** The adapter cannot do what was asked (a capability it lacks). Thrown before any I/O. */
export class UnsupportedError extends GinoError {
  override name = 'UnsupportedError';
}

/** The statement or the model definition is invalid: unknown column, wrong key count, bad value. */
export class InvalidRequestError extends GinoError {
  override name = 'InvalidRequestError';
}

/**
 * A JSON column holds a key that no JSON property of the model declares (found by `toDict()`), or
 * a JSON property's name is taken by a column: GINO's `UnknownJSONPropertyError`.
 */
export class UnknownJSONPropertyError extends InvalidRequestError {
  override name = 'UnknownJSONPropertyError';
}

/**
 * Why a `ConnectionError` happened, where the adapter can tell: `'authentication'` (the credentials
 * or the token were refused), `'refused'` (the endpoint refused the request before any SQL ran),
 * `'too-large'` (a request or a reply over the endpoint's size limit).
 */
export type ConnectionErrorReason = 'authentication' | 'refused' | 'too-large';

/**
 * The connection could not be made or was lost. The binding's next query opens a fresh one.
 *
 * @example
 * catch (e) { if (e instanceof ConnectionError && e.reason === 'authentication') rotateToken() }
 */
export class ConnectionError extends GinoError {
  override name = 'ConnectionError';
  /** Why, where the adapter can tell; undefined for a network failure or a lost connection. */
  readonly reason: ConnectionErrorReason | undefined;
  constructor(message?: string, options?: ErrorOptions & { reason?: ConnectionErrorReason }) {
    super(message, options && 'cause' in options ? { cause: options.cause } : undefined);
    this.reason = options?.reason;
  }
}

/** A query ran longer than its `timeout(ms)` and was cancelled on the server. */
export class QueryTimeoutError extends GinoError {
  override name = 'QueryTimeoutError';
}

/**
 * A transaction (or a savepoint) did not commit because a statement inside it failed earlier: the
 * caller handled that error and went on, PostgreSQL kept the transaction aborted, and answered
 * COMMIT with ROLLBACK (a savepoint's RELEASE with an error). `sql` is the first statement that
 * failed and `cause` its `DatabaseError`.
 *
 * @example
 * await db.transaction(async () => {
 *   await db.status('SELECT 1/0').catch(() => {}); // handled, but the transaction is aborted
 * }); // rejects with TransactionRolledBackError (sql: 'SELECT 1/0')
 * // To go on after a failing statement, run it in a nested db.transaction() (a savepoint).
 */
export class TransactionRolledBackError extends GinoError {
  override name = 'TransactionRolledBackError';
  /** The SQL of the first statement that failed in the transaction, when known. */
  readonly sql: string | undefined;
  constructor(message: string, sql: string | undefined, options?: { cause?: unknown }) {
    super(message, options);
    this.sql = sql;
  }
}

/**
 * The fields PostgreSQL reports with an error (its ErrorResponse message), as node-postgres, Neon's
 * driver, PGlite and the neon-http reply name them: the one list `PgErrorFields`, `DatabaseError`
 * and `pgErrorFields` are all made from.
 */
const PG_ERROR_FIELDS = [
  'code',
  'detail',
  'hint',
  'constraint',
  'table',
  'column',
  'schema',
  'dataType',
  'position',
  'severity',
  'where',
  'routine',
] as const;

type PgErrorField = (typeof PG_ERROR_FIELDS)[number];

/** The fields PostgreSQL reports with an error (its ErrorResponse message). */
export type PgErrorFields = { [F in PgErrorField]?: string | undefined };

/**
 * An error reported by the PostgreSQL server, the same on every adapter: `code` (the SQLSTATE),
 * `detail`, `hint`, `constraint`, `table`, `column`, `schema`, `dataType`, `position`, `severity`,
 * `where` (the call stack of a function that raised it) and `routine` (the server's source
 * routine), each undefined when the server did not send it.
 *
 * @example
 * catch (e) { if (e instanceof DatabaseError && e.code === '23505') ... } // unique_violation
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the constructor sets every field the interface below declares
export class DatabaseError extends GinoError {
  override name = 'DatabaseError';
  /** The SQL that failed (parameters are not included). */
  readonly sql: string | undefined;
  constructor(message: string, fields: PgErrorFields & { sql?: string }, options?: { cause?: unknown }) {
    super(message, options);
    const own = this as unknown as Record<PgErrorField, string | undefined>;
    for (const field of PG_ERROR_FIELDS) own[field] = fields[field];
    this.sql = fields.sql;
  }
}

/** `DatabaseError`'s PostgreSQL fields, one per name in `PG_ERROR_FIELDS`. */
export interface DatabaseError extends Readonly<Record<PgErrorField, string | undefined>> {}

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** Pick PostgreSQL's error fields off a driver error, whatever its shape; undefined if it has none. */
export function pgErrorFields(error: unknown): PgErrorFields | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as Record<string, unknown>;
  if (typeof e.code !== 'string' || !SQLSTATE.test(e.code)) return undefined;
  const fields: PgErrorFields = {};
  for (const field of PG_ERROR_FIELDS) {
    const value = e[field];
    fields[field] = typeof value === 'string' && value !== '' ? value : undefined;
  }
  return fields;
}

/**
 * Turn whatever an adapter threw into a gino-edge error, by SQLSTATE: a server error becomes
 * `DatabaseError` (`ConnectionError` when it ended the connection), a gino-edge error stays as it
 * is, anything else becomes a `GinoError` carrying the original as cause. A connection that failed
 * without a server error is the adapter's to report: it knows its driver, and throws
 * `ConnectionError` itself.
 */
export function toGinoError(error: unknown, sql?: string): GinoError {
  if (error instanceof GinoError) return error;
  const fields = pgErrorFields(error);
  const message = error instanceof Error ? error.message : String(error);
  if (fields) {
    if (endsConnection(fields)) return new ConnectionError(`connection lost: ${message}`, { cause: error });
    return new DatabaseError(message, { ...fields, ...(sql === undefined ? {} : { sql }) }, { cause: error });
  }
  return new GinoError(message, { cause: error });
}

/**
 * Whether a server error ended the connection. Class 08 is connection exception and 57P01-57P03
 * are admin shutdown / crash shutdown / cannot connect now; but a protocol violation (08P01) the
 * server reports at severity ERROR (a malformed Bind message, say) fails only that statement: the
 * server goes on reading the connection, which stays usable. A FATAL one ends it, and so, to be
 * safe, does one whose severity is unknown or localised (`lc_messages`).
 */
function endsConnection(fields: PgErrorFields): boolean {
  const code = fields.code ?? '';
  if (code === '08P01') return fields.severity !== 'ERROR';
  return code.startsWith('08') || /^57P0[123]$/.test(code);
}

/** Whether a statement's failure left its connection usable: only a plain server error does. */
export function leavesConnectionUsable(error: unknown): boolean {
  return toGinoError(error) instanceof DatabaseError;
}

/** A model class's name for messages ('User'), whatever it is given (a class or an instance). */
export function modelName(modelOrInstance: object): string {
  const target = typeof modelOrInstance === 'function' ? modelOrInstance : modelOrInstance.constructor;
  const name = (target as { name?: unknown }).name;
  return typeof name === 'string' && name ? name : 'the model';
}
