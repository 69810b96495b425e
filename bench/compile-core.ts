/**
 * The compile timing loop, apart from the libraries it times: a process that imports this and
 * gino-edge alone has no other library loaded.
 */
import { type CompileOps, OPS, type Op } from './ops.js';
import { now, rotate, Samples } from './stats.js';

let sink: unknown;

function sample(fn: (i: number) => unknown, batch: number, offset: number): number {
  const t0 = now();
  for (let i = 0; i < batch; i++) sink = fn(offset + i);
  return ((now() - t0) * 1e6) / batch;
}

/** Median ns per operation for `libs`, rounds alternating the libraries (one library: its rounds alone). */
export function measureCompileOf(
  libs: readonly [string, CompileOps][],
  options: { rounds: number; batch: number },
): Record<string, Record<Op, number>> {
  const samples = new Samples(OPS);
  // Warm-up: let every path reach the optimising compiler before timing.
  for (const [, ops] of libs) for (const op of OPS) sample(ops[op], options.batch * 3, 0);
  for (let r = 0; r < options.rounds; r++) {
    for (const op of OPS) {
      for (const [name, ops] of rotate(libs, r)) {
        samples.push(name, op, sample(ops[op], options.batch, r * options.batch));
      }
    }
  }
  if (sink === Symbol.for('never')) console.log(sink);
  return samples.medians(libs.map(([name]) => name));
}
