/**
 * RETURNING lists of columns given per call are shared per sequence of columns (rendered once,
 * like a table's own columns): the SQL and the result columns stay exactly what each call asks
 * for, in its order, whatever was compiled before; lists that are not plain columns are left alone.
 */
import { describe, expect, test } from 'vitest';
import { c, db, User } from './models.js';

const ret = (...cols: Parameters<ReturnType<typeof User.update.values>['returning']>) =>
  User.update
    .values({ nickname: 'x' })
    .where(User.id.eq(1))
    .returning(...cols);

describe('RETURNING lists of columns', () => {
  test('each sequence of columns renders its own columns, in its order, however often and in whatever order compiled', () => {
    const cases: [Parameters<typeof ret>, string][] = [
      [[User.nickname], 'users.nickname'],
      [[User.id, User.nickname], 'users.id, users.nickname'],
      [[User.nickname, User.id], 'users.nickname, users.id'],
      [[User.id], 'users.id'],
      [[User.id, User.id], 'users.id, users.id'],
      [[User.teamId, User.nickname, User.id], 'users.team_id, users.nickname, users.id'],
    ];
    for (let round = 0; round < 3; round++) {
      for (const [cols, list] of round === 1 ? [...cases].reverse() : cases) {
        expect(c(ret(...cols)).sql).toBe(`UPDATE users SET nickname=$1 WHERE users.id = $2 RETURNING ${list}`);
      }
    }
  });

  test('the same sequence gives the same shared list; another sequence, another list', () => {
    const a = ret(User.id, User.nickname).state.returning;
    expect(ret(User.id, User.nickname).state.returning).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(ret(User.nickname, User.id).state.returning).not.toBe(a);
    expect(ret(User.id).state.returning).not.toBe(a);
    expect(User.delete.where(User.id.eq(1)).returning(User.id, User.nickname).state.returning).toBe(a);
  });

  test('labels, expressions and long lists are kept as given, and compile as before', () => {
    const label = User.nickname.label('nick');
    expect(c(ret(label, User.id)).sql).toBe(
      'UPDATE users SET nickname=$1 WHERE users.id = $2 RETURNING users.nickname AS nick, users.id',
    );
    const expr = db.concat('a', User.nickname);
    const q = ret(User.id, expr);
    expect(q.state.returning).toEqual([User.id, expr]);
    expect(Object.isFrozen(q.state.returning)).toBe(false);
    const many = Array.from({ length: 9 }, () => User.id);
    expect(c(ret(...many)).sql).toMatch(/RETURNING (users\.id, ){8}users\.id$/);
  });

  test('the returned rows are keyed by each call’s own columns (result columns)', () => {
    const one = db.compile(ret(User.nickname));
    const two = db.compile(ret(User.nickname, User.id));
    expect(one.sql.endsWith('RETURNING users.nickname')).toBe(true);
    expect(two.sql.endsWith('RETURNING users.nickname, users.id')).toBe(true);
  });
});
