/**
 * splitStatements against an independent oracle, PostgreSQL itself: random scripts built from
 * valid statements full of semicolons that are not statement ends (literals, quoted identifiers,
 * dollar quotes, nested comments, routine bodies), joined by real ends. The server, given the
 * script over the extended protocol, refuses exactly the scripts of more than one statement
 * ("cannot insert multiple commands into a prepared statement") and runs the others; the splitter
 * must count what the server counts. Embedded PGlite always, and the run's server through the raw
 * pg driver when there is one.
 */
import { PGlite } from '@electric-sql/pglite';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { splitStatements } from '../../src/index.js';

/** Select-list items that hold `;` (and other traps) which end nothing. */
const item = fc.constantFrom(
  "'a;b'",
  "'it''s;'",
  "E'\\';'",
  "e'\\\\'",
  '$$;$$',
  '$q$ ; $$ ; $q$',
  '1 AS "x;y"',
  '1 AS "x"";y"',
  '/* ; /* ; */ ; */ 1',
  '1 -- ; not an end\n',
  '(1)',
  'CASE WHEN true THEN 1 END',
  "'begin'",
  '2',
  'ARRAY[1,2]',
);

const select = fc.array(item, { minLength: 1, maxLength: 4 }).map((items) => `SELECT ${items.join(', ')}`);
/** A routine whose SQL-standard body holds statements of its own. */
const routine = fc
  .array(fc.constantFrom('SELECT 1', "SELECT ';'", 'SELECT CASE WHEN true THEN 2 END'), { minLength: 1, maxLength: 3 })
  .map(
    (body) =>
      `CREATE OR REPLACE FUNCTION pg_temp.gino_oracle() RETURNS void LANGUAGE sql BEGIN ATOMIC ${body.join('; ')}; END`,
  );
const statement = fc.oneof({ arbitrary: select, weight: 4 }, { arbitrary: routine, weight: 1 });
/** What may follow a statement's `;` before the next one. */
const gap = fc.constantFrom(' ', '\n', ';', ' ; ', '-- c;\n', '/* ; */', ' /* /* ; */ */\n');
const trailer = fc.constantFrom('', ';', '; ', ';;', '; -- the end', ';\n/* ; */');

const script = fc
  .tuple(fc.array(fc.tuple(statement, gap), { minLength: 1, maxLength: 3 }), trailer)
  .map(([parts, end]) => ({
    sql: parts.map(([s, g], i) => (i === parts.length - 1 ? s : `${s};${g}`)).join('') + end,
    count: parts.length,
  }));

type Verdict = 'one' | 'several' | { other: string };

/** Whether the server ran the text as one statement, or refused it as several. */
async function verdict(run: (sql: string) => Promise<unknown>, sql: string): Promise<Verdict> {
  try {
    await run(sql);
    return 'one';
  } catch (error) {
    const message = (error as Error).message;
    if (/cannot insert multiple commands into a prepared statement/.test(message)) return 'several';
    return { other: message };
  }
}

async function agrees(run: (sql: string) => Promise<unknown>): Promise<void> {
  await fc.assert(
    fc.asyncProperty(script, async ({ sql, count }) => {
      expect(splitStatements(sql)).toHaveLength(count);
      expect(await verdict(run, sql)).toBe(count > 1 ? 'several' : 'one');
    }),
    { numRuns: 150 },
  );
}

describe('splitStatements counts what PostgreSQL counts', () => {
  let lite: PGlite;
  beforeAll(async () => {
    lite = await PGlite.create();
  });
  afterAll(async () => {
    await lite?.close();
  });

  test('embedded PGlite (its query() is the extended protocol)', async () => {
    await agrees((sql) => lite.query(sql));
  });

  test.skipIf(inject('databaseKind') === 'pglite')('the run server, through the raw pg driver', async () => {
    const client = new pg.Client({ connectionString: inject('databaseUrl') });
    await client.connect();
    try {
      await agrees((sql) => client.query({ text: sql, queryMode: 'extended' } as never));
    } finally {
      await client.end();
    }
  });
});
