/**
 * Compile: build each operation's statement and compile it to SQL and parameters, in process, no
 * database. Rounds alternate the libraries (A B C, B C A, ...); each sample is the mean of a batch
 * of calls; the reported figure is the median sample.
 */
import { drizzle } from 'drizzle-orm/node-postgres';
import * as drizzleLib from './libs/drizzle.js';
import * as gino from './libs/gino.js';
import * as kysely from './libs/kysely.js';
import { type CompileOps, OPS, type Op } from './ops.js';
import { markdownTable, now, ratio, rotate, Samples } from './stats.js';

export interface CompileResult {
  /** Median ns per operation, by library then op. */
  ns: Record<string, Record<Op, number>>;
  markdown: string;
  /** The SQL each library compiles each operation to (to check the workloads are the same), as a table. */
  sql: string;
}

let sink: unknown;

function sample(fn: (i: number) => unknown, batch: number, offset: number): number {
  const t0 = now();
  for (let i = 0; i < batch; i++) sink = fn(offset + i);
  return ((now() - t0) * 1e6) / batch;
}

export function measureCompile(options: { rounds: number; batch: number }): CompileResult {
  const libs: [string, CompileOps][] = [
    ['gino-edge', gino.compileOps()],
    ['Drizzle', drizzleLib.compileOps(drizzle.mock())],
    ['Kysely', kysely.compileOps(kysely.coldKysely())],
  ];
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
  const ns = samples.medians(libs.map(([name]) => name));
  const g = ns['gino-edge'] as Record<Op, number>;
  const d = ns.Drizzle as Record<Op, number>;
  const k = ns.Kysely as Record<Op, number>;
  const rows = OPS.map((op) => [
    op,
    g[op].toFixed(0),
    d[op].toFixed(0),
    k[op].toFixed(0),
    ratio(d[op], g[op]),
    ratio(k[op], g[op]),
  ]);
  const markdown = markdownTable(
    ['operation', 'gino-edge ns/op', 'Drizzle ns/op', 'Kysely ns/op', 'Drizzle ÷ gino-edge', 'Kysely ÷ gino-edge'],
    rows,
  );
  return { ns, markdown, sql: compiledSql(libs) };
}

/** The SQL each library compiles each operation to (to check the workloads are the same). */
function compiledSql(libs: readonly [string, CompileOps][]): string {
  const rows = OPS.map((op) => [
    op,
    ...libs.map(([, ops]) => `\`${String((ops[op](1) as { sql: string }).sql).replace(/\|/g, '\\|')}\``),
  ]);
  return markdownTable(['operation', ...libs.map(([n]) => n)], rows);
}
