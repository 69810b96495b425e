/**
 * The fixtures of GINO's own test suite (python-gino/gino `tests/models.py` and `conftest.py`),
 * as gino-edge models: the same tables, columns, JSON properties and relationships, defined on
 * the suite file's own Gino. Column attributes are camelCase (`teamId`) with GINO's database names
 * (`team_id`); `User.nickname` is stored in `name` and `User.profile` in `props`, as in GINO.
 */
import { afterEach, beforeAll, expect, test } from 'vitest';
import type { Gino } from '../../src/index.js';
import type { SuiteContext } from './harness.js';

/** GINO's `random_name` fixture: eight ASCII letters. */
export function randomName(length = 8): string {
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let out = '';
  for (let i = 0; i < length; i++) out += letters[Math.floor(Math.random() * letters.length)];
  return out;
}

/** GINO's `UserType` enum. */
export const USER_TYPES = ['USER'] as const;

export function defineGinoModels(db: Gino) {
  class User extends db.Model({
    __tablename__: 'gino_users',
    id: db.Column(db.BigInteger({ mode: 'number' }), { primaryKey: true }),
    nickname: db.Column(db.Unicode(), { name: 'name', default: () => randomName() }),
    profile: db.Column(db.JSONB(), { name: 'props', nullable: false, serverDefault: '{}' }),
    type: db.Column(db.Enum('usertype', USER_TYPES), { nullable: false, default: 'USER' }),
    teamId: db.Column(db.BigInteger({ mode: 'number' }), {
      name: 'team_id',
      references: db.ForeignKey('gino_teams.id'),
    }),
    realname: db.StringProperty(),
    age: db.IntegerProperty({ default: 18 }),
    // GINO's `@balance.after_get`: a missing or null balance reads as 0.
    balance: db.IntegerProperty().afterGet((value) => value ?? 0),
    birthday: db.DateTimeProperty({ default: () => new Date(0) }),
  }) {}

  class Friendship extends db.Model({
    __tablename__: 'gino_friendship',
    myId: db.Column(db.BigInteger({ mode: 'number' }), { name: 'my_id', primaryKey: true }),
    friendId: db.Column(db.BigInteger({ mode: 'number' }), { name: 'friend_id', primaryKey: true }),
  }) {}

  class Relation extends db.Model({
    __tablename__: 'gino_relation',
    name: db.Column(db.Text(), { primaryKey: true }),
  }) {}

  class Company extends db.Model({
    __tablename__: 'gino_companies',
    id: db.Column(db.BigInteger({ mode: 'number' }), { primaryKey: true }),
    name: db.Column(db.Unicode(), { default: () => randomName() }),
    logo: db.Column(db.LargeBinary()),
  }) {
    readonly teams = new Set<Team>();
    /** GINO's `@teams.setter def add_team`: a loader key naming a setter gives it each team. */
    set addTeam(team: Team) {
      this.teams.add(team);
    }
  }

  class Team extends db.Model({
    __tablename__: 'gino_teams',
    id: db.Column(db.BigInteger({ mode: 'number' }), { primaryKey: true }),
    name: db.Column(db.Unicode(), { default: () => randomName() }),
    parentId: db.Column(db.BigInteger({ mode: 'number' }), {
      name: 'parent_id',
      references: db.ForeignKey('gino_teams.id', { onDelete: 'CASCADE' }),
    }),
    companyId: db.Column(db.BigInteger({ mode: 'number' }), {
      name: 'company_id',
      references: db.ForeignKey('gino_companies.id'),
    }),
  }) {
    readonly members = new Set<User>();
    set addMember(user: User) {
      this.members.add(user);
    }
  }

  class UserSetting extends db.Model({
    __tablename__: 'gino_user_settings',
    // No constraints on the columns: they are defined inline below.
    id: db.Column(db.BigInteger({ mode: 'number' })),
    userId: db.Column(db.BigInteger({ mode: 'number' }), { name: 'user_id' }),
    setting: db.Column(db.Text()),
    value: db.Column(db.Text()),
    col1: db.Column(db.Integer(), { default: 1 }),
    col2: db.Column(db.Integer(), { default: 2 }),
    _idPkey: db.PrimaryKeyConstraint('id'),
    _userIdFk: db.ForeignKeyConstraint(['user_id'], ['gino_users.id']),
    _userIdSettingUnique: db.UniqueConstraint('user_id', 'setting'),
    _col1Check: db.CheckConstraint('col1 >= 1 AND col1 <= 5'),
    _col2Idx: db.Index('col2_idx', 'col2'),
  }) {}

  return { User, Friendship, Relation, Company, Team, UserSetting };
}

export type GinoModels = ReturnType<typeof defineGinoModels>;

/** Empty every fixture table (GINO's fixtures end with `DELETE FROM gino_users` and friends). */
export async function clearGinoTables(models: GinoModels): Promise<void> {
  const { User, Friendship, Relation, Company, Team, UserSetting } = models;
  await UserSetting.delete.gino.status();
  await User.delete.gino.status();
  await Team.delete.gino.status();
  await Company.delete.gino.status();
  await Friendship.delete.gino.status();
  await Relation.delete.gino.status();
}

/**
 * A GINO test with no TypeScript form, listed as skipped with the reason in its title: the
 * report counts these.
 */
export function ginoSkip(name: string, reason: string): void {
  test.skip(`${name} — not ported: ${reason}`, () => undefined);
}

/** `timeout` for CRUD calls where the adapter can cancel a statement (GINO's `timeout=10`), else none. */
export function crudTimeout(ctx: SuiteContext): { timeout?: number } {
  return ctx.capabilities().timeouts ? { timeout: 10_000 } : {};
}

/** The named PostgreSQL error (GINO's asyncpg exception classes are SQLSTATEs here). */
export async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code });
}

/**
 * GINO's fixtures for one test file: the models, their tables made afresh before the file's tests
 * and emptied after each (GINO's conftest `bind` and `engine` fixtures).
 */
export function useGinoModels(db: Gino): GinoModels {
  const models = defineGinoModels(db);
  beforeAll(async () => {
    await db.gino.dropAll();
    await db.gino.createAll();
  });
  afterEach(async () => {
    await clearGinoTables(models);
  });
  return models;
}
