/**
 * What a compiled query says it does: its kind, whether it writes, whether it takes row locks —
 * for every statement form a builder makes, and for raw SQL read with the lexer's scanner.
 */
import { describe, expect, test } from 'vitest';
import { type CompiledQuery, compile, compileRaw } from '../../src/compiler/compiler.js';
import { classifySql } from '../../src/compiler/sqltext.js';
import { toCompiled } from '../../src/engine/execute.js';
import { db, Team, User } from './models.js';

const what = (q: CompiledQuery) => ({ kind: q.kind, writes: q.writes, locks: q.locks });

describe('builder statements', () => {
  test.each([
    ['User.query', () => User.query, 'select', false, false],
    [
      'select with where, join, order, limit',
      () => User.query.join(Team).where(User.id.lt(3)).limit(1),
      'select',
      false,
      false,
    ],
    ['db.select of an expression', () => db.select([db.func.now()]), 'select', false, false],
    ['forUpdate()', () => User.query.forUpdate(), 'select', false, true],
    [
      "forUpdate({ mode: 'KEY SHARE', skipLocked })",
      () => User.query.forUpdate({ mode: 'KEY SHARE', skipLocked: true }),
      'select',
      false,
      true,
    ],
    [
      'a locking subquery',
      () => User.query.where(User.id.in(db.select([Team.id]).forUpdate({ mode: 'SHARE' }))),
      'select',
      false,
      true,
    ],
    [
      'a locking clause in a db.text() fragment',
      () => User.query.where(db.text('id IN (SELECT id FROM users FOR UPDATE)')),
      'select',
      false,
      true,
    ],
    [
      'a db.text() fragment that only mentions for',
      () => User.query.where(db.text("nickname <> 'for update'")),
      'select',
      false,
      false,
    ],
    ['insert', () => User.insert().values({ nickname: 'a' }), 'insert', true, false],
    ['insert returning', () => User.insert().values({ nickname: 'a' }).returning(), 'insert', true, false],
    [
      'insert on conflict do nothing',
      () => User.insert().values({ id: 1 }).onConflictDoNothing(['id']),
      'insert',
      true,
      false,
    ],
    [
      'insert on conflict do update',
      () => User.insert().values({ id: 1 }).onConflictDoUpdate(['id'], { nickname: 'b' }),
      'insert',
      true,
      true,
    ],
    [
      'insert ... select',
      () => User.insert().fromSelect(['nickname'], db.select([Team.c.name as never])),
      'insert',
      true,
      false,
    ],
    [
      'insert ... select ... for update',
      () => User.insert().fromSelect(['nickname'], db.select([Team.c.name as never]).forUpdate()),
      'insert',
      true,
      true,
    ],
    ['update', () => User.update.values({ nickname: 'a' }).where(User.id.eq(1)), 'update', true, true],
    ['update returning', () => User.update.values({ nickname: 'a' }).returning(User.id), 'update', true, true],
    ['delete', () => User.delete.where(User.id.eq(1)), 'delete', true, true],
    ['a raw statement: db.text select', () => db.text('SELECT 1'), 'raw', false, false],
    ['a raw statement: db.text DDL', () => db.text('CREATE TABLE t (id int)'), 'ddl', true, false],
  ] as const)('%s', (_name, make, kind, writes, locks) => {
    expect(what(compile(make()))).toEqual({ kind, writes, locks });
    expect(what(toCompiled(make()))).toEqual({ kind, writes, locks });
  });

  test('a function call runs as a SELECT; a baked one says so too', () => {
    expect(what(toCompiled(db.func.count(User.id)))).toEqual({ kind: 'select', writes: false, locks: false });
    expect(what(toCompiled(db.func.count(User.id)))).toEqual({ kind: 'select', writes: false, locks: false });
  });

  test('SQL strings are classified like db.text()', () => {
    expect(what(toCompiled('SELECT * FROM users WHERE id = $1 FOR UPDATE', [1]))).toEqual({
      kind: 'raw',
      writes: false,
      locks: true,
    });
    expect(what(toCompiled('DROP TABLE users'))).toEqual({ kind: 'ddl', writes: true, locks: false });
    expect(what(compileRaw('BEGIN'))).toEqual({ kind: 'raw', writes: true, locks: false });
  });
});

describe('raw SQL classification', () => {
  const read = { kind: 'raw', writes: false, locks: false };
  test.each([
    ['SELECT 1', read],
    ['  select * from t where a = 1', read],
    ['(SELECT 1) UNION (SELECT 2)', read],
    ['VALUES (1), (2)', read],
    ['TABLE users', read],
    ['SHOW search_path', read],
    ['-- a comment\nSELECT 1', read],
    ['', read],
    ['WITH x AS (SELECT 1) SELECT * FROM x', read],
    ['WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r', read],
    ['EXPLAIN SELECT 1', read],
    ['EXPLAIN DELETE FROM t', read],
    ['EXPLAIN (COSTS false) UPDATE t SET a = 1', read],
    ['EXPLAIN ANALYZE SELECT 1', read],
    ['EXPLAIN ANALYZE DELETE FROM t', { kind: 'raw', writes: true, locks: true }],
    ['EXPLAIN (ANALYZE, BUFFERS) INSERT INTO t VALUES (1)', { kind: 'raw', writes: true, locks: false }],
    // Literals, quoted names, dollar quotes and comments are never code.
    ["SELECT 'DELETE FROM t; FOR UPDATE'", read],
    ['SELECT 1 AS "for update"', read],
    ['SELECT $$ DROP TABLE t $$', read],
    ['SELECT 1 /* FOR UPDATE */', read],
    ['SELECT * FROM t FOR UPDATE', { kind: 'raw', writes: false, locks: true }],
    ['SELECT * FROM t FOR NO KEY UPDATE OF t NOWAIT', { kind: 'raw', writes: false, locks: true }],
    ['SELECT * FROM t FOR SHARE', { kind: 'raw', writes: false, locks: true }],
    ['SELECT * FROM t FOR KEY SHARE SKIP LOCKED', { kind: 'raw', writes: false, locks: true }],
    ['SELECT * FROM (SELECT * FROM t FOR UPDATE) s', { kind: 'raw', writes: false, locks: true }],
    ['SELECT * INTO copy FROM t', { kind: 'raw', writes: true, locks: false }],
    ['WITH d AS (DELETE FROM t RETURNING *) SELECT count(*) FROM d', { kind: 'raw', writes: true, locks: true }],
    ['WITH i AS (INSERT INTO t VALUES (1) RETURNING *) SELECT * FROM i', { kind: 'raw', writes: true, locks: true }],
    ['WITH x AS (SELECT 1) DELETE FROM t', { kind: 'raw', writes: true, locks: true }],
    ['INSERT INTO t VALUES (1)', { kind: 'raw', writes: true, locks: false }],
    ['INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING', { kind: 'raw', writes: true, locks: false }],
    ['INSERT INTO t VALUES (1) ON CONFLICT (id) DO UPDATE SET a = 2', { kind: 'raw', writes: true, locks: true }],
    ['INSERT INTO t SELECT * FROM u FOR UPDATE', { kind: 'raw', writes: true, locks: true }],
    ['UPDATE t SET a = 1', { kind: 'raw', writes: true, locks: true }],
    ['DELETE FROM t', { kind: 'raw', writes: true, locks: true }],
    ['MERGE INTO t USING u ON t.id = u.id WHEN MATCHED THEN DELETE', { kind: 'raw', writes: true, locks: true }],
    ['CREATE TABLE t (id int)', { kind: 'ddl', writes: true, locks: false }],
    ['create index concurrently i on t (a)', { kind: 'ddl', writes: true, locks: false }],
    ['ALTER TABLE t ADD COLUMN b int', { kind: 'ddl', writes: true, locks: false }],
    ['DROP TABLE IF EXISTS t', { kind: 'ddl', writes: true, locks: false }],
    ["COMMENT ON TABLE t IS 'x'", { kind: 'ddl', writes: true, locks: false }],
    ['GRANT SELECT ON t TO u', { kind: 'ddl', writes: true, locks: false }],
    ['TRUNCATE t', { kind: 'ddl', writes: true, locks: false }],
    [
      'CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 FROM t FOR UPDATE $$ LANGUAGE sql',
      { kind: 'ddl', writes: true, locks: false },
    ],
    ['DO $$ BEGIN PERFORM 1; END $$', { kind: 'raw', writes: true, locks: true }],
    ['CALL p()', { kind: 'raw', writes: true, locks: true }],
    ['EXECUTE stmt', { kind: 'raw', writes: true, locks: true }],
    ["SET statement_timeout = '1s'", { kind: 'raw', writes: true, locks: false }],
    ['BEGIN', { kind: 'raw', writes: true, locks: false }],
    ['LOCK TABLE t', { kind: 'raw', writes: true, locks: false }],
    ['VACUUM t', { kind: 'raw', writes: true, locks: false }],
    ['COPY (DELETE FROM t RETURNING *) TO STDOUT', { kind: 'raw', writes: true, locks: true }],
    // A script: what any statement does; DDL only when every statement is.
    ['SELECT 1; SELECT 2', read],
    ['CREATE TABLE a (id int); CREATE INDEX i ON a (id);', { kind: 'ddl', writes: true, locks: false }],
    ['CREATE TABLE a (id int); INSERT INTO a VALUES (1)', { kind: 'raw', writes: true, locks: false }],
    ['SELECT 1; SELECT * FROM t FOR UPDATE', { kind: 'raw', writes: false, locks: true }],
  ])('%j', (sql, expected) => {
    expect(classifySql(sql)).toEqual(expected);
    expect(what(compileRaw(sql))).toEqual(expected);
  });
});
