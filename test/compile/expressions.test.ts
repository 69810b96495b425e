/** Every expression node, compiled: `{ sql, params }` only, no database. */
import { describe, expect, test } from 'vitest';
import { InvalidRequestError } from '../../src/index.js';
import { db, Team, User, Weird } from './models.js';

const where = (e: Parameters<typeof User.query.where>[0]) => {
  const { sql, params } = User.select('id').where(e).compile();
  return { sql: sql.replace('SELECT users.id FROM users WHERE ', ''), params };
};

describe('operators', () => {
  test.each([
    ['eq', User.id.eq(1), 'users.id = $1'],
    ['ne', User.id.ne(1), 'users.id != $1'],
    ['lt', User.id.lt(1), 'users.id < $1'],
    ['le', User.id.le(1), 'users.id <= $1'],
    ['gt', User.id.gt(1), 'users.id > $1'],
    ['ge', User.id.ge(1), 'users.id >= $1'],
    ['like', User.nickname.like('a%'), 'users.nickname LIKE $1'],
    ['ilike', User.nickname.ilike('a%'), 'users.nickname ILIKE $1'],
    ['notLike', User.nickname.notLike('a%'), 'users.nickname NOT LIKE $1'],
    ['notIlike', User.nickname.notIlike('a%'), 'users.nickname NOT ILIKE $1'],
    ['isNull', User.nickname.isNull(), 'users.nickname IS NULL'],
    ['isNotNull', User.nickname.isNotNull(), 'users.nickname IS NOT NULL'],
    ['eq null', User.nickname.eq(null), 'users.nickname IS NULL'],
    ['ne null', User.nickname.ne(null), 'users.nickname IS NOT NULL'],
  ])('%s', (_name, expr, sql) => {
    expect(where(expr).sql).toBe(sql);
  });

  test('in, notIn, empty lists, subqueries', () => {
    expect(where(User.id.in([1, 2, 3]))).toEqual({ sql: 'users.id IN ($1, $2, $3)', params: [1, 2, 3] });
    expect(where(User.id.notIn([4]))).toEqual({ sql: 'users.id NOT IN ($1)', params: [4] });
    expect(where(User.id.in([])).sql).toBe('(1 != 1)');
    expect(where(User.id.notIn([])).sql).toBe('(1 = 1)');
    expect(where(User.teamId.in(db.select([Team.id]).where(Team.c.name.eq('x'))))).toEqual({
      sql: 'users.team_id IN (SELECT teams.id FROM teams WHERE teams.name = $1)',
      params: ['x'],
    });
  });

  test('between and notBetween', () => {
    expect(where(User.id.between(1, 9))).toEqual({ sql: 'users.id BETWEEN $1 AND $2', params: [1, 9] });
    expect(where(User.id.notBetween(1, 9)).sql).toBe('users.id NOT BETWEEN $1 AND $2');
  });

  test('arithmetic and concat are parenthesised', () => {
    expect(where(User.id.add(1).mul(2).gt(10))).toEqual({ sql: '((users.id + $1) * $2) > $3', params: [1, 2, 10] });
    expect(where(User.id.sub(1).eq(User.id.div(2))).sql).toBe('(users.id - $1) = (users.id / $2)');
    expect(where(User.nickname.concat('x').eq('ax')).sql).toBe('(users.nickname || $1) = $2');
    expect(where(User.nickname.add('x').eq('ax')).sql).toBe('(users.nickname || $1) = $2');
    expect(where(User.id.neg().lt(0)).sql).toBe('-users.id < $1');
  });

  test('and / or / not nest with the right parentheses', () => {
    const e = db.or(User.id.eq(1), db.and(User.id.gt(5), db.not(User.nickname.eq('x'))));
    expect(where(e).sql).toBe('users.id = $1 OR users.id > $2 AND NOT users.nickname = $3');
    const f = db.and(db.or(User.id.eq(1), User.id.eq(2)), User.nickname.isNull());
    expect(where(f).sql).toBe('(users.id = $1 OR users.id = $2) AND users.nickname IS NULL');
    expect(where(db.not(db.and(User.id.eq(1), User.id.eq(2)))).sql).toBe('NOT (users.id = $1 AND users.id = $2)');
    expect(where(db.and(User.id.eq(1))).sql).toBe('users.id = $1');
  });

  test('op() for other operators, refusing non-operators', () => {
    expect(where(User.nickname.op('~', '^a')).sql).toBe('users.nickname ~ $1');
    expect(() => User.id.op('; DROP TABLE users', 1)).toThrow(InvalidRequestError);
  });

  test('values are always parameters, never inlined', () => {
    const evil = "'; DROP TABLE users; --";
    expect(where(User.nickname.eq(evil))).toEqual({ sql: 'users.nickname = $1', params: [evil] });
    expect(db.compile(db.select([db.literal(evil).label('x')]))).toEqual({ sql: 'SELECT $1 AS x', params: [evil] });
  });

  test('undefined values are refused (null means SQL NULL)', () => {
    expect(() =>
      User.select('id')
        .where(User.id.eq(undefined as unknown as number))
        .compile(),
    ).toThrow(/undefined/);
  });
});

describe('functions, casts, labels, text', () => {
  test('db.func.<any> with GINO labels count_1, count_2', () => {
    expect(db.compile(db.func.count(User.id))).toEqual({
      sql: 'SELECT count(users.id) AS count_1 FROM users',
      params: [],
    });
    expect(
      db.compile(db.select([db.func.count(), db.func.count(User.id), db.func.max(User.id)]).selectFrom(User.__table__)),
    ).toEqual({
      sql: 'SELECT count(*) AS count_1, count(users.id) AS count_2, max(users.id) AS max_1 FROM users',
      params: [],
    });
    expect(db.compile(db.select([db.func.anything_at_all!(1, User.id)]))).toEqual({
      sql: 'SELECT anything_at_all($1::int4, users.id) AS anything_at_all_1 FROM users',
      params: [1],
    });
    expect(db.compile(db.select([db.func.current_timestamp().label('now')])).sql).toBe(
      'SELECT current_timestamp AS now',
    );
    expect(db.compile(db.select([db.func['pg_catalog.now']!().label('n')])).sql).toBe('SELECT pg_catalog.now() AS n');
  });

  test('cast, literal, label, anonymous expressions', () => {
    expect(db.compile(db.select([db.cast(User.id, db.Text()).label('t')]))).toEqual({
      sql: 'SELECT CAST(users.id AS TEXT) AS t FROM users',
      params: [],
    });
    expect(db.compile(db.select([User.id.cast(db.BigInteger())])).sql).toBe(
      'SELECT CAST(users.id AS BIGINT) AS anon_1 FROM users',
    );
    expect(db.compile(db.select([User.id.add(1), User.id.add(2)])).sql).toBe(
      'SELECT (users.id + $1) AS anon_1, (users.id + $2) AS anon_2 FROM users',
    );
    expect(db.compile(db.select([db.literal(5)]))).toEqual({ sql: 'SELECT $1::int4 AS anon_1', params: [5] });
  });

  test('text() with named and positional parameters; :: casts and quotes untouched', () => {
    expect(db.compile(db.text('SELECT :a::int, \':b\', "c:d", :a', { a: 1 }))).toEqual({
      sql: 'SELECT $1::int, \':b\', "c:d", $2',
      params: [1, 1],
    });
    expect(() => db.compile(db.text('SELECT :missing', {}))).toThrow(/no value given for :missing/);
    expect(
      User.select('id')
        .where(User.id.gt(1), db.text('users.id < $1', [9]))
        .compile(),
    ).toEqual({
      sql: 'SELECT users.id FROM users WHERE users.id > $1 AND (users.id < $2)',
      params: [1, 9],
    });
  });

  test('exists and scalar subqueries correlate to the enclosing query', () => {
    const q = Team.query.where(db.exists(db.select([User.id]).where(User.teamId.eq(Team.id))));
    expect(q.compile().sql).toBe(
      'SELECT teams.id, teams.name FROM teams WHERE EXISTS (SELECT users.id FROM users WHERE users.team_id = teams.id)',
    );
    const s = db.select([
      Team.c.name,
      db
        .select([db.func.count(User.id)])
        .where(User.teamId.eq(Team.id))
        .asScalar()
        .label('n'),
    ]);
    expect(s.compile().sql).toBe(
      'SELECT teams.name, (SELECT count(users.id) AS count_1 FROM users WHERE users.team_id = teams.id) AS n FROM teams',
    );
    expect(User.select('id').exists().kind).toBe('exists');
  });
});

describe('identifiers', () => {
  test('quoted only when needed: reserved words, capitals, spaces, quotes', () => {
    expect(Weird.query.where(Weird.camel.eq('x')).compile().sql).toBe(
      'SELECT "My Schema"."Weird Table"."select", "My Schema"."Weird Table"."CamelCase", "My Schema"."Weird Table"."has""quote" FROM "My Schema"."Weird Table" WHERE "My Schema"."Weird Table"."CamelCase" = $1',
    );
  });
});

describe('edge cases PostgreSQL parses differently', () => {
  test('comparisons do not chain: the inner one keeps its parentheses', () => {
    expect(where(User.id.gt(0).eq(true as never)).sql).toBe('(users.id > $1) = $2');
    expect(where(User.id.eq(1).ne(User.id.lt(2) as never)).sql).toBe('(users.id = $1) != (users.id < $2)');
  });

  test('a double negation never becomes a comment', () => {
    expect(where(User.id.neg().neg().lt(0)).sql).toBe('-(-users.id) < $1');
  });

  test('text(): placeholders inside literals, quoted names, dollar quotes and comments stay text', () => {
    const sql = "SELECT :a, ':b', E'\\':c', \"d:e\", $$ :f $$, $t$ $1 $t$ -- :g\n/* :h */ :a::int";
    expect(db.compile(db.text(sql, { a: 1 }))).toEqual({
      sql: "SELECT $1, ':b', E'\\':c', \"d:e\", $$ :f $$, $t$ $1 $t$ -- :g\n/* :h */ $2::int",
      params: [1, 1],
    });
    const positional = User.select('id').where(User.id.gt(1), db.text("users.nickname <> '$1' AND users.id < $1", [9]));
    expect(positional.compile()).toEqual({
      sql: "SELECT users.id FROM users WHERE users.id > $1 AND (users.nickname <> '$1' AND users.id < $2)",
      params: [1, 9],
    });
  });
});
