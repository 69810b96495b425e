/**
 * Where gino-edge's time goes on PGlite, measured apart from the end-to-end rounds: each steady
 * call split into the time inside the adapter's `query()` (PGlite's own work on the statement) and
 * the rest (building, compiling, serialising, shaping, the engine's path), beside raw PGlite's
 * time for the same operation; then the cost of the CPU's caches after an in-process PostgreSQL
 * call: gino-edge's build and compile (no I/O) timed warm (the second of two in a row), and right after a raw PGlite
 * query, and raw PGlite's query timed alone and right after gino-edge compiled three statements.
 */
import { PGlite } from '@electric-sql/pglite';
import { pglite as ginoPglite } from '../adapters/pglite/index.js';
import type { Adapter, DriverQuery } from '../src/engine/adapter.js';
import * as gino from './libs/gino.js';
import * as raw from './libs/raw.js';
import { OPS, type Op, RESET_SQL, TIDY_SQL } from './ops.js';
import { median, now } from './stats.js';

export interface PgliteSplit {
  /** Median µs per steady call, by operation. */
  raw: Record<Op, number>;
  gino: Record<Op, number>;
  /** Median µs of the same gino-edge calls spent inside the adapter's `query()`. */
  inside: Record<Op, number>;
  /** gino-edge's build and compile per operation, µs: warm (in a loop), and right after a raw PGlite query. */
  compileWarm: Record<Op, number>;
  compileAfterQuery: Record<Op, number>;
  /** Raw PGlite's get by primary key, µs: alone, and right after gino-edge compiled three statements. */
  queryAlone: number;
  queryAfterCompile: number;
}

/** The adapter with the time spent in its `query()` added up (the statements of one call). */
function timed(adapter: Adapter): { adapter: Adapter; take(): number } {
  let inside = 0;
  const query = async (q: DriverQuery) => {
    const t0 = now();
    try {
      return await adapter.query(q);
    } finally {
      inside += now() - t0;
    }
  };
  return {
    adapter: Object.assign(Object.create(adapter) as Adapter, { query }),
    take() {
      const us = inside * 1000;
      inside = 0;
      return us;
    },
  };
}

const byOp = (f: (op: Op) => number) => Object.fromEntries(OPS.map((op) => [op, f(op)])) as Record<Op, number>;

export async function measurePgliteSplit(options: { rounds: number; batch: number }): Promise<PgliteSplit> {
  const dbs = [new PGlite(), new PGlite()] as const;
  try {
    for (const db of dbs) {
      await db.waitReady;
      for (const sql of RESET_SQL) await db.exec(sql);
    }
    const [rawDb, ginoDb] = dbs;
    const split = timed(ginoPglite(ginoDb as never, { own: true }));
    const g = await gino.runLibrary(split.adapter);
    const r = raw.runLibrary('PGlite', (text, params) => rawDb.query(text, params) as never);
    const samples = { raw: new Map<Op, number[]>(), gino: new Map<Op, number[]>(), inside: new Map<Op, number[]>() };
    const push = (m: Map<Op, number[]>, op: Op, v: number) => m.set(op, [...(m.get(op) ?? []), v]);
    let counter = 0;
    for (let round = 0; round < options.rounds + 2; round++) {
      await Promise.all(dbs.map((db) => db.query(TIDY_SQL)));
      await g.prepare?.();
      for (const op of OPS) {
        for (const lib of round % 2 ? [r, g] : [g, r]) {
          for (let i = 0; i < options.batch; i++) {
            split.take();
            const t0 = now();
            await lib.ops[op](counter++);
            const us = (now() - t0) * 1000;
            const inside = split.take();
            if (round < 2 || i === 0) continue;
            if (lib === r) push(samples.raw, op, us);
            else {
              push(samples.gino, op, us);
              push(samples.inside, op, inside);
            }
          }
        }
      }
    }
    await g.close?.();
    const compiles = gino.compileOps();
    const warm = new Map<Op, number[]>();
    const cold = new Map<Op, number[]>();
    const alone: number[] = [];
    const afterCompile: number[] = [];
    const get = () => rawDb.query('SELECT id, nickname FROM users WHERE id = $1', [3]);
    for (let i = 0; i < options.rounds * 50; i++) {
      for (const op of OPS) {
        compiles[op](i);
        let t0 = now();
        compiles[op](i);
        push(warm, op, (now() - t0) * 1000);
        await get();
        t0 = now();
        compiles[op](i);
        push(cold, op, (now() - t0) * 1000);
      }
      let t0 = now();
      await get();
      alone.push((now() - t0) * 1000);
      compiles['update by id returning'](i);
      compiles['get by primary key'](i);
      compiles['insert returning'](i);
      t0 = now();
      await get();
      afterCompile.push((now() - t0) * 1000);
    }
    const skip = (list: number[] | undefined) => median((list ?? []).slice(Math.floor((list ?? []).length / 10)));
    return {
      raw: byOp((op) => median(samples.raw.get(op) ?? [])),
      gino: byOp((op) => median(samples.gino.get(op) ?? [])),
      inside: byOp((op) => median(samples.inside.get(op) ?? [])),
      compileWarm: byOp((op) => skip(warm.get(op))),
      compileAfterQuery: byOp((op) => skip(cold.get(op))),
      queryAlone: skip(alone),
      queryAfterCompile: skip(afterCompile),
    };
  } finally {
    for (const db of dbs) if (!db.closed) await db.close();
  }
}
