/**
 * The adapter interface: the small slice of a driver the engine uses. An adapter module
 * (`adapters/<name>/index.ts`) implements it for one driver, states its capabilities, and
 * registers its URL schemes and capabilities (`registerAdapter`); the core never imports a driver
 * and knows no adapter by name.
 */

/** What an adapter can do. The engine refuses anything else before any I/O (`UnsupportedError`). */
export interface Capabilities {
  /** Dedicated connections held across statements (`db.acquire`, transactions, cursors). */
  readonly sessions: boolean;
  /** Interactive transactions (`db.transaction`). */
  readonly transactions: boolean;
  /** Nested transactions as SAVEPOINTs. */
  readonly savepoints: boolean;
  /** Server-side cursors (`iterate()`). */
  readonly cursors: boolean;
  /** `db.batch` runs as one native request (else as a transaction on one connection). */
  readonly nativeBatch: boolean;
  /** `statement_timeout` cancels a running statement (`.gino.timeout(ms)`). */
  readonly timeouts: boolean;
  /**
   * Whether session state (a session `SET`, `LISTEN`, a session advisory lock, a temporary table)
   * stays with this client between transactions. False behind a transaction-mode pooler (PgBouncer,
   * Neon's `-pooler` endpoints, Hyperdrive): the engine then refuses such statements before any
   * I/O. Absent means true. (Neon's HTTP endpoint resets the session after every request, so
   * nothing a request leaves reaches another: neon-http keeps it absent.)
   */
  readonly sessionState?: boolean;
  /**
   * How a `.gino.timeout(ms)` statement reaches the server: `'transaction'`, a `SET LOCAL
   * statement_timeout` before it in a transaction of its own, or `'batch'`, the two together as one
   * native batch (an adapter without sessions). Unstated: a transaction where the adapter has
   * transactions, else its native batch.
   */
  readonly timeoutVia?: 'transaction' | 'batch';
  /**
   * `COPY ... FROM STDIN` (`db.copyInto`): its sessions have `copyIn`. Absent means false.
   */
  readonly copy?: boolean;
  /**
   * How much COPY text (in characters) one COPY statement may carry, for a driver that holds the
   * whole of it in memory (PGlite): more rows go as several statements in one transaction level.
   * Absent: one statement streams any amount.
   */
  readonly copyChunkChars?: number;
}

/** A statement as the driver gets it: SQL with `$n` placeholders and text parameters. */
export interface DriverQuery {
  readonly sql: string;
  readonly params: readonly (string | null)[];
}

export interface DriverField {
  readonly name: string;
  /** The PostgreSQL type OID, used to parse the values. */
  readonly dataTypeID: number;
}

/** A statement's result: rows as arrays, values already parsed by `src/types/parse.ts`. */
export interface DriverResult {
  /** The command tag, e.g. `UPDATE 9`, `SELECT 3`, `INSERT 0 1`. */
  readonly command: string;
  readonly rowCount: number;
  readonly fields: readonly DriverField[];
  readonly rows: readonly (readonly unknown[])[];
}

export interface BatchOptions {
  isolation?: 'read uncommitted' | 'read committed' | 'repeatable read' | 'serializable' | undefined;
  readOnly?: boolean | undefined;
  deferrable?: boolean | undefined;
}

/** A connection held for a while: a transaction, a cursor, `db.acquire`. */
export interface Session {
  query(q: DriverQuery): Promise<DriverResult>;
  /**
   * Run `sql`, a `COPY ... FROM STDIN` in text format, with `data` as its data lines, pulled as it
   * goes (the driver's write buffer paces it); resolves to the rows copied (the command tag's
   * count). When `data` throws, the COPY is aborted (nothing of it stays) and this rejects with
   * that error. Adapters with `copy`.
   */
  copyIn?(sql: string, data: AsyncIterable<string>): Promise<number>;
  /** Give the connection back; with an error, close it instead of reusing it. */
  release(error?: unknown): Promise<void>;
}

export interface Adapter {
  /** `pg`, `pglite`, `neon-ws`, `neon-http`, ... */
  readonly name: string;
  readonly capabilities: Capabilities;
  /** Run one statement on any connection, in autocommit. */
  query(q: DriverQuery): Promise<DriverResult>;
  /** Take a dedicated connection (adapters with `sessions`). */
  connect?(): Promise<Session>;
  /** Run statements atomically in one request (adapters with `nativeBatch`). */
  batch?(queries: readonly DriverQuery[], options: BatchOptions): Promise<DriverResult[]>;
  /**
   * Run a script of several statements (a migration file) in one request, through the driver's
   * own multi-statement path: PostgreSQL's simple query protocol (pg's `client.query(text)`,
   * PGlite's `exec`). The statements run in order in one implicit transaction: all of them or
   * none. No parameters; results are not returned. Optional: without it the engine splits the
   * script (`splitStatements`) and runs the statements in one transaction (one native batch on
   * neon-http), which comes to the same.
   */
  script?(sql: string): Promise<void>;
  /** Close every connection; the adapter is not used again. */
  close(): Promise<void>;
}
