/**
 * Library overhead: every library runs the workload on a pg Client double that replays results
 * recorded from the real server (already parsed, no I/O), so what is timed is the library's own
 * work per call: building, compiling, calling the driver, shaping rows. The raw-driver baseline
 * costs next to nothing here by construction; the end-to-end tables give the driver and server.
 */
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { PostgresDialect } from 'kysely';
import pgModule from 'pg';
import { pg as ginoPg } from '../adapters/pg/index.js';
import { singleClientPool } from './e2e.js';
import * as drizzleLib from './libs/drizzle.js';
import * as gino from './libs/gino.js';
import * as kysely from './libs/kysely.js';
import * as raw from './libs/raw.js';
import { OPS, type Op, RESET_SQL, type RunLibrary, TIDY_SQL } from './ops.js';
import { markdownTable, now, rotate, Samples } from './stats.js';

interface Recorded {
  command: string;
  rowCount: number | null;
  fields: unknown[];
  rows: unknown[];
}

type QueryArgs = [config: string | { text: string; rowMode?: string }, values?: unknown];

function keyOf([config]: QueryArgs): string {
  return typeof config === 'string' ? `o\u0000${config}` : `${config.rowMode ?? 'o'}\u0000${config.text}`;
}

/** A pg Client that records what the real one answers, then replays it. */
class ReplayClient {
  private readonly recorded = new Map<string, Recorded>();
  recording = true;
  constructor(private readonly real: pgModule.Client) {}
  async query(...args: QueryArgs): Promise<Recorded> {
    const key = keyOf(args);
    if (this.recording) {
      const r = (await (this.real.query as (...a: unknown[]) => Promise<Recorded>)(...args)) as Recorded;
      const copy = { command: r.command, rowCount: r.rowCount, fields: r.fields, rows: r.rows };
      this.recorded.set(key, copy);
      return copy;
    }
    const r = this.recorded.get(key);
    if (!r) throw new Error(`nothing recorded for ${key}`);
    // A fresh result object, as a driver would return (rows are not mutated by the libraries).
    return { command: r.command, rowCount: r.rowCount, fields: r.fields, rows: r.rows };
  }
}

export async function measureOverhead(
  url: string,
  options: { rounds: number; batch: number },
  /** The raw driver's end-to-end µs per operation, to express each overhead as a share of it. */
  roundTripUs?: Record<Op, number>,
): Promise<{ ns: Record<string, Record<Op, number>>; markdown: string }> {
  const client = new pgModule.Client({ connectionString: url });
  await client.connect();
  try {
    for (const sql of RESET_SQL) await client.query(sql);
    const replay = new ReplayClient(client);
    const pool = singleClientPool({ query: (...args: QueryArgs) => replay.query(...args) });
    const libs: RunLibrary[] = [
      raw.runLibrary('pg', (text, params) => replay.query(text, params) as never),
      await gino.runLibrary(ginoPg({ pool: pool as never })),
      drizzleLib.runLibrary(drizzlePg({ client: replay as never }) as never),
      kysely.runLibrary(new PostgresDialect({ pool: pool as never })),
    ];
    // Record: every operation of every library once, against the server.
    let counter = 0;
    await client.query(TIDY_SQL);
    for (const lib of libs) await lib.prepare?.();
    for (const op of OPS) for (const lib of libs) await lib.ops[op](counter++);
    replay.recording = false;
    const samples = new Samples(OPS);
    for (let r = 0; r < options.rounds + 2; r++) {
      for (const op of OPS) {
        for (const lib of rotate(libs, r)) {
          const fn = lib.ops[op];
          const t0 = now();
          for (let i = 0; i < options.batch; i++) await fn(counter++);
          const ns = ((now() - t0) * 1e6) / options.batch;
          if (r >= 2) samples.push(lib.name, op, ns);
        }
      }
    }
    for (const lib of libs) await lib.close?.();
    const names = libs.map((l) => l.name);
    const ns = samples.medians(names);
    const libraries = names.slice(1);
    const share = (n: string, op: Op) =>
      roundTripUs ? `${(((ns[n] as Record<Op, number>)[op] / 1000 / roundTripUs[op]) * 100).toFixed(1)} %` : 'n/a';
    const rows = OPS.map((op) => [
      op,
      ...names.map((n) => `${((ns[n] as Record<Op, number>)[op] / 1000).toFixed(1)} µs`),
      ...(roundTripUs ? libraries.map((n) => share(n, op)) : []),
    ]);
    const headers = [
      'operation',
      ...names.map((n) => `${n} µs/call`),
      ...(roundTripUs ? libraries.map((n) => `${n} ÷ raw round trip`) : []),
    ];
    return { ns, markdown: markdownTable(headers, rows) };
  } finally {
    await client.query('DROP TABLE IF EXISTS users').catch(() => undefined);
    await client.end();
  }
}
