/**
 * Compile: build each operation's statement and compile it to SQL and parameters, in process, no
 * database. Rounds alternate the libraries (A B C, B C A, ...); each sample is the mean of a batch
 * of calls; the reported figure is the median sample.
 */
import { drizzle } from 'drizzle-orm/node-postgres';
import { measureCompileOf } from './compile-core.js';
import * as drizzleLib from './libs/drizzle.js';
import * as gino from './libs/gino.js';
import * as kysely from './libs/kysely.js';
import { type CompileOps, OPS, type Op } from './ops.js';
import { markdownTable, ratio } from './stats.js';

export interface CompileResult {
  /** Median ns per operation, by library then op. */
  ns: Record<string, Record<Op, number>>;
  markdown: string;
  /** The SQL each library compiles each operation to (to check the workloads are the same), as a table. */
  sql: string;
}

export function measureCompile(
  options: { rounds: number; batch: number },
  /** gino-edge's figures from processes that load and run no other library, one per process. */
  alone?: readonly Record<Op, number>[],
): CompileResult {
  const libs: [string, CompileOps][] = [
    ['gino-edge', gino.compileOps()],
    ['Drizzle', drizzleLib.compileOps(drizzle.mock())],
    ['Kysely', kysely.compileOps(kysely.coldKysely())],
  ];
  const ns = measureCompileOf(libs, options);
  const g = ns['gino-edge'] as Record<Op, number>;
  const d = ns.Drizzle as Record<Op, number>;
  const k = ns.Kysely as Record<Op, number>;
  const aloneCells = (op: Op) => {
    if (!alone?.length) return [];
    const values = alone.map((a) => a[op]).sort((x, y) => x - y);
    const lo = values[0] as number;
    const hi = values[values.length - 1] as number;
    return [lo.toFixed(0) === hi.toFixed(0) ? lo.toFixed(0) : `${lo.toFixed(0)}–${hi.toFixed(0)}`];
  };
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
      ...(alone?.length ? [`gino-edge alone ns/op (${alone.length} processes, low–high)`] : []),
      'gino-edge co-resident ns/op',
      'Drizzle ns/op',
      'Kysely ns/op',
      'Drizzle ÷ gino-edge',
      'Kysely ÷ gino-edge',
    ],
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
