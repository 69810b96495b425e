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

/** The fields PostgreSQL reports with an error (its ErrorResponse message). */
export interface PgErrorFields {
  code?: string | undefined;
  detail?: string | undefined;
  hint?: string | undefined;
  constraint?: string | undefined;
  table?: string | undefined;
  column?: string | undefined;
  schema?: string | undefined;
  dataType?: string | undefined;
  position?: string | undefined;
  severity?: string | undefined;
  where?: string | undefined;
  routine?: string | undefined;
}

/**
 * An error reported by the PostgreSQL server, the same on every adapter.
 *
 * @example
 * catch (e) { if (e instanceof DatabaseError && e.code === '23505') ... } // unique_violation
 */
export class DatabaseError extends GinoError {
  override name = 'DatabaseError';
  readonly code: string | undefined;
  readonly detail: string | undefined;
  readonly hint: string | undefined;
  readonly constraint: string | undefined;
  readonly table: string | undefined;
  readonly column: string | undefined;
  readonly schema: string | undefined;
  readonly dataType: string | undefined;
  readonly position: string | undefined;
  readonly severity: string | undefined;
  /** The SQL that failed (parameters are not included). */
  readonly sql: string | undefined;
  constructor(message: string, fields: PgErrorFields & { sql?: string }, options?: { cause?: unknown }) {
    super(message, options);
    this.code = fields.code;
    this.detail = fields.detail;
    this.hint = fields.hint;
    this.constraint = fields.constraint;
    this.table = fields.table;
    this.column = fields.column;
    this.schema = fields.schema;
    this.dataType = fields.dataType;
    this.position = fields.position;
    this.severity = fields.severity;
    this.sql = fields.sql;
  }
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** Pick PostgreSQL's error fields off a driver error, whatever its shape; undefined if it has none. */
export function pgErrorFields(error: unknown): PgErrorFields | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as Record<string, unknown>;
  const code = e.code;
  if (typeof code !== 'string' || !SQLSTATE.test(code)) return undefined;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    code,
    detail: str(e.detail),
    hint: str(e.hint),
    constraint: str(e.constraint),
    table: str(e.table),
    column: str(e.column),
    schema: str(e.schema),
    dataType: str(e.dataType),
    position: str(e.position),
    severity: str(e.severity),
    where: str(e.where),
    routine: str(e.routine),
  };
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const NETWORK_MESSAGE =
  /connection|terminated|socket|websocket|network|fetch failed|ECONN|EPIPE|closed|timeout|timed out|reset|refused|unexpected end/i;

/** Whether a driver error means the connection failed (as opposed to a server error or a bug). */
export function isConnectionFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; message?: unknown; name?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  if (e.name === 'AbortError' || e.name === 'TimeoutError') return true;
  if (typeof e.message === 'string' && NETWORK_MESSAGE.test(e.message)) return true;
  return e.cause !== undefined && e.cause !== error && isConnectionFailure(e.cause);
}

/**
 * Turn whatever a driver threw into a gino-edge error: server errors become `DatabaseError`,
 * network failures `ConnectionError`, anything else a `GinoError` carrying the original as cause.
 */
export function toGinoError(error: unknown, sql?: string): GinoError {
  if (error instanceof GinoError) return error;
  const fields = pgErrorFields(error);
  const message = error instanceof Error ? error.message : String(error);
  if (fields) {
    if (endsConnection(fields)) return new ConnectionError(`connection lost: ${message}`, { cause: error });
    return new DatabaseError(message, { ...fields, ...(sql === undefined ? {} : { sql }) }, { cause: error });
  }
  if (isConnectionFailure(error)) return new ConnectionError(connectionMessage(message), { cause: error });
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

function connectionMessage(message: string): string {
  if (/ECONNREFUSED/.test(message)) {
    return `${message}: is the database server running, and are the URL's host and port right?`;
  }
  return message;
}

/** A model class's name for messages ('User'), whatever it is given (a class or an instance). */
export function modelName(modelOrInstance: object): string {
  const target = typeof modelOrInstance === 'function' ? modelOrInstance : modelOrInstance.constructor;
  const name = (target as { name?: unknown }).name;
  return typeof name === 'string' && name ? name : 'the model';
}
