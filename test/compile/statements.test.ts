/** SELECT, INSERT, UPDATE, DELETE: every clause compiled; builders are immutable. */
import { describe, expect, test } from 'vitest';
import { compile } from '../../src/compiler/compiler.js';
import { c, db, Team, User } from './models.js';

describe('SELECT', () => {
  test('the tutorial statements', () => {
    expect(c(User.query)).toEqual({ sql: 'SELECT users.id, users.nickname, users.team_id FROM users', params: [] });
    expect(c(User.select('nickname').where(User.id.eq(1)))).toEqual({
      sql: 'SELECT users.nickname FROM users WHERE users.id = $1',
      params: [1],
    });
  });

  test('where repeats with AND; order, limit and offset are parameters', () => {
    expect(
      c(
        User.query
          .where(User.id.gt(1))
          .where(User.id.lt(9))
          .orderBy(User.id.desc(), User.nickname.asc())
          .limit(5)
          .offset(10),
      ),
    ).toEqual({
      sql: 'SELECT users.id, users.nickname, users.team_id FROM users WHERE users.id > $1 AND users.id < $2 ORDER BY users.id DESC, users.nickname ASC LIMIT $3 OFFSET $4',
      params: [1, 9, 5, 10],
    });
    expect(c(User.select('id').orderBy(User.nickname.desc().nullsLast())).sql).toBe(
      'SELECT users.id FROM users ORDER BY users.nickname DESC NULLS LAST',
    );
  });

  test('order by a label uses its name', () => {
    const n = db.func.count(User.id).label('n');
    expect(c(db.select([User.teamId, n]).groupBy(User.teamId).orderBy(n.desc())).sql).toBe(
      'SELECT users.team_id, count(users.id) AS n FROM users GROUP BY users.team_id ORDER BY n DESC',
    );
  });

  test('distinct, distinct on, group by, having', () => {
    expect(c(db.select([User.nickname]).distinct()).sql).toBe('SELECT DISTINCT users.nickname FROM users');
    expect(c(User.query.distinct(User.teamId)).sql).toBe(
      'SELECT DISTINCT ON (users.team_id) users.id, users.nickname, users.team_id FROM users',
    );
    expect(c(db.select([User.teamId, db.func.count()]).groupBy(User.teamId).having(db.func.count().gt(2)))).toEqual({
      sql: 'SELECT users.team_id, count(*) AS count_1 FROM users GROUP BY users.team_id HAVING count(*) > $1',
      params: [2],
    });
  });

  test('for update and its options', () => {
    expect(c(User.query.forUpdate()).sql).toMatch(/ FOR UPDATE$/);
    expect(c(User.query.forUpdate({ nowait: true })).sql).toMatch(/ FOR UPDATE NOWAIT$/);
    expect(c(User.query.forUpdate({ skipLocked: true, mode: 'SHARE' })).sql).toMatch(/ FOR SHARE SKIP LOCKED$/);
    expect(c(User.query.forUpdate({ of: [User.__table__] })).sql).toMatch(/ FOR UPDATE OF users$/);
  });

  test('joins: by foreign key, with ON, outer, chained, aliases, subquery aliases', () => {
    expect(c(db.select([User.nickname, Team.c.name]).selectFrom(User.join(Team))).sql).toBe(
      'SELECT users.nickname, teams.name FROM users JOIN teams ON teams.id = users.team_id',
    );
    expect(c(db.select([User.nickname]).selectFrom(Team.outerjoin(User))).sql).toBe(
      'SELECT users.nickname FROM teams LEFT OUTER JOIN users ON teams.id = users.team_id',
    );
    expect(c(User.query.join(Team, Team.id.eq(User.teamId)).where(Team.c.name.eq('x'))).sql).toBe(
      'SELECT users.id, users.nickname, users.team_id FROM users JOIN teams ON teams.id = users.team_id WHERE teams.name = $1',
    );
    const boss = User.alias('boss');
    expect(c(db.select([User.id, boss.id.label('bossId')]).selectFrom(User.join(boss, User.id.eq(boss.id)))).sql).toBe(
      'SELECT users.id, boss.id AS "bossId" FROM users JOIN users AS boss ON users.id = boss.id',
    );
    const sub = db
      .select([User.teamId, db.func.count().label('n')])
      .groupBy(User.teamId)
      .alias('counts');
    expect(
      c(db.select([Team.c.name, sub.column('n')]).selectFrom(Team.join(sub, sub.column('teamId').eq(Team.id)))).sql,
    ).toBe(
      'SELECT teams.name, counts.n FROM teams JOIN (SELECT users.team_id, count(*) AS n FROM users GROUP BY users.team_id) AS counts ON counts.team_id = teams.id',
    );
    expect(() => User.join(User.alias('x'))).toThrow(/no foreign key links/);
  });

  test('FROM is inferred from every clause, once per table', () => {
    expect(c(db.select([User.id]).where(Team.id.eq(User.teamId))).sql).toBe(
      'SELECT users.id FROM users, teams WHERE teams.id = users.team_id',
    );
  });

  test('builders are immutable', () => {
    const base = User.query;
    const filtered = base.where(User.id.eq(1));
    expect(c(base).sql).toBe('SELECT users.id, users.nickname, users.team_id FROM users');
    expect(filtered).not.toBe(base);
    expect(Object.isFrozen(base.state)).toBe(true);
    const upd = User.update.values({ nickname: 'a' });
    upd.where(User.id.eq(1));
    expect(c(upd).sql).toBe('UPDATE users SET nickname=$1');
  });
});

describe('INSERT', () => {
  test('one row, Python-side defaults, RETURNING', () => {
    expect(c(User.insert().values({ teamId: 3 }).returning())).toEqual({
      sql: 'INSERT INTO users (nickname, team_id) VALUES ($1, $2) RETURNING users.id, users.nickname, users.team_id',
      params: ['noname', 3],
    });
    expect(c(Team.insert().values({}))).toEqual({ sql: 'INSERT INTO teams DEFAULT VALUES', params: [] });
  });

  test('many rows: missing values become defaults or DEFAULT', () => {
    expect(
      c(
        Team.insert()
          .values([{ name: 'a' }, { id: 7 }])
          .returning(Team.id),
      ),
    ).toEqual({
      sql: 'INSERT INTO teams (id, name) VALUES (DEFAULT, $1), ($2, DEFAULT) RETURNING teams.id',
      params: ['a', 7],
    });
  });

  test('expressions as values, INSERT ... SELECT', () => {
    expect(c(User.insert().values({ nickname: db.func.lower('X') }))).toEqual({
      sql: 'INSERT INTO users (nickname) VALUES (lower($1))',
      params: ['X'],
    });
    expect(c(Team.insert().fromSelect(['name'], db.select([User.nickname]).where(User.id.lt(3))))).toEqual({
      sql: 'INSERT INTO teams (name) SELECT users.nickname FROM users WHERE users.id < $1',
      params: [3],
    });
    // INSERT ... SELECT returns no rows: the inner SELECT's list is not the statement's result.
    expect(compile(Team.insert().fromSelect(['name'], db.select([User.nickname]))).columns).toEqual([]);
    expect(
      compile(
        Team.insert()
          .fromSelect(['name'], db.select([User.nickname]))
          .returning(Team.id),
      ).columns,
    ).toHaveLength(1);
  });

  test('values inside a subquery are not named after the enclosing comparison', () => {
    const q = User.query.where(User.id.eq(db.select([User.id]).where(User.nickname.eq('a')).limit(1).asScalar()));
    expect(compile(q).paramLabels).toEqual(['users.nickname', undefined]);
    expect(compile(User.query.where(User.id.eq(5))).paramLabels).toEqual(['users.id']);
  });

  test('on conflict do nothing / do update', () => {
    expect(c(Team.insert().values({ name: 'a' }).onConflictDoNothing()).sql).toBe(
      'INSERT INTO teams (name) VALUES ($1) ON CONFLICT DO NOTHING',
    );
    expect(
      c(Team.insert().values({ id: 1, name: 'a' }).onConflictDoUpdate(['id'], { name: 'b' }, Team.c.name.ne('z'))),
    ).toEqual({
      sql: 'INSERT INTO teams (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = $3 WHERE teams.name != $4',
      params: [1, 'a', 'b', 'z'],
    });
    expect(c(Team.insert().values({ name: 'a' }).onConflictDoNothing({ constraint: 'teams_pkey' })).sql).toBe(
      'INSERT INTO teams (name) VALUES ($1) ON CONFLICT ON CONSTRAINT teams_pkey DO NOTHING',
    );
  });

  test('unknown keys are refused', () => {
    expect(() => User.insert().values({ nope: 1 } as never)).toThrow(/no column 'nope'/);
  });
});

describe('UPDATE and DELETE', () => {
  test('the tutorial class-level update', () => {
    expect(
      c(User.update.values({ nickname: db.concat('Founding Member ', User.nickname) }).where(User.id.lt(10))),
    ).toEqual({
      sql: 'UPDATE users SET nickname=($1 || users.nickname) WHERE users.id < $2',
      params: ['Founding Member ', 10],
    });
  });

  test('values merge; returning; other tables become FROM / USING', () => {
    expect(c(User.update.values({ nickname: 'a' }).values({ teamId: 2 }).returning(User.id))).toEqual({
      sql: 'UPDATE users SET nickname=$1, team_id=$2 RETURNING users.id',
      params: ['a', 2],
    });
    expect(c(User.update.values({ nickname: Team.c.name }).where(Team.id.eq(User.teamId))).sql).toBe(
      'UPDATE users SET nickname=teams.name FROM teams WHERE teams.id = users.team_id',
    );
    expect(c(User.delete.where(Team.id.eq(User.teamId), Team.c.name.eq('x')).returning())).toEqual({
      sql: 'DELETE FROM users USING teams WHERE teams.id = users.team_id AND teams.name = $1 RETURNING users.id, users.nickname, users.team_id',
      params: ['x'],
    });
    expect(c(User.delete).sql).toBe('DELETE FROM users');
    expect(() => c(User.update)).toThrow(/no values to SET/);
  });
});

describe('INSERT of rows made only of defaults', () => {
  test('one row is DEFAULT VALUES; several name the first column', () => {
    expect(c(Team.insert().values([{}, {}]).returning(Team.id))).toEqual({
      sql: 'INSERT INTO teams (id) VALUES (DEFAULT), (DEFAULT) RETURNING teams.id',
      params: [],
    });
  });
});

describe('parameter lists', () => {
  test('every compile returns lists of its own, empty ones too, that the caller may change', () => {
    const first = compile(User.query);
    const second = compile(User.query);
    for (const list of ['params', 'paramTypes', 'paramLabels'] as const) {
      expect(first[list]).toEqual([]);
      expect(first[list]).not.toBe(second[list]);
      expect(Object.isFrozen(first[list])).toBe(false);
      first[list].push(undefined as never);
      expect(second[list]).toEqual([]);
    }
    const one = compile(User.query.where(User.id.eq(1)));
    expect([one.params, one.paramLabels]).toEqual([[1], ['users.id']]);
    one.params.push(2);
    expect(compile(User.query.where(User.id.eq(1))).params).toEqual([1]);
  });

  test('placeholders are numbered in order past the first 64', () => {
    const values = Array.from({ length: 70 }, (_, i) => i * 3);
    const expected = values.map((_, i) => `$${i + 1}`).join(', ');
    expect(c(User.query.where(User.id.in(values)))).toEqual({
      sql: `SELECT users.id, users.nickname, users.team_id FROM users WHERE users.id IN (${expected})`,
      params: values,
    });
  });
});
