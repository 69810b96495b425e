/**
 * What any adapter may use, whatever its driver: the session settings the shared parsers read
 * values in, command tags, a held session, and the turnstile the engine and single-connection
 * adapters queue on. Driver-free; what is shaped after one driver family (node-postgres's query
 * shape, Neon's options) lives with the adapters, in `adapters/kit/`.
 */

import { GinoError } from '../errors.js';
import type { DriverQuery, Session } from './adapter.js';

/**
 * The output settings the shared parsers read values in, whatever a database, role or URL's
 * `options` set: ISO dates and timestamps (DateStyle `ISO`; the day/month order, which only
 * governs how ambiguous input such as `03/04/2020` is read, stays the database's), intervals in
 * PostgreSQL's own style, and floats that read back exactly (`extra_float_digits` 3: the shortest
 * exact form from PostgreSQL 12 on, 17 significant digits before).
 */
export const SESSION_SETTINGS: Readonly<Record<'DateStyle' | 'IntervalStyle' | 'extra_float_digits', string>> =
  Object.freeze({ DateStyle: 'ISO', IntervalStyle: 'postgres', extra_float_digits: '3' });

const setAll = (local: boolean) =>
  `SELECT ${Object.entries(SESSION_SETTINGS)
    .map(([name, value]) => `set_config('${name}', '${value}', ${local})`)
    .join(', ')}`;

/** Sets `SESSION_SETTINGS` for the session (one statement, as the extended protocol takes it). */
export const SESSION_SETUP: DriverQuery = Object.freeze({ sql: setAll(false), params: [] });

/**
 * Sets `SESSION_SETTINGS` until the end of the current transaction, one `SET LOCAL` each. SET
 * takes no snapshot, so a `SET TRANSACTION ISOLATION LEVEL` after these still works.
 */
export const SESSION_SETUP_LOCAL: readonly DriverQuery[] = Object.freeze(
  Object.entries(SESSION_SETTINGS).map(([name, value]) =>
    Object.freeze({ sql: `SET LOCAL ${name} = '${value}'`, params: [] }),
  ),
);

/** The names `SESSION_PROBE` asks for, in order: the settings, then the server's version. */
const PROBED = [...Object.keys(SESSION_SETTINGS), 'server_version_num'];

/**
 * The session's own values of the settings and the server's version, one `SHOW` each (SHOW, like
 * SET, takes no snapshot): their single values, in order, are what `sessionSettingsFit` reads.
 */
export const SESSION_PROBE: readonly DriverQuery[] = Object.freeze(
  PROBED.map((name) => Object.freeze({ sql: `SHOW ${name}`, params: [] })),
);

/** Whether a session whose `SESSION_PROBE` values are `values` already outputs what the shared parsers read. */
export function sessionSettingsFit(values: readonly unknown[]): boolean {
  const [dateStyle, intervalStyle, floatDigits, version] = values.map(String);
  const digits = Number(floatDigits);
  // Any positive extra_float_digits selects the shortest exact output from PostgreSQL 12 on.
  const exact = digits >= 3 || (digits >= 1 && Number(version) >= 120000);
  return /^ISO\b/i.test(dateStyle ?? '') && intervalStyle === 'postgres' && exact;
}

/** Physical connections (driver clients, PGlite instances) whose session settings are being set. */
const settling = new WeakMap<object, Promise<void>>();
/** Physical connections whose session settings are in place. */
const settled = new WeakSet<object>();

/**
 * Run `SESSION_SETUP` on a connection before its first statement, once per physical connection
 * (a pool's clients are told apart by identity, whoever made the pool). Undefined once it is done,
 * so a statement on a settled connection waits for nothing. A SET statement rather than a startup
 * option: PgBouncer in transaction mode replays the parameters the server reports (DateStyle
 * always, IntervalStyle where configured) on each server connection it hands the client, and may
 * refuse a startup `options` parameter. extra_float_digits is not reported, so behind such a
 * pooler it holds only where the database's own default allows exact floats (PostgreSQL 12's
 * default does). If the setup fails, the next statement on the connection tries again.
 */
export function settleSession(
  connection: object,
  run: (q: DriverQuery) => Promise<unknown>,
): Promise<void> | undefined {
  if (settled.has(connection)) return undefined;
  let pending = settling.get(connection);
  if (!pending) {
    pending = run(SESSION_SETUP).then(
      () => {
        settled.add(connection);
        settling.delete(connection);
      },
      (error: unknown) => {
        settling.delete(connection);
        throw error;
      },
    );
    settling.set(connection, pending);
  }
  return pending;
}

/** The full command tag (`INSERT 0 1`, `UPDATE 3`) from a command word and a row count. */
export function commandTag(command: string, rowCount: number | null | undefined): string {
  if (rowCount === null || rowCount === undefined) return command;
  return command === 'INSERT' ? `INSERT 0 ${rowCount}` : `${command} ${rowCount}`;
}

/**
 * A session on one held connection: its statements and COPYs (refused once it is released), and
 * `release` run once (later calls do nothing).
 */
export function heldSession(
  query: Session['query'],
  release: (error?: unknown) => void | Promise<void>,
  copyIn?: NonNullable<Session['copyIn']>,
): Session {
  let released = false;
  const gone = () => Promise.reject(new GinoError('this session was released'));
  const session: Session = {
    query: (q) => (released ? gone() : query(q)),
    release: async (error?: unknown) => {
      if (released) return;
      released = true;
      await release(error);
    },
  };
  if (copyIn) session.copyIn = (sql, data) => (released ? gone() : copyIn(sql, data));
  return session;
}

/** Lets one holder in at a time, in call order (a single connection, one transaction level). */
export class Turnstile {
  private tail: Promise<void> = Promise.resolve();
  /** Holders and waiters: a caller finding none is let in without waiting. */
  private inside = 0;

  /**
   * Let the caller in at once when nobody holds or waits: the function that lets the next one in,
   * else undefined (then `enter()` queues). Saves the promise hops of `enter()` on the common path.
   */
  tryEnter(): (() => void) | undefined {
    if (this.inside !== 0) return undefined;
    this.inside++;
    let resolve!: () => void;
    this.tail = new Promise<void>((r) => {
      resolve = r;
    });
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.inside--;
      resolve();
    };
  }

  /**
   * Wait for the holders before; resolves to the function that lets the next one in. With a
   * `limit`, a caller that has to wait longer fails with `limit.error()` instead, and its turn,
   * when it comes, is handed on at once.
   */
  enter(limit?: { ms: number; error: () => Error }): Promise<() => void> {
    const free = this.inside === 0;
    this.inside++;
    let leave!: () => void;
    const held = new Promise<void>((resolve) => {
      let left = false;
      leave = () => {
        if (left) return;
        left = true;
        this.inside--;
        resolve();
      };
    });
    const ready = this.tail.then(() => leave);
    this.tail = this.tail.then(() => held);
    if (free || !limit || !(limit.ms > 0)) return ready;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        void ready.then((let_go) => let_go());
        reject(limit.error());
      }, limit.ms);
      void ready.then((let_go) => {
        clearTimeout(timer);
        resolve(let_go);
      });
    });
  }
}
