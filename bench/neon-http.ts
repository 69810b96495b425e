/**
 * Neon over HTTP, end to end, in one Node process: the tutorial's operations and a 1k-row read of
 * the wide table through the local Neon proxy (`gino-edge/dev`, in front of PostgreSQL). gino-edge
 * runs on its own HTTP client (the neon-http adapter); the baseline is Neon's `neon()` with
 * hand-written SQL; Drizzle and Kysely run on `neon()`. Libraries alternate, as in the e2e tables.
 */
import { neon, neonConfig } from '@neondatabase/serverless';
import { drizzle as drizzleNeon } from 'drizzle-orm/neon-http';
import { Kysely } from 'kysely';
import pgModule from 'pg';
import { neonHttp } from '../adapters/neon-http/index.js';
import { startNeonProxy } from '../src/dev/index.js';
import { type RoundOptions, ratioRanges, report, runRounds } from './e2e.js';
import { neonHttpDialect } from './kysely-dialects.js';
import * as drizzleLib from './libs/drizzle.js';
import * as gino from './libs/gino.js';
import * as kysely from './libs/kysely.js';
import * as raw from './libs/raw.js';
import { RESET_SQL, TIDY_SQL } from './ops.js';
import { markdownTable, median, now, ratio, rotate } from './stats.js';
import { fillSql, ginoWide, WIDE_DDL } from './wide.js';
import { drizzleWide, type KyselyWide } from './wide-peers.js';

export async function measureNeonHttp(
  url: string,
  options: RoundOptions & { readRounds: number },
): Promise<{ ops: string; read: string; summary: string }> {
  const setup = new pgModule.Client({ connectionString: url });
  await setup.connect();
  for (const sql of RESET_SQL) await setup.query(sql);
  for (const sql of WIDE_DDL) await setup.query(sql);
  await setup.query(fillSql(1000));
  const proxy = await startNeonProxy({ target: url, port: 0 });
  const plain = new URL(url);
  // Neon (and the proxy) require a password; a trust-auth server takes any.
  if (plain.password === '') plain.password = 'neon-dev';
  const neonUrl = plain.toString().replace(/^[a-z0-9+.-]+:\/\//i, 'postgresql://');
  const previous = neonConfig.fetchEndpoint;
  neonConfig.fetchEndpoint = proxy.httpEndpoint;
  try {
    const sqlRaw = neon(neonUrl);
    const sqlDrizzle = neon(neonUrl);
    const sqlKysely = neon(neonUrl);
    const adapter = neonHttp(neonUrl, { fetchEndpoint: proxy.httpEndpoint });
    const libs = [
      raw.runLibrary('neon()', (text, params) => sqlRaw.query(text, params ?? [], { fullResults: true }) as never),
      await gino.runLibrary(adapter),
      drizzleLib.runLibrary(drizzleNeon({ client: sqlDrizzle }) as never),
      kysely.runLibrary(neonHttpDialect(sqlKysely as never)),
    ];
    const samples = await runRounds(libs, () => setup.query(TIDY_SQL), options);
    for (const lib of libs) await lib.close?.();

    // The 1k-row read of the wide table.
    const { db, Wide } = ginoWide();
    const engine = await db.setBind(neonHttp(neonUrl, { fetchEndpoint: proxy.httpEndpoint }));
    const d = drizzleNeon({ client: sqlDrizzle });
    const k = new Kysely<KyselyWide>({ dialect: neonHttpDialect(sqlKysely as never) });
    const readers: [string, () => Promise<unknown[]>][] = [
      ['neon()', () => sqlRaw.query('SELECT * FROM wide')],
      ['gino-edge', () => Wide.query.gino.all()],
      ['Drizzle', () => d.select().from(drizzleWide)],
      ['Kysely', () => k.selectFrom('wide').selectAll().execute()],
    ];
    const times = new Map<string, number[]>();
    for (let r = -2; r < options.readRounds; r++) {
      for (const [name, read] of rotate(readers, Math.max(r, 0))) {
        for (let i = 0; i < 5; i++) {
          const t0 = now();
          const rows = await read();
          const ms = now() - t0;
          if (rows.length !== 1000) throw new Error(`${name} read ${rows.length} rows of 1000`);
          if (r >= 0) times.set(name, [...(times.get(name) ?? []), ms]);
        }
      }
    }
    db.popBind();
    await engine.close();
    await k.destroy();
    const ms = (name: string) => median(times.get(name) ?? []);
    const readTable = markdownTable(
      [
        'read',
        'neon() (median)',
        'gino-edge ÷ neon()',
        'Drizzle ÷ neon()',
        'Kysely ÷ neon()',
        'gino-edge ÷ Drizzle',
        'gino-edge ÷ Kysely',
      ],
      [
        [
          '1,000 wide rows',
          `${ms('neon()').toFixed(2)} ms`,
          ratio(ms('neon()'), ms('gino-edge')),
          ratio(ms('neon()'), ms('Drizzle')),
          ratio(ms('neon()'), ms('Kysely')),
          ratio(ms('Drizzle'), ms('gino-edge')),
          ratio(ms('Kysely'), ms('gino-edge')),
        ],
      ],
    );
    const summary = `<!-- summary: Over Neon HTTP (the local proxy): single-row operations take ${ratioRanges(samples.steady, 'neon()')} the time of \`neon()\` with hand-written SQL; a 1,000-row read runs at ${ratio(ms('neon()'), ms('gino-edge'))} \`neon()\`'s throughput for gino-edge (Drizzle ${ratio(ms('neon()'), ms('Drizzle'))}, Kysely ${ratio(ms('neon()'), ms('Kysely'))}). -->`;
    return { ops: report(samples, 'neon()'), read: readTable, summary };
  } finally {
    neonConfig.fetchEndpoint = previous;
    await proxy.close();
    await setup.query('DROP TABLE IF EXISTS wide').catch(() => undefined);
    await setup.query('DROP TABLE IF EXISTS users').catch(() => undefined);
    await setup.end();
  }
}
