/**
 * Read replicas against a real streaming replica: a primary made with initdb and its replica made
 * with pg_basebackup -R, started here (test/support/servers.ts) on free ports as the postgres
 * user, with recovery_min_apply_delay to make lag visible. On pg, and on neon-ws and neon-http
 * through two local Neon proxies (one per server). What goes where, read-your-writes (waiting for
 * the replica to replay, or sticking to the primary) and what it costs, and the fallback to the
 * primary when a replica fails.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type NeonProxy, startNeonProxy } from '../../src/dev/index.js';
import { Gino, type ReplicaFallback, type ReplicaStats, type ReplicatedEngine } from '../../src/index.js';
import { neonUrl } from '../support/neon.js';
import { clusterSkipReason, type ReplicaPair, sql, startReplicaPair } from '../support/servers.js';

const SKIP = clusterSkipReason();
if (SKIP) console.warn(`[replicas] skipped: ${SKIP}`);

let pair: ReplicaPair;
const proxies: NeonProxy[] = [];

beforeAll(async () => {
  if (SKIP) return;
  const started = await startReplicaPair();
  if ('skip' in started) throw new Error(started.skip);
  pair = started;
  await sql(pair.primary.url, 'CREATE TABLE scale_accounts (id serial PRIMARY KEY, owner text NOT NULL)');
  await sql(pair.primary.url, 'CREATE SEQUENCE scale_ticket');
  await replayed();
}, 120_000);

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await pair?.close();
});

/** Until the replica has replayed everything the primary has written so far. */
async function replayed(): Promise<void> {
  const lsn = (await sql<{ lsn: string }>(pair.primary.url, 'SELECT pg_current_wal_insert_lsn()::text AS lsn'))[0]?.lsn;
  for (;;) {
    const done = (
      await sql<{ done: boolean }>(pair.replica.url, 'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done', [lsn])
    )[0]?.done;
    if (done) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Config {
  name: string;
  sessions: boolean;
  bind(routing: Record<string, unknown>): Promise<{ url: string; options: Record<string, unknown> }>;
}

async function proxyTo(url: string): Promise<NeonProxy> {
  const proxy = await startNeonProxy({ target: url });
  proxies.push(proxy);
  return proxy;
}

const CONFIGS: Config[] = [
  {
    name: 'pg',
    sessions: true,
    bind: async (routing) => ({
      url: pair.primary.url,
      options: { max: 4, replicas: [pair.replica.url], ...routing },
    }),
  },
  ...(['neon-ws', 'neon-http'] as const).map(
    (adapter): Config => ({
      name: `${adapter} (a second Neon proxy for the replica)`,
      sessions: adapter === 'neon-ws',
      bind: async (routing) => {
        const [primaryProxy, replicaProxy] = [await proxyTo(pair.primary.url), await proxyTo(pair.replica.url)];
        return {
          url: neonUrl(adapter, pair.primary.url),
          options: {
            ...primaryProxy.neonOptions,
            replicas: [{ url: neonUrl(adapter, pair.replica.url), options: { ...replicaProxy.neonOptions } }],
            ...routing,
          },
        };
      },
    }),
  ),
];

/** What a router did between two snapshots. */
function delta(before: Readonly<ReplicaStats>, after: Readonly<ReplicaStats>): Partial<ReplicaStats> {
  const out: Partial<ReplicaStats> = {};
  for (const key of Object.keys(after) as (keyof ReplicaStats)[]) {
    const d = after[key] - before[key];
    if (d !== 0) out[key] = d;
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

describe.skipIf(SKIP).each(CONFIGS)('read replicas on $name', (config) => {
  const fallbacks: ReplicaFallback[] = [];
  const db = new Gino();
  class Account extends db.Model({
    __tablename__: 'scale_accounts',
    id: db.Column(db.Integer(), { primaryKey: true }),
    owner: db.Column(db.Text(), { nullable: false }),
  }) {}
  const router = () => db.bind as ReplicatedEngine;
  const byName = (name: string) => Account.query.where(Account.owner.eq(name));

  beforeAll(async () => {
    const { url, options } = await config.bind({ onReplicaFallback: (e: ReplicaFallback) => fallbacks.push(e) });
    await db.setBind(url, options);
  });
  afterAll(async () => {
    await pair.setApplyDelay(0);
    if (db.isBound) await db.popBind().close();
  });

  test('db.copyInto writes on the primary, counted as a write (refused before any I/O without sessions)', async () => {
    const name = `copied-${config.name}`;
    if (!config.sessions) {
      await expect(db.copyInto(Account, [{ owner: name }])).rejects.toThrow(/no copy/);
      return;
    }
    const before = router().stats;
    // In a scope of its own, as the other writing tests: a write in the outer scope would make the
    // next test's reads wait for the replica to replay it (and, held back, fall back to the primary).
    const { rowCount } = await db.scope(() => db.copyInto(Account, [{ owner: name }, { owner: name }]));
    expect(rowCount).toBe(2);
    expect(delta(before, router().stats)).toEqual({ primaryWrites: 1 });
    expect(await sql(pair.primary.url, 'SELECT id FROM scale_accounts WHERE owner = $1', [name])).toHaveLength(2);
    await replayed();
  });

  test('with the replica held back, plain SELECTs read the replica; everything else the primary', async () => {
    await pair.setApplyDelay(60_000);
    // Written behind gino-edge's back: this scope has no write to wait for.
    const name = `behind-${config.name}`;
    const id = (
      await sql<{ id: number }>(pair.primary.url, 'INSERT INTO scale_accounts (owner) VALUES ($1) RETURNING id', [name])
    )[0]?.id as number;
    const seen = async (what: string, read: () => Promise<unknown[]>) => [what, (await read()).length] as const;
    const before = router().stats;
    const results = [
      await seen('Model query', () => byName(name).gino.all()),
      await seen('db.select', () => db.all(db.select([Account.id]).where(Account.owner.eq(name)))),
      await seen('db.batch of reads', async () => (await db.batch([byName(name)]))[0]),
      await seen('Model.get', async () => ((await Account.get(id)) ? [1] : [])),
      await seen('db.func.count', async () => {
        const n = Number(await db.scalar(db.select([db.func.count(Account.id)]).where(Account.owner.eq(name))));
        return Array(n).fill(0);
      }),
      await seen('update() of no change', async () => {
        await Account.update.values({ owner: name }).where(Account.owner.eq(name)).gino.status();
        return db.primary(() => byName(name).gino.all());
      }),
      await seen('forUpdate()', () => byName(name).forUpdate().gino.all()),
      await seen('SQL text', () => db.all('SELECT id FROM scale_accounts WHERE owner = $1', [name])),
      await seen('db.primary(fn)', () => db.primary(() => byName(name).gino.all())),
      await seen('{ bind: db.bind.primary }', () => byName(name).gino.all({ bind: db.bind.primary })),
      await seen('db.batch with a write', async () => (await db.batch([byName(name), 'SELECT 1']))[0]),
    ];
    if (config.sessions) {
      results.push(
        await seen('transaction', () => db.transaction(() => byName(name).gino.all()) as Promise<unknown[]>),
      );
      results.push(await seen('acquire', () => db.acquire(() => byName(name).gino.all())));
      results.push(
        await seen('cursor', async () => {
          const rows: unknown[] = [];
          for await (const r of byName(name).gino.iterate()) rows.push(r);
          return rows;
        }),
      );
    }
    // 0: the replica (it has not replayed the insert); 1: the primary.
    expect(Object.fromEntries(results)).toEqual({
      'Model query': 0,
      'db.select': 0,
      'db.batch of reads': 0,
      'Model.get': 0,
      'db.func.count': 0,
      'forUpdate()': 1,
      'SQL text': 1,
      'db.primary(fn)': 1,
      '{ bind: db.bind.primary }': 1,
      'db.batch with a write': 1,
      'update() of no change': 1,
      ...(config.sessions ? { transaction: 1, acquire: 1, cursor: 1 } : {}),
    });
    expect(delta(before, router().stats).replicaReads).toBe(5);
    // The same through db.withBind (and db.worker, in test/runtimes/hyperdrive.test.ts).
    const { url, options } = await config.bind({});
    const viaWithBind = await db.withBind(
      url,
      async () => [(await byName(name).gino.all()).length, (await db.primary(() => byName(name).gino.all())).length],
      options,
    );
    expect(viaWithBind).toEqual([0, 1]);
    // DDL goes to the primary too (the replica would refuse it: read-only).
    await db.status('CREATE INDEX IF NOT EXISTS scale_accounts_owner ON scale_accounts (owner)');
    await pair.setApplyDelay(0);
    await replayed();
  });

  test("read-your-writes ('wait'): after a write, the scope's next read waits for the replica to replay it", async () => {
    const lagMs = 400;
    await pair.setApplyDelay(lagMs);
    const name = `ryw-${config.name}`;
    const before = router().stats;
    const started = performance.now();
    const mine = await db.scope(async () => {
      await Account.create({ owner: name });
      return byName(name).gino.all();
    });
    const ms = performance.now() - started;
    expect(mine.map((a) => a.owner)).toEqual([name]);
    const d = delta(before, router().stats);
    console.log(
      `[replicas ${config.name}] write then read with apply delay ${lagMs} ms: ${ms.toFixed(0)} ms, ` +
        `${d.replayChecks ?? 0} replay checks, read on the replica: ${d.replicaReads ?? 0}`,
    );
    expect(d.replayWaits).toBeGreaterThanOrEqual(1);
    expect(d.lagFallbacks ?? 0).toBe(0);
    expect(d.replicaReads).toBe(1);
    expect(ms).toBeGreaterThanOrEqual(lagMs * 0.8);
  });

  test('a scope that wrote nothing reads the replica without waiting, and sees the lag', async () => {
    await pair.setApplyDelay(1500);
    const name = `other-${config.name}`;
    const before = router().stats;
    let writerDone!: () => void;
    const written = new Promise<void>((r) => {
      writerDone = r;
    });
    const writer = db.scope(async () => {
      await Account.create({ owner: name });
      writerDone();
      return byName(name).gino.all();
    });
    await written;
    const started = performance.now();
    const stale = await db.scope(() => byName(name).gino.all());
    const staleMs = performance.now() - started;
    expect(stale).toEqual([]);
    expect(staleMs).toBeLessThan(1000);
    // The writer's own read waited past replicaWaitMs (500 ms) of a 1.5 s lag: it read the primary.
    expect((await writer).map((a) => a.owner)).toEqual([name]);
    expect(delta(before, router().stats).lagFallbacks).toBe(1);
    await pair.setApplyDelay(0);
    await replayed();
  });

  test('what read-your-writes costs: a read after a write, waiting for the replica vs on the primary', async () => {
    await pair.setApplyDelay(0);
    const rounds = 15;
    const plain: number[] = [];
    const waited: number[] = [];
    for (let i = 0; i < rounds; i++) {
      plain.push(
        await db.scope(async () => {
          const t = performance.now();
          await byName('nobody').gino.all();
          return performance.now() - t;
        }),
      );
      waited.push(
        await db.scope(async () => {
          await Account.create({ owner: `cost-${config.name}-${i}` });
          const t = performance.now();
          const rows = await byName(`cost-${config.name}-${i}`).gino.all();
          expect(rows).toHaveLength(1);
          return performance.now() - t;
        }),
      );
    }
    const sticky = new Gino();
    const { url, options } = await config.bind({ readYourWrites: 'primary' });
    await sticky.setBind(url, options);
    class StickyAccount extends sticky.Model({
      __tablename__: 'scale_accounts',
      id: sticky.Column(sticky.Integer(), { primaryKey: true }),
      owner: sticky.Column(sticky.Text(), { nullable: false }),
    }) {}
    const onPrimary: number[] = [];
    const stickyBefore = (sticky.bind as ReplicatedEngine).stats;
    for (let i = 0; i < rounds; i++) {
      onPrimary.push(
        await sticky.scope(async () => {
          await StickyAccount.create({ owner: `sticky-${config.name}-${i}` });
          const t = performance.now();
          const rows = await StickyAccount.query.where(StickyAccount.owner.eq(`sticky-${config.name}-${i}`)).gino.all();
          expect(rows).toHaveLength(1);
          return performance.now() - t;
        }),
      );
    }
    const stickyDelta = delta(stickyBefore, (sticky.bind as ReplicatedEngine).stats);
    await sticky.popBind().close();
    console.log(
      `[replicas ${config.name}] read-your-writes cost, median of ${rounds}: read with no write before ${median(plain).toFixed(2)} ms; ` +
        `read after a write, waiting for the replica (LSN from the primary + replay check + read) ${median(waited).toFixed(2)} ms; ` +
        `read after a write, on the primary ${median(onPrimary).toFixed(2)} ms`,
    );
    expect(stickyDelta.primaryReads).toBe(rounds);
    expect(stickyDelta.replayChecks ?? 0).toBe(0);
  });

  test('a SELECT the replica cannot run (it writes: nextval) runs on the primary, with a warning', async () => {
    fallbacks.length = 0;
    const ticket = db.func.nextval as NonNullable<typeof db.func.nextval>;
    const n = await db.scalar(db.select([ticket('scale_ticket').label('n')]));
    expect(Number(n)).toBeGreaterThan(0);
    expect(fallbacks).toHaveLength(1);
    expect(fallbacks[0]?.until).toBeUndefined();
    expect(fallbacks[0]?.error.message).toMatch(/read-only transaction/);
  });

  test('a replica that is down: reads fall back to the primary with a warning, then leave it alone for a while', async () => {
    fallbacks.length = 0;
    await pair.replica.stop('immediate');
    try {
      const before = router().stats;
      for (let i = 0; i < 5; i++) expect(await byName(`cost-${config.name}-1`).gino.all()).toHaveLength(1);
      const d = delta(before, router().stats);
      // One attempt on the replica fails over; the next four go straight to the primary.
      expect(fallbacks).toHaveLength(1);
      expect(fallbacks[0]?.until).toBeGreaterThan(Date.now());
      expect(d.fallbacks).toBe(1);
      expect(d.primaryReads).toBe(5);
      expect(d.replicaReads ?? 0).toBe(0);
    } finally {
      await pair.replica.start();
    }
  });
});
