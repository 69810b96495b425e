/**
 * PGlite adapter (`pglite://memory`, `pglite://<dir>`): PostgreSQL in WebAssembly, embedded. One
 * connection, so a held session (transaction, cursor) has it to itself until released; other
 * statements wait their turn. Before its first statement the instance's session gets the output
 * settings the shared parsers read (`SESSION_SETTINGS`: ISO dates, ...), once per instance, also on
 * an instance handed in: its own later queries see them too.
 *
 * @example
 * import { PGlite } from '@electric-sql/pglite';
 * import { pglite } from 'gino-edge/adapters/pglite';
 * await db.setBind(pglite(new PGlite()));
 */
import type { Adapter, DriverQuery, DriverResult, Session } from '../../src/engine/adapter.js';
import { commandTag, heldSession, settleSession, Turnstile } from '../../src/engine/adapter-kit.js';
import { registerAdapter } from '../../src/engine/resolve.js';
import { ConnectionError, GinoError, InvalidRequestError, pgErrorFields, UnsupportedError } from '../../src/errors.js';
import { KNOWN_OIDS, parserFor } from '../../src/types/parse.js';
import '../kit/catalogue.js';
import { driverFailure } from '../kit/connection-errors.js';
import { PGLITE } from './declaration.js';

interface PGliteResults {
  rows: unknown[][];
  fields: { name: string; dataTypeID: number }[];
  affectedRows?: number;
  command?: string;
  rowCount?: number;
}

type Parsers = Record<number, (text: string, typeId?: number) => unknown>;

interface QueryOptions {
  rowMode?: 'array';
  parsers?: Parsers;
  serializers?: Record<number, (v: unknown) => string>;
  /** The data of a `COPY ... FROM '/dev/blob'` (PGlite 0.2 and later). */
  blob?: Blob;
}

/** The slice of a PGlite instance this adapter uses. */
export interface PGliteLike {
  query(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<PGliteResults>;
  /** Several statements in one call (the simple query protocol): the adapter's `script()`. */
  exec?(sql: string): Promise<unknown>;
  close(): Promise<void>;
  readonly waitReady?: Promise<void>;
  readonly parsers?: Parsers;
  readonly closed?: boolean;
}

/** The end of the engine's COPY statement, where PGlite reads its data from a Blob instead. */
const STDIN = /\sFROM STDIN$/;

/** What PGlite says once its instance is closed: the one connection is gone. */
const PGLITE_LOST = /^PGlite is closed/;

/** Parameters arrive already serialised to text: hand them over untouched, whatever their type. */
const asText = (v: unknown) => v as string;
const RAW_SERIALIZERS = new Proxy({} as Record<number, (v: unknown) => string>, { get: () => asText });

function parsersFor(instance: PGliteLike): Parsers {
  const out: Parsers = {};
  // Cover every OID the instance would parse itself, so its own parsers never apply.
  const oids = new Set<number>([...KNOWN_OIDS, ...Object.keys(instance.parsers ?? {}).map(Number)]);
  for (const oid of oids) {
    if (!Number.isInteger(oid)) continue;
    const parse = parserFor(oid);
    out[oid] = (text: string) => parse(text);
  }
  return out;
}

function lost(error: unknown): never {
  throw driverFailure(error, PGLITE_LOST);
}

function toResult(r: PGliteResults): DriverResult {
  const command = r.command ?? 'SELECT';
  const n = r.rowCount ?? (command === 'SELECT' ? r.rows.length : (r.affectedRows ?? 0));
  const tag = commandTag(command, r.rowCount === undefined && command !== 'SELECT' ? undefined : n);
  return { command: tag, rowCount: n, fields: r.fields, rows: r.rows };
}

class PGliteAdapter implements Adapter {
  readonly name = 'pglite';
  readonly capabilities = PGLITE.capabilities;
  private instance: PGliteLike | undefined;
  private opening: Promise<PGliteLike> | undefined;
  private options: QueryOptions = { rowMode: 'array', serializers: RAW_SERIALIZERS };
  /** The tail of the queue for the single connection. */
  private readonly lock = new Turnstile();

  constructor(
    private readonly make: () => Promise<PGliteLike> | PGliteLike,
    private readonly owns: boolean,
    private readonly waitLimit: number,
  ) {}

  private async db(): Promise<PGliteLike> {
    if (this.instance) return this.instance;
    this.opening ??= Promise.resolve(this.make())
      .then(async (i) => {
        await i.waitReady;
        // The instance's one session outputs what the shared parsers read, whatever was SET on it
        // before (once per instance, also when several adapters share it).
        await settleSession(i, (setup) => i.query(setup.sql));
        if (this.owns && i.parsers) {
          // Our own instance: install the shared parsers on it once, instead of on every query.
          Object.assign(i.parsers, parsersFor(i));
          this.options = { rowMode: 'array', serializers: RAW_SERIALIZERS };
        } else {
          this.options = { rowMode: 'array', serializers: RAW_SERIALIZERS, parsers: parsersFor(i) };
        }
        this.instance = i;
        return i;
      })
      .catch(openFailure);
    return this.opening;
  }

  private run(db: PGliteLike, q: DriverQuery): Promise<DriverResult> {
    try {
      return db.query(q.sql, q.params, this.options).then(toResult, lost);
    } catch (error) {
      return Promise.reject(driverFailure(error, PGLITE_LOST));
    }
  }

  /**
   * Wait for the connection; resolves to the function that hands it back. A wait longer than the
   * limit fails with a ConnectionError instead of hanging: with one connection, a statement sent
   * on the engine while this same code holds a transaction or an open `iterate()` would otherwise
   * wait for itself forever.
   */
  private acquire(): Promise<() => void> {
    return this.lock.enter({ ms: this.waitLimit, error: () => waitError(this.waitLimit) });
  }

  /**
   * A statement. With the instance open and the connection free (the common case), it goes at once:
   * PGlite's own work per statement is the same, and the promise hops of waiting are saved. Once the
   * instance is open every caller (statement, script, session) takes its place in the queue at the
   * moment it calls, so the connection serves them in call order.
   */
  query(q: DriverQuery): Promise<DriverResult> {
    const db = this.instance;
    const release = db && this.lock.tryEnter();
    if (!db || !release) return this.queued(q);
    const result = this.run(db, q);
    result.then(release, release);
    return result;
  }

  private async queued(q: DriverQuery): Promise<DriverResult> {
    const db = this.instance ?? (await this.db());
    const release = await this.acquire();
    try {
      return await this.run(db, q);
    } finally {
      release();
    }
  }

  /** A script through PGlite's `exec`: several statements, one implicit transaction. */
  async script(sql: string): Promise<void> {
    const db = this.instance ?? (await this.db());
    if (typeof db.exec !== 'function') {
      throw new UnsupportedError(
        'this PGlite instance has no exec(), which runs a script of several statements; give the adapter a PGlite instance (@electric-sql/pglite >= 0.2)',
      );
    }
    const release = await this.acquire();
    try {
      await db.exec(sql);
    } finally {
      release();
    }
  }

  async connect(): Promise<Session> {
    const db = this.instance ?? (await this.db());
    const release = await this.acquire();
    return heldSession(
      (q) => this.run(db, q),
      () => release(),
      (sql, data) => this.copyIn(db, sql, data),
    );
  }

  /**
   * `COPY ... FROM STDIN` as PGlite runs it: `FROM '/dev/blob'`, the data handed over whole as a
   * Blob (PGlite reads it into memory), so the engine sends at most `copyChunkChars` per statement.
   */
  private async copyIn(db: PGliteLike, sql: string, data: AsyncIterable<string>): Promise<number> {
    if (!STDIN.test(sql)) throw new InvalidRequestError(`not a COPY ... FROM STDIN: ${sql}`);
    const parts: string[] = [];
    for await (const block of data) parts.push(block);
    const r = await this.runWith(db, sql.replace(STDIN, " FROM '/dev/blob'"), {
      ...this.options,
      blob: new Blob(parts),
    });
    return r.rowCount;
  }

  private async runWith(db: PGliteLike, sql: string, options: QueryOptions): Promise<DriverResult> {
    try {
      return toResult(await db.query(sql, [], options));
    } catch (error) {
      throw driverFailure(error, PGLITE_LOST);
    }
  }

  async close(): Promise<void> {
    const db = this.instance ?? (this.opening ? await this.opening.catch(() => undefined) : undefined);
    if (db && this.owns && !db.closed) await db.close();
  }
}

interface PGliteModule {
  PGlite: { create?: (dir?: string, o?: object) => Promise<PGliteLike> } & (new (
    dir?: string,
    o?: object,
  ) => PGliteLike);
}

async function loadPGlite(): Promise<PGliteModule> {
  try {
    return (await import('@electric-sql/pglite')) as unknown as PGliteModule;
  } catch (error) {
    throw new InvalidRequestError(
      `the pglite adapter needs '@electric-sql/pglite': npm install @electric-sql/pglite (${(error as Error).message})`,
      { cause: error },
    );
  }
}

async function openPGlite(dataDir: string | undefined, options: Record<string, unknown>): Promise<PGliteLike> {
  const mod = await loadPGlite();
  return new mod.PGlite(dataDir, options);
}

/** An instance that could not be opened (its data directory, its WebAssembly) is a connection that could not be made. */
function openFailure(error: unknown): never {
  if (error instanceof GinoError || pgErrorFields(error)) throw error;
  throw new ConnectionError(`could not open the PGlite database: ${(error as Error)?.message ?? String(error)}`, {
    cause: error,
  });
}

function waitError(ms: number): ConnectionError {
  return new ConnectionError(
    `waited ${ms} ms for PGlite's only connection, held by a transaction, acquire() or iterate() ` +
      'that has not ended; inside one, run statements on it ({ bind: tx }, or within db.transaction()), ' +
      'or finish it first (connectionTimeoutMillis sets this limit; 0: no limit)',
  );
}

/**
 * How long a statement or session may wait for PGlite's one connection before it fails with a
 * ConnectionError (option `connectionTimeoutMillis`; 0: no limit).
 */
export const DEFAULT_WAIT_MS = 30_000;

/** `pglite://memory` → in memory; `pglite://<dir>` → a data directory. */
export function dataDirOf(url: string): string | undefined {
  const rest = url.replace(/^pglite:\/\//i, '');
  if (rest === '' || rest === 'memory' || rest === 'memory/') return undefined;
  return decodeURIComponent(rest);
}

/** PGlite's own options (`new PGlite(dataDir, options)`, PGlite 0.2 to 0.5), passed through. */
const PGLITE_OPTIONS = new Set([
  'noInitDb',
  'dataDir',
  'username',
  'database',
  'fs',
  'pgDataProxyFs',
  'debug',
  'relaxedDurability',
  'extensions',
  'loadDataDir',
  'icuDataDir',
  'initialMemory',
  'wasmModule',
  'pgliteWasmModule',
  'initdbWasmModule',
  'fsBundle',
  'parsers',
  'serializers',
  'startParams',
  'initDbStartParams',
  'postgresqlconf',
  'onStdout',
  'onStderr',
]);

/**
 * A PGlite adapter from a URL (`pglite://memory`, `pglite://./data`), or an existing instance
 * (not closed by gino-edge unless `{ own: true }`). Options are `connectionTimeoutMillis`, `own`
 * and PGlite's own; anything else is refused, naming it (a misspelt option never goes unnoticed).
 */
export function pglite(
  instanceOrUrl: PGliteLike | string = 'pglite://memory',
  options: Record<string, unknown> & { own?: boolean; connectionTimeoutMillis?: number } = {},
): Adapter {
  const { own, connectionTimeoutMillis, ...pgliteOptions } = options;
  if (
    connectionTimeoutMillis !== undefined &&
    (typeof connectionTimeoutMillis !== 'number' || !(connectionTimeoutMillis >= 0))
  ) {
    throw new InvalidRequestError(
      `pglite adapter: connectionTimeoutMillis takes a number of milliseconds (0: no limit), got ${String(connectionTimeoutMillis)}`,
    );
  }
  const wait = connectionTimeoutMillis ?? DEFAULT_WAIT_MS;
  const unknown = Object.keys(pgliteOptions).filter((k) => !PGLITE_OPTIONS.has(k));
  if (unknown.length) {
    throw new InvalidRequestError(
      `pglite adapter: unknown option ${unknown.map((k) => `'${k}'`).join(', ')}; it takes connectionTimeoutMillis, own ` +
        `and PGlite's options (${[...PGLITE_OPTIONS].join(', ')})`,
    );
  }
  if (typeof instanceOrUrl === 'string') {
    const dir = dataDirOf(instanceOrUrl);
    return new PGliteAdapter(() => openPGlite(dir, pgliteOptions), true, wait);
  }
  return new PGliteAdapter(() => instanceOrUrl, own === true, wait);
}

// Binding by URL loads the driver at once, so a missing package fails setBind(), before any statement.
registerAdapter(
  PGLITE.name,
  async (url, options) => {
    await loadPGlite();
    return pglite(url, options);
  },
  PGLITE,
);

export default pglite;
