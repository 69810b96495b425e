/**
 * End to end: every library runs the workload on the same connection (one pg Client, or one
 * PGlite instance). After a warm-up, rounds alternate the libraries per operation (A B C D, then
 * B C D A, ...); each sample is the mean of a batch; the reported figure is the median sample,
 * as a ratio to the raw driver.
 */
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { PostgresDialect } from 'kysely';
import pgModule from 'pg';
import { pg as ginoPg } from '../adapters/pg/index.js';
import { pglite as ginoPglite } from '../adapters/pglite/index.js';
import { quoteIdentifier } from '../src/compiler/quote.js';
import { pgliteDialect } from './kysely-dialects.js';
import * as drizzleLib from './libs/drizzle.js';
import * as gino from './libs/gino.js';
import * as kysely from './libs/kysely.js';
import * as raw from './libs/raw.js';
import { OPS, type Op, RESET_SQL, type RunLibrary, TIDY_SQL } from './ops.js';
import { singleClientPool } from './pool.js';
import { markdownTable, now, ratio, rotate, Samples } from './stats.js';

export interface E2eResult {
  /** Median µs per call in steady state (a library's calls after its first in a batch), by library then op. */
  us: Timings;
  /** Median µs of the process's CPU time per steady call, by library then op (see `RoundSamples.cpu`). */
  cpu: Timings;
  markdown: string;
}

export interface RoundOptions {
  rounds: number;
  warmup: number;
  batch: number;
}

export interface RoundSamples {
  /** Calls 2..batch of each batch: the library's code and the connection already warm. */
  steady: Timings;
  /** The first call of each batch, right after another library (or another operation) ran. */
  first: Timings;
  /**
   * The process's CPU time (user + system) per steady call: the library's work, the driver's and
   * the kernel's socket work (and, for PGlite, the database's own), without the time spent waiting.
   */
  cpu: Timings;
}

export async function runRounds(
  libs: RunLibrary[],
  tidy: () => Promise<unknown>,
  options: RoundOptions,
): Promise<RoundSamples> {
  const steady = new Samples(OPS);
  const first = new Samples(OPS);
  const cpu = new Samples(OPS);
  let counter = 0;
  for (let r = 0; r < options.warmup + options.rounds; r++) {
    await tidy();
    for (const lib of libs) await lib.prepare?.();
    for (const op of OPS) {
      for (const lib of rotate(libs, r)) {
        const fn = lib.ops[op];
        let cpu0: NodeJS.CpuUsage | undefined;
        for (let i = 0; i < options.batch; i++) {
          if (i === 1) cpu0 = process.cpuUsage();
          const t0 = now();
          await fn(counter++);
          const us = (now() - t0) * 1000;
          if (r >= options.warmup) (i === 0 ? first : steady).push(lib.name, op, us);
        }
        if (cpu0 && r >= options.warmup) {
          const used = process.cpuUsage(cpu0);
          cpu.push(lib.name, op, (used.user + used.system) / (options.batch - 1));
        }
      }
    }
  }
  const names = libs.map((lib) => lib.name);
  return { steady: steady.medians(names), first: first.medians(names), cpu: cpu.medians(names) };
}

export type Timings = Record<string, Record<Op, number>>;

export function report(samples: RoundSamples, baseline: string): string {
  const { steady, first } = samples;
  const names = Object.keys(steady).filter((n) => n !== baseline);
  const base = steady[baseline] as Record<Op, number>;
  const baseFirst = first[baseline] as Record<Op, number>;
  const rows = OPS.map((op) => [
    op,
    `${base[op].toFixed(0)} µs`,
    ...names.map((n) => ratio((steady[n] as Record<Op, number>)[op], base[op])),
    ...names.map((n) => ratio((first[n] as Record<Op, number>)[op], baseFirst[op])),
  ]);
  return markdownTable(
    [
      'operation',
      `${baseline} (median)`,
      ...names.map((n) => `${n} ÷ ${baseline}`),
      ...names.map((n) => `${n} ÷ ${baseline}, first call`),
    ],
    rows,
  );
}

/** Each library's range of steady-call ratios to `baseline` over the operations: `gino-edge 1.02–1.10×, ...`. */
export function ratioRanges(steady: Timings, baseline: string): string {
  const base = steady[baseline] as Record<Op, number>;
  return Object.keys(steady)
    .filter((n) => n !== baseline)
    .map((n) => {
      const rs = OPS.map((op) => (steady[n] as Record<Op, number>)[op] / base[op]).sort((a, b) => a - b);
      return `${n} ${(rs[0] as number).toFixed(2)}–${(rs[rs.length - 1] as number).toFixed(2)}×`;
    })
    .join(', ');
}

/** How the end-to-end tables were measured, for the report. */
export function describeRounds(options: RoundOptions): string {
  return `Each round runs every operation ${options.batch} times in a row per library, the libraries alternating (A B C D, then B C D A, ...); ${options.rounds} rounds after ${options.warmup} warm-up rounds. The main columns are medians of the steady calls (the 2nd to ${options.batch}th of each batch) as ratios to the raw driver (1.00× = no overhead); the "first call" columns are medians of each batch's first call, made right after another library ran, when the CPU's caches and the JIT's inline caches still hold the other library's code: the cost of switching, which a process running one library does not pay. The library's own work per call is measured apart, below (no I/O).`;
}

export { singleClientPool } from './pool.js';

export async function measurePg(url: string, options: RoundOptions): Promise<E2eResult> {
  const client = new pgModule.Client({ connectionString: url });
  await client.connect();
  try {
    for (const sql of RESET_SQL) await client.query(sql);
    const pool = singleClientPool(client);
    const libs = [
      raw.runLibrary('pg', (text, params) => client.query(text, params) as never),
      await gino.runLibrary(ginoPg({ pool: pool as never })),
      drizzleLib.runLibrary(drizzlePg({ client }) as never),
      kysely.runLibrary(new PostgresDialect({ pool: pool as never })),
    ];
    const us = await runRounds(libs, () => client.query(TIDY_SQL), options);
    for (const lib of libs) await lib.close?.();
    return { us: us.steady, cpu: us.cpu, markdown: report(us, 'pg') };
  } finally {
    await client.query('DROP TABLE IF EXISTS users').catch(() => undefined);
    await client.end();
  }
}

/**
 * PGlite: each library gets its own in-memory instance, made its usual way (the same schema and
 * rows in each). gino-edge is handed its instance to own (`pglite(db, { own: true })`, as
 * `pglite://memory` does), so its parsers are installed once; on a borrowed instance it would pass
 * them per query, which PGlite 0.5 merges into its own table of ~300 parsers on every call.
 */
export async function measurePglite(options: RoundOptions): Promise<E2eResult> {
  const dbs = [new PGlite(), new PGlite(), new PGlite(), new PGlite()] as const;
  try {
    for (const db of dbs) {
      await db.waitReady;
      for (const sql of RESET_SQL) await db.exec(sql);
    }
    const [rawDb, ginoDb, drizzleDb, kyselyDb] = dbs;
    const libs = [
      raw.runLibrary('PGlite', (text, params) => rawDb.query(text, params) as never),
      await gino.runLibrary(ginoPglite(ginoDb as never, { own: true })),
      drizzleLib.runLibrary(drizzlePglite({ client: drizzleDb }) as never),
      kysely.runLibrary(pgliteDialect(kyselyDb)),
    ];
    const us = await runRounds(libs, () => Promise.all(dbs.map((db) => db.query(TIDY_SQL))), options);
    for (const lib of libs) await lib.close?.();
    return { us: us.steady, cpu: us.cpu, markdown: report(us, 'PGlite') };
  } finally {
    for (const db of dbs) if (!db.closed) await db.close();
  }
}

/** Create `name` through the server's `postgres` database, as the same user (errors are the caller's). */
async function createDatabase(url: string, name: string): Promise<void> {
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const admin = new pgModule.Client({ connectionString: maintenance.toString(), connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
  } finally {
    await admin.end().catch(() => undefined);
  }
}

/**
 * Whether a PostgreSQL server answers at `url` (quickly). A server that answers without the
 * database (a fresh machine) gets it created, once.
 */
export async function pgAvailable(url: string, create = true): Promise<boolean> {
  const client = new pgModule.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    const name = decodeURIComponent(new URL(url).pathname.slice(1));
    if (!create || (error as { code?: string }).code !== '3D000' || !name) return false;
    try {
      await createDatabase(url, name);
    } catch {
      return false;
    }
    return pgAvailable(url, false);
  } finally {
    await client.end().catch(() => undefined);
  }
}
