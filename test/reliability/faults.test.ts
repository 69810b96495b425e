/**
 * Faults (issue 7, item 3), on the local server, through a TCP relay and the local Neon proxy:
 * a backend terminated mid-query and mid-transaction, the connection cut in the middle of a result,
 * the server restarting (the relay going down and coming back, every backend terminated), a server
 * that stops answering, the proxy stopped mid-request, and an HTTP endpoint that fails the ways
 * HTTP endpoints fail. Each ends in a typed error within a time bound, never a hang, an unhandled
 * rejection or an uncaught exception; no partial write becomes visible; the same binding and a
 * fresh one work afterwards.
 *
 * The server is never restarted for real (other suites share it): the relay is the server as far
 * as the client can tell, and `pg_terminate_backend` only ever targets this database's backends
 * opened by these tests (their application_name) or by the proxy.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, test } from 'vitest';
import { type NeonProxy, startNeonProxy } from '../../src/dev/index.js';
import { ConnectionError, type DatabaseError, Gino } from '../../src/index.js';
import { NEON_TEST_PASSWORD } from '../support/neon.js';
import { type HttpFault, startHttpFaults } from './support/http-faults.js';
import { type Relay, startRelay } from './support/relay.js';
import { type Escapes, outcome, sleep, until, watchEscapes } from './support/watch.js';

type Kind = 'pg' | 'neon-ws' | 'neon-http';
const KINDS: Kind[] = ['pg', 'neon-ws', 'neon-http'];
const serverUrl = inject('databaseUrl');
const NO_SERVER =
  inject('databaseKind') === 'pglite'
    ? 'the PGlite wire server has one backend for every connection: pg_terminate_backend cannot target one, and cutting it would end the run'
    : undefined;
if (NO_SERVER) console.warn(`[faults] server fault tests skipped: ${NO_SERVER}`);

const APP = 'gino_rel_faults';
/** The application names of every backend these tests may terminate (theirs and the proxy's). */
const OURS = [APP, 'gino-edge neon proxy'];
/** No fault may take longer than this to surface as an error. */
const BOUND_MS = 5000;
const injected: Record<string, number> = {};
const count = (kind: string) => {
  injected[kind] = (injected[kind] ?? 0) + 1;
};

let admin: pg.Client;
let relay: Relay;
let proxy: NeonProxy;
let proxyPort = 0;
let escapes: Escapes;
let marks = 0;

function target(): { host: string; port: number; user: string; database: string } {
  const u = new URL(serverUrl);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    database: u.pathname.slice(1),
  };
}

function urlFor(kind: Kind): string {
  const t = target();
  if (kind === 'pg') return `${relay.route(serverUrl).replace(/\?.*$/, '')}?application_name=${APP}`;
  return `postgresql+${kind}://${t.user}:${NEON_TEST_PASSWORD}@127.0.0.1/${t.database}?application_name=${APP}`;
}

function optionsFor(kind: Kind, extra: Record<string, unknown> = {}): Record<string, unknown> {
  if (kind === 'pg') return { max: 3, ...extra };
  return { ...proxy.neonOptions, ...extra };
}

async function bind(kind: Kind, extra: Record<string, unknown> = {}): Promise<Gino> {
  const db = new Gino();
  await db.setBind(urlFor(kind), optionsFor(kind, extra));
  return db;
}

async function startProxy(): Promise<void> {
  proxy = await startNeonProxy({ target: relay.route(serverUrl), port: proxyPort });
  proxyPort = proxy.port;
}

/** This database's backends running a statement that contains `marker`. */
async function active(marker: string): Promise<number> {
  const { rows } = await admin.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = ANY($1)
       AND state = 'active' AND query LIKE $2`,
    [OURS, `%${marker}%`],
  );
  return rows[0]?.n ?? 0;
}

/** Terminate this database's backends of these tests (all, or those running `marker`). */
async function terminate(marker?: string): Promise<number> {
  const { rows } = await admin.query<{ n: number }>(
    `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
     WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = ANY($1)
       AND ($2::text IS NULL OR query LIKE $2)`,
    [OURS, marker === undefined ? null : `%${marker}%`],
  );
  return rows[0]?.n ?? 0;
}

async function rows(tag: string): Promise<number> {
  const { rows: r } = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM fault_items WHERE tag = $1', [
    tag,
  ]);
  return r[0]?.n ?? -1;
}

function mark(): string {
  return `gino_fault_${process.pid}_${++marks}`;
}

function sleepSql(marker: string, seconds = 5): string {
  return `SELECT pg_sleep(${seconds}) /* ${marker} */`;
}

/** Two inserts and a slow statement, atomically: a transaction, or a batch on neon-http. */
function atomicWrite(db: Gino, kind: Kind, tag: string, last: string): Promise<unknown> {
  const insert = `INSERT INTO fault_items (tag) VALUES ('${tag}')`;
  if (kind === 'neon-http') return db.batch([insert, insert, last]);
  return db.transaction(async () => {
    await db.status(insert);
    await db.status(insert);
    await db.all(last);
  });
}

/** The binding works again: concurrent statements (every pooled connection) and an atomic write. */
async function expectHealthy(db: Gino, kind: Kind): Promise<void> {
  const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => db.scalar<number>('SELECT $1::int', [i])));
  expect(answers).toEqual([0, 1, 2, 3, 4, 5]);
  const tag = mark();
  await atomicWrite(db, kind, tag, 'SELECT 1');
  expect(await rows(tag)).toBe(2);
}

async function expectFreshBinding(kind: Kind): Promise<void> {
  const db = await bind(kind);
  try {
    expect(await db.scalar('SELECT 1')).toBe(1);
  } finally {
    await db.popBind().close();
  }
}

/** The fault surfaced as `type` within the bound. */
function expectFailure(o: Awaited<ReturnType<typeof outcome>>, type: typeof ConnectionError | typeof DatabaseError) {
  expect(o.hung, 'never settled: a hang').toBe(false);
  expect(o.error).toBeInstanceOf(type);
  expect(o.ms).toBeLessThan(BOUND_MS);
}

beforeAll(async () => {
  if (NO_SERVER) return;
  admin = new pg.Client({ connectionString: serverUrl, application_name: 'gino_rel_admin' });
  await admin.connect();
  await admin.query('DROP TABLE IF EXISTS fault_items');
  await admin.query('CREATE TABLE fault_items (id serial PRIMARY KEY, tag text NOT NULL)');
  const t = target();
  relay = await startRelay({ host: t.host, port: t.port });
  await startProxy();
});

afterAll(async () => {
  if (NO_SERVER) return;
  console.log(`[faults] injected, by kind: ${JSON.stringify(injected)}`);
  await proxy?.close();
  await relay?.close();
  await terminate();
  await admin.query('DROP TABLE IF EXISTS fault_items');
  await admin.end();
});

beforeEach(() => {
  escapes = watchEscapes();
});

afterEach(async () => {
  // Late events (a socket closing after the test's assertions) count too.
  await sleep(50);
  escapes.stop();
  expect(escapes.seen).toEqual([]);
});

describe.skipIf(NO_SERVER).each(KINDS)('server faults on %s', (kind) => {
  let db: Gino;
  beforeEach(async () => {
    db = await bind(kind);
    expect(await db.scalar('SELECT 1')).toBe(1);
  });
  afterEach(async () => {
    await db.popBind().close();
  });

  test('the backend terminated mid-query: ConnectionError; the binding and a fresh one work', async () => {
    const marker = mark();
    const running = outcome(db.all(sleepSql(marker)), BOUND_MS + 2000);
    await until(async () => (await active(marker)) === 1, 3000, 'the statement to start');
    expect(await terminate(marker)).toBe(1);
    count('backend terminated mid-query');
    expectFailure(await running, ConnectionError);
    await expectHealthy(db, kind);
    await expectFreshBinding(kind);
  });

  test('the backend terminated mid-transaction: nothing of it is visible', async () => {
    const marker = mark();
    const tag = mark();
    const running = outcome(atomicWrite(db, kind, tag, sleepSql(marker)), BOUND_MS + 2000);
    await until(async () => (await active(marker)) === 1, 3000, 'the transaction to reach its slow statement');
    expect(await terminate(marker)).toBe(1);
    count(`backend terminated mid-${kind === 'neon-http' ? 'batch' : 'transaction'}`);
    expectFailure(await running, ConnectionError);
    expect(await rows(tag)).toBe(0);
    await expectHealthy(db, kind);
    await expectFreshBinding(kind);
  });

  test('the connection cut in the middle of a result: ConnectionError, and an open transaction rolled back', async () => {
    const big = "SELECT repeat('x', 1000) AS v FROM generate_series(1, 4000)";
    relay.cutAfter(64 * 1024);
    const o = await outcome(db.all(big), BOUND_MS);
    count('connection cut mid-result');
    expectFailure(o, ConnectionError);
    expect(relay.cuts).toBeGreaterThan(0);

    const tag = mark();
    relay.cutAfter(64 * 1024);
    const inTx = await outcome(atomicWrite(db, kind, tag, big), BOUND_MS);
    count('connection cut mid-result, in a transaction or batch');
    expectFailure(inTx, ConnectionError);
    // The server notices the lost client and rolls back; give it a moment.
    await sleep(200);
    expect(await rows(tag)).toBe(0);
    await expectHealthy(db, kind);
    await expectFreshBinding(kind);
  });

  test('the server restarts: queries fail fast while it is down, and work once it is back', async () => {
    // Warm the pools: several connections open and idle.
    await Promise.all(Array.from({ length: 4 }, () => db.scalar('SELECT 1')));
    await relay.down();
    await terminate();
    count('server down (relay down, every backend terminated)');
    const tag = mark();
    expectFailure(await outcome(db.scalar('SELECT 1'), BOUND_MS), ConnectionError);
    expectFailure(await outcome(atomicWrite(db, kind, tag, 'SELECT 1'), BOUND_MS), ConnectionError);
    await relay.up();
    count('server back up');
    expect(await rows(tag)).toBe(0);
    await expectHealthy(db, kind);
    await expectFreshBinding(kind);
  });

  test('every backend terminated between statements (an idle pool): the next statements work', async () => {
    await Promise.all(Array.from({ length: 4 }, () => db.scalar('SELECT 1')));
    expect(await terminate()).toBeGreaterThan(0);
    count('every backend terminated while idle');
    // What an idle connection learns of its end arrives as an event: let it arrive.
    await sleep(100);
    await expectHealthy(db, kind);
  });

  test('a server that stops answering: connecting and querying end in ConnectionError, not a hang', async () => {
    relay.freeze(true);
    count('server stops answering (new connection)');
    const limits = kind === 'neon-http' ? { timeoutMs: 500 } : { connectionTimeoutMillis: 500 };
    const fresh = await bind(kind, limits);
    try {
      expectFailure(await outcome(fresh.scalar('SELECT 1'), BOUND_MS), ConnectionError);
      relay.freeze(false);
      expect(await fresh.scalar('SELECT 1')).toBe(1);
      // An open connection going silent mid-query: pg's query_timeout, neon-http's timeoutMs.
      if (kind !== 'neon-ws') {
        const silent = await bind(kind, kind === 'pg' ? { query_timeout: 500 } : { timeoutMs: 500 });
        try {
          expect(await silent.scalar('SELECT 1')).toBe(1);
          relay.freeze(true);
          count('server stops answering (open connection)');
          expectFailure(await outcome(silent.scalar('SELECT 2'), BOUND_MS), ConnectionError);
          relay.freeze(false);
          expect(await silent.scalar('SELECT 3')).toBe(3);
        } finally {
          await silent.popBind().close();
        }
      }
    } finally {
      relay.freeze(false);
      await fresh.popBind().close();
    }
    await expectHealthy(db, kind);
  });

  // pg connects straight to the server: there is no proxy in its path to stop.
  const proxyTest = kind === 'pg' ? test.skip : test;
  proxyTest(
    `the proxy stopped mid-request, then started again on its port${kind === 'pg' ? ' — skipped on pg: no proxy in its path' : ''}`,
    async () => {
      const marker = mark();
      const tag = mark();
      const running = outcome(atomicWrite(db, kind, tag, sleepSql(marker, 1.5)), BOUND_MS);
      await until(async () => (await active(marker)) === 1, 3000, 'the slow statement to start');
      const closing = proxy.close();
      try {
        count('proxy stopped mid-request');
        expectFailure(await running, ConnectionError);
        await closing;
        // Whatever the server was doing for the lost client ends without a commit.
        await until(async () => (await active(marker)) === 0, 4000, 'the orphaned statement to end');
        expect(await rows(tag)).toBe(0);
        // Down: a clear error, fast.
        expectFailure(await outcome(db.scalar('SELECT 1'), BOUND_MS), ConnectionError);
      } finally {
        await closing;
        await startProxy();
      }
      await expectHealthy(db, kind);
      await expectFreshBinding(kind);
    },
  );
});

describe('an HTTP endpoint failing the ways HTTP fails (neon-http)', () => {
  let direct: NeonProxy;
  beforeAll(async () => {
    direct = await startNeonProxy({ target: serverUrl });
  });
  afterAll(async () => {
    await direct.close();
  });

  const messages: Record<Exclude<HttpFault, 'pass'>, RegExp> = {
    status500: /answered HTTP 500: internal error/,
    hang: /no reply from .* within 400 ms/,
    notJson: /not JSON/,
    truncated: /not JSON \(or the connection broke/,
    reset: /could not reach/,
    stallBody: /no reply from .* within 400 ms/,
  };

  test.each(
    Object.keys(messages) as Exclude<HttpFault, 'pass'>[],
  )('%s: ConnectionError within the bound; the same binding works once the endpoint does', async (mode) => {
    const faults = await startHttpFaults(direct.httpEndpoint);
    const t = target();
    const db = new Gino();
    await db.setBind(`postgresql+neon-http://${t.user}:${NEON_TEST_PASSWORD}@127.0.0.1/${t.database}`, {
      fetchEndpoint: faults.endpoint,
      timeoutMs: 400,
    });
    try {
      expect(await db.scalar('SELECT 1')).toBe(1);
      faults.mode = mode;
      count(`HTTP ${mode}`);
      for (const attempt of [() => db.scalar('SELECT 1'), () => db.batch(['SELECT 1', 'SELECT 2'])]) {
        const served = faults.counts[mode];
        const o = await outcome(attempt(), BOUND_MS);
        expectFailure(o, ConnectionError);
        expect((o.error as Error).message).toMatch(messages[mode]);
        // The error came from the fault itself: this attempt's request reached the endpoint and was failed.
        expect(faults.counts[mode]).toBeGreaterThan(served);
      }
      faults.mode = 'pass';
      expect(await db.scalar('SELECT 41 + 1')).toBe(42);
      expect(await db.batch(['SELECT 1 AS a', 'SELECT 2 AS b'])).toEqual([[{ a: 1 }], [{ b: 2 }]]);
    } finally {
      await db.popBind().close();
      await faults.close();
    }
  });

  test("the caller's own fetchOptions.signal still cancels a request, as a ConnectionError", async () => {
    const faults = await startHttpFaults(direct.httpEndpoint);
    faults.mode = 'hang';
    const controller = new AbortController();
    const t = target();
    const db = new Gino();
    await db.setBind(`postgresql+neon-http://${t.user}:${NEON_TEST_PASSWORD}@127.0.0.1/${t.database}`, {
      fetchEndpoint: faults.endpoint,
      fetchOptions: { signal: controller.signal },
    });
    try {
      const running = outcome(db.scalar('SELECT 1'), BOUND_MS);
      await sleep(100);
      controller.abort();
      count('HTTP request cancelled by the caller');
      expectFailure(await running, ConnectionError);
      // Cancelled while it hung at the endpoint, not before it was sent.
      expect(faults.counts.hang).toBe(1);
    } finally {
      await db.popBind().close();
      await faults.close();
    }
  });
});
