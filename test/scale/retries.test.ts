/**
 * Retries that are safe, on the run's real server: serialization failures (40001) and deadlocks
 * (40P01) provoked for real between concurrent transactions, the whole transaction run again with
 * backoff; on neon-http a native batch (one request, one transaction) run again the same way.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { NeonProxy } from '../../src/dev/index.js';
import { ConnectionError, DatabaseError, Gino, InvalidRequestError, type QueryEvent } from '../../src/index.js';
import { neonUrl, proxyForRun } from '../support/neon.js';

const serverUrl = inject('databaseUrl');
const NO_SERVER =
  inject('databaseKind') === 'pglite'
    ? 'the run has no PostgreSQL server: PGlite runs one transaction at a time, so two cannot collide'
    : undefined;
if (NO_SERVER) console.warn(`[retries] skipped: ${NO_SERVER}`);

/** Resolves once `n` callers have arrived. */
function barrier(n: number): () => Promise<void> {
  let arrived = 0;
  let open!: () => void;
  const all = new Promise<void>((resolve) => {
    open = resolve;
  });
  return async () => {
    if (++arrived >= n) open();
    await all;
  };
}

const codeOf = (e: unknown) => (e as { code?: string }).code ?? (e as { cause?: { code?: string } }).cause?.code;

describe.skipIf(NO_SERVER)('db.transaction(fn, { retries }) on pg', () => {
  const log: QueryEvent[] = [];
  const db = new Gino({ logger: (e) => log.push(e) });
  let admin: pg.Client;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query('DROP TABLE IF EXISTS scale_retry_shifts, scale_retry_accounts');
    await admin.query('CREATE TABLE scale_retry_shifts (doctor text, on_call boolean)');
    await admin.query('CREATE TABLE scale_retry_accounts (id int PRIMARY KEY, balance int)');
    await db.setBind(serverUrl, { max: 6 });
  });
  afterAll(async () => {
    if (db.isBound) await db.popBind().close();
    await admin?.query('DROP TABLE IF EXISTS scale_retry_shifts, scale_retry_accounts');
    await admin?.end();
  });

  /**
   * The classic write skew: two doctors on call, each goes off call if someone else still is.
   * Under SERIALIZABLE one of the two transactions must fail with 40001.
   */
  async function writeSkew(retries: number | undefined) {
    await admin.query('TRUNCATE scale_retry_shifts');
    await admin.query("INSERT INTO scale_retry_shifts VALUES ('alice', true), ('bob', true)");
    const bothRead = barrier(2);
    const attempts: string[] = [];
    const failedAt: number[] = [];
    const startedAt: number[] = [];
    const goOffCall = (doctor: string) =>
      db
        .transaction(
          async (tx) => {
            const n = attempts.push(doctor);
            startedAt.push(performance.now());
            const others = Number(
              await tx.scalar('SELECT count(*) FROM scale_retry_shifts WHERE on_call AND doctor <> $1', [doctor]),
            );
            // The first attempts read before either writes: they cannot both be right.
            if (n <= 2) await bothRead();
            if (others > 0)
              await tx.status('UPDATE scale_retry_shifts SET on_call = false WHERE doctor = $1', [doctor]);
            return others > 0 ? 'off call' : 'stays';
          },
          { isolation: 'serializable', retries },
        )
        .catch((e: unknown) => {
          failedAt.push(performance.now());
          throw e;
        });
    const results = await Promise.allSettled([goOffCall('alice'), goOffCall('bob')]);
    const onCall = (await admin.query('SELECT count(*)::int AS n FROM scale_retry_shifts WHERE on_call')).rows[0].n;
    return { results, attempts, onCall, startedAt };
  }

  test('without retries, the serialization failure (40001) reaches the caller and one transaction is lost', async () => {
    const { results, attempts, onCall } = await writeSkew(undefined);
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected).toHaveLength(1);
    const error = (rejected[0] as PromiseRejectedResult).reason;
    expect(error).toBeInstanceOf(DatabaseError);
    expect(codeOf(error)).toBe('40001');
    expect(attempts).toHaveLength(2);
    expect(onCall).toBe(1);
  });

  test('with retries, the failed transaction runs again from the start, after a backoff, and sees the other one', async () => {
    const { results, attempts, onCall, startedAt } = await writeSkew(3);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(
      results
        .map((r) => (r as PromiseFulfilledResult<string>).value)
        .sort()
        .join(', '),
    ).toBe('off call, stays');
    // Two first attempts, and one more for the transaction that was aborted.
    expect(attempts).toHaveLength(3);
    expect(onCall).toBe(1);
    // The third attempt waited at least half the first backoff (25 ms) after the first two began.
    expect((startedAt[2] as number) - Math.max(startedAt[0] as number, startedAt[1] as number)).toBeGreaterThan(12);
  });

  async function deadlock(retries: number | undefined) {
    await admin.query('TRUNCATE scale_retry_accounts');
    await admin.query('INSERT INTO scale_retry_accounts VALUES (1, 100), (2, 100)');
    const bothLocked = barrier(2);
    let attempts = 0;
    const transfer = (from: number, to: number) =>
      db.transaction(
        async (tx) => {
          const n = ++attempts;
          // A short deadlock_timeout: the server finds the cycle after 50 ms instead of 1 s.
          await tx.status("SET LOCAL deadlock_timeout = '50ms'");
          await tx.status('UPDATE scale_retry_accounts SET balance = balance - 10 WHERE id = $1', [from]);
          if (n <= 2) await bothLocked();
          await tx.status('UPDATE scale_retry_accounts SET balance = balance + 10 WHERE id = $1', [to]);
        },
        { retries },
      );
    const results = await Promise.allSettled([transfer(1, 2), transfer(2, 1)]);
    const balances = (await admin.query('SELECT balance FROM scale_retry_accounts ORDER BY id')).rows.map(
      (r) => r.balance,
    );
    return { results, attempts, balances };
  }

  test('without retries, a deadlock (40P01) aborts one of the two transactions', async () => {
    const { results, balances } = await deadlock(undefined);
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(codeOf((rejected[0] as PromiseRejectedResult).reason)).toBe('40P01');
    // Only the survivor's transfer happened.
    expect([JSON.stringify([90, 110]), JSON.stringify([110, 90])]).toContain(JSON.stringify(balances));
  });

  test('with retries, the deadlock victim runs again and both transfers commit', async () => {
    const { results, attempts, balances } = await deadlock(2);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(attempts).toBe(3);
    // Both transfers of 10, in opposite directions.
    expect(balances).toEqual([100, 100]);
  });

  test('other errors are not retried; retries are refused where a transaction cannot be run again', async () => {
    let runs = 0;
    const unique = await db
      .transaction(
        async (tx) => {
          runs++;
          await tx.status('INSERT INTO scale_retry_accounts VALUES (1, 0), (1, 0)');
        },
        { retries: 5 },
      )
      .catch((e: unknown) => e);
    expect(codeOf(unique)).toBe('23505');
    expect(runs).toBe(1);

    log.length = 0;
    for (const bad of [-1, 1.5, '3', 1000]) {
      await expect(db.transaction(async () => undefined, { retries: bad as number })).rejects.toThrow(
        InvalidRequestError,
      );
    }
    await expect(db.begin({ retries: 2 })).rejects.toThrow(/db\.transaction\(fn, \{ retries \}\)/);
    expect(log).toEqual([]);
    const nested = await db
      .transaction(async () => db.transaction(async () => undefined, { retries: 1 }))
      .catch((e: unknown) => e);
    expect(nested).toBeInstanceOf(InvalidRequestError);
    expect((nested as Error).message).toMatch(/outermost/);
  });

  test('on a held connection (db.acquire) the transaction runs again on that connection', async () => {
    await admin.query('TRUNCATE scale_retry_accounts');
    await admin.query('INSERT INTO scale_retry_accounts VALUES (1, 100)');
    const pids: unknown[] = [];
    await db.acquire(async (conn) => {
      await conn.transaction(
        async (tx) => {
          pids.push(await tx.scalar('SELECT pg_backend_pid()'));
          await tx.scalar('SELECT balance FROM scale_retry_accounts WHERE id = 1');
          // Another client commits a change to the row after this snapshot: updating it is a 40001.
          if (pids.length === 1) await admin.query('UPDATE scale_retry_accounts SET balance = 0 WHERE id = 1');
          await tx.status('UPDATE scale_retry_accounts SET balance = balance + 1 WHERE id = 1');
        },
        { isolation: 'repeatable read', retries: 1 },
      );
    });
    expect(pids).toHaveLength(2);
    expect(pids[1]).toBe(pids[0]);
    expect((await admin.query('SELECT balance FROM scale_retry_accounts')).rows[0].balance).toBe(1);
  });
});

describe.skipIf(NO_SERVER)('a lost connection: a plain read is sent once more, a write never', () => {
  const log: QueryEvent[] = [];
  const db = new Gino({ logger: (e) => log.push(e) });
  class Account extends db.Model({
    __tablename__: 'scale_retry_lost',
    id: db.Column(db.Integer(), { primaryKey: true }),
    balance: db.Column(db.Integer()),
  }) {}
  let admin: pg.Client;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query('DROP TABLE IF EXISTS scale_retry_lost');
    await admin.query('CREATE TABLE scale_retry_lost (id int PRIMARY KEY, balance int)');
    await admin.query('INSERT INTO scale_retry_lost VALUES (1, 100)');
    await db.setBind(serverUrl, { max: 2 });
  });
  afterAll(async () => {
    if (db.isBound) await db.popBind().close();
    await admin?.query('DROP TABLE IF EXISTS scale_retry_lost');
    await admin?.end();
  });

  /** Backends of this database waiting on a lock for a statement on the table, other than the admin's. */
  async function blocked(): Promise<number[]> {
    // Inside the admin's transaction pg_stat_activity would be read once: a fresh snapshot each time.
    await admin.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await admin.query(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
         AND query LIKE '%scale_retry_lost%' AND pid <> pg_backend_pid()`,
    );
    return rows.map((r) => r.pid as number);
  }

  async function until<T>(what: () => Promise<T[]>): Promise<T[]> {
    for (let i = 0; i < 500; i++) {
      const found = await what();
      if (found.length > 0) return found;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('timed out');
  }

  test('a SELECT whose connection is lost before any result is sent again on a new connection', async () => {
    // The table is locked, so the read waits on the server; its backend is then terminated.
    await admin.query('BEGIN');
    await admin.query('LOCK TABLE scale_retry_lost IN ACCESS EXCLUSIVE MODE');
    log.length = 0;
    const read = Account.query.where(Account.id.eq(1)).gino.all();
    const [first] = await until(blocked);
    await admin.query('SELECT pg_terminate_backend($1)', [first]);
    // The read is sent again: it waits on the lock once more, on another backend.
    const [second] = await until(async () => (await blocked()).filter((pid) => pid !== first));
    await admin.query('COMMIT');
    expect((await read).map((a) => a.balance)).toEqual([100]);
    expect(second).not.toBe(first);
    expect(log.filter((e) => e.sql.startsWith('SELECT'))).toHaveLength(2);
  });

  test('an UPDATE whose connection is lost is not sent again: whether it ran is unknown', async () => {
    await admin.query('BEGIN');
    await admin.query('SELECT * FROM scale_retry_lost WHERE id = 1 FOR UPDATE');
    log.length = 0;
    // Caught at once: the rejection may come before the terminating query's own answer.
    const write = Account.update
      .values({ balance: 0 })
      .where(Account.id.eq(1))
      .gino.status()
      .catch((e: unknown) => e);
    const [pid] = await until(blocked);
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    const error = await write;
    await admin.query('COMMIT');
    expect(error).toBeInstanceOf(ConnectionError);
    expect(log.filter((e) => e.sql.startsWith('UPDATE'))).toHaveLength(1);
    expect((await admin.query('SELECT balance FROM scale_retry_lost')).rows[0].balance).toBe(100);
    // Nor is a read inside a transaction: its transaction is gone with the connection.
    await admin.query('BEGIN');
    await admin.query('LOCK TABLE scale_retry_lost IN ACCESS EXCLUSIVE MODE');
    log.length = 0;
    const inTx = db.transaction(() => Account.query.gino.all()).catch((e: unknown) => e);
    const [txPid] = await until(blocked);
    await admin.query('SELECT pg_terminate_backend($1)', [txPid]);
    await admin.query('COMMIT');
    expect(await inTx).toBeInstanceOf(ConnectionError);
    expect(log.filter((e) => e.sql.startsWith('SELECT'))).toHaveLength(1);
  });
});

describe.skipIf(NO_SERVER)('db.batch(queries, { retries }) on neon-http: one request, run again', () => {
  let proxy: NeonProxy;
  const db = new Gino();
  let admin: pg.Client;

  beforeAll(async () => {
    proxy = await proxyForRun();
    await db.setBind(neonUrl('neon-http'), { ...proxy.neonOptions });
    admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query('DROP TABLE IF EXISTS scale_retry_counter');
    await admin.query('CREATE TABLE scale_retry_counter (id int PRIMARY KEY, n int)');
  });
  afterAll(async () => {
    if (db.isBound) await db.popBind().close();
    await admin?.query('DROP TABLE IF EXISTS scale_retry_counter');
    await admin?.end();
    await proxy?.close();
  });

  /** A REPEATABLE READ batch whose snapshot predates a concurrent committed update of its row: 40001. */
  async function collide(retries: number | undefined) {
    await admin.query('TRUNCATE scale_retry_counter');
    await admin.query('INSERT INTO scale_retry_counter VALUES (1, 0)');
    const before = proxy.stats.httpRequests;
    const batch = db.batch(
      [
        'SELECT count(*) FROM scale_retry_counter, pg_sleep(0.3)',
        'UPDATE scale_retry_counter SET n = n + 1 WHERE id = 1',
      ],
      { isolation: 'repeatable read', retries },
    );
    // Committed while the batch sleeps, after its snapshot was taken (once the server is running it).
    for (let i = 0; i < 200; i++) {
      const seen = await admin.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%scale_retry_counter, pg_sleep%' AND pid <> pg_backend_pid()",
      );
      if (seen.rows[0].n > 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await admin.query('UPDATE scale_retry_counter SET n = n + 100 WHERE id = 1');
    const outcome = await batch.then(
      () => 'ok',
      (e: unknown) => e,
    );
    const n = (await admin.query('SELECT n FROM scale_retry_counter')).rows[0].n;
    return { outcome, n, requests: proxy.stats.httpRequests - before };
  }

  test('without retries the batch fails with 40001; with retries it is sent again and commits once', async () => {
    const failed = await collide(undefined);
    expect(failed.outcome).toBeInstanceOf(DatabaseError);
    expect(codeOf(failed.outcome)).toBe('40001');
    expect(failed.n).toBe(100);
    const retried = await collide(2);
    expect(retried.outcome).toBe('ok');
    expect(retried.n).toBe(101);
    expect(retried.requests).toBe(2);
  });
});
