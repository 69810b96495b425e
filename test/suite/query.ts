/** The expression language run against the database: compiled SQL and the rows it returns. */
import { beforeAll, describe, expect } from 'vitest';
import { MultipleResultsFound, NoResultFound } from '../../src/index.js';
import { type SuiteContext, suiteTest, withCapability } from './harness.js';
import { defineModels } from './models.js';

export function querySuite(ctx: SuiteContext): void {
  describe('queries', () => {
    const { db } = ctx;
    const { User, Team, Member } = defineModels(db);
    let teamA = 0;
    let teamB = 0;

    beforeAll(async () => {
      await db.gino.dropAll();
      await db.gino.createAll();
      const a = await Team.create({ name: 'alpha' });
      const b = await Team.create({ name: 'beta' });
      teamA = a.id;
      teamB = b.id;
      const boss = await Member.create({ fullName: 'Boss', teamId: teamA, score: 10 });
      await Member.insert()
        .values([
          { fullName: 'Ann', teamId: teamA, score: 3, mentorId: boss.id },
          { fullName: 'bob', teamId: teamA, score: 7, mentorId: boss.id },
          { fullName: 'Cy', teamId: teamB, score: 5 },
          { fullName: 'Di', teamId: null, score: 1, active: false },
        ])
        .gino.status();
      await User.insert()
        .values(['u1', 'u2', 'u3', 'u4', 'u5'].map((nickname) => ({ nickname })))
        .gino.status();
    });

    const names = (rows: { fullName: string }[]) => rows.map((r) => r.fullName);

    suiteTest(ctx, 'comparison, in, like, between, null tests, and/or/not', async () => {
      const q = Member.query.orderBy(Member.id);
      expect(names(await q.where(Member.score.ge(5)).gino.all())).toEqual(['Boss', 'bob', 'Cy']);
      expect(names(await q.where(Member.score.ne(5), Member.score.gt(2)).gino.all())).toEqual(['Boss', 'Ann', 'bob']);
      expect(names(await q.where(Member.fullName.in(['Ann', 'Cy'])).gino.all())).toEqual(['Ann', 'Cy']);
      expect(names(await q.where(Member.fullName.notIn(['Ann', 'Cy', 'Boss'])).gino.all())).toEqual(['bob', 'Di']);
      expect(await q.where(Member.fullName.in([])).gino.all()).toEqual([]);
      expect(names(await q.where(Member.fullName.like('B%')).gino.all())).toEqual(['Boss']);
      expect(names(await q.where(Member.fullName.ilike('b%')).gino.all())).toEqual(['Boss', 'bob']);
      expect(names(await q.where(Member.fullName.notLike('%o%')).gino.all())).toEqual(['Ann', 'Cy', 'Di']);
      expect(names(await q.where(Member.score.between(3, 5)).gino.all())).toEqual(['Ann', 'Cy']);
      expect(names(await q.where(Member.teamId.isNull()).gino.all())).toEqual(['Di']);
      expect(names(await q.where(Member.teamId.eq(null)).gino.all())).toEqual(['Di']);
      expect(names(await q.where(Member.mentorId.isNotNull()).gino.all())).toEqual(['Ann', 'bob']);
      expect(
        names(
          await q
            .where(db.or(Member.score.lt(2), db.and(Member.score.gt(6), db.not(Member.fullName.eq('Boss')))))
            .gino.all(),
        ),
      ).toEqual(['bob', 'Di']);
      expect(ctx.sql().at(-1)).toBe(
        'SELECT members.id, members.full_name, members.team_id, members.mentor_id, members.score, members.active, members.created FROM members WHERE members.score < $1 OR members.score > $2 AND NOT members.full_name = $3 ORDER BY members.id',
      );
    });

    suiteTest(ctx, 'arithmetic, concat, cast, literal, labels', async () => {
      const row = await db
        .select([
          Member.score.add(1).label('plus'),
          Member.score.mul(2).sub(1).label('odd'),
          Member.fullName.concat('!').label('shout'),
          db.cast(Member.score, db.Text()).label('asText'),
          db.literal('lit').label('lit'),
        ])
        .where(Member.fullName.eq('Cy'))
        .gino.first();
      expect(row).toEqual({ plus: 6, odd: 9, shout: 'Cy!', asText: '5', lit: 'lit' });
    });

    suiteTest(ctx, 'order, limit, offset, distinct, distinct on', async () => {
      expect((await User.query.orderBy(User.id.desc()).limit(2).offset(1).gino.all()).map((u) => u.nickname)).toEqual([
        'u4',
        'u3',
      ]);
      const teams = await db
        .select([Member.teamId])
        .distinct()
        .where(Member.teamId.isNotNull())
        .orderBy(Member.teamId)
        .gino.all();
      expect(teams).toEqual([{ teamId: teamA }, { teamId: teamB }]);
      const top = await Member.query
        .distinct(Member.teamId)
        .where(Member.teamId.isNotNull())
        .orderBy(Member.teamId, Member.score.desc())
        .gino.all();
      expect(names(top)).toEqual(['Boss', 'Cy']);
    });

    suiteTest(ctx, 'group by, having, function labels like count_1', async () => {
      const rows = await db
        .select([
          Member.teamId,
          db.func.count(Member.id),
          db.func.max(Member.score),
          db.func.sum(Member.score).label('total'),
        ])
        .where(Member.teamId.isNotNull())
        .groupBy(Member.teamId)
        .having(db.func.count(Member.id).gt(1))
        .gino.all();
      expect(ctx.sql().at(-1)).toBe(
        'SELECT members.team_id, count(members.id) AS count_1, max(members.score) AS max_1, sum(members.score) AS total FROM members WHERE members.team_id IS NOT NULL GROUP BY members.team_id HAVING count(members.id) > $1',
      );
      expect(rows).toEqual([{ teamId: teamA, count_1: 3, max_1: 10, total: 20 }]);
    });

    suiteTest(ctx, 'joins: by foreign key, with ON, outer, and an aliased self-join', async () => {
      const rows = await db
        .select([Member.fullName, Team.c.name])
        .selectFrom(Member.join(Team))
        .orderBy(Member.id)
        .gino.all();
      expect(ctx.sql().at(-1)).toContain('FROM members JOIN teams ON teams.id = members.team_id');
      expect(rows).toHaveLength(4);
      const outer = await db
        .select([Member.fullName, Team.c.name.label('team')])
        .selectFrom(Member.outerjoin(Team, Member.teamId.eq(Team.id)))
        .where(Team.id.isNull())
        .gino.all();
      expect(outer).toEqual([{ fullName: 'Di', team: null }]);
      const mentor = Member.alias('mentor');
      const pairs = await db
        .select([Member.fullName, mentor.fullName.label('mentorName')])
        .selectFrom(Member.join(mentor, Member.mentorId.eq(mentor.id)))
        .orderBy(Member.id)
        .gino.all();
      expect(ctx.sql().at(-1)).toContain('FROM members JOIN members AS mentor ON members.mentor_id = mentor.id');
      expect(pairs).toEqual([
        { fullName: 'Ann', mentorName: 'Boss' },
        { fullName: 'bob', mentorName: 'Boss' },
      ]);
      const joined = await Member.query.join(Team).where(Team.c.name.eq('beta')).gino.all();
      expect(names(joined)).toEqual(['Cy']);
    });

    suiteTest(ctx, 'subqueries: IN, EXISTS (correlated), scalar, and FROM aliases', async () => {
      const inTeam = await Member.query
        .where(Member.teamId.in(db.select([Team.id]).where(Team.c.name.eq('alpha'))))
        .orderBy(Member.id)
        .gino.all();
      expect(names(inTeam)).toEqual(['Boss', 'Ann', 'bob']);
      const withMembers = await Team.query
        .where(db.exists(db.select([Member.id]).where(Member.teamId.eq(Team.id), Member.score.gt(6))))
        .gino.all();
      expect(ctx.sql().at(-1)).toContain(
        'WHERE EXISTS (SELECT members.id FROM members WHERE members.team_id = teams.id',
      );
      expect(withMembers.map((t) => t.name)).toEqual(['alpha']);
      const best = await Member.query
        .where(Member.score.eq(db.select([db.func.max(Member.score)]).asScalar()))
        .gino.one();
      expect(best.fullName).toBe('Boss');
      const sub = db
        .select([Member.teamId, db.func.count().label('n')])
        .groupBy(Member.teamId)
        .alias('counts');
      const big = await db
        .select([Team.c.name, sub.column('n')])
        .selectFrom(Team.join(sub, sub.column('teamId').eq(Team.id)))
        .orderBy(Team.c.name)
        .gino.all();
      expect(big).toEqual([
        { name: 'alpha', n: 3 },
        { name: 'beta', n: 1 },
      ]);
    });

    suiteTest(ctx, 'text() with named parameters, raw SQL strings with $n', async () => {
      const t = await db.all(db.text("SELECT :a::int + :b::int AS sum, 'x:y' AS s, 1::text AS c", { a: 1, b: 2 }));
      expect(t).toEqual([{ sum: 3, s: 'x:y', c: '1' }]);
      const rows = await Member.query
        .where(db.text('members.score > :min', { min: 6 }))
        .orderBy(Member.id)
        .gino.all();
      expect(names(rows)).toEqual(['Boss', 'bob']);
      expect(await db.scalar('SELECT $1::int * 2', [21])).toBe(42);
      expect(await db.first('SELECT $1::text AS v', ['ok'])).toEqual({ v: 'ok' });
    });

    suiteTest(ctx, 'one / oneOrNone / first / scalar semantics', async () => {
      await expect(User.query.where(User.nickname.eq('none')).gino.one()).rejects.toBeInstanceOf(NoResultFound);
      await expect(User.query.gino.one()).rejects.toBeInstanceOf(MultipleResultsFound);
      await expect(User.query.gino.oneOrNone()).rejects.toBeInstanceOf(MultipleResultsFound);
      expect(await User.query.where(User.nickname.eq('none')).gino.oneOrNone()).toBeNull();
      expect((await User.query.where(User.nickname.eq('u1')).gino.one()).nickname).toBe('u1');
      expect(await User.select('nickname').where(User.nickname.eq('none')).gino.scalar()).toBeNull();
      expect(await db.func.count().gino.scalar()).toBe(1);
    });

    suiteTest(ctx, 'calls of one column are compiled once and stay distinct by name and column', async () => {
      const total = (await User.query.gino.all()).length;
      const maxId = Math.max(...(await User.query.gino.all()).map((u) => u.id));
      for (let i = 0; i < 2; i++) {
        expect(await db.func.count(User.id).gino.scalar()).toBe(total);
        expect(await db.func.max(User.id).gino.scalar()).toBe(maxId);
        expect(await db.func.count(User.nickname).gino.scalar()).toBe(total);
        expect(typeof (await db.func.max(User.nickname).gino.scalar())).toBe('string');
        expect(await db.func.count().gino.scalar()).toBe(1);
      }
      expect(db.compile(db.func.count(User.id)).sql).toBe(db.compile(db.func.count(User.id)).sql);
    });

    suiteTest(ctx, '.gino.model() and .gino.load() shape rows', async () => {
      const viaModel = await db.select([User.id, User.nickname]).where(User.nickname.eq('u2')).gino.model(User).all();
      expect(viaModel[0]).toBeInstanceOf(User);
      expect(viaModel[0]?.greet()).toBe('hi u2');
      const ids = await User.query.orderBy(User.id).limit(2).gino.load(User.nickname).all();
      expect(ids).toEqual(['u1', 'u2']);
      const tuples = await User.query.orderBy(User.id).limit(1).gino.load([User.id, User.nickname]).all();
      expect(tuples[0]?.[1]).toBe('u1');
      const fn = await User.query
        .orderBy(User.id)
        .limit(1)
        .gino.load((row: Record<string, unknown>) => `<${String(row.nickname)}>`)
        .all();
      expect(fn).toEqual(['<u1>']);
      const raw = await db.all('SELECT id, nickname FROM users ORDER BY id LIMIT 1');
      expect(raw).toEqual([{ id: expect.any(Number), nickname: 'u1' }]);
    });

    suiteTest(ctx, 'forUpdate locks rows inside a transaction (a batch on adapters without transactions)', async () => {
      ctx.clearLog();
      const [locked] = await db.batch([User.query.where(User.nickname.eq('u1')).forUpdate({ skipLocked: true })]);
      expect(locked).toHaveLength(1);
      expect(locked?.[0]).toBeInstanceOf(User);
      expect(ctx.sql().filter((s) => s.endsWith('FOR UPDATE SKIP LOCKED'))).toHaveLength(1);
      await withCapability(ctx, 'transactions', () =>
        db.transaction(async () => {
          const rows = await User.query.where(User.nickname.eq('u1')).forUpdate({ skipLocked: true }).gino.all();
          expect(rows).toHaveLength(1);
          expect(ctx.sql().at(-1)).toContain('FOR UPDATE SKIP LOCKED');
          const viaGet = await User.get(rows[0]!.id, { forUpdate: true });
          expect(viaGet?.nickname).toBe('u1');
        }),
      );
    });
  });
}
