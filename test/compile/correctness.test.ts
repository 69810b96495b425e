/**
 * The compiled SQL of the correctness issue's shapes: precedence from one table, correlation,
 * value typing, FROM inference, pure compiles. The rows these give are checked against the
 * database in test/suite/correctness.ts and by the differential tester.
 */
import { describe, expect, test } from 'vitest';
import { ClientDefault, Gino, InvalidRequestError } from '../../src/index.js';
import { CHILDREN } from '../../src/sql/nodes.js';
import { db, Team, User } from './models.js';

class Acct extends db.Model({
  __tablename__: 'acct',
  id: db.Column(db.Integer(), { primaryKey: true }),
  owner: db.Column(db.Integer()),
  bal: db.Column(db.Integer()),
  ok: db.Column(db.Boolean()),
  name: db.Column(db.Text()),
}) {}
const B = Acct.alias('b');

const sqlOf = (q: { compile(): { sql: string } }) => q.compile().sql;
const where = (e: Parameters<typeof Acct.query.where>[0]) =>
  Acct.select('id').where(e).compile().sql.replace('SELECT acct.id FROM acct WHERE ', '');

describe('correlation (bug 1)', () => {
  test('DELETE and UPDATE subqueries correlate to the target table', () => {
    expect(
      sqlOf(Acct.delete.where(db.exists(db.select([B.id]).where(B.owner.eq(Acct.owner), B.bal.gt(Acct.bal))))),
    ).toBe(
      'DELETE FROM acct WHERE EXISTS (SELECT b.id FROM acct AS b WHERE b.owner = acct.owner AND b.bal > acct.bal)',
    );
    expect(
      sqlOf(
        Acct.update.values({
          bal: db
            .select([db.func.max(B.bal)])
            .where(B.owner.eq(Acct.owner))
            .asScalar(),
        }),
      ),
    ).toBe('UPDATE acct SET bal=(SELECT max(b.bal) AS max_1 FROM acct AS b WHERE b.owner = acct.owner)');
    expect(
      sqlOf(Acct.update.values({ bal: 1 }).where(Acct.id.in(db.select([B.id]).where(B.owner.eq(Acct.owner))))),
    ).toBe('UPDATE acct SET bal=$1 WHERE acct.id IN (SELECT b.id FROM acct AS b WHERE b.owner = acct.owner)');
  });

  test('a subquery that would have no FROM item of its own is independent; correlate() overrides', () => {
    const avg = db.select([db.func.avg(Acct.bal)]);
    expect(sqlOf(Acct.delete.where(Acct.bal.lt(avg.asScalar())))).toBe(
      'DELETE FROM acct WHERE acct.bal < (SELECT avg(acct.bal) AS avg_1 FROM acct)',
    );
    expect(sqlOf(Acct.delete.where(Acct.bal.lt(avg.correlate(Acct).asScalar())))).toBe(
      'DELETE FROM acct WHERE acct.bal < (SELECT avg(acct.bal) AS avg_1)',
    );
    const sub = db.select([B.id]).where(B.owner.eq(Acct.owner));
    expect(sqlOf(Acct.query.where(db.exists(sub.correlate(null))))).toContain(
      'EXISTS (SELECT b.id FROM acct AS b, acct WHERE b.owner = acct.owner)',
    );
    const both = db.select([Acct.id]).selectFrom(Acct.join(B, B.id.eq(Acct.id)));
    expect(sqlOf(both.where(db.exists(sub)))).toContain('EXISTS (SELECT b.id FROM acct AS b, acct WHERE');
    expect(sqlOf(both.where(db.exists(sub.correlateExcept(B))))).toContain(
      'EXISTS (SELECT b.id FROM acct AS b WHERE b.owner = acct.owner)',
    );
  });

  test('nested subqueries correlate to any enclosing level; a derived table does not see its own level', () => {
    const C = Acct.alias('c');
    const inner = db.select([C.id]).where(C.bal.gt(Acct.bal), C.owner.eq(B.owner));
    expect(sqlOf(Acct.query.where(db.exists(db.select([B.id]).where(db.exists(inner)))))).toContain(
      'EXISTS (SELECT b.id FROM acct AS b WHERE EXISTS (SELECT c.id FROM acct AS c WHERE c.bal > acct.bal AND c.owner = b.owner))',
    );
    const derived = db.select([B.id, B.owner]).alias('d');
    expect(sqlOf(db.select([derived.c.id as never, B.id]).selectFrom(derived, B))).toBe(
      'SELECT d.id, b.id FROM (SELECT b.id, b.owner FROM acct AS b) AS d, acct AS b',
    );
  });
});

describe('precedence (bugs 9, 10)', () => {
  test.each([
    ['= inside IN', Acct.ok.eq(Acct.ok).in([true, false]), '(acct.ok = acct.ok) IN ($1, $2)'],
    ['= inside BETWEEN', Acct.ok.eq(Acct.ok).between(false, true), '(acct.ok = acct.ok) BETWEEN $1 AND $2'],
    ['LIKE inside =', Acct.c.name.like('a').eq(false), 'acct.name LIKE $1 = $2'],
    ['IN inside NOT IN', Acct.id.in([1]).notIn([false]), '(acct.id IN ($1)) NOT IN ($2)'],
    ['IS NULL of a comparison', Acct.id.eq(1).isNull(), '(acct.id = $1) IS NULL'],
    ['NOT of a comparison', db.not(Acct.id.eq(1)), 'NOT acct.id = $1'],
    ['NOT as an operand', db.not(Acct.ok).eq(true), '(NOT acct.ok) = $1'],
    [
      'OR inside AND',
      db.and(db.or(Acct.ok, Acct.ok.isNull()), Acct.id.eq(1)),
      '(acct.ok OR acct.ok IS NULL) AND acct.id = $1',
    ],
    ['AND inside OR', db.or(db.and(Acct.ok, Acct.ok), Acct.ok), 'acct.ok AND acct.ok OR acct.ok'],
    [
      'a BETWEEN bound that is a comparison',
      Acct.ok.between(Acct.id.eq(1), true),
      'acct.ok BETWEEN (acct.id = $1) AND $2',
    ],
    ['text as an operand', db.and(db.text('id = 1 OR id = 2'), Acct.id.eq(2)), '(id = 1 OR id = 2) AND acct.id = $1'],
    ['text compared', db.text('bal + 1').gt(5), '(bal + 1) > $1::int4'],
    ['text alone', db.text('id = 1 OR id = 2'), 'id = 1 OR id = 2'],
    ['a generic operator', Acct.id.op('#', 3, db.Integer()).op('=', 1), 'acct.id # $1 = $2'],
    ['keyword operator', Acct.c.name.op('IS DISTINCT FROM', 'x').eq(true), '(acct.name IS DISTINCT FROM $1) = $2'],
    ['minus of minus', Acct.id.neg().neg().lt(0), '-(-acct.id) < $1'],
  ])('%s', (_name, e, sql) => {
    expect(where(e)).toBe(sql);
  });

  test('the precedence table lists every expression kind, and the walk every node kind', () => {
    const kinds = Object.keys(CHILDREN).sort();
    expect(kinds).toEqual(
      [
        'alias',
        'between',
        'bind',
        'binary',
        'case',
        'cast',
        'column',
        'delete',
        'exists',
        'func',
        'grouping',
        'in',
        'insert',
        'join',
        'keyword',
        'label',
        'list',
        'scalarSelect',
        'select',
        'table',
        'text',
        'unary',
        'update',
      ].sort(),
    );
  });
});

describe('values carry their JavaScript type (bugs 8, 21)', () => {
  test('untyped values are cast as PostgreSQL types literals', () => {
    expect(db.compile(db.select([db.literal(3).lt(10).label('x')])).sql).toBe('SELECT $1::int4 < $2::int4 AS x');
    expect(db.compile(db.select([db.func.greatest(10, 9).label('g')])).sql).toBe(
      'SELECT greatest($1::int4, $2::int4) AS g',
    );
    expect(db.compile(db.select([db.literal('x').isNull().label('n')])).sql).toBe('SELECT $1::text IS NULL AS n');
    expect(
      db.compile(db.select([db.literal(2 ** 40), db.literal(0.5), db.literal(2n ** 70n), db.literal(true)])).sql,
    ).toBe('SELECT $1::int8 AS anon_1, $2::float8 AS anon_2, $3::numeric AS anon_3, $4::boolean AS anon_4');
    expect(db.compile(db.select([db.literal(5, db.Integer()).lt(10).label('t')])).sql).toBe(
      'SELECT $1::int4 < $2::int4 AS t',
    );
    expect(db.compile(db.select([db.func.concat('a', 1).label('c')])).sql).toBe(
      'SELECT concat($1::text, $2::int4) AS c',
    );
    // Strings and typed values next to a column take its type, as before.
    expect(where(Acct.c.name.eq('x'))).toBe('acct.name = $1');
    expect(where(Acct.id.eq(db.literal('5')))).toBe('acct.id = $1');
  });

  test('a number the column cannot hold is compared in its own type', () => {
    expect(where(Acct.id.lt(1.5))).toBe('acct.id < $1::float8');
    expect(where(Acct.id.eq(3000000000))).toBe('acct.id = $1::int8');
    expect(where(Acct.id.between(0.5, 2))).toBe('acct.id BETWEEN $1::float8 AND $2');
    expect(where(Acct.id.in([1, 2.5]))).toBe('acct.id IN ($1, $2::float8)');
    expect(where(Acct.bal.mul(1.1).gt(1))).toBe('(acct.bal * $1::float8) > $2');
    // Other types keep their own type for the value (and refuse, when it runs, what they cannot take).
    expect(where(Acct.ok.eq(1 as never))).toBe('acct.ok = $1');
  });
});

describe('FROM inference (bug 20) and empty IN (bug 15)', () => {
  test('FROM comes from in(), between(), exists() and nested expressions', () => {
    expect(sqlOf(db.select([db.func.count()]).where(Acct.id.between(1, 2)))).toBe(
      'SELECT count(*) AS count_1 FROM acct WHERE acct.id BETWEEN $1 AND $2',
    );
    expect(sqlOf(db.select([db.func.count()]).where(db.not(Acct.id.in([1]))))).toBe(
      'SELECT count(*) AS count_1 FROM acct WHERE NOT acct.id IN ($1)',
    );
    expect(sqlOf(db.select([db.func.count()]).where(db.case([[Acct.ok, true]], false).eq(true)))).toContain(
      'FROM acct',
    );
    expect(sqlOf(db.select([db.literal(1)]).where(db.exists(db.select([B.id]).where(B.owner.eq(1)))))).toBe(
      'SELECT $1::int4 AS anon_1 WHERE EXISTS (SELECT b.id FROM acct AS b WHERE b.owner = $2)',
    );
  });

  test('x.in([]) renders no operand and no parameter', () => {
    expect(db.compile(Acct.select('id').where(Acct.bal.add(1).in([])))).toEqual({
      sql: 'SELECT acct.id FROM acct WHERE (1 != 1)',
      params: [],
    });
    expect(db.compile(Acct.select('id').where(db.literal(5).notIn([])))).toEqual({
      sql: 'SELECT acct.id FROM acct WHERE (1 = 1)',
      params: [],
    });
  });
});

describe('bad input (bugs 19, 23)', () => {
  test('too deep an expression is refused with the limit named; flat chains are fine', () => {
    let e = Acct.id.eq(1);
    for (let i = 0; i < 1000; i++) e = db.not(e);
    expect(() => Acct.query.where(e).compile()).toThrow(/nested more than 200 levels deep/);
    let q = Acct.select('id');
    for (let i = 0; i < 5000; i++) q = q.where(Acct.id.ne(i));
    expect(q.compile().params).toHaveLength(5000);
  });

  test('operators follow PostgreSQL grammar', () => {
    for (const ok of [
      '@>',
      '<->',
      '#>>',
      '~*',
      '!~~',
      '||',
      '^',
      'OPERATOR(pg_catalog.+)',
      'ILIKE',
      'IS DISTINCT FROM',
    ])
      expect(() => Acct.id.op(ok, 1)).not.toThrow();
    for (const bad of [
      '--',
      '/*',
      '<--',
      '+/*',
      '=-',
      'OR TRUE OR',
      'DROP',
      '',
      ' =',
      'OPERATOR(x.--)',
      '='.repeat(64),
    ])
      expect(() => Acct.id.op(bad, 1)).toThrow(InvalidRequestError);
  });

  test('a cast to an enum type quotes its name like any identifier', () => {
    const mood = db.Enum('Mood; DROP TABLE acct; --', ['a'] as const);
    expect(sqlOf(db.select([db.cast(Acct.c.name, mood).label('m')]))).toBe(
      'SELECT CAST(acct.name AS "Mood; DROP TABLE acct; --") AS m FROM acct',
    );
    expect(sqlOf(db.select([db.cast(Acct.c.name, db.ARRAY(db.Enum('mood', ['a'] as const))).label('m')]))).toBe(
      'SELECT CAST(acct.name AS mood[]) AS m FROM acct',
    );
  });

  test('lock clauses take only their four modes and boolean flags', () => {
    expect(sqlOf(Acct.query.forUpdate({ mode: 'KEY SHARE', of: [Acct], skipLocked: true }))).toMatch(
      / FOR KEY SHARE OF acct SKIP LOCKED$/,
    );
    expect(() => Acct.query.forUpdate({ mode: 'UPDATE; DROP TABLE acct' as never })).toThrow(/not a lock mode/);
    expect(() => Acct.query.forUpdate({ nowait: 1 as never })).toThrow(/true or false/);
    expect(() => Acct.query.forUpdate({ wait: true } as never)).toThrow(/unknown option/);
  });
});

describe('labels in ORDER BY (bug 24), pure compiles (bug 25), distinct keys (bug 12)', () => {
  test('a label is a bare name only as a whole ORDER BY item of a selected label', () => {
    const n = Acct.bal.neg().label('id');
    expect(sqlOf(db.select([n]).orderBy(n.desc()))).toBe('SELECT -acct.bal AS id FROM acct ORDER BY id DESC');
    expect(sqlOf(db.select([n]).orderBy(n.add(1)))).toBe('SELECT -acct.bal AS id FROM acct ORDER BY (-acct.bal + $1)');
    expect(sqlOf(db.select([Acct.id]).orderBy(n))).toBe('SELECT acct.id FROM acct ORDER BY -acct.bal');
  });

  test('a constant sort key stays an expression, labelled or parenthesised too', () => {
    const q = Acct.select('id').orderBy(db.literal(null).label('n'), db.literal(true), db.text('a.x'), Acct.id.desc());
    expect(sqlOf(q)).toBe('SELECT acct.id FROM acct ORDER BY NULL::text, $1::boolean, a.x, acct.id DESC');
    expect(sqlOf(Acct.select('id').groupBy(db.null, Acct.id))).toBe(
      'SELECT acct.id FROM acct GROUP BY NULL::text, acct.id',
    );
  });

  test('anonymous aliases are named per compile, in order of appearance', () => {
    const x = Acct.alias();
    const y = Acct.alias();
    const q = db.select([y.id, x.id]).selectFrom(y.join(x, x.id.eq(y.id)));
    const first = sqlOf(q);
    expect(first).toBe('SELECT acct_1.id, acct_2.id FROM acct AS acct_1 JOIN acct AS acct_2 ON acct_2.id = acct_1.id');
    expect(sqlOf(q)).toBe(first);
    expect(sqlOf(db.select([x.id]))).toBe('SELECT acct_1.id FROM acct AS acct_1');
    expect(sqlOf(db.select([db.select([Acct.id]).alias().c.id as never]))).toBe(
      'SELECT anon_1.id FROM (SELECT acct.id FROM acct) AS anon_1',
    );
  });

  test('a function default is drawn when the statement runs, not when it compiles', () => {
    let n = 0;
    const g = new Gino();
    class T extends g.Model({
      __tablename__: 't',
      id: g.Column(g.Integer(), { primaryKey: true, default: () => ++n }),
    }) {}
    const c1 = T.insert().values({}).compile();
    const c2 = T.insert().values([{}, {}]).compile();
    expect(n).toBe(0);
    expect(c1.params[0]).toBeInstanceOf(ClientDefault);
    expect(c2.params).toHaveLength(2);
  });

  test('columns of the same key are keyed apart, as SQLAlchemy labels them', () => {
    const q = db.select([Team.id, User.id, User.nickname]).selectFrom(User.join(Team));
    expect(sqlOf(q)).toBe(
      'SELECT teams.id, users.id, users.nickname FROM users JOIN teams ON teams.id = users.team_id',
    );
    const sub = q.alias('s');
    expect(Object.keys(sub.c)).toEqual(['teams_id', 'users_id', 'nickname']);
    expect(sqlOf(db.select([sub.c.users_id as never]))).toBe(
      'SELECT s.users_id FROM (SELECT teams.id AS teams_id, users.id AS users_id, users.nickname FROM users JOIN teams ON teams.id = users.team_id) AS s',
    );
  });
});
