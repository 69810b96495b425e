/**
 * Builders hold one typed executor (the Gino instance) beside their node; the node — a statement's
 * `state`, a function call's name, arguments and type — is pure data, and a table holds nothing
 * of the db object. Models reach their Gino instance through a typed reference of their own.
 */
import { describe, expect, test } from 'vitest';
import { Delete, Gino, Insert, InvalidRequestError, Select, Update } from '../../src/index.js';
import { hostOf } from '../../src/orm/host.js';
import { Func } from '../../src/sql/expr.js';
import { db, User } from './models.js';

/** Every value reachable from a node's own fields, one level deep. */
function fieldValues(node: object): unknown[] {
  return Object.values(node).flatMap((v) => (Array.isArray(v) ? v : [v]));
}

describe('a typed executor', () => {
  test("statements' states are data: no executor, no db object among their fields", () => {
    const statements = [
      User.query.where(User.id.eq(1)),
      db.select([User.id]),
      User.insert().values({ nickname: 'a' }).returning(),
      User.update.values({ nickname: 'b' }).where(User.id.eq(1)),
      User.delete.where(User.id.eq(1)),
    ];
    for (const s of statements) {
      expect(Object.keys(s.state)).not.toContain('runner');
      expect(Object.keys(s.state)).not.toContain('executor');
      expect(fieldValues(s.state)).not.toContain(db);
      expect(Object.isFrozen(s.state)).toBe(true);
    }
    expect(Object.keys(User.insert().state).sort()).toEqual([
      'fromSelect',
      'loader',
      'onConflict',
      'returning',
      'rows',
      'table',
    ]);
    expect(Object.keys(User.update.state).sort()).toEqual(['loader', 'returning', 'table', 'values', 'where']);
    expect(Object.keys(User.delete.state).sort()).toEqual(['loader', 'returning', 'table', 'where']);
  });

  test('a table holds nothing of the db object; a function call node holds only its name, arguments and type', () => {
    const table = User.__table__;
    expect('runner' in table).toBe(false);
    expect(fieldValues(table)).not.toContain(db);
    const call = db.func.count(User.id);
    expect(Object.keys(call).sort()).toEqual(['args', 'kind', 'name', 'type']);
    expect(fieldValues(call)).not.toContain(db);
  });

  test('every chain method keeps the executor', () => {
    expect(User.query.where(User.id.gt(1)).orderBy(User.id).limit(2).compile().sql).toBe(
      'SELECT users.id, users.nickname, users.team_id FROM users WHERE users.id > $1 ORDER BY users.id LIMIT $2',
    );
    expect(User.insert().values({ nickname: 'x' }).onConflictDoNothing().returning(User.id).compile().sql).toBe(
      'INSERT INTO users (nickname) VALUES ($1) ON CONFLICT DO NOTHING RETURNING users.id',
    );
    expect(User.update.values({ nickname: 'x' }).where(User.id.eq(1)).returning().compile().sql).toBe(
      'UPDATE users SET nickname=$1 WHERE users.id = $2 RETURNING users.id, users.nickname, users.team_id',
    );
    expect(User.delete.where(User.id.eq(1)).returning(User.id).compile().sql).toBe(
      'DELETE FROM users WHERE users.id = $1 RETURNING users.id',
    );
    expect(typeof db.func.now().gino.scalar).toBe('function');
  });

  test('a builder made without an executor says how to run it, and runs through db', () => {
    const table = User.__table__;
    const loose = [
      new Select({ columns: table.columns }),
      new Insert({ table }).values({ nickname: 'a' }),
      new Update({ table }).values({ nickname: 'a' }),
      new Delete({ table }),
    ];
    for (const s of loose) {
      expect(() => s.compile()).toThrow(/not tied to a Gino instance: build it from a model or db/);
      expect(() => s.gino).toThrow(TypeError);
      expect(db.compile(s).sql).toMatch(/users/);
    }
    const call = new Func('now', [], User.id.type);
    expect(() => call.gino).toThrow(/not tied to a Gino instance/);
  });

  test('a model reaches its Gino instance through its own typed reference', () => {
    expect(Reflect.get(User, hostOf)).toBe(db);
    const other = new Gino();
    class Abstract extends other.Model({ id: other.Column(other.Integer(), { primaryKey: true }) }) {}
    expect(Reflect.get(Abstract, hostOf)).toBe(other);
    // Loaders build their query with the model's executor.
    expect(User.load('id').query.compile().sql).toBe('SELECT users.id FROM users');
  });
});

describe('one wording for a missing column', () => {
  test('tables, aliases, models, loaders and the DML builders name the columns there are', () => {
    const columns = '(columns: id, nickname, teamId)';
    const cases: [() => unknown, string][] = [
      [() => User.__table__.column('nope'), `table 'users' has no column 'nope' ${columns}`],
      [() => User.alias('u').column('nope'), `alias 'u' has no column 'nope' ${columns}`],
      [() => new User({ nope: 1 } as never), `User has no column 'nope' ${columns}`],
      [() => User.load('nope' as 'id'), `User has no column 'nope' ${columns}`],
      [() => User.insert().values({ nope: 1 } as never), `insert: table 'users' has no column 'nope' ${columns}`],
      [() => User.update.values({ nope: 1 } as never), `update: table 'users' has no column 'nope' ${columns}`],
      [
        () => User.insert().onConflictDoUpdate(['id'], { nope: 1 } as never),
        `onConflictDoUpdate: table 'users' has no column 'nope' ${columns}`,
      ],
    ];
    for (const [fn, message] of cases) {
      expect(fn).toThrow(InvalidRequestError);
      expect(fn).toThrow(message);
    }
  });
});
