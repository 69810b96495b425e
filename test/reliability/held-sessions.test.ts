/**
 * A backend terminated under a held session (a transaction, a batch, a cursor), on every pooled
 * binding: neon-ws with its Pool (`{ max }`, `{ pool: true }`), neon-ws with a client per session,
 * pg with its own pool and with a pool handed in. A checked-out client whose connection dies emits
 * 'error' besides failing its query (and emits it even when no query is running); a pool listens
 * only to idle clients, so an unheard event is an uncaught exception and Node exits. Each case must
 * end in a ConnectionError, nothing may escape (watched on the process), nothing of the session may
 * be visible, and the same binding works afterwards.
 *
 * `pg_terminate_backend` only ever targets the one backend the test found for its own session.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, test } from 'vitest';
import { pg as pgAdapter } from '../../adapters/pg/index.js';
import { type NeonProxy, startNeonProxy } from '../../src/dev/index.js';
import { ConnectionError, Gino } from '../../src/index.js';
import { neonUrl } from '../support/neon.js';
import { type Escapes, sleep, until, watchEscapes } from './support/watch.js';

const run = promisify(execFile);
const serverUrl = inject('databaseUrl');
const NO_SERVER =
  inject('databaseKind') === 'pglite'
    ? 'the PGlite wire server has one backend for every connection: pg_terminate_backend cannot target one'
    : undefined;

const APP = 'gino_proto_held';
const withApp = (url: string) => `${url.replace(/\?.*$/, '')}?application_name=${APP}`;

let admin: pg.Client;
let proxy: NeonProxy;
const handedIn: pg.Pool[] = [];

interface Kind {
  name: string;
  bind(db: Gino): Promise<unknown>;
}

const KINDS: Kind[] = [
  {
    name: 'neon-ws { max: 2 }',
    bind: (db) => db.setBind(withApp(neonUrl('neon-ws', serverUrl)), { ...proxy.neonOptions, max: 2 }),
  },
  {
    name: 'neon-ws { pool: true }',
    bind: (db) => db.setBind(withApp(neonUrl('neon-ws', serverUrl)), { ...proxy.neonOptions, pool: true }),
  },
  {
    name: 'neon-ws (a client per session)',
    bind: (db) => db.setBind(withApp(neonUrl('neon-ws', serverUrl)), { ...proxy.neonOptions }),
  },
  { name: 'pg (its own pool)', bind: (db) => db.setBind(withApp(serverUrl), { max: 2 }) },
  {
    name: 'pg ({ pool } handed in)',
    bind: (db) => {
      const pool = new pg.Pool({ connectionString: withApp(serverUrl), max: 2 });
      // The application's own pool, with the idle-client listener node-postgres asks for.
      pool.on('error', () => undefined);
      handedIn.push(pool);
      return db.setBind(pgAdapter({ pool }));
    },
  },
];

/** Terminate one backend, and wait until the server no longer lists it (its client has heard by then). */
async function terminate(pid: number): Promise<void> {
  const { rows } = await admin.query<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [pid]);
  expect(rows[0]?.ok).toBe(true);
  await until(
    async () => (await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount === 0,
    5000,
    'the backend to go',
  );
  // The client's socket closes after the backend does: give its events time to fire.
  await sleep(150);
}

/** The pid of our one backend idle inside a transaction (a cursor between fetches). */
async function idleInTransactionPid(): Promise<number> {
  let pid: number | undefined;
  await until(
    async () => {
      const { rows } = await admin.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1
         AND state LIKE 'idle in transaction%'`,
        [APP],
      );
      pid = rows.length === 1 ? rows[0]?.pid : undefined;
      return pid !== undefined;
    },
    5000,
    'the cursor to wait between fetches',
  );
  return pid as number;
}

async function count(tag: string): Promise<number> {
  const { rows } = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM held_items WHERE tag = $1', [tag]);
  return rows[0]?.n ?? -1;
}

let escapes: Escapes;
let marks = 0;
const mark = () => `held_${process.pid}_${++marks}`;

beforeAll(async () => {
  if (NO_SERVER) return;
  admin = new pg.Client({ connectionString: serverUrl, application_name: 'gino_proto_admin' });
  await admin.connect();
  await admin.query('DROP TABLE IF EXISTS held_items');
  await admin.query('CREATE TABLE held_items (id serial PRIMARY KEY, tag text NOT NULL)');
  proxy = await startNeonProxy({ target: serverUrl });
});

afterAll(async () => {
  if (NO_SERVER) return;
  await proxy?.close();
  await Promise.all(handedIn.map((p) => p.end()));
  await admin.query('DROP TABLE IF EXISTS held_items');
  await admin.end();
});

beforeEach(() => {
  escapes = watchEscapes();
});

afterEach(async () => {
  // Late events (a socket closing after the assertions) count too.
  await sleep(100);
  escapes.stop();
  expect(escapes.seen).toEqual([]);
});

describe.skipIf(NO_SERVER).each(KINDS)('a backend terminated under a held session on $name', (kind) => {
  let db: Gino;
  beforeEach(async () => {
    db = new Gino();
    await kind.bind(db);
    expect(await db.scalar('SELECT 1')).toBe(1);
  });
  afterEach(async () => {
    await db.popBind().close();
  });

  /** The binding works: concurrent statements, a transaction, a cursor. */
  const expectHealthy = async () => {
    expect(await Promise.all([0, 1, 2, 3].map((i) => db.scalar<number>('SELECT $1::int', [i])))).toEqual([0, 1, 2, 3]);
    expect(await db.transaction(() => db.scalar('SELECT 2'))).toBe(2);
    const seen: unknown[] = [];
    for await (const row of db.iterate('SELECT generate_series(1, 3) AS n', { prefetch: 2 })) seen.push(row);
    expect(seen).toHaveLength(3);
  };

  test('a transaction idle between statements: ConnectionError, nothing kept', async () => {
    const tag = mark();
    const error = await db
      .transaction(async () => {
        await db.status('INSERT INTO held_items (tag) VALUES ($1)', [tag]);
        await terminate((await db.scalar<number>('SELECT pg_backend_pid()')) as number);
        await db.status('INSERT INTO held_items (tag) VALUES ($1)', [tag]);
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(await count(tag)).toBe(0);
    await expectHealthy();
  });

  test('a batch, terminated mid-statement: ConnectionError, nothing kept', async () => {
    const tag = mark();
    const insert = `INSERT INTO held_items (tag) VALUES ('${tag}')`;
    const running = db.batch([insert, `SELECT pg_sleep(5) /* ${tag} */`, insert]).catch((e: unknown) => e);
    let pid: number | undefined;
    await until(
      async () => {
        const { rows } = await admin.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1 AND pid <> pg_backend_pid()`,
          [`%/* ${tag} */%`],
        );
        pid = rows[0]?.pid;
        return pid !== undefined;
      },
      5000,
      'the batch to reach its slow statement',
    );
    await terminate(pid as number);
    expect(await running).toBeInstanceOf(ConnectionError);
    expect(await count(tag)).toBe(0);
    await expectHealthy();
  });

  test('a cursor between fetches: ConnectionError from the next fetch', async () => {
    const seen: unknown[] = [];
    const error = await (async () => {
      for await (const row of db.iterate('SELECT generate_series(1, 10) AS n', { prefetch: 1 })) {
        seen.push(row);
        if (seen.length === 1) await terminate(await idleInTransactionPid());
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(seen).toEqual([{ n: 1 }]);
    await expectHealthy();
  });
});

describe.skipIf(NO_SERVER)('in a process of its own, with nobody listening for uncaught exceptions', () => {
  test('neon-ws { max: 2 }: the process lives on, the transaction ends in ConnectionError, the pool answers', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'held-session-kill.ts')],
      { env: { ...process.env, HELD_TARGET: serverUrl, HELD_APP: APP }, timeout: 30_000 },
    );
    expect(JSON.parse(stdout.trim().split('\n').pop() as string)).toEqual({ ended: 'ConnectionError', after: 2 });
  });
});
