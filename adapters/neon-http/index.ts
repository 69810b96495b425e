/**
 * Neon HTTP adapter (`postgresql+neon-http://`): one HTTP request per statement, and `db.batch`
 * as one request (Neon's non-interactive transaction). No sessions, so no interactive
 * transactions, savepoints or cursors: the engine refuses those before any I/O and points to
 * `db.batch` and the session adapters.
 *
 * It speaks Neon's SQL-over-HTTP protocol itself, exactly as `@neondatabase/serverless`'s `neon()`
 * does (same headers, body and result format), rather than calling `neon()`: the driver (1.2.0)
 * reads `fetchEndpoint` and `fetchFunction` only from its global `neonConfig`, so two engines with
 * different endpoints could not coexist without changing global state. Here every option belongs
 * to its adapter, and the adapter needs no driver package at all, only `fetch`.
 *
 * @example
 * import { neonHttp } from 'gino-edge/adapters/neon-http';
 * await db.setBind(neonHttp(process.env.DATABASE_URL, { fetchOptions: { priority: 'high' } }));
 */
import type { Adapter, BatchOptions, DriverQuery, DriverResult } from '../../src/engine/adapter.js';
import { SESSION_PROBE, SESSION_SETUP_LOCAL, sessionSettingsFit } from '../../src/engine/adapter-kit.js';
import { registerAdapter } from '../../src/engine/resolve.js';
import { ConnectionError, InvalidRequestError, pgErrorFields } from '../../src/errors.js';
import { parserFor } from '../../src/types/parse.js';
import '../kit/catalogue.js';
// WebSocket settings (e.g. from a spread proxy.neonOptions) mean nothing over HTTP and are ignored.
import { NEON_HTTP_SETTINGS, NEON_WS_SETTINGS, parseNeonUrl, withPassword } from '../kit/neon.js';
import { pgLikeResult } from '../kit/pg-like.js';
import { NEON_HTTP } from './declaration.js';

export { parseNeonUrl };

/** The `fetch` this adapter calls: the runtime's, or one given in the options. */
export type FetchLike = (
  input: string,
  init: { method: string; headers: Record<string, string>; body: string; [option: string]: unknown },
) => Promise<{
  ok: boolean;
  status: number;
  json(): Promise<unknown>;
  text(): Promise<string>;
}>;

export interface NeonHttpOptions {
  /**
   * The SQL-over-HTTP endpoint: a URL, or a function of the URL's host and port. Default Neon's:
   * `https://api.<host minus its first label>/sql` (`apiauth.` with an `authToken`).
   */
  fetchEndpoint?: string | ((host: string, port: string, options: { jwtAuth: boolean }) => string);
  /** `Authorization: Bearer <token>` on every request (Neon RLS / third-party auth). */
  authToken?: string | (() => string | Promise<string>);
  /**
   * Merged into every `fetch` call's options (e.g. `{ priority: 'high' }`, a `signal`). Its
   * `headers` are added to the protocol's (which win over a header of the same name).
   */
  fetchOptions?: Record<string, unknown>;
  /** A `fetch` for this adapter only (a Worker service binding's `fetch`, a test double). */
  fetchFunction?: FetchLike;
  /**
   * How long one request (sending, the server's work, reading the reply) may take before it fails
   * with a ConnectionError: default 60 s; 0 for no limit. Outlives any `.gino.timeout(ms)`, which
   * the server enforces. A statement whose request timed out may or may not have run.
   */
  timeoutMs?: number;
  /**
   * The password for a URL that has none (the URL's own wins). Neon refuses a request without a
   * password; the dev proxy's `neonOptions` carry one for its trust-auth targets.
   */
  password?: string;
}

/** See `NeonHttpOptions.timeoutMs`. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** Neon's batch isolation header values. */
const ISOLATION: Readonly<Record<NonNullable<BatchOptions['isolation']>, string>> = {
  'read uncommitted': 'ReadUncommitted',
  'read committed': 'ReadCommitted',
  'repeatable read': 'RepeatableRead',
  serializable: 'Serializable',
};

/**
 * `db.batch(..., { deferrable: true })` as the batch's first statement rather than Neon's
 * `Neon-Batch-Deferrable` header: that header is not in Neon's CORS allow list, so from a browser
 * the request would fail before it is sent. The statement comes before any query, where
 * PostgreSQL accepts it, and does on Neon what the header does.
 */
const SET_DEFERRABLE: DriverQuery = { sql: 'SET TRANSACTION DEFERRABLE', params: [] };

/** Neon's default request and reply limits, for messages (its endpoint states its own). */
const NEON_LIMIT_TEXT = '10 MiB';

/** One statement's reply, as Neon sends it with `Neon-Raw-Text-Output` and `Neon-Array-Mode`. */
interface HttpResult {
  command: string;
  rowCount: number | null;
  fields: { name: string; dataTypeID: number }[];
  rows: (string | null)[][];
}

/** A PostgreSQL error from an HTTP 400 reply, with its fields, for `toGinoError`. */
class NeonHttpServerError extends Error {
  override name = 'NeonDbError';
  constructor(fields: Record<string, unknown>) {
    super(typeof fields.message === 'string' ? fields.message : 'the server reported an error');
    Object.assign(this, fields, { message: this.message });
  }
}

/**
 * One request's time limit: aborts the fetch (through its `signal`, together with any `signal` of
 * the caller's `fetchOptions`) and also stops waiting on a `fetchFunction` that ignores signals.
 */
class Deadline {
  private readonly controller: AbortController | undefined;
  private readonly timer: ReturnType<typeof setTimeout> | undefined;
  private readonly expired: Promise<never> | undefined;
  private readonly unlink: (() => void) | undefined;
  private timedOut = false;

  constructor(
    private readonly ms: number,
    fetchOptions: Record<string, unknown> | undefined,
  ) {
    const given = fetchOptions?.signal as AbortSignal | undefined;
    if (!(ms > 0) && !given) return;
    const controller = new AbortController();
    this.controller = controller;
    if (given) {
      const follow = () => controller.abort(given.reason);
      if (given.aborted) follow();
      else {
        given.addEventListener('abort', follow, { once: true });
        this.unlink = () => given.removeEventListener('abort', follow);
      }
    }
    if (ms > 0) {
      let expire!: (error: Error) => void;
      this.expired = new Promise<never>((_, reject) => {
        expire = reject;
      });
      this.expired.catch(() => undefined);
      this.timer = setTimeout(() => {
        this.timedOut = true;
        const error = new Error(`timed out after ${ms} ms`);
        controller.abort(error);
        expire(error);
      }, ms);
    }
  }

  /** What to merge into the fetch options: our signal, which follows the caller's. */
  get fetchOptions(): { signal?: AbortSignal } {
    return this.controller ? { signal: this.controller.signal } : {};
  }

  race<T>(work: Promise<T>): Promise<T> {
    return this.expired ? Promise.race([work, this.expired]) : work;
  }

  /** The error to report when the time limit is what ended the request. */
  error(endpoint: string): ConnectionError | undefined {
    if (!this.timedOut) return undefined;
    return new ConnectionError(
      `no reply from ${endpoint} within ${this.ms} ms (neon-http timeoutMs); the statement may or may not have run`,
    );
  }

  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.unlink?.();
  }
}

function toResult(r: HttpResult): DriverResult {
  const parsers = r.fields.map((f) => parserFor(f.dataTypeID));
  const rows = r.rows.map((row) => row.map((v, i) => (v === null ? null : (parsers[i] as (t: string) => unknown)(v))));
  return pgLikeResult({ command: r.command, rowCount: r.rowCount, fields: r.fields, rows });
}

function isHttpResult(value: unknown): value is HttpResult {
  const r = value as HttpResult | null;
  return typeof r === 'object' && r !== null && Array.isArray(r.fields) && Array.isArray(r.rows);
}

/**
 * Neon's refusal of a request before any SQL (HTTP 400, `code: ""`), as a ConnectionError: reason
 * `authentication` for credentials, tokens and connection strings, `refused` for the rest.
 */
function refusal(endpoint: string, message: string): ConnectionError {
  if (
    /authentication|password|credentials|jwt|token|role|username|connection string|connection-string|hostname|database name|scheme/i.test(
      message,
    )
  ) {
    return new ConnectionError(
      `${endpoint} refused the log-in: ${message}; check the URL's user, password and database (postgresql+neon-http://user:password@host/db), or the authToken`,
      { reason: 'authentication' },
    );
  }
  return new ConnectionError(`${endpoint} refused the request: ${message}`, { reason: 'refused' });
}

/** Neon's default endpoint: the host with its first label replaced by `api` (`apiauth` with a token). */
function defaultEndpoint(host: string, _port: string, options: { jwtAuth: boolean }): string {
  return `https://${host.replace(/^[^.]+\./, options.jwtAuth ? 'apiauth.' : 'api.')}/sql`;
}

/**
 * Whether the session defaults of a connection string (its role, database and options) at an
 * endpoint fit the shared parsers, as the first request of an adapter found out; kept for the
 * process (a Worker's isolate). Defaults changed later (ALTER ROLE ... SET DateStyle) are seen by
 * new processes.
 */
const learnt = new Map<string, 'fit' | 'unfit'>();

class NeonHttpAdapter implements Adapter {
  readonly name = 'neon-http';
  readonly capabilities = NEON_HTTP.capabilities;
  private readonly endpoint: string;
  private closed = false;
  /**
   * Whether the role's session defaults (DateStyle, IntervalStyle, extra_float_digits) output
   * what the shared parsers read. There is no session to set them on: Neon runs each request on
   * a pooled connection, as the role and database configure it, and a plain SET would outlive the
   * request on that connection. So until the first reply says, every statement goes as a batch
   * led by the probe and SET LOCAL (one request still); when they fit (the usual case) statements
   * go alone from then on, and when they do not, each request keeps its SET LOCAL lead.
   */
  private settings: 'unknown' | 'fit' | 'unfit';

  constructor(
    private readonly connectionString: string,
    host: string,
    port: string,
    private readonly options: NeonHttpOptions,
  ) {
    const jwtAuth = options.authToken !== undefined;
    const fetchEndpoint = options.fetchEndpoint ?? defaultEndpoint;
    this.endpoint = typeof fetchEndpoint === 'function' ? fetchEndpoint(host, port, { jwtAuth }) : fetchEndpoint;
    // What an earlier adapter of the same endpoint and connection string learnt (read again until
    // known): engines made per request (Workers) probe once per isolate, not on every request.
    this.settings = learnt.get(this.learntKey) ?? 'unknown';
  }

  private get learntKey(): string {
    return `${this.endpoint}\u0000${this.connectionString}`;
  }

  private async headers(): Promise<Record<string, string>> {
    const headers: Record<string, string> = {
      'Neon-Connection-String': this.connectionString,
      'Neon-Raw-Text-Output': 'true',
      'Neon-Array-Mode': 'true',
    };
    const { authToken } = this.options;
    if (authToken !== undefined) {
      let token: string;
      try {
        token = typeof authToken === 'function' ? await authToken() : authToken;
      } catch (error) {
        throw new ConnectionError(`could not get the auth token: ${(error as Error).message}`, { cause: error });
      }
      headers.Authorization = `Bearer ${token}`;
    }
    return headers;
  }

  /** The protocol's headers over the caller's `fetchOptions.headers`, names compared case-blind. */
  private withCallerHeaders(headers: Record<string, string>): Record<string, string> {
    const given = this.options.fetchOptions?.headers as
      | Record<string, string>
      | Iterable<readonly [string, string]>
      | { forEach(fn: (value: string, name: string) => void): void }
      | undefined;
    if (given === undefined || given === null) return headers;
    const merged: Record<string, string> = {};
    const add = (name: string, value: string) => {
      merged[name] = String(value);
    };
    if (typeof (given as { forEach?: unknown }).forEach === 'function' && !Array.isArray(given)) {
      (given as { forEach(fn: (value: string, name: string) => void): void }).forEach((value, name) => {
        add(name, value);
      });
    } else if (Symbol.iterator in Object(given)) {
      for (const [name, value] of given as Iterable<readonly [string, string]>) add(name, value);
    } else {
      for (const [name, value] of Object.entries(given as Record<string, string>)) add(name, value);
    }
    const ours = new Set(Object.keys(headers).map((k) => k.toLowerCase()));
    for (const name of Object.keys(merged)) if (ours.has(name.toLowerCase())) delete merged[name];
    return { ...merged, ...headers };
  }

  /** One request; the parsed JSON reply, or the server's error as a driver error. */
  private async post(body: unknown, protocolHeaders: Record<string, string>): Promise<unknown> {
    const headers = this.withCallerHeaders(protocolHeaders);
    if (this.closed) throw new ConnectionError('this neon-http adapter is closed');
    const fetchFn = this.options.fetchFunction ?? (globalThis.fetch as unknown as FetchLike | undefined);
    if (!fetchFn) throw new InvalidRequestError('neon-http needs fetch: give { fetchFunction } on this runtime');
    const deadline = new Deadline(this.options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, this.options.fetchOptions);
    try {
      let response: Awaited<ReturnType<FetchLike>>;
      try {
        response = await deadline.race(
          fetchFn(this.endpoint, {
            method: 'POST',
            ...this.options.fetchOptions,
            body: JSON.stringify(body),
            headers,
            ...deadline.fetchOptions,
          }),
        );
      } catch (error) {
        throw deadline.error(this.endpoint) ?? this.unreachable(error);
      }
      return await this.reply(response, deadline);
    } finally {
      deadline.clear();
    }
  }

  private unreachable(error: unknown): ConnectionError {
    return new ConnectionError(`could not reach ${this.endpoint}: ${(error as Error).message}`, { cause: error });
  }

  private async reply(response: Awaited<ReturnType<FetchLike>>, deadline: Deadline): Promise<unknown> {
    if (response.ok) {
      try {
        return await deadline.race(response.json());
      } catch (error) {
        throw (
          deadline.error(this.endpoint) ??
          new ConnectionError(
            `${this.endpoint} sent a reply that is not JSON (or the connection broke while reading it)`,
            {
              cause: error,
            },
          )
        );
      }
    }
    const text = await deadline.race(response.text()).catch(() => '');
    const late = deadline.error(this.endpoint);
    if (late) throw late;
    let fields: Record<string, unknown> | undefined;
    try {
      const parsed = JSON.parse(text) as unknown;
      fields = typeof parsed === 'string' ? { message: parsed } : (parsed as Record<string, unknown>);
    } catch {
      fields = undefined;
    }
    const message = typeof fields?.message === 'string' ? fields.message : text.slice(0, 500);
    if (response.status === 400) {
      // A PostgreSQL error (it has a SQLSTATE): toGinoError makes it a DatabaseError.
      if (fields && pgErrorFields(fields)) throw new NeonHttpServerError(fields);
      // Neon's own refusals (code ""): the credentials, the token, the connection string, the request.
      throw refusal(this.endpoint, message);
    }
    if (response.status === 413) {
      throw new ConnectionError(
        `${this.endpoint} refused the request as too large (HTTP 413: ${message}); Neon takes ${NEON_LIMIT_TEXT} per request by default: send fewer or smaller statements per request, or load bulk data over a session adapter (neon-ws, pg)`,
        { reason: 'too-large' },
      );
    }
    if (response.status === 507) {
      throw new ConnectionError(
        `${this.endpoint} could not send the reply (HTTP 507: ${message}); Neon sends ${NEON_LIMIT_TEXT} of rows per reply by default: page the query (LIMIT with keyset or OFFSET), or iterate over a session adapter (neon-ws, pg: .gino.iterate())`,
        { reason: 'too-large' },
      );
    }
    throw new ConnectionError(`${this.endpoint} answered HTTP ${response.status}: ${message}`);
  }

  /**
   * Statements that go first in a request while the role's session defaults are not known to
   * output what the shared parsers read: the probe (on the first requests only) and SET LOCAL.
   */
  private lead(): readonly DriverQuery[] {
    if (this.settings === 'unknown') this.settings = learnt.get(this.learntKey) ?? 'unknown';
    if (this.settings === 'fit') return [];
    return this.settings === 'unknown' ? [...SESSION_PROBE, ...SESSION_SETUP_LOCAL] : SESSION_SETUP_LOCAL;
  }

  /** Read the probe's answers, when the request carried it. */
  private learn(lead: readonly DriverQuery[], results: readonly DriverResult[]): void {
    if (lead[0] !== SESSION_PROBE[0] || this.settings !== 'unknown') return;
    const values = results.slice(0, SESSION_PROBE.length).map((r) => r.rows[0]?.[0]);
    this.settings = sessionSettingsFit(values) ? 'fit' : 'unfit';
    if (learnt.size < 64) learnt.set(this.learntKey, this.settings);
  }

  async query(q: DriverQuery): Promise<DriverResult> {
    const lead = this.lead();
    if (lead.length === 0) return this.single(q);
    let results: DriverResult[];
    try {
      results = await this.send([...lead, q], {});
    } catch (error) {
      // 25001: the statement cannot run inside a transaction block (VACUUM, CREATE DATABASE, ...).
      // It did not run; alone it can, and such statements return no values to read.
      if (pgErrorFields(error)?.code === '25001') return this.single(q);
      throw error;
    }
    this.learn(lead, results);
    return results[results.length - 1] as DriverResult;
  }

  private async single(q: DriverQuery): Promise<DriverResult> {
    const reply = await this.post({ query: q.sql, params: q.params }, await this.headers());
    if (!isHttpResult(reply)) throw new ConnectionError(`${this.endpoint} sent an unexpected reply`);
    return toResult(reply);
  }

  async batch(queries: readonly DriverQuery[], options: BatchOptions): Promise<DriverResult[]> {
    if (queries.length === 0) return [];
    const lead = this.lead();
    const results = await this.send([...lead, ...queries], options);
    this.learn(lead, results);
    return results.slice(lead.length);
  }

  /**
   * One request running `queries` in one transaction (Neon's batch). Neon adds a clause only for
   * a header that is exactly `true`, so `false` (the default) sends nothing; `deferrable` goes as
   * the batch's first statement (see SET_DEFERRABLE).
   */
  private async send(queries: readonly DriverQuery[], options: BatchOptions): Promise<DriverResult[]> {
    const headers = await this.headers();
    if (options.isolation !== undefined) headers['Neon-Batch-Isolation-Level'] = ISOLATION[options.isolation];
    if (options.readOnly === true) headers['Neon-Batch-Read-Only'] = 'true';
    const sent = options.deferrable === true ? [SET_DEFERRABLE, ...queries] : queries;
    const reply = await this.post({ queries: sent.map((q) => ({ query: q.sql, params: q.params })) }, headers);
    const results = (reply as { results?: unknown } | null)?.results;
    if (!Array.isArray(results) || results.length !== sent.length || !results.every(isHttpResult)) {
      throw new ConnectionError(`${this.endpoint} sent an unexpected reply to a batch`);
    }
    return results.slice(sent.length - queries.length).map(toResult);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/**
 * A neon-http adapter from a `postgresql+neon-http://` (or `postgresql://`) URL. The URL is checked
 * here, before any request.
 */
export function neonHttp(url: string, options: NeonHttpOptions & Record<string, unknown> = {}): Adapter {
  const unknown = Object.keys(options).filter(
    (k) => !NEON_HTTP_SETTINGS.has(k) && !NEON_WS_SETTINGS.has(k) && k !== 'password',
  );
  if (unknown.length > 0) {
    throw new InvalidRequestError(
      `neon-http: unknown option ${unknown.map((k) => `'${k}'`).join(', ')}; it takes ${[...NEON_HTTP_SETTINGS].join(', ')}`,
    );
  }
  if (options.password !== undefined && typeof options.password !== 'string') {
    throw new InvalidRequestError('neon-http: password takes a string (it serves a URL that has none)');
  }
  const { connectionString, host, port } = parseNeonUrl(withPassword(url, options.password));
  const { fetchEndpoint, authToken, fetchOptions, fetchFunction, timeoutMs } = options;
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs >= 0)) {
    throw new InvalidRequestError(
      `neon-http: timeoutMs takes a number of milliseconds (0 for no limit), got ${timeoutMs}`,
    );
  }
  return new NeonHttpAdapter(connectionString, host, port, {
    fetchEndpoint,
    authToken,
    fetchOptions,
    fetchFunction,
    timeoutMs,
  });
}

registerAdapter(NEON_HTTP.name, (url, options) => neonHttp(url, options), NEON_HTTP);

export default neonHttp;
