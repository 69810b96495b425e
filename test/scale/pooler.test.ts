/**
 * Transaction-mode poolers, against a real PgBouncer (transaction mode) started here in front of
 * the run's server: why session state is refused (a session SET reaches another client), what is
 * refused and what works inside a transaction, and the server's defaults checked instead of SET.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { neonWs } from '../../adapters/neon-ws/index.js';
import { pg as pgAdapter } from '../../adapters/pg/index.js';
import { Gino, InvalidRequestError, type QueryEvent, UnsupportedError } from '../../src/index.js';
import { type PgBouncer, pgbouncerBin, startPgBouncer } from '../support/servers.js';

const UNAVAILABLE = !pgbouncerBin()
  ? 'PgBouncer is not installed (apt-get install pgbouncer; .ci/run installs it)'
  : inject('databaseKind') === 'pglite'
    ? 'the run has no PostgreSQL server (the PGlite wire server cannot serve PgBouncer)'
    : undefined;
if (UNAVAILABLE) console.warn(`[pooler] PgBouncer tests skipped: ${UNAVAILABLE}`);

const serverUrl = inject('databaseUrl');

async function bouncerFor(url: string, poolSize: number): Promise<PgBouncer> {
  const started = await startPgBouncer(url, { poolSize });
  if ('skip' in started) throw new Error(started.skip);
  return started;
}

async function client(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  return c;
}

/** `url` with another database name. */
function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

describe('pooler mode is a property of the binding', () => {
  test("a Neon -pooler host turns it on by itself; pooler: 'none' turns it off; anything else is refused", () => {
    const pooled = 'postgresql://u:p@ep-cool-name-123456-pooler.us-east-2.aws.neon.tech/db';
    expect(pgAdapter(pooled).capabilities.sessionState).toBe(false);
    expect(pgAdapter(pooled, { pooler: 'none' }).capabilities.sessionState).not.toBe(false);
    expect(pgAdapter('postgresql://u@127.0.0.1/db').capabilities.sessionState).not.toBe(false);
    expect(pgAdapter('postgresql://u@127.0.0.1/db', { pooler: 'transaction' }).capabilities.sessionState).toBe(false);
    expect(neonWs(pooled.replace('postgresql:', 'postgresql+neon-ws:')).capabilities.sessionState).toBe(false);
    expect(() => pgAdapter('postgresql://u@127.0.0.1/db', { pooler: 'yes' as never })).toThrow(InvalidRequestError);
    expect(() => pgAdapter('postgresql://u@127.0.0.1/db', { pooler: 'yes' as never })).toThrow(/'transaction'/);
  });
});

describe.skipIf(UNAVAILABLE)('through a real PgBouncer in transaction mode', () => {
  let bouncer: PgBouncer;
  const log: QueryEvent[] = [];
  const db = new Gino({ logger: (e) => log.push(e) });

  beforeAll(async () => {
    bouncer = await bouncerFor(serverUrl, 4);
    await db.setBind(bouncer.url, { pooler: 'transaction', max: 8 });
  });
  afterAll(async () => {
    if (db.isBound) await db.popBind().close();
    await bouncer?.close();
  });

  test('a session SET through the pooler reaches another client: the hazard gino-edge refuses', async () => {
    // One server connection: whatever one client leaves on it, the next client gets.
    const single = await bouncerFor(serverUrl, 1);
    const a = await client(single.url);
    const b = await client(single.url);
    try {
      await a.query('SET search_path = gino_leaked, public');
      const seen = await b.query('SHOW search_path');
      expect(seen.rows[0].search_path).toBe('gino_leaked, public');
    } finally {
      await a.query('RESET search_path').catch(() => undefined);
      await a.end();
      await b.end();
      await single.close();
    }
  });

  const SESSION_STATEMENTS: readonly [string, RegExp][] = [
    ['SET search_path = elsewhere', /a session SET/],
    ['  /* a comment */ set statement_timeout to 5', /a session SET/],
    ['SET SESSION AUTHORIZATION DEFAULT', /a session SET/],
    ['SET ROLE postgres', /a session SET/],
    ['RESET ALL', /a session RESET/],
    ["SELECT set_config('gino.x', '1', false)", /set_config/],
    ['LISTEN gino_channel', /LISTEN/],
    ['PREPARE gino_p AS SELECT 1', /prepared statement/],
    ['CREATE TEMP TABLE gino_tmp (x int)', /temporary table/],
    ['CREATE TEMPORARY TABLE gino_tmp (x int) ON COMMIT DELETE ROWS', /temporary table/],
    ['SELECT pg_advisory_lock(1)', /advisory lock/],
    ['SELECT pg_try_advisory_lock_shared(1, 2)', /advisory lock/],
    ['DECLARE gino_c CURSOR WITH HOLD FOR SELECT 1', /WITH HOLD/],
  ];

  test('session statements are refused before any I/O, outside and inside a transaction, naming the way out', async () => {
    for (const [sql, what] of SESSION_STATEMENTS) {
      log.length = 0;
      const outside = await db.status(sql).catch((e: unknown) => e);
      expect(outside, sql).toBeInstanceOf(UnsupportedError);
      expect((outside as Error).message, sql).toMatch(what);
      expect((outside as Error).message).toMatch(/transaction-mode pooler/);
      expect((outside as Error).message).toMatch(/SET LOCAL/);
      expect(log, sql).toEqual([]);
    }
    const inside = await db
      .transaction(async (tx) => {
        await tx.status('SET search_path = elsewhere');
      })
      .catch((e: unknown) => e);
    expect(inside).toBeInstanceOf(UnsupportedError);
    // A statement built with db.func is checked too.
    const lock = db.func.pg_advisory_lock as NonNullable<typeof db.func.pg_advisory_lock>;
    const built = await lock(7)
      .gino.scalar()
      .catch((e: unknown) => e);
    expect(built).toBeInstanceOf(UnsupportedError);
    const batched = await db.batch(['SELECT 1', 'LISTEN gino_channel']).catch((e: unknown) => e);
    expect(batched).toBeInstanceOf(UnsupportedError);
  });

  test('what ends with its transaction works: SET LOCAL, set_config(..., true), xact advisory locks, ON COMMIT DROP, cursors', async () => {
    const rows = await db.transaction(async (tx) => {
      await tx.status('SET LOCAL search_path = pg_catalog');
      expect(await tx.scalar('SHOW search_path')).toBe('pg_catalog');
      await tx.scalar("SELECT set_config('gino.tenant', 'acme', true)");
      expect(await tx.scalar("SELECT current_setting('gino.tenant')")).toBe('acme');
      await tx.scalar('SELECT pg_advisory_xact_lock(4242)');
      await tx.status('CREATE TEMP TABLE gino_pooled_tmp (x int) ON COMMIT DROP');
      await tx.status('INSERT INTO gino_pooled_tmp SELECT generate_series(1, 5)');
      const out: unknown[] = [];
      for await (const row of db.iterate('SELECT x FROM gino_pooled_tmp ORDER BY x', { prefetch: 2, bind: tx }))
        out.push(row);
      return out;
    });
    expect(rows).toEqual([1, 2, 3, 4, 5].map((x) => ({ x })));
    // Nothing of it is left for the next client on any server connection.
    const others = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const c = await client(bouncer.url);
        try {
          await c.query('BEGIN');
          const r = await c.query(
            "SELECT current_setting('search_path') AS p, current_setting('gino.tenant', true) AS t",
          );
          await c.query('COMMIT');
          return r.rows[0];
        } finally {
          await c.end();
        }
      }),
    );
    for (const o of others) expect(o).toEqual({ p: '"$user", public', t: expect.toBeOneOf(['', null]) });
    // A cursor outside any transaction opens one of its own, so it works through the pooler too.
    const streamed: unknown[] = [];
    for await (const row of db.iterate('SELECT generate_series(1, 3) AS n', { prefetch: 2 })) streamed.push(row);
    expect(streamed).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  test('transaction-level advisory locks (the pooled way to serialise migrations) exclude each other through the pooler', async () => {
    const spans: [number, number][] = [];
    const t0 = Date.now();
    await Promise.all(
      [0, 1, 2].map(() =>
        db.transaction(async (tx) => {
          await tx.scalar('SELECT pg_advisory_xact_lock(4343)');
          const start = Date.now() - t0;
          await tx.scalar('SELECT pg_sleep(0.15)');
          spans.push([start, Date.now() - t0]);
        }),
      ),
    );
    spans.sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i]?.[0]).toBeGreaterThanOrEqual(spans[i - 1]?.[1] as number);
  });

  test('migrations hold a session advisory lock: through the pooler they are refused, naming the way out', async () => {
    const error = await db
      .migrate([
        {
          id: '0001_pooled',
          up: 'CREATE TABLE scale_pooled_migration (x int)',
          down: 'DROP TABLE scale_pooled_migration',
        },
      ])
      .catch((e: unknown) => e);
    const all = [error, (error as { cause?: unknown }).cause];
    expect(all.some((e) => e instanceof UnsupportedError)).toBe(true);
    expect(String((error as Error).message) + String((all[1] as Error | undefined)?.message)).toMatch(
      /session advisory lock[\s\S]*unpooled URL/,
    );
    const admin = await client(serverUrl);
    try {
      const { rows } = await admin.query("SELECT to_regclass('scale_pooled_migration') AS t");
      expect(rows[0].t).toBeNull();
    } finally {
      await admin.query('DROP TABLE IF EXISTS gino_migrations');
      await admin.end();
    }
  });

  describe("a database whose defaults differ from what the shared parsers read (IntervalStyle 'iso_8601')", () => {
    let isoUrl: string;
    let admin: pg.Client;
    const isoName = `${new URL(serverUrl).pathname.slice(1) || 'postgres'}_pooler_iso`;

    beforeAll(async () => {
      admin = await client(serverUrl);
      await admin.query(`DROP DATABASE IF EXISTS ${isoName} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${isoName}`);
      await admin.query(`ALTER DATABASE ${isoName} SET IntervalStyle = 'iso_8601'`);
      isoUrl = withDatabase(serverUrl, isoName);
    });
    afterAll(async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${isoName} WITH (FORCE)`);
      await admin.end();
    });

    test('set per connection (no pooler mode), a statement that lands on another server connection reads intervals wrongly', async () => {
      const fresh = await bouncerFor(isoUrl, 2);
      const plain = new Gino();
      // One client connection: its session SET goes to the one server connection PgBouncer has.
      await plain.setBind(fresh.url, { pooler: 'none', max: 1 });
      const other = await client(fresh.url);
      try {
        expect(await plain.scalar("SELECT interval '1 day 02:00:00'")).toBe('1 day 02:00:00');
        // Another client's transaction now holds that server connection: the next statement runs on a new one.
        await other.query('BEGIN');
        await other.query('SELECT 1');
        expect(await plain.scalar("SELECT interval '1 day 02:00:00'")).toBe('P1DT2H');
        await other.query('COMMIT');
      } finally {
        await other.end();
        await plain.popBind().close();
        await fresh.close();
      }
    });

    test('in pooler mode the defaults are checked instead, and refused with the ALTER ROLE that fixes them', async () => {
      const fresh = await bouncerFor(isoUrl, 2);
      const pooled = new Gino();
      await pooled.setBind(fresh.url, { pooler: 'transaction' });
      try {
        const error = await pooled.scalar("SELECT interval '1 day'").catch((e: unknown) => e);
        expect(error).toBeInstanceOf(UnsupportedError);
        expect((error as Error).message).toMatch(/IntervalStyle iso_8601/);
        expect((error as Error).message).toMatch(/ALTER ROLE <user> SET IntervalStyle = 'postgres'/);
        expect((error as Error).message).not.toMatch(/DateStyle = /);
        // Fixed where the message says, the next connection passes the check.
        await admin.query(`ALTER DATABASE ${isoName} SET IntervalStyle = 'postgres'`);
        await fresh.admin('RECONNECT');
        const again = new Gino();
        await again.setBind(fresh.url, { pooler: 'transaction' });
        expect(await again.scalar("SELECT interval '1 day 02:00:00'")).toBe('1 day 02:00:00');
        await again.popBind().close();
      } finally {
        await admin.query(`ALTER DATABASE ${isoName} SET IntervalStyle = 'iso_8601'`);
        await pooled.popBind().close();
        await fresh.close();
      }
    });
  });
});
