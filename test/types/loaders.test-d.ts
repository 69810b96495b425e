/** Types of loaded rows: `LoadedBy<L>` through `.gino.load()`, model loaders and aliases. */
import { describe, expectTypeOf, test } from 'vitest';
import { Gino } from '../../src/index.js';

const db = new Gino();
class Team extends db.Model({
  __tablename__: 'types_teams',
  id: db.Column(db.Integer(), { primaryKey: true }),
  title: db.Column(db.String()),
}) {
  members: User[] = [];
  addMember(user: User): void {
    this.members.push(user);
  }
}
class User extends db.Model({
  __tablename__: 'types_users',
  id: db.Column(db.Integer(), { primaryKey: true }),
  nickname: db.Column(db.String(), { nullable: false }),
  teamId: db.Column(db.Integer(), { references: db.ForeignKey('types_teams.id') }),
}) {}

describe('loader types', () => {
  test('model loaders with related loaders type the related attribute as optional', async () => {
    const users = await User.load({ team: Team }).query.gino.all();
    expectTypeOf(users[0]!).toMatchTypeOf<User>();
    expectTypeOf(users[0]!.team).toEqualTypeOf<Team | undefined>();
    const nested = await User.load({ team: Team.load({ boss: User }) }).gino.first();
    expectTypeOf(nested!.team!.boss).toEqualTypeOf<User | undefined>();
  });

  test('a method named by the key adds no attribute; distinct keeps the model type', async () => {
    const teams = await db
      .select([Team, User])
      .gino.load(Team.distinct(Team.id).load({ addMember: User }))
      .all();
    expectTypeOf(teams[0]!).toEqualTypeOf<Team>();
  });

  test('tuples, columns, callables, values and aliases', async () => {
    const Boss = User.alias();
    const row = await db
      .select([User, Boss])
      .gino.load([User.id, User, Boss, '|', (r: Record<string, unknown>) => Object.keys(r).length])
      .first();
    expectTypeOf(row!).toEqualTypeOf<[number, User, User, '|', number]>();
    expectTypeOf(Boss.nickname.__js).toEqualTypeOf<string>();
    expectTypeOf(await User.load('id', 'nickname').gino.all()).toEqualTypeOf<User[]>();
  });
});
