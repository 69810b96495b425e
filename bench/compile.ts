/**
 * Compile: build each operation's statement and compile it to SQL and parameters, in process, no
 * database. Rounds alternate the libraries (A B C, B C A, ...); each sample is the mean of a batch
 * of calls; the reported figure is the median sample.
 */
import { drizzle } from 'drizzle-orm/node-postgres';
import { type CompileTimes, measureCompileOf } from './compile-core.js';
import * as drizzleLib from './libs/drizzle.js';
import * as gino from './libs/gino.js';
import * as kysely from './libs/kysely.js';
import { type CompileOps, OPS, type Op } from './ops.js';
import { markdownTable, ratio } from './stats.js';

export interface CompileResult {
  /** Median ns per operation, by library then op. */
  ns: Record<string, Record<Op, number>>;
  /** The same rounds' CPU time and bytes allocated per operation. */
  times: CompileTimes;
  markdown: string;
  /** The SQL each library compiles each operation to (to check the workloads are the same), as a table. */
  sql: string;
}

/** gino-edge's figures from processes that load and run no other library, one per process. */
export interface AloneRuns {
  /** Wall-clock and CPU medians of each process, V8's defaults. */
  wall: readonly Record<Op, number>[];
  cpu: readonly Record<Op, number>[];
  /** Wall-clock medians of each process run with \`--single-threaded-gc\` (no GC helper threads). */
  singleGc: readonly Record<Op, number>[];
}

function coResidentLibs(): [string, CompileOps][] {
  return [
    ['gino-edge', gino.compileOps()],
    ['Drizzle', drizzleLib.compileOps(drizzle.mock())],
    ['Kysely', kysely.compileOps(kysely.coldKysely())],
  ];
}

/** The three libraries in this process, rounds alternating them (again, e.g. with longer batches). */
export function measureCoResident(options: { rounds: number; batch: number }): CompileTimes {
  return measureCompileOf(coResidentLibs(), options);
}

export function measureCompile(options: { rounds: number; batch: number }, runs?: AloneRuns): CompileResult {
  const libs = coResidentLibs();
  const times = measureCompileOf(libs, options);
  const ns = times.wall;
  const g = ns['gino-edge'] as Record<Op, number>;
  const d = ns.Drizzle as Record<Op, number>;
  const k = ns.Kysely as Record<Op, number>;
  const range = (list: readonly Record<Op, number>[], op: Op) => {
    const values = list.map((a) => a[op]).sort((x, y) => x - y);
    const lo = (values[0] as number).toFixed(0);
    const hi = (values[values.length - 1] as number).toFixed(0);
    return lo === hi ? lo : `${lo}–${hi}`;
  };
  const aloneCells = (op: Op) =>
    runs?.wall.length ? [range(runs.wall, op), range(runs.cpu, op), range(runs.singleGc, op)] : [];
  const rows = OPS.map((op) => [
    op,
    ...aloneCells(op),
    g[op].toFixed(0),
    d[op].toFixed(0),
    k[op].toFixed(0),
    ratio(d[op], g[op]),
    ratio(k[op], g[op]),
  ]);
  const markdown = markdownTable(
    [
      'operation',
      ...(runs?.wall.length
        ? [
            `gino-edge alone, wall ns/op (${runs.wall.length} processes, low–high)`,
            'same processes, CPU ns/op',
            `alone with --single-threaded-gc, wall ns/op (${runs.singleGc.length} processes)`,
          ]
        : []),
      'gino-edge co-resident ns/op',
      'Drizzle ns/op',
      'Kysely ns/op',
      'Drizzle ÷ gino-edge',
      'Kysely ÷ gino-edge',
    ],
    rows,
  );
  return { ns, times, markdown, sql: compiledSql(libs) };
}

/** The SQL each library compiles each operation to (to check the workloads are the same). */
function compiledSql(libs: readonly [string, CompileOps][]): string {
  const rows = OPS.map((op) => [
    op,
    ...libs.map(([, ops]) => `\`${String((ops[op](1) as { sql: string }).sql).replace(/\|/g, '\\|')}\``),
  ]);
  return markdownTable(['operation', ...libs.map(([n]) => n)], rows);
}
