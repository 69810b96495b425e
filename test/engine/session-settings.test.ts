/**
 * Values read the same whatever the server's output settings: a database, a role or a URL's
 * `options` may set DateStyle (German: `02.01.2020`), IntervalStyle (ISO 8601: `P1DT2H3M4S`) and
 * extra_float_digits (0: `0.3` for 0.1 + 0.2), and every adapter still returns the values of the README's
 * table. pg and neon-ws set ISO output per connection, PGlite once per instance, and neon-http, which
 * has no session, checks the role's defaults on its first request and, if they differ, leads each
 * request with SET LOCAL in one transaction.
 *
 * The database-level settings change this run's database for a while (ALTER DATABASE; restored in
 * afterAll); every binding here is made after the change, with a proxy of its own, so no connection
 * opened before it is reused.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { pg as pgAdapter } from '../../adapters/pg/index.js';
import { pglite } from '../../adapters/pglite/index.js';
import { type NeonProxy, startNeonProxy } from '../../src/dev/index.js';
import { type Bindable, Gino } from '../../src/index.js';
import { neonUrl } from '../support/neon.js';

const serverUrl = inject('databaseUrl');
const NO_SERVER = inject('databaseKind') === 'pglite';
// Roles are the cluster's, shared by suites running side by side on other databases: one per run.
const ROLE = `gino_proto_sqlstyle_${process.pid}`;

const SET_LOCAL = [
  "SET LOCAL DateStyle = 'ISO'",
  "SET LOCAL IntervalStyle = 'postgres'",
  "SET LOCAL extra_float_digits = '3'",
];

const instant = new Date('2020-01-02T03:04:05.678Z');
/** What every adapter must read back, whatever the server's output settings. */
const EXPECTED = {
  date: '2020-01-02',
  stamp: instant,
  stamptz: instant,
  time: '03:04:05',
  interval: '1 day 02:03:04',
  float: 0.1 + 0.2,
  real: 1.2345678,
  dates: ['2020-01-02', '2021-03-04'],
  stamps: [instant],
};

/** The same values as SQL literals in ISO form (which every DateStyle reads). */
const RAW_SELECT = `SELECT '2020-01-02'::date AS date, '2020-01-02 03:04:05.678'::timestamp AS stamp,
  '2020-01-02 03:04:05.678+00'::timestamptz AS stamptz, '03:04:05'::time AS time,
  '1 day 02:03:04'::interval AS interval, (0.1::float8 + 0.2::float8) AS float, '1.2345678'::float4 AS real,
  '{2020-01-02,2021-03-04}'::date[] AS dates, '{"2020-01-02 03:04:05.678+00"}'::timestamptz[] AS stamps`;

function defineSample(db: Gino) {
  return class Sample extends db.Model({
    __tablename__: 'proto_settings',
    id: db.Column(db.Integer(), { primaryKey: true }),
    date: db.Column(db.Date()),
    stamp: db.Column(db.DateTime()),
    stamptz: db.Column(db.DateTime({ timezone: true })),
    time: db.Column(db.Time()),
    interval: db.Column(db.Interval()),
    float: db.Column(db.Float()),
    real: db.Column(db.Real()),
    dates: db.Column(db.ARRAY(db.Date())),
    stamps: db.Column(db.ARRAY(db.DateTime({ timezone: true }))),
  }) {};
}

interface Binding {
  name: string;
  bind(url: string): { bind: Bindable; options?: Record<string, unknown> };
}

let proxy: NeonProxy;
const pools: pg.Pool[] = [];

/** Each server adapter, bound to `url` (the run's database, or a role's / an options URL). */
const BINDINGS: Binding[] = [
  { name: 'pg', bind: (url) => ({ bind: url, options: { max: 2 } }) },
  {
    name: 'pg ({ pool } handed in)',
    bind: (url) => {
      const pool = new pg.Pool({ connectionString: url, max: 2 });
      pools.push(pool);
      return { bind: pgAdapter({ pool }) };
    },
  },
  { name: 'neon-ws', bind: (url) => ({ bind: neonUrl('neon-ws', url), options: { ...proxy.neonOptions } }) },
  {
    name: 'neon-ws { max: 2 }',
    bind: (url) => ({ bind: neonUrl('neon-ws', url), options: { ...proxy.neonOptions, max: 2 } }),
  },
  { name: 'neon-http', bind: (url) => ({ bind: neonUrl('neon-http', url), options: { ...proxy.neonOptions } }) },
];

async function withDb<T>(binding: Binding, url: string, fn: (db: Gino) => Promise<T>): Promise<T> {
  const db = new Gino();
  const { bind, options } = binding.bind(url);
  await db.setBind(bind, options ?? {});
  try {
    return await fn(db);
  } finally {
    await db.popBind().close();
  }
}

/** Raw SQL, a model's rows and a batch all read the expected values; so does a transaction's statement. */
async function expectValues(db: Gino): Promise<void> {
  expect(await db.first(RAW_SELECT)).toEqual(EXPECTED);
  const [batched] = await db.batch([RAW_SELECT]);
  expect(batched?.[0]).toEqual(EXPECTED);
  if (db.bind.capabilities.transactions) expect(await db.transaction(() => db.first(RAW_SELECT))).toEqual(EXPECTED);
}

/** A neon-http binding whose requests are recorded: `{ query }` alone, or `{ queries }` (a batch). */
async function recordedNeonHttp(db: Gino, target: string): Promise<unknown[]> {
  const bodies: unknown[] = [];
  const fetchFunction = (input: string, init: { body: string } & Record<string, unknown>) => {
    bodies.push(JSON.parse(init.body));
    return fetch(input, init as RequestInit);
  };
  await db.setBind(neonUrl('neon-http', target), { fetchEndpoint: proxy.httpEndpoint, fetchFunction });
  return bodies;
}

const sqlOf = (body: unknown) => {
  const b = body as { query?: string; queries?: { query: string }[] };
  return b.queries ? b.queries.map((q) => q.query) : b.query;
};

function url(params: Record<string, string>): string {
  const u = new URL(serverUrl);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

describe.skipIf(NO_SERVER)('neon-http on a role whose defaults are ISO already', () => {
  beforeAll(async () => {
    proxy = await startNeonProxy({ target: serverUrl });
  });
  afterAll(async () => {
    await proxy?.close();
  });

  test('the first request carries the probe and SET LOCAL; from then on a statement is one plain request', async () => {
    const db = new Gino();
    const bodies = await recordedNeonHttp(db, serverUrl);
    try {
      expect(await db.first(RAW_SELECT)).toEqual(EXPECTED);
      expect(await db.first(RAW_SELECT)).toEqual(EXPECTED);
      expect(await db.batch(['SELECT 1 AS a'])).toEqual([[{ a: 1 }]]);
      expect(bodies.map(sqlOf)).toEqual([
        [
          'SHOW DateStyle',
          'SHOW IntervalStyle',
          'SHOW extra_float_digits',
          'SHOW server_version_num',
          "SET LOCAL DateStyle = 'ISO'",
          "SET LOCAL IntervalStyle = 'postgres'",
          "SET LOCAL extra_float_digits = '3'",
          RAW_SELECT,
        ],
        RAW_SELECT,
        ['SELECT 1 AS a'],
      ]);
    } finally {
      await db.popBind().close();
    }
  });
});

describe.skipIf(NO_SERVER)('neon-http engines made per request', () => {
  beforeAll(async () => {
    proxy = await startNeonProxy({ target: serverUrl });
  });
  afterAll(async () => {
    await proxy?.close();
  });

  test('probe once per process and endpoint: the next engine for the same URL sends plain requests', async () => {
    const first = new Gino();
    const firstBodies = await recordedNeonHttp(first, serverUrl);
    const second = new Gino();
    const secondBodies = await recordedNeonHttp(second, serverUrl);
    try {
      expect(await first.first(RAW_SELECT)).toEqual(EXPECTED);
      expect(await second.first(RAW_SELECT)).toEqual(EXPECTED);
      expect(firstBodies.map(sqlOf)[0]).toHaveLength(8);
      expect(secondBodies.map(sqlOf)).toEqual([RAW_SELECT]);
    } finally {
      await first.popBind().close();
      await second.popBind().close();
    }
  });
});

describe.skipIf(NO_SERVER)('server output settings other than ISO', () => {
  let admin: pg.Client;
  let database: string;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    database = (await admin.query<{ d: string }>('SELECT current_database() AS d')).rows[0]?.d as string;
    const quoted = `"${database.replace(/"/g, '""')}"`;
    await admin.query(`ALTER DATABASE ${quoted} SET DateStyle = 'German, DMY'`);
    await admin.query(`ALTER DATABASE ${quoted} SET IntervalStyle = 'iso_8601'`);
    await admin.query(`ALTER DATABASE ${quoted} SET extra_float_digits = 0`);
    await admin.query(`DROP ROLE IF EXISTS ${ROLE}`);
    await admin.query(`CREATE ROLE ${ROLE} LOGIN`);
    await admin.query(`ALTER ROLE ${ROLE} SET DateStyle = 'SQL, MDY'`);
    await admin.query(`ALTER ROLE ${ROLE} SET IntervalStyle = 'sql_standard'`);
    await admin.query(`ALTER ROLE ${ROLE} SET extra_float_digits = -3`);
    proxy = await startNeonProxy({ target: serverUrl });
  });

  afterAll(async () => {
    await proxy?.close();
    await Promise.all(pools.map((p) => p.end()));
    if (!admin) return;
    const quoted = `"${database.replace(/"/g, '""')}"`;
    for (const name of ['DateStyle', 'IntervalStyle', 'extra_float_digits']) {
      await admin.query(`ALTER DATABASE ${quoted} RESET ${name}`);
    }
    await admin.query(`DROP ROLE IF EXISTS ${ROLE}`);
    await admin.end();
  });

  test('the set-up is real: a fresh plain connection reads garbage', async () => {
    const raw = new pg.Client({ connectionString: serverUrl });
    await raw.connect();
    try {
      const { rows } = await raw.query({ text: RAW_SELECT, rowMode: 'array', types: { getTypeParser: () => String } });
      expect(rows[0]?.slice(0, 6)).toEqual([
        '02.01.2020',
        '02.01.2020 03:04:05.678',
        expect.stringMatching(/^02\.01\.2020 0?\d:04:05\.678/),
        '03:04:05',
        'P1DT2H3M4S',
        '0.3',
      ]);
    } finally {
      await raw.end();
    }
  });

  describe.each(BINDINGS)('$name', (binding) => {
    test('database defaults German, iso_8601, extra_float_digits 0: values as on any server', async () => {
      await withDb(binding, serverUrl, async (db) => {
        await expectValues(db);
        const Sample = defineSample(db);
        await db.gino.dropAll();
        await db.gino.createAll();
        try {
          await Sample.create({ id: 1, ...EXPECTED });
          expect((await Sample.get(1))?.toDict()).toEqual({ id: 1, ...EXPECTED });
          // Input keeps the database's day/month order (only the output style is set).
          expect(await db.scalar("SELECT '03/04/2020'::date")).toBe('2020-04-03');
        } finally {
          await db.gino.dropAll();
        }
      });
    });

    test('role defaults SQL, sql_standard, extra_float_digits -3: values as on any server', async () => {
      await withDb(binding, url({}).replace(/\/\/[^@/]*@/, `//${ROLE}@`), async (db) => {
        expect(await db.scalar('SELECT current_user')).toBe(ROLE);
        await expectValues(db);
      });
    });

    test("the URL's options=-c DateStyle=Postgres: values as on any server", async () => {
      const withOptions = url({ options: '-c DateStyle=Postgres,MDY -c IntervalStyle=iso_8601' });
      await withDb(binding, withOptions, (db) => expectValues(db));
    });
  });
});

describe.skipIf(NO_SERVER)('neon-http on a database whose defaults are not ISO', () => {
  let admin: pg.Client;
  let quoted: string;
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    const database = (await admin.query<{ d: string }>('SELECT current_database() AS d')).rows[0]?.d as string;
    quoted = `"${database.replace(/"/g, '""')}"`;
    await admin.query(`ALTER DATABASE ${quoted} SET DateStyle = 'German, DMY'`);
    proxy = await startNeonProxy({ target: serverUrl });
  });
  afterAll(async () => {
    await proxy?.close();
    await admin?.query(`ALTER DATABASE ${quoted} RESET DateStyle`);
    await admin?.end();
  });

  test('every request keeps its SET LOCAL lead; SET TRANSACTION and VACUUM still work', async () => {
    const db = new Gino();
    const bodies = await recordedNeonHttp(db, serverUrl);
    try {
      expect(await db.first(RAW_SELECT)).toEqual(EXPECTED);
      expect(await db.first(RAW_SELECT)).toEqual(EXPECTED);
      expect(sqlOf(bodies[1])).toEqual([...SET_LOCAL, RAW_SELECT]);
      // SET and SHOW take no snapshot: a batch may still open with SET TRANSACTION.
      const [, [isolation]] = await db.batch([
        'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE',
        "SELECT current_setting('transaction_isolation') AS i",
      ]);
      expect(isolation).toEqual({ i: 'serializable' });
      // A statement that cannot run in a transaction block goes alone.
      expect((await db.status('VACUUM pg_catalog.pg_am')).status).toBe('VACUUM');
      expect(sqlOf(bodies.at(-1))).toBe('VACUUM pg_catalog.pg_am');
    } finally {
      await db.popBind().close();
    }
  });
});

describe('PGlite with its session set to other output settings before binding', () => {
  test('German, iso_8601, extra_float_digits 0: values as on any server', async () => {
    const instance = await PGlite.create();
    await instance.exec("SET DateStyle = 'German, DMY'; SET IntervalStyle = 'iso_8601'; SET extra_float_digits = 0");
    const db = new Gino();
    await db.setBind(pglite(instance));
    try {
      await expectValues(db);
      const Sample = defineSample(db);
      await db.gino.createAll();
      await Sample.create({ id: 1, ...EXPECTED });
      expect((await Sample.get(1))?.toDict()).toEqual({ id: 1, ...EXPECTED });
    } finally {
      await db.popBind().close();
      await instance.close();
    }
  });
});
