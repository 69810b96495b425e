/**
 * GINO's `tests/test_loader.py`, translated: one test per GINO test function, named after it,
 * with GINO's expectations. GINO's `user` fixture (a company, two teams, the second a child of the
 * first, and a user in the second) is `fixture()` here. Tests marked "added" cover what the GINO
 * copy read for the port does not (GINO 1.1's #729).
 */
import { afterEach, beforeAll, describe, expect } from 'vitest';
import { clearGinoTables, defineGinoModels } from './gino-models.js';
import { capabilityTest, type SuiteContext, suiteTest } from './harness.js';

export function ginoLoaderSuite(ctx: SuiteContext): void {
  describe('GINO tests/test_loader.py', () => {
    const { db } = ctx;
    const models = defineGinoModels(db);
    const { User, Team, Company } = models;
    type UserT = InstanceType<typeof User>;
    type TeamT = InstanceType<typeof Team>;
    type CompanyT = InstanceType<typeof Company>;

    beforeAll(async () => {
      await db.gino.dropAll();
      await db.gino.createAll();
    });
    /** GINO's `user` fixture: the user with its team, the team's parent and company. */
    async function fixture(): Promise<{ user: UserT; team: TeamT; parent: TeamT; company: CompanyT }> {
      const company = await Company.create();
      const parent = await Team.create({ companyId: company.id });
      const team = await Team.create({ companyId: company.id, parentId: parent.id });
      const user = await User.create({ teamId: team.id });
      return { user, team, parent, company };
    }
    afterEach(async () => {
      await clearGinoTables(models);
    });

    suiteTest(ctx, 'test_model_alternative', async () => {
      const { user } = await fixture();
      const u = await User.query.gino.load(User).first();
      expect(u).toBeInstanceOf(User);
      expect(u?.id).toBe(user.id);
      expect(u?.nickname).toBe(user.nickname);
    });

    suiteTest(ctx, 'test_scalar', async () => {
      const { user } = await fixture();
      const name = await User.query.gino.load(User.nickname).first();
      expect(user.nickname).toBe(name);
      const row = await User.query.gino.load([User.id, User.nickname]).first();
      expect(row).toEqual([user.id, user.nickname]);
    });

    suiteTest(ctx, 'test_model_load', async () => {
      const { user, team } = await fixture();
      const u = await User.query.gino.load(User.load('nickname', User.teamId)).first();
      expect(u).toBeInstanceOf(User);
      expect(u?.id).toBeUndefined(); // GINO: None, the column was not loaded
      expect(u?.nickname).toBe(user.nickname);
      expect(u?.teamId).toBe(team.id);
      // GINO: TypeError for a value that is no column, AttributeError for another model's column.
      expect(() => User.load(123 as never)).toThrow();
      expect(() => User.load(Team.id)).toThrow(/does not belong to User/);
    });

    suiteTest(ctx, 'test_216_model_load_passive_partial', async () => {
      const { user } = await fixture();
      const u = await db.select([User.nickname]).gino.model(User).first();
      expect(u).toBeInstanceOf(User);
      expect(u?.id).toBeUndefined();
      expect(u?.nickname).toBe(user.nickname);
    });

    suiteTest(ctx, 'test_load_relationship', async () => {
      const { user, team } = await fixture();
      const u = await User.outerjoin(Team)
        .select()
        .gino.load(User.load({ team: Team }))
        .first();
      expect(u).toBeInstanceOf(User);
      expect(u?.id).toBe(user.id);
      expect(u?.nickname).toBe(user.nickname);
      expect(u?.team).toBeInstanceOf(Team);
      expect(u?.team?.id).toBe(team.id);
      expect(u?.team?.name).toBe(team.name);
    });

    suiteTest(ctx, 'test_load_nested', async () => {
      const { user, team, company } = await fixture();
      const found = [
        await User.outerjoin(Team)
          .outerjoin(Company)
          .select()
          .gino.load(User.load({ team: Team.load({ company: Company }) }))
          .first(),
        await User.load({ team: Team.load({ company: Company }) }).gino.first(),
        await User.load({ team: Team.load({ company: Company.on(Team.companyId.eq(Company.id)) }) }).gino.first(),
        await User.load({ team: Team.load({ company: Company }).on(User.teamId.eq(Team.id)) }).gino.first(),
        await User.load({ team: Team.on(User.teamId.eq(Team.id)).load({ company: Company }) }).gino.first(),
      ];
      for (const u of found) {
        expect(u).toBeInstanceOf(User);
        expect(u?.id).toBe(user.id);
        expect(u?.nickname).toBe(user.nickname);
        expect(u?.team).toBeInstanceOf(Team);
        expect(u?.team?.id).toBe(team.id);
        expect(u?.team?.name).toBe(team.name);
        expect(u?.team?.company).toBeInstanceOf(Company);
        expect(u?.team?.company?.id).toBe(company.id);
        expect(u?.team?.company?.name).toBe(company.name);
      }
    });

    suiteTest(ctx, 'test_func', async () => {
      const { user, team, company } = await fixture();
      // GINO reads a row by column, `row[User.id]`: here the column's text is the key.
      const loader = (row: Record<string, unknown>) => {
        const rv = new User({ id: row[String(User.id)] as number, nickname: row[String(User.nickname)] as string });
        const t = new Team({ id: row[String(Team.id)] as number, name: row[String(Team.c.name)] as string });
        const c = new Company({ id: row[String(Company.id)] as number, name: row[String(Company.c.name)] as string });
        return Object.assign(rv, { team: Object.assign(t, { company: c }) });
      };
      const u = await User.outerjoin(Team).outerjoin(Company).select().gino.load(loader).first();
      expect(u).toBeInstanceOf(User);
      expect(u?.id).toBe(user.id);
      expect(u?.nickname).toBe(user.nickname);
      expect(u?.team).toBeInstanceOf(Team);
      expect(u?.team.id).toBe(team.id);
      expect(u?.team.name).toBe(team.name);
      expect(u?.team.company).toBeInstanceOf(Company);
      expect(u?.team.company.id).toBe(company.id);
      expect(u?.team.company.name).toBe(company.name);
    });

    suiteTest(ctx, 'test_adjacency_list', async () => {
      const { user, team, parent } = await fixture();
      const group = Team.alias();
      // GINO: AttributeError for a name the alias does not have.
      expect(() => (group as unknown as { nonExist(): void }).nonExist()).toThrow(TypeError);

      const loader = (row: Record<string, unknown>) => {
        const rv = new User({ id: row[String(User.id)] as number, nickname: row[String(User.nickname)] as string });
        const t = new Team({ id: row[String(Team.id)] as number, name: row[String(Team.c.name)] as string });
        const p = new Team({ id: row[String(group.id)] as number, name: row[String(group.c.name)] as string });
        return Object.assign(rv, { team: Object.assign(t, { parent: p }) });
      };
      const query = User.outerjoin(Team).outerjoin(group, Team.parentId.eq(group.id)).select();
      const results = [
        await query.gino.load(loader).first(),
        await query.gino.load(User.load({ team: Team.load({ parent: group }) })).first(),
        await query.gino.load(User.load({ team: Team.load({ parent: group.load('id', 'name') }) })).first(),
        await query.gino.load(User.load({ team: Team.load({ parent: group.load() }) })).first(),
      ];
      for (const u of results) {
        expect(u).toBeInstanceOf(User);
        expect(u?.id).toBe(user.id);
        expect(u?.nickname).toBe(user.nickname);
        expect(u?.team).toBeInstanceOf(Team);
        expect(u?.team?.id).toBe(team.id);
        expect(u?.team?.name).toBe(team.name);
        expect(u?.team?.parent).toBeInstanceOf(Team);
        expect(u?.team?.parent?.id).toBe(parent.id);
        expect(u?.team?.parent?.name).toBe(parent.name);
      }
    });

    suiteTest(ctx, 'test_alias_loader_columns', async () => {
      await fixture();
      const userAlias = User.alias();
      const baseQuery = userAlias.outerjoin(Team).select();
      const u = await baseQuery.gino.load(userAlias.load('id')).first();
      expect(u?.id).not.toBeUndefined();
      expect(u?.id).not.toBeNull();
    });

    suiteTest(ctx, 'test_multiple_models_in_one_query', async () => {
      for (let i = 0; i < 3; i++) await User.create();
      const ua1 = User.alias();
      const ua2 = User.alias();
      const joinQuery = db.select([ua1, ua2]).where(ua1.id.lt(ua2.id));
      const result = await joinQuery.gino.load([ua1.load('id'), ua2.load('id')]).all();
      expect(result).toHaveLength(3);
      for (const [u1, u2] of result) {
        expect(u1.id).not.toBeUndefined();
        expect(u2.id).not.toBeUndefined();
        expect(u1.id).toBeLessThan(u2.id);
      }
    });

    suiteTest(ctx, 'test_loader_with_aggregation', async () => {
      const { user, team } = await fixture();
      const countCol = db.func.count().label('count');
      const userCount = db.select([User.teamId, countCol]).groupBy(User.teamId).alias();
      const query = Team.outerjoin(userCount).select();
      const result = await query.gino.load([Team.id, Team.c.name, userCount.c.teamId, countCol]).all();
      expect(result).toHaveLength(2);
      // The parent team has no users: the third and fourth columns are NULL for it.
      for (const [teamId, teamName, userTeamId, count] of result) {
        if (teamId === user.teamId) {
          expect(teamName).toBe(team.name);
          expect(userTeamId).toBe(user.teamId);
          expect(Number(count)).toBe(1);
        } else {
          expect(teamId).not.toBeNull();
          expect(teamName).not.toBeNull();
          expect(userTeamId).toBeNull();
          expect(count).toBeNull();
        }
      }
    });

    suiteTest(ctx, 'test_adjacency_list_query_builder', async () => {
      const { user, team, parent } = await fixture();
      const group = Team.alias();
      const u = await User.load({ team: Team.load({ parent: group.on(Team.parentId.eq(group.id)) }) }).gino.first();
      expect(u).toBeInstanceOf(User);
      expect(u?.id).toBe(user.id);
      expect(u?.nickname).toBe(user.nickname);
      expect(u?.team).toBeInstanceOf(Team);
      expect(u?.team?.id).toBe(team.id);
      expect(u?.team?.name).toBe(team.name);
      expect(u?.team?.parent).toBeInstanceOf(Team);
      expect(u?.team?.parent?.id).toBe(parent.id);
      expect(u?.team?.parent?.name).toBe(parent.name);
    });

    suiteTest(ctx, 'test_literal', async () => {
      await fixture();
      const sample = Array.from({ length: 5 }, () => Math.random());
      const text = db.text("SELECT now() AT TIME ZONE 'UTC'").columns({ time: db.DateTime() });
      const now = text.c.time;
      const row = await text.gino.load([...sample, () => new Date(), now]).first();
      expect(row?.slice(0, 5)).toEqual(sample);
      expect(row?.[5]).toBeInstanceOf(Date);
      expect(row?.[6]).toBeInstanceOf(Date);
      expect((row?.[6] as Date).getTime()).toBeLessThanOrEqual((row?.[5] as Date).getTime());
    });

    suiteTest(ctx, 'test_load_one_to_many', async () => {
      const { user, team, parent } = await fixture();
      const uids = [user.id];
      uids.push((await User.create({ nickname: '1', teamId: team.id })).id);
      uids.push((await User.create({ nickname: '1', teamId: team.id })).id);
      uids.push((await User.create({ nickname: '2', teamId: parent.id })).id);
      let query = User.outerjoin(Team).outerjoin(Company).select();
      const companies = await query.gino
        .load(Company.distinct(Company.id).load({ addTeam: Team.load({ addMember: User }).distinct(Team.id) }))
        .all();
      expect(companies).toHaveLength(1);
      const company = companies[0] as CompanyT;
      expect(company).toBeInstanceOf(Company);
      expect(company.id).toBe(team.companyId);
      expect(company.teams.size).toBe(2);
      const remaining = new Set(uids);
      for (const t of company.teams) {
        if (t.id === team.id) {
          expect(t.members.size).toBe(3);
          for (const u of t.members) {
            if (u.nickname === user.nickname) {
              expect(u).toBeInstanceOf(User);
              expect(u.id).toBe(user.id);
            }
            remaining.delete(u.id);
          }
        } else {
          expect(t.members.size).toBe(1);
          remaining.delete([...t.members][0]?.id as number);
        }
      }
      expect([...remaining]).toEqual([]);

      // Distinct many-to-one: the users of one team share its instance.
      query = User.outerjoin(Team).select().where(Team.id.eq(team.id));
      const users = await query.gino.load(User.load({ team: Team.distinct(Team.id) })).all();
      expect(users).toHaveLength(3);
      expect(users[0]?.team).toBe(users[1]?.team);
      expect(users[0]?.team).toBe(users[2]?.team);
    });

    suiteTest(ctx, 'test_distinct_none', async () => {
      const created1 = await User.create();
      // GINO 0.x's `Team.none_as_none(False)` (deprecated, removed in 1.0) has no counterpart here.
      let query = User.outerjoin(Team).select().where(User.id.eq(created1.id));
      let u = await query.gino.load(User.load({ team: Team })).first();
      expect(u && 'team' in u).toBe(false);

      u = await User.load({ team: Team }).query.where(User.id.eq(created1.id)).gino.first();
      expect(u && 'team' in u).toBe(false);

      query = User.outerjoin(Team).select().where(User.id.eq(created1.id));
      u = await query.gino.load(User.load({ team: Team.distinct(Team.id) })).first();
      expect(u && 'team' in u).toBe(false);
    });

    capabilityTest(
      ctx,
      'test_tuple_loader_279',
      'cursors',
      async () => {
        await fixture();
        const query = db.select([User, Team]);
        await db.transaction(async () => {
          for await (const row of query.gino.load([User, Team]).iterate()) expect(row).toHaveLength(2);
        });
      },
      () => db.select([User, Team]).gino.load([User, Team]).iterate(),
    );

    suiteTest(ctx, 'test_none_as_none_281', async () => {
      await fixture();
      const query = Team.outerjoin(User).select();
      const rows = await query.gino.load([Team, User]).all();
      expect(rows.some((row) => row[1] === null)).toBe(true);
      const teams = await query.gino.load(Team.distinct(Team.id).load({ addMember: User })).all();
      expect(teams.some((t) => t.members.size === 0)).toBe(true);
    });

    suiteTest(ctx, 'added: Model.inQuery(subquery) loads instances from a subquery (GINO in_query)', async () => {
      const { user, team } = await fixture();
      await User.create({ nickname: 'outsider' });
      const inTeam = User.query.where(User.teamId.eq(team.id)).alias('users');
      const users = await db.select([inTeam]).gino.load(User.inQuery(inTeam)).all();
      expect(users).toHaveLength(1);
      expect(users[0]).toBeInstanceOf(User);
      expect(users[0]?.id).toBe(user.id);
      expect(users[0]?.nickname).toBe(user.nickname);
      // As a query builder, and with the subquery's extra columns left out of the instances.
      const counted = db
        .select([User.id, User.nickname, db.literal(1).label('n')])
        .where(User.teamId.eq(team.id))
        .alias();
      const built = await User.inQuery(counted).load('id', 'nickname').query.gino.all();
      expect(built.map((u) => [u.id, Object.keys(u).sort()])).toEqual([[user.id, ['id', 'nickname']]]);
      expect(() => User.inQuery(User.alias() as never)).toThrow(/takes a subquery/);
    });

    suiteTest(ctx, 'added: withOnlyColumns() keeps the model loader (SQLAlchemy keeps execution options)', async () => {
      const { user } = await fixture();
      const users = await User.query.withOnlyColumns(User.id, User.nickname).gino.all();
      expect(users).toHaveLength(1);
      expect(users[0]).toBeInstanceOf(User);
      expect(users[0]?.nickname).toBe(user.nickname);
      expect(users[0]?.teamId).toBeUndefined();
    });

    suiteTest(ctx, 'added: GINO 1.1 #729, a top-level model loader never drops a row', async () => {
      const { team, parent } = await fixture();
      // The parent team has no user: its row's user columns are all NULL.
      const users = await Team.outerjoin(User).select().orderBy(Team.id).gino.load(User).all();
      expect(users).toHaveLength(2);
      expect(users.every((u) => u instanceof User)).toBe(true);
      expect(users[0]?.id).toBeNull();
      expect(users[1]?.teamId).toBe(team.id);
      // The same through .gino.model() and a partial select of a NULL value.
      await User.create({ nickname: null as never, teamId: parent.id });
      const nameless = await db.select([User.nickname]).where(User.nickname.isNull()).gino.model(User).first();
      expect(nameless).toBeInstanceOf(User);
      expect(nameless?.nickname).toBeNull();
    });
  });
}
