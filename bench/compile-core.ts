/**
 * The compile timing loop, apart from the libraries it times: a process that imports this and
 * gino-edge alone has no other library loaded.
 */
import { type CompileOps, OPS, type Op } from './ops.js';
import { now, rotate, Samples } from './stats.js';

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
  if (sink === Symbol.for('never')) console.log(sink);
  const names = libs.map(([name]) => name);
  return { wall: wall.medians(names), cpu: cpu.medians(names) };
}
