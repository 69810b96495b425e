/**
 * The compile timing loop, apart from the libraries it times: a process that imports this and
 * gino-edge alone has no other library loaded.
 */
import { getHeapStatistics } from 'node:v8';
import { type CompileOps, OPS, type Op } from './ops.js';
import { median, now, rotate, Samples } from './stats.js';

let sink: unknown;

/** CPU time of the whole process (every thread: the GC's helpers too), µs. */
const cpuNow = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** Mean wall and CPU ns per call over a batch. */
function sample(fn: (i: number) => unknown, batch: number, offset: number): [number, number] {
  const c0 = cpuNow();
  const t0 = now();
  for (let i = 0; i < batch; i++) sink = fn(offset + i);
  const wall = ((now() - t0) * 1e6) / batch;
  return [wall, ((cpuNow() - c0) * 1e3) / batch];
}

export interface CompileTimes {
  /** Median wall-clock ns per operation, by library then operation. */
  wall: Record<string, Record<Op, number>>;
  /** Median CPU ns per operation (the process's, all threads): the same work, whoever waited. */
  cpu: Record<string, Record<Op, number>>;
  /** Bytes of heap allocated per operation (median over short batches; see `bytesPerCall`). */
  bytes: Record<string, Record<Op, number>>;
}

/**
 * Heap bytes one call allocates: the growth of the used heap over a batch short enough that most
 * batches see no scavenge (a batch that did shrinks or grows less, and the median leaves it out).
 */
function bytesPerCall(fn: (i: number) => unknown): number {
  const calls = 100;
  const growth: number[] = [];
  for (let b = 0; b < 15; b++) {
    const before = getHeapStatistics().used_heap_size;
    for (let i = 0; i < calls; i++) sink = fn(i);
    const after = getHeapStatistics().used_heap_size;
    if (after > before) growth.push((after - before) / calls);
  }
  return median(growth);
}

/** Median ns per operation for `libs`, rounds alternating the libraries (one library: its rounds alone). */
export function measureCompileOf(
  libs: readonly [string, CompileOps][],
  options: { rounds: number; batch: number },
): CompileTimes {
  const wall = new Samples(OPS);
  const cpu = new Samples(OPS);
  // Warm-up: let every path reach the optimising compiler before timing.
  for (const [, ops] of libs) for (const op of OPS) sample(ops[op], options.batch * 3, 0);
  for (let r = 0; r < options.rounds; r++) {
    for (const op of OPS) {
      for (const [name, ops] of rotate(libs, r)) {
        const [w, c] = sample(ops[op], options.batch, r * options.batch);
        wall.push(name, op, w);
        cpu.push(name, op, c);
      }
    }
  }
  const bytes: Record<string, Record<Op, number>> = {};
  for (const [name, ops] of libs) {
    bytes[name] = Object.fromEntries(OPS.map((op) => [op, bytesPerCall(ops[op])])) as Record<Op, number>;
  }
  if (sink === Symbol.for('never')) console.log(sink);
  const names = libs.map(([name]) => name);
  return { wall: wall.medians(names), cpu: cpu.medians(names), bytes };
}
