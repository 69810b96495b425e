/**
 * The differential tester: random predicates and statements built through the public API, each
 * compared with two independent oracles — the same AST rendered as fully parenthesised raw SQL with
 * explicit casts, FROM lists and correlation, and a JS evaluation with SQL's three-valued logic —
 * on a fixed schema with NULLs, negatives, empty strings and duplicates (test/support/differential/).
 *
 * Seeded and bounded: FUZZ_CASES (default 1100, so that at least 1,000 are compared) cases per adapter, FUZZ_SEED (default fixed) picks
 * them; `FUZZ_CASES=20000 FUZZ_SEED=$RANDOM` is the nightly size. FUZZ_ENABLE=all (or a list of
 * switch names) turns back on the switches that are off because of known open bugs.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Statement } from '../support/differential/ast.js';
import { type FeatureName, featuresFor, KNOWN_OPEN_BUGS } from '../support/differential/features.js';
import { finalize, Generator, STRING_UNITS } from '../support/differential/generate.js';
import { checkJsonCase, jsonCases } from '../support/differential/json.js';
import { Differential } from '../support/differential/run.js';
import { defineTables, RESTORE, seedData } from '../support/differential/schema.js';
import { type SuiteContext, suiteTest } from './harness.js';

const DEFAULT_SEED = 20250601;
/** Predicates (or values) evaluated per SELECT: one round trip compares this many cases. */
const BATCH = 10;

export function differentialSuite(ctx: SuiteContext): void {
  describe('differential', () => {
    const { db } = ctx;
    const tables = defineTables(db);
    const cases = Number(process.env.FUZZ_CASES ?? 1100);
    const seed = Number(process.env.FUZZ_SEED ?? DEFAULT_SEED);
    const { features, off } = featuresFor(process.env.FUZZ_ENABLE, process.env.FUZZ_DISABLE);
    const gen = new Generator(features);
    const runner = new Differential(db, tables, seedData());
    // Shares of the case budget, spread over the tests whose switches are on (so the total holds);
    // batch statements compare BATCH cases per run.
    const SHARES: [FeatureName[], number][] = [
      [['predicates'], 0.4],
      [['values'], 0.2],
      [['constSelects'], 0.1],
      [['queries'], 0.15],
      [['unanchored'], 0.08],
      [['deletes', 'updates'], 0.05],
      [['jsonProperties'], 0.02],
    ];
    const enabled = SHARES.filter(([f]) => f.some((n) => features[n])).reduce((sum, [, share]) => sum + share, 0);
    const runs = (share: number, batch = 1) => Math.max(1, Math.ceil((cases * share) / enabled / batch));

    beforeAll(async () => {
      await db.gino.dropAll();
      await db.gino.createAll();
      for (const sql of RESTORE) await db.status(sql);
      ctx.clearLog();
    });

    afterAll(() => {
      const disabled = off.length ? off.map(([n, why]) => `${n} (${why})`).join('; ') : 'none';
      console.log(
        `[differential on ${ctx.adapter.name}] seed ${seed}, FUZZ_CASES ${cases}: ${runner.tally.compared} cases compared, ${runner.tally.dropped} left out (PostgreSQL would raise: overflow/underflow); switches off for known open bugs: ${disabled}`,
      );
    });

    const property = (arb: fc.Arbitrary<Statement>, numRuns: number) =>
      fc.assert(
        fc.asyncProperty(arb.map(finalize), (s) => runner.check(s)),
        { seed, numRuns },
      );

    suiteTest(ctx, 'the server orders the generated strings as the JS evaluator does (C collation)', async () => {
      const probe = ['', ...STRING_UNITS, ...STRING_UNITS.map((u) => u.toUpperCase()), 'a0', 'aa', 'Ab', 'zZ', '9a'];
      const ordered = await db.scalar<string[]>('SELECT array_agg(v ORDER BY v) FROM unnest($1::text[]) AS v', [probe]);
      const bytes = [...probe].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      expect(ordered, 'the differential tester needs a database whose default collation is C or C.UTF-8').toEqual(
        bytes,
      );
    });

    // A nightly-size run outlasts the default 30 s a test: allow about 40 ms a case (pg takes ~10).
    const timeout = Math.max(30_000, cases * 40);

    /** A property test, shown as skipped (with the open bug) while its switch is off. */
    const statementTest = (feature: FeatureName | FeatureName[], name: string, fn: () => Promise<void>) => {
      const names = Array.isArray(feature) ? feature : [feature];
      const listed = ctx.adapter.skip?.[name];
      if (listed) test.skip(`${name} — skipped on ${ctx.adapter.name}: ${listed}`, fn);
      else if (names.some((n) => features[n])) test(name, fn, timeout);
      else test.skip(`${name} — off for a known open bug: ${names.map((n) => KNOWN_OPEN_BUGS[n]).join('; ')}`, fn);
    };

    statementTest('predicates', 'random predicates: the value on every row matches raw SQL and the JS evaluator', () =>
      property(gen.predicates(BATCH), runs(0.4, BATCH)),
    );
    statementTest('values', 'random select-list values: types, values, and every result column kept', () =>
      property(gen.values(BATCH), runs(0.2, BATCH)),
    );
    statementTest('constSelects', 'selects naming no table (db.literal operands): no FROM, one row', () =>
      property(gen.constSelect(BATCH), runs(0.1, BATCH)),
    );
    statementTest('queries', 'WHERE, ORDER BY expressions and labels, LIMIT/OFFSET: the ids in order', () =>
      property(gen.query(), runs(0.15)),
    );
    statementTest('unanchored', 'FROM inferred from what the statement names (in, between, exists, subqueries)', () =>
      property(gen.unanchored(), runs(0.08)),
    );
    statementTest(
      'deletes',
      'DELETE and UPDATE with correlated subqueries: the rows affected and their new values',
      () => property(gen.dml(), runs(0.05)),
    );
    statementTest('jsonProperties', 'JSON property updates of SQL NULL, JSON null and objects', async () => {
      await fc.assert(
        fc.asyncProperty(jsonCases, (c) => checkJsonCase(db, tables, c)),
        { seed, numRuns: runs(0.02) },
      );
    });
  });
}
