/**
 * Per-request identity for row-level security, against real RLS policies on the run's server:
 * 200 concurrent requests under 20 tenants' claims, each through `db.withClaims`, see only their
 * own tenant's rows, and no pooled connection keeps a claim or a role afterwards. On pg (its own
 * pool), on pg through a real PgBouncer in transaction mode, on neon-ws and on neon-http (one
 * request per statement, the claims in the same batch) through the local Neon proxy.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { NeonProxy } from '../../src/dev/index.js';
import { DatabaseError, Gino, InvalidRequestError, type QueryEvent } from '../../src/index.js';
import { neonUrl, proxyForRun } from '../support/neon.js';
import { type PgBouncer, pgbouncerBin, startPgBouncer } from '../support/servers.js';

const serverUrl = inject('databaseUrl');
const NO_SERVER =
  inject('databaseKind') === 'pglite'
    ? 'the run has no PostgreSQL server: the PGlite wire server has one session and no roles to switch to'
    : undefined;
if (NO_SERVER) console.warn(`[rls] skipped: ${NO_SERVER}`);

const REQUESTS = 200;
const TENANTS = 20;
const ROWS_PER_TENANT = 10;
/** Roles are the server's, not the database's: named after the database, so runs on other databases do not collide. */
const ROLE = `${(new URL(serverUrl).pathname.slice(1) || 'postgres').replace(/\W/g, '_')}_rls_app`;
const LOGIN = decodeURIComponent(new URL(serverUrl).username || 'postgres');
const POOL = 8;

interface Config {
  name: string;
  bind: () => Promise<{ url: string; options: Record<string, unknown> }>;
  /** Whether the adapter holds sessions (cursors, transactions). */
  sessions: boolean;
  close: () => Promise<void>;
}

let proxy: NeonProxy | undefined;
let bouncer: PgBouncer | undefined;

const CONFIGS: Config[] = [
  {
    name: 'pg',
    sessions: true,
    bind: async () => ({ url: serverUrl, options: { max: POOL } }),
    close: async () => {},
  },
  ...(pgbouncerBin()
    ? [
        {
          name: 'pg through PgBouncer (transaction mode)',
          sessions: true,
          bind: async () => {
            const started = await startPgBouncer(serverUrl, { poolSize: POOL });
            if ('skip' in started) throw new Error(started.skip);
            bouncer = started;
            return { url: started.url, options: { max: 3 * POOL, pooler: 'transaction' } };
          },
          close: async () => {
            await bouncer?.close();
            bouncer = undefined;
          },
        },
      ]
    : []),
  {
    name: 'neon-ws',
    sessions: true,
    bind: async () => {
      proxy ??= await proxyForRun();
      return { url: neonUrl('neon-ws'), options: { ...proxy.neonOptions, max: POOL } };
    },
    close: async () => {
      await proxy?.close();
      proxy = undefined;
    },
  },
  {
    name: 'neon-http',
    sessions: false,
    bind: async () => {
      proxy ??= await proxyForRun();
      return { url: neonUrl('neon-http'), options: { ...proxy.neonOptions } };
    },
    close: async () => {
      await proxy?.close();
      proxy = undefined;
    },
  },
];

let admin: pg.Client;

beforeAll(async () => {
  if (NO_SERVER) return;
  admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`DO $$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${ROLE}') THEN CREATE ROLE ${ROLE} NOLOGIN; END IF;
    END $$`);
  await admin.query(`GRANT ${ROLE} TO ${LOGIN}`);
  await admin.query('DROP TABLE IF EXISTS scale_rls_notes');
  await admin.query('CREATE TABLE scale_rls_notes (id serial PRIMARY KEY, tenant text NOT NULL, body text NOT NULL)');
  await admin.query('ALTER TABLE scale_rls_notes ENABLE ROW LEVEL SECURITY');
  // nullif: once a transaction has set the claims, the setting exists on that connection and
  // reads '' (not NULL) outside such a transaction; ''::jsonb would fail.
  await admin.query(`CREATE POLICY tenant_isolation ON scale_rls_notes
      USING (tenant = nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'tenant')
      WITH CHECK (tenant = nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'tenant')`);
  await admin.query(`GRANT SELECT, INSERT ON scale_rls_notes TO ${ROLE}`);
  await admin.query(`GRANT USAGE ON SEQUENCE scale_rls_notes_id_seq TO ${ROLE}`);
  await admin.query(`GRANT USAGE ON SCHEMA public TO ${ROLE}`);
});

afterAll(async () => {
  if (!admin) return;
  await admin.query('DROP TABLE IF EXISTS scale_rls_notes');
  await admin.query(`DO $$ BEGIN
      IF EXISTS (SELECT FROM pg_roles WHERE rolname = '${ROLE}') THEN
        EXECUTE 'REVOKE ALL ON SCHEMA public FROM ${ROLE}';
        EXECUTE 'DROP ROLE ${ROLE}';
      END IF;
    END $$`);
  await admin.end();
});

async function resetRows(): Promise<void> {
  await admin.query('TRUNCATE scale_rls_notes RESTART IDENTITY');
  await admin.query(
    `INSERT INTO scale_rls_notes (tenant, body)
     SELECT 't' || t, 'note ' || n FROM generate_series(0, ${TENANTS - 1}) t, generate_series(1, ${ROWS_PER_TENANT}) n`,
  );
}

describe.skipIf(NO_SERVER).each(CONFIGS)('db.withClaims on $name', (config) => {
  const log: QueryEvent[] = [];
  const db = new Gino({ logger: (e) => log.push(e) });
  class Note extends db.Model({
    __tablename__: 'scale_rls_notes',
    id: db.Column(db.Integer(), { primaryKey: true }),
    tenant: db.Column(db.Text(), { nullable: false }),
    body: db.Column(db.Text(), { nullable: false }),
  }) {}

  beforeAll(async () => {
    await resetRows();
    const { url, options } = await config.bind();
    await db.setBind(url, options);
  });
  afterAll(async () => {
    if (db.isBound) await db.popBind().close();
    await config.close();
  });

  test(`${REQUESTS} concurrent requests under ${TENANTS} tenants' claims see 0 rows of another tenant`, async () => {
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: REQUESTS }, (_, i) => {
        const tenant = `t${i % TENANTS}`;
        return db.scope(() =>
          db.withClaims(
            { sub: `user-${i}`, tenant },
            async () => {
              const notes = await Note.query.gino.all();
              const count = Number(await db.func.count(Note.id).gino.scalar());
              const who = await db.scalar(
                "SELECT current_user || ' ' || (current_setting('request.jwt.claims', true)::jsonb ->> 'sub')",
              );
              // A statement given as SQL text runs under the claims too.
              const raw = await db.all<{ tenant: string }>('SELECT tenant FROM scale_rls_notes');
              return { tenant, i, notes, count, who, raw };
            },
            { role: ROLE },
          ),
        );
      }),
    );
    const ms = performance.now() - started;
    let crossTenant = 0;
    let own = 0;
    for (const r of results) {
      for (const n of r.notes) n.tenant === r.tenant ? own++ : crossTenant++;
      for (const n of r.raw) if (n.tenant !== r.tenant) crossTenant++;
      expect(r.count).toBe(ROWS_PER_TENANT);
      expect(r.who).toBe(`${ROLE} user-${r.i}`);
    }
    console.log(
      `[rls ${config.name}] ${REQUESTS} concurrent requests, ${TENANTS} tenants: ${own} own rows read, ${crossTenant} rows of another tenant, ${ms.toFixed(0)} ms`,
    );
    expect(crossTenant).toBe(0);
    expect(own).toBe(REQUESTS * ROWS_PER_TENANT);
  });

  test('writes under the claims: the policy admits their own tenant and refuses another', async () => {
    const mine = await db.withClaims({ tenant: 't3' }, () => Note.create({ tenant: 't3', body: 'mine' }), {
      role: ROLE,
    });
    expect(mine.tenant).toBe('t3');
    const theirs = await db
      .withClaims({ tenant: 't3' }, () => Note.create({ tenant: 't4', body: 'not mine' }), { role: ROLE })
      .catch((e: unknown) => e);
    expect(theirs).toBeInstanceOf(DatabaseError);
    expect((theirs as DatabaseError).code).toBe('42501');
    const rows = (await admin.query("SELECT tenant FROM scale_rls_notes WHERE body IN ('mine', 'not mine')")).rows;
    expect(rows).toEqual([{ tenant: 't3' }]);
  });

  test('transactions, batches and cursors opened inside withClaims start with the claims', async () => {
    const [batched] = await db.withClaims({ tenant: 't5' }, () => db.batch([Note.query]), { role: ROLE });
    expect(new Set(batched.map((n) => n.tenant))).toEqual(new Set(['t5']));
    if (!config.sessions) return;
    const inTx = await db.withClaims(
      { tenant: 't6' },
      () =>
        db.transaction(async () => {
          await Note.create({ tenant: 't6', body: 'in a transaction' });
          return db.func.count(Note.id).gino.scalar();
        }),
      { role: ROLE },
    );
    expect(Number(inTx)).toBe(ROWS_PER_TENANT + 1);
    const streamed: string[] = [];
    await db.withClaims(
      { tenant: 't7' },
      async () => {
        for await (const n of Note.query.gino.iterate({ prefetch: 3 })) streamed.push(n.tenant);
      },
      { role: ROLE },
    );
    expect(streamed).toHaveLength(ROWS_PER_TENANT);
    expect(new Set(streamed)).toEqual(new Set(['t7']));
    // A held connection: each statement in a transaction of its own, with the claims.
    const held = await db.withClaims(
      { tenant: 't8' },
      () =>
        db.acquire(async (conn) => [
          Number(await conn.scalar('SELECT count(*) FROM scale_rls_notes')),
          await conn.all('SELECT DISTINCT tenant FROM scale_rls_notes'),
        ]),
      { role: ROLE },
    );
    expect(held).toEqual([ROWS_PER_TENANT, [{ tenant: 't8' }]]);
  });

  test('nothing stays set on a pooled connection afterwards: no claims, the login role', async () => {
    // As many statements at once as the pool has connections, each outside withClaims, each in a
    // transaction of its own so that PgBouncer keeps one server connection for both reads.
    const seen = await Promise.all(
      Array.from({ length: 3 * POOL }, () =>
        config.sessions
          ? db.transaction(async (tx) => {
              const row = await tx.first<{ claims: string | null; role: string }>(
                "SELECT current_setting('request.jwt.claims', true) AS claims, current_user AS role, pg_sleep(0.05)::text AS s",
              );
              return row;
            })
          : db.first<{ claims: string | null; role: string }>(
              "SELECT current_setting('request.jwt.claims', true) AS claims, current_user AS role, pg_sleep(0.05)::text AS s",
            ),
      ),
    );
    for (const row of seen) {
      expect(row?.claims ?? '').toBe('');
      expect(row?.role).toBe(LOGIN);
    }
    // Without claims the policy shows the app role nothing.
    if (config.sessions) {
      const unclaimed = await db.transaction(async (tx) => {
        await tx.status(`SET LOCAL ROLE ${ROLE}`);
        return Number(await tx.scalar('SELECT count(*) FROM scale_rls_notes'));
      });
      expect(unclaimed).toBe(0);
    }
    if (bouncer) {
      // And PgBouncer's server connections, read by clients of their own.
      const clients = await Promise.all(
        Array.from({ length: POOL }, async () => {
          const c = new pg.Client({ connectionString: bouncer?.url });
          await c.connect();
          await c.query('BEGIN');
          return c;
        }),
      );
      try {
        for (const c of clients) {
          const r = await c.query("SELECT current_setting('request.jwt.claims', true) AS claims, current_user AS role");
          expect(r.rows[0].claims ?? '').toBe('');
          expect(r.rows[0].role).toBe(LOGIN);
        }
      } finally {
        for (const c of clients) await c.query('COMMIT').then(() => c.end());
      }
    }
  });

  test('refused before any I/O: bad claims, a bad role name, withClaims inside a transaction', async () => {
    log.length = 0;
    await expect(db.withClaims(null as never, async () => 1)).rejects.toThrow(InvalidRequestError);
    await expect(db.withClaims('[1]', async () => 1)).rejects.toThrow(/JSON object/);
    await expect(db.withClaims({ n: 1n } as never, async () => 1)).rejects.toThrow(/cannot be written as JSON/);
    await expect(db.withClaims({ tenant: 't1' }, async () => 1, { role: '' })).rejects.toThrow(/role/);
    expect(log).toEqual([]);
    if (config.sessions) {
      const inside = await db
        .transaction(() => db.withClaims({ tenant: 't1' }, async () => 1))
        .catch((e: unknown) => e);
      expect(inside).toBeInstanceOf(InvalidRequestError);
      expect((inside as Error).message).toMatch(/outside/);
    }
    // A role that does not exist fails on the server; the connection is fine afterwards.
    const missing = await db
      .withClaims({ tenant: 't1' }, () => db.scalar('SELECT 1'), { role: 'gino_no_such_role' })
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(DatabaseError);
    expect(await db.scalar('SELECT current_user')).toBe(LOGIN);
  });
});
