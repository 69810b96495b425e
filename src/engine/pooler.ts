/**
 * Transaction-mode poolers: PgBouncer with `pool_mode = transaction`, Neon's `-pooler` endpoints,
 * Cloudflare Hyperdrive. Each transaction (each statement outside one) may run on a different
 * server connection, shared with other clients, so nothing may outlive a transaction: no session
 * `SET`, no named prepared statements kept across transactions, no cursor outside a transaction,
 * no session advisory lock. An adapter in this mode says so (`sessionState: false`); the engine
 * refuses statements that would leave session state behind, before any I/O (`checkSessionFree`),
 * and the adapter replaces its per-connection session set-up by a check of the server's defaults
 * (`checkDefaults`).
 */
import { InvalidRequestError, UnsupportedError } from '../errors.js';
import type { Capabilities, DriverQuery } from './adapter.js';
import { SESSION_SETTINGS, sessionSettingsFit } from './adapter-kit.js';

/** How an adapter reaches PostgreSQL: straight to a server, or through a transaction-mode pooler. */
export type PoolerMode = 'transaction' | 'none';

/** A server connection's capabilities (`base`) behind a transaction-mode pooler: no session state. */
export function pooledCapabilities(base: Capabilities): Capabilities {
  return Object.freeze({ ...base, sessionState: false });
}

/**
 * The pooler mode of a binding: the `pooler` option when given (`'transaction'` or `'none'`), else
 * `'transaction'` for a Neon pooled endpoint (its host's first label ends in `-pooler`) and for a
 * Hyperdrive binding's connection string (`<id>.hyperdrive.local`), else `'none'`.
 */
export function poolerMode(host: string | undefined, option: unknown): PoolerMode {
  if (option === 'transaction' || option === 'none') return option;
  if (option !== undefined) {
    throw new InvalidRequestError(
      `pooler: expected 'transaction' (PgBouncer in transaction mode, Neon's -pooler endpoints, Hyperdrive) or 'none', got ${JSON.stringify(option)}`,
    );
  }
  if (host === undefined) return 'none';
  return /^[^.]*-pooler(\.|$)/i.test(host) || /\.hyperdrive\.local$/i.test(host) ? 'transaction' : 'none';
}

/** The host of a URL, if it parses. */
export function hostOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url.replace(/^[a-z][a-z0-9+.-]*:\/\//i, 'postgresql://')).hostname;
  } catch {
    return undefined;
  }
}

/** A statement starting with `words`, after any leading comments and white space. */
const leading = (words: string): RegExp =>
  new RegExp(String.raw`^(?:\s|--[^\n]*(?:\n|$)|/\*[\s\S]*?\*/)*` + words, 'i');

/**
 * What outlives the transaction it runs in, on the server connection that happened to run it:
 * session advisory locks (the `_xact_` ones end with their transaction), `set_config(..., false)`,
 * session SET/RESET (SET LOCAL, SET TRANSACTION and SET CONSTRAINTS end with the transaction),
 * LISTEN, PREPARE, LOAD, temporary tables kept past commit, cursors WITH HOLD.
 */
const SESSION_STATE: readonly (readonly [RegExp, string])[] = [
  [/\bpg_(?:try_)?advisory_(?:lock|unlock)(?:_shared|_all)?\s*\(/i, 'a session advisory lock'],
  [
    /\bset_config\s*\((?:[^()]|\([^()]*\))*,\s*(?:false|'f(?:alse)?'|'off')\s*\)/i,
    'a session setting (set_config(..., false))',
  ],
  [leading(String.raw`SET(?!\s+(?:LOCAL|TRANSACTION|CONSTRAINTS)\b)\b`), 'a session SET'],
  [leading(String.raw`RESET\b`), 'a session RESET'],
  [leading(String.raw`LISTEN\b`), 'a LISTEN'],
  [leading(String.raw`PREPARE\b`), 'a named prepared statement'],
  [leading(String.raw`LOAD\b`), 'a loaded library'],
  [
    leading(String.raw`CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?TEMP(?:ORARY)?\b(?![\s\S]*\bON\s+COMMIT\s+DROP\b)`),
    'a temporary table (without ON COMMIT DROP)',
  ],
  [leading(String.raw`DECLARE\b[\s\S]*\bWITH\s+HOLD\b`), 'a cursor WITH HOLD'],
];

/** What a statement would leave on the server connection, or undefined when nothing. */
export function sessionStateOf(sql: string): string | undefined {
  for (const [re, what] of SESSION_STATE) if (re.test(sql)) return what;
  return undefined;
}

/**
 * Refuse, before any I/O, a statement that would leave session state behind a transaction-mode
 * pooler, where it would stay on a server connection other clients get next.
 */
export function checkSessionFree(sql: string, adapter: string): void {
  const what = sessionStateOf(sql);
  if (what === undefined) return;
  throw new UnsupportedError(
    `this ${adapter} binding goes through a transaction-mode pooler (PgBouncer, Neon's -pooler endpoint, Hyperdrive), ` +
      `where ${what} would stay on whichever server connection ran it and reach other clients: ` +
      'use SET LOCAL (or set_config(name, value, true)) inside db.transaction(), ALTER ROLE ... SET for defaults, ' +
      "pg_advisory_xact_lock() inside a transaction, a temporary table with ON COMMIT DROP, or bind a direct, unpooled URL (pooler: 'none') for session work",
  );
}

/**
 * The defaults of the settings `SESSION_SETTINGS` names (what RESET restores: the server's, the
 * database's and the role's, never a SET another client left on the connection), and the
 * server's version, in one statement.
 */
export const DEFAULTS_PROBE: DriverQuery = Object.freeze({
  sql: `SELECT ${[...Object.keys(SESSION_SETTINGS), 'server_version_num']
    .map((n) => `max(reset_val) FILTER (WHERE name = '${n}')`)
    .join(', ')} FROM pg_settings`,
  params: [],
});

const checked = new Set<string>();
const checking = new Map<string, Promise<void>>();

/**
 * Behind a transaction-mode pooler a session `SET` would not stay with this client, so instead of
 * setting DateStyle, IntervalStyle and extra_float_digits per connection, the role's defaults are
 * read once per process and server (`key`) and must already be what the shared parsers read (they
 * are on a default PostgreSQL 12 or later, on Neon and behind Hyperdrive). When they are not,
 * every statement is refused with the ALTER ROLE that fixes it (and the defaults are read again
 * on the next connection, so a fix is seen without a restart). Undefined once known to fit.
 */
export function checkDefaults(
  key: string,
  run: (q: DriverQuery) => Promise<{ rows: readonly (readonly unknown[])[] }>,
): Promise<void> | undefined {
  if (checked.has(key)) return undefined;
  let pending = checking.get(key);
  if (!pending) {
    pending = run(DEFAULTS_PROBE).then(
      (result) => {
        checking.delete(key);
        const values = result.rows[0] ?? [];
        if (sessionSettingsFit(values)) {
          if (checked.size < 256) checked.add(key);
          return;
        }
        const error = new UnsupportedError(
          `this database's defaults (${describeDefaults(values)}) are not what gino-edge reads values in, and through a ` +
            `transaction-mode pooler a session SET cannot change them for this client: run ${fixesFor(values)} ` +
            '(or ALTER DATABASE <db> SET ...), then reconnect',
        );
        throw error;
      },
      (error: unknown) => {
        checking.delete(key);
        throw error;
      },
    );
    checking.set(key, pending);
  }
  return pending;
}

function describeDefaults(values: readonly unknown[]): string {
  const [dateStyle, intervalStyle, digits] = values.map(String);
  return `DateStyle ${dateStyle}, IntervalStyle ${intervalStyle}, extra_float_digits ${digits}`;
}

/** The ALTER ROLE statements that give the shared parsers what they read. */
function fixesFor(values: readonly unknown[]): string {
  const [dateStyle, intervalStyle, digits, version] = values.map(String);
  const fixes: string[] = [];
  if (!/^ISO\b/i.test(dateStyle ?? '')) fixes.push(`DateStyle = 'ISO'`);
  if (intervalStyle !== 'postgres') fixes.push(`IntervalStyle = 'postgres'`);
  if (!sessionSettingsFit([`ISO`, 'postgres', digits, version])) fixes.push('extra_float_digits = 3');
  return fixes.map((f) => `ALTER ROLE <user> SET ${f}`).join('; ');
}
