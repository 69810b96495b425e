/**
 * One measurement in a process of its own (`node .tmp/bench/child.mjs '<task as JSON>'`), so one
 * library's heap and JIT state never reach another's figures: a big read (peak memory, then time),
 * a cursor over many rows, or the compile workload with gino-edge alone loaded and run. Prints one
 * line, `RESULT <json>`. The peers' code is imported only by the processes that run them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { PGlite } from '@electric-sql/pglite';
import pgModule from 'pg';
import { SHARED_TYPES } from '../adapters/kit/pg-like.js';
import { pg as ginoPg } from '../adapters/pg/index.js';
import { pglite as ginoPglite } from '../adapters/pglite/index.js';
import { median } from './stats.js';
import { ginoWide, seriesSql } from './wide.js';

export type Lib = 'raw' | 'gino-edge' | 'Drizzle' | 'Kysely';

export type Task =
  | { kind: 'read'; driver: 'pg' | 'pglite'; lib: Lib; size: number; reps: number; url: string; dir: string }
  | { kind: 'cursor'; lib: Lib; size: number; url: string; batch: number }
  | { kind: 'compile-alone'; rounds: number; batch: number }
  | { kind: 'write'; method?: 'insert' | 'copy'; lib: Lib; size: number; url: string; reps: number }
  | { kind: 'protectors' };

/** Peak RSS since the last reset, bytes (Linux: VmHWM, reset by writing 5 to clear_refs). */
function peakRss(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {}
  return process.resourceUsage().maxRSS * 1024;
}

function resetPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

type Reader = { read(): Promise<unknown[]>; close(): Promise<void> };

async function pgReader(lib: Lib, url: string): Promise<Reader> {
  const client = new pgModule.Client({ connectionString: url });
  await client.connect();
  const end = async () => {
    await client.end();
  };
  switch (lib) {
    case 'raw':
      // The same text parsers gino-edge uses, handed over per query.
      return {
        read: async () => (await client.query({ text: 'SELECT * FROM wide', types: SHARED_TYPES })).rows,
        close: end,
      };
    case 'gino-edge': {
      const { db, Wide } = ginoWide();
      const { singleClientPool } = await import('./pool.js');
      const engine = await db.setBind(ginoPg({ pool: singleClientPool(client) as never }));
      return { read: () => Wide.query.gino.all(), close: () => engine.close().then(end) };
    }
    case 'Drizzle': {
      const { drizzle } = await import('drizzle-orm/node-postgres');
      const { drizzleWide } = await import('./wide-peers.js');
      const d = drizzle({ client });
      return { read: () => d.select().from(drizzleWide), close: end };
    }
    case 'Kysely': {
      const { Kysely, PostgresDialect } = await import('kysely');
      const { singleClientPool } = await import('./pool.js');
      const k = new Kysely<import('./wide-peers.js').KyselyWide>({
        dialect: new PostgresDialect({ pool: singleClientPool(client) as never }),
      });
      return { read: () => k.selectFrom('wide').selectAll().execute(), close: () => k.destroy().then(end) };
    }
  }
}

async function pgliteReader(lib: Lib, dir: string): Promise<Reader> {
  const { PGlite } = await import('@electric-sql/pglite');
  const instance: PGlite = new PGlite({ loadDataDir: new Blob([readFileSync(dir)]) });
  await instance.waitReady;
  const close = async () => {
    if (!instance.closed) await instance.close();
  };
  switch (lib) {
    case 'raw':
      return { read: async () => (await instance.query('SELECT * FROM wide')).rows, close };
    case 'gino-edge': {
      const { db, Wide } = ginoWide();
      const engine = await db.setBind(ginoPglite(instance as never, { own: true }));
      return { read: () => Wide.query.gino.all(), close: () => engine.close().then(close) };
    }
    case 'Drizzle': {
      const { drizzle } = await import('drizzle-orm/pglite');
      const { drizzleWide } = await import('./wide-peers.js');
      const d = drizzle({ client: instance });
      return { read: () => d.select().from(drizzleWide), close };
    }
    case 'Kysely': {
      const { Kysely } = await import('kysely');
      const { pgliteDialect } = await import('./kysely-dialects.js');
      const k = new Kysely<import('./wide-peers.js').KyselyWide>({ dialect: pgliteDialect(instance) });
      return { read: () => k.selectFrom('wide').selectAll().execute(), close: () => k.destroy().then(close) };
    }
  }
}

export interface ReadResult {
  /** Median ms per read of the whole table. */
  ms: number;
  /** Peak RSS during the first read, bytes, and RSS just before it. */
  peak: number;
  before: number;
  /** Heap used with the first read's rows held, minus before it. */
  heapGrowth: number;
  rows: number;
  resetWorked: boolean;
}

async function read(task: Extract<Task, { kind: 'read' }>): Promise<ReadResult> {
  const reader = task.driver === 'pg' ? await pgReader(task.lib, task.url) : await pgliteReader(task.lib, task.dir);
  try {
    // Memory first, in the fresh process: the first read's peak is what a big read costs.
    gc();
    const before = process.memoryUsage();
    const resetWorked = resetPeak();
    let held: unknown[] | undefined = await reader.read();
    const peak = peakRss();
    const heapGrowth = process.memoryUsage().heapUsed - before.heapUsed;
    const rows = held.length;
    held = undefined;
    gc();
    const times: number[] = [];
    for (let r = 0; r < task.reps; r++) {
      const t0 = performance.now();
      const got = await reader.read();
      times.push(performance.now() - t0);
      if (got.length !== rows) throw new Error(`read ${got.length} rows, expected ${rows}`);
    }
    return { ms: median(times), peak, before: before.rss, heapGrowth, rows, resetWorked };
  } finally {
    await reader.close();
  }
}

export interface CursorResult {
  ms: number;
  rows: number;
  /** RSS when the first 10% of rows were through, and the peak over the rest (bytes). */
  settled: number;
  peak: number;
  before: number;
}

async function cursor(task: Extract<Task, { kind: 'cursor' }>): Promise<CursorResult> {
  const client = new pgModule.Client({ connectionString: task.url });
  await client.connect();
  const sql = seriesSql(task.size);
  let iterate: () => AsyncIterable<unknown>;
  let close = async () => {};
  if (task.lib === 'raw') {
    const { default: Cursor } = await import('pg-cursor');
    iterate = async function* () {
      const c = client.query(new Cursor(sql, [], { types: SHARED_TYPES } as never));
      for (;;) {
        const rows = await c.read(task.batch);
        if (rows.length === 0) break;
        yield* rows;
      }
      await c.close();
    };
  } else if (task.lib === 'gino-edge') {
    const { Gino } = await import('../src/index.js');
    const { singleClientPool } = await import('./pool.js');
    const db = new Gino();
    const engine = await db.setBind(ginoPg({ pool: singleClientPool(client) as never }));
    iterate = () => db.iterate(db.text(sql), { prefetch: task.batch });
    close = () => engine.close();
  } else if (task.lib === 'Kysely') {
    const { Kysely, PostgresDialect, sql: ksql } = await import('kysely');
    const { default: Cursor } = await import('pg-cursor');
    const { singleClientPool } = await import('./pool.js');
    const k = new Kysely<Record<string, never>>({
      dialect: new PostgresDialect({ pool: singleClientPool(client) as never, cursor: Cursor }),
    });
    iterate = async function* () {
      for await (const chunk of k.getExecutor().stream(ksql.raw(sql).compile(k), task.batch)) yield* chunk.rows;
    };
    close = () => k.destroy();
  } else {
    throw new Error(`no cursor for ${task.lib}`);
  }
  try {
    gc();
    const before = process.memoryUsage().rss;
    const t0 = performance.now();
    let rows = 0;
    let settled = 0;
    const tenth = Math.floor(task.size / 10);
    for await (const _ of iterate()) {
      rows++;
      if (rows === tenth) {
        settled = process.memoryUsage().rss;
        resetPeak();
      }
    }
    const ms = performance.now() - t0;
    if (rows !== task.size) throw new Error(`iterated ${rows} rows, expected ${task.size}`);
    return { ms, rows, settled, peak: peakRss(), before };
  } finally {
    await close();
    await client.end().catch(() => undefined);
  }
}

/** Multi-row INSERTs of the wide rows in one transaction, `reps` times (for a profile of the write path). */
async function write(task: Extract<Task, { kind: 'write' }>): Promise<{ ms: number }> {
  const { chunks, multiInsertSql, rawCopy, rawParams, rowsPerStatement, WIDE_DDL, wideRows } = await import(
    './wide.js'
  );
  const client = new pgModule.Client({ connectionString: task.url });
  await client.connect();
  const { db, Wide } = ginoWide();
  const { singleClientPool } = await import('./pool.js');
  const engine = await db.setBind(ginoPg({ pool: singleClientPool(client) as never }));
  const rows = wideRows(task.size);
  const per = rowsPerStatement(8);
  const times: number[] = [];
  try {
    for (const sql of WIDE_DDL) await client.query(sql);
    for (let r = 0; r < task.reps; r++) {
      await client.query('TRUNCATE wide');
      const t0 = performance.now();
      if (task.method === 'copy') {
        if (task.lib === 'raw') await rawCopy(client, rows);
        else await db.copyInto(Wide, rows as never);
      } else if (task.lib === 'raw') {
        await client.query('BEGIN');
        for (const c of chunks(rows, per)) await client.query(multiInsertSql(c.length), c.flatMap(rawParams));
        await client.query('COMMIT');
      } else {
        await db.transaction(async () => {
          for (const c of chunks(rows, per))
            await Wide.insert()
              .values(c as never)
              .gino.status();
        });
      }
      times.push(performance.now() - t0);
    }
    await client.query('DROP TABLE wide');
  } finally {
    db.popBind();
    await engine.close();
    await client.end();
  }
  return { ms: median(times) };
}

/** V8's protectors after all three libraries were loaded and run (needs \`--allow-natives-syntax\`). */
async function protectors(): Promise<Record<string, boolean>> {
  const { OPS } = await import('./ops.js');
  const gino = await import('./libs/gino.js');
  const drizzleLib = await import('./libs/drizzle.js');
  const kysely = await import('./libs/kysely.js');
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const all = [gino.compileOps(), drizzleLib.compileOps(drizzle.mock()), kysely.compileOps(kysely.coldKysely())];
  for (const ops of all) for (const op of OPS) for (let i = 0; i < 2000; i++) ops[op](i);
  const names = [
    'ArraySpecies',
    'ArrayIterator',
    'MapIterator',
    'SetIterator',
    'StringIterator',
    'PromiseSpecies',
    'TypedArraySpecies',
    'RegExpSpecies',
  ];
  return Object.fromEntries(names.map((n) => [n, new Function(`return %${n}Protector()`)() === true]));
}

async function compileAlone(task: Extract<Task, { kind: 'compile-alone' }>) {
  const { measureCompileOf } = await import('./compile-core.js');
  const gino = await import('./libs/gino.js');
  return measureCompileOf([['gino-edge', gino.compileOps()]], task);
}

const task = JSON.parse(process.argv[2] ?? '{}') as Task;
const result =
  task.kind === 'read'
    ? await read(task)
    : task.kind === 'cursor'
      ? await cursor(task)
      : task.kind === 'write'
        ? await write(task)
        : task.kind === 'protectors'
          ? await protectors()
          : await compileAlone(task);
console.log(`RESULT ${JSON.stringify(result)}`);
process.exit(0);
