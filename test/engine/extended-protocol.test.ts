/**
 * Every statement goes over PostgreSQL's extended protocol, so the server parses its text as one
 * statement whether or not it has parameters: node-postgres query configs carry
 * `queryMode: 'extended'` (also on the config path, for clients that are not a `pg.Client`), and
 * `ExtendedQuery` (the submittable neon-ws uses, whose bundled pg has no `queryMode`) speaks the
 * protocol itself. Checked against the run's server through the raw pg driver.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { extendedQuery } from '../../adapters/kit/pg-like.js';
import { pg as pgAdapter } from '../../adapters/pg/index.js';
import { DatabaseError, Gino } from '../../src/index.js';

const onPglite = inject('databaseKind') === 'pglite';
const url = inject('databaseUrl');

describe.skipIf(onPglite)('pg clients that are not pg.Client get extended-protocol configs', () => {
  test('a wrapper pool: configs carry queryMode, and two statements fail at the server', async () => {
    const real = new pg.Pool({ connectionString: url, max: 1 });
    const seen: Record<string, unknown>[] = [];
    const wrapped = {
      query: (config: never) => real.query(config),
      connect: async () => {
        const client = await real.connect();
        return {
          query: (config: Record<string, unknown>) => {
            seen.push(config);
            return client.query(config as never);
          },
          release: (error?: Error | boolean) => client.release(error),
        };
      },
      end: () => real.end(),
    };
    const db = new Gino();
    const engine = await db.setBind(pgAdapter({ pool: wrapped as never }));
    try {
      const error = await engine.adapter.query({ sql: 'SELECT 1; SELECT 2', params: [] }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: '42601' });
      await expect(db.all(db.text('SELECT 1 AS a; SELECT 2 AS b'))).rejects.toThrow(/2 statements/);
      expect(await db.scalar('SELECT 3')).toBe(3);
      expect(seen.length).toBeGreaterThan(0);
      for (const config of seen) expect(config).toMatchObject({ queryMode: 'extended', rowMode: 'array' });
    } finally {
      await db.popBind().close();
      await real.end();
    }
  });
});

describe.skipIf(onPglite)('ExtendedQuery on a raw pg.Client', () => {
  let client: pg.Client;
  beforeAll(async () => {
    // binary: true asks pg to request binary results; ExtendedQuery always asks for text.
    client = new pg.Client({ connectionString: url, binary: true } as never);
    await client.connect();
    await client.query('CREATE TEMP TABLE xq (a int, t text)');
  });
  afterAll(async () => {
    await client?.end();
  });
  const run = (sql: string, params: (string | null)[] = []) => extendedQuery(client as never, { sql, params });

  test('rows, fields and command tags, parsed by the shared parsers', async () => {
    expect(await run("INSERT INTO xq VALUES (1, 'a'), (2, NULL)")).toMatchObject({
      command: 'INSERT',
      rowCount: 2,
      fields: [],
      rows: [],
    });
    const result = await run('SELECT a, t, $1::int8 AS big FROM xq ORDER BY a', ['9007199254740993']);
    expect(result.command).toBe('SELECT');
    expect(result.rowCount).toBe(2);
    expect(result.fields.map((f) => f.name)).toEqual(['a', 't', 'big']);
    expect(result.rows).toEqual([
      [1, 'a', 9007199254740993n],
      [2, null, 9007199254740993n],
    ]);
    expect(await run('UPDATE xq SET t = $1 WHERE a = 2', ['b'])).toMatchObject({ command: 'UPDATE', rowCount: 1 });
    expect(await run('CREATE TEMP TABLE xq2 (b int)')).toMatchObject({ command: 'CREATE', rowCount: null });
  });

  test('two statements are one syntax error at the server; nothing of them runs; the client goes on', async () => {
    const error = await run('SELECT 1; DROP TABLE xq').catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: '42601',
      message: 'cannot insert multiple commands into a prepared statement',
    });
    expect((await run('SELECT count(*)::int FROM xq')).rows).toEqual([[2]]);
  });

  test('server errors, an empty statement, COPY in both directions: each ends, and the client stays usable', async () => {
    await expect(run('SELECT * FROM xq_nothing')).rejects.toMatchObject({ code: '42P01' });
    expect(await run('-- nothing but a comment')).toMatchObject({ command: '', rows: [] });
    const copyIn = await run('COPY xq FROM STDIN').catch((e: unknown) => e);
    expect((copyIn as Error).message).toMatch(/COPY FROM STDIN/);
    expect(await run('COPY (SELECT 1) TO STDOUT')).toMatchObject({ command: 'COPY', rowCount: 1 });
    expect((await run('SELECT 4')).rows).toEqual([[4]]);
    // Through the engine, the same errors are the usual DatabaseError.
    const db = new Gino();
    await db.setBind(url);
    try {
      await expect(db.all('SELECT * FROM xq_nothing')).rejects.toBeInstanceOf(DatabaseError);
    } finally {
      await db.popBind().close();
    }
  });
});
