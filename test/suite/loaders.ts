/**
 * Loaders (issue 5, item 5), after GINO's "Loaders and Relationship": model, column, tuple,
 * callable and value loaders; partial model loads; many-to-one through `Model.load({ rel: Other })`
 * as a query builder (LEFT OUTER JOIN on the foreign key, or `.on(clause)`); self-joins through
 * `Model.alias()`; one-to-many and many-to-many through distinct loaders; related rows of NULLs
 * skipped. Every load is one statement.
 */
import { beforeAll, describe, expect } from 'vitest';
import { InvalidRequestError } from '../../src/index.js';
import { capabilityTest, type SuiteContext, suiteTest } from './harness.js';

export function loadersSuite(ctx: SuiteContext): void {
  describe('loaders', () => {
    const { db } = ctx;

    class Company extends db.Model({
      __tablename__: 'ld_companies',
      id: db.Column(db.Integer(), { primaryKey: true }),
      title: db.Column(db.String(40), { nullable: false }),
    }) {}

    class Team extends db.Model({
      __tablename__: 'ld_teams',
      id: db.Column(db.Integer(), { primaryKey: true }),
      title: db.Column(db.String(40), { nullable: false }),
      companyId: db.Column(db.Integer(), { name: 'company_id', references: db.ForeignKey('ld_companies.id') }),
    }) {
      members: User[] = [];
      /** A method named by the loader key receives each child (GINO semantics). */
      addMember(user: User): void {
        this.members.push(user);
      }
    }

    class User extends db.Model({
      __tablename__: 'ld_users',
      id: db.Column(db.Integer(), { primaryKey: true }),
      nickname: db.Column(db.String(40), { nullable: false }),
      teamId: db.Column(db.Integer(), { name: 'team_id', references: db.ForeignKey('ld_teams.id') }),
      managerId: db.Column(db.Integer(), { name: 'manager_id', references: db.ForeignKey('ld_users.id') }),
    }) {}

    class Badge extends db.Model({
      __tablename__: 'ld_badges',
      id: db.Column(db.Integer(), { primaryKey: true }),
      holder: db.Column(db.String(40), { nullable: false }),
    }) {}

    class Student extends db.Model({
      __tablename__: 'ld_students',
      id: db.Column(db.Integer(), { primaryKey: true }),
      nickname: db.Column(db.String(40), { nullable: false }),
    }) {
      readonly courses = new Set<Course>();
      /** A setter named by the loader key receives each child, as in GINO's docs. */
      set addCourse(course: Course) {
        this.courses.add(course);
        course.students.add(this);
      }
    }

    class Course extends db.Model({
      __tablename__: 'ld_courses',
      id: db.Column(db.Integer(), { primaryKey: true }),
      title: db.Column(db.String(40), { nullable: false }),
    }) {
      readonly students = new Set<Student>();
    }

    class Enrollment extends db.Model({
      __tablename__: 'ld_enrollments',
      studentId: db.Column(db.Integer(), { name: 'student_id', references: db.ForeignKey('ld_students.id') }),
      courseId: db.Column(db.Integer(), { name: 'course_id', references: db.ForeignKey('ld_courses.id') }),
    }) {}

    const ids: Record<string, number> = {};

    beforeAll(async () => {
      await db.gino.dropAll();
      await db.gino.createAll();
      const acme = await Company.create({ title: 'acme' });
      const core = await Team.create({ title: 'core', companyId: acme.id });
      const web = await Team.create({ title: 'web' });
      await Team.create({ title: 'empty' });
      const boss = await User.create({ nickname: 'boss', teamId: core.id });
      await User.create({ nickname: 'ann', teamId: core.id, managerId: boss.id });
      await User.create({ nickname: 'bob', teamId: web.id, managerId: boss.id });
      await User.create({ nickname: 'loner' });
      await Badge.create({ holder: 'ann' });
      Object.assign(ids, { acme: acme.id, core: core.id, web: web.id, boss: boss.id });
      const [s1, s2, s3] = await Student.insert()
        .values([{ nickname: 's1' }, { nickname: 's2' }, { nickname: 's3' }])
        .returning()
        .gino.all();
      const [c1, c2] = await Course.insert()
        .values([{ title: 'math' }, { title: 'art' }])
        .returning()
        .gino.all();
      await Enrollment.insert()
        .values([
          { studentId: s1!.id, courseId: c1!.id },
          { studentId: s1!.id, courseId: c2!.id },
          { studentId: s2!.id, courseId: c1!.id },
        ])
        .gino.status();
      ids.s3 = s3!.id;
      ctx.clearLog();
    });

    suiteTest(ctx, 'model, column, tuple, callable and value loaders on one row', async () => {
      const row = await db
        .select([User])
        .where(User.nickname.eq('ann'))
        .gino.load([User.id, User, '|', (r: Record<string, unknown>) => Object.keys(r).length])
        .first();
      expect(row).not.toBeNull();
      const [id, user, sep, width] = row!;
      expect(user).toBeInstanceOf(User);
      expect(id).toBe(user.id);
      expect(sep).toBe('|');
      expect(width).toBe(4);
      // A label loads by its name, as in GINO: a new expression with the same label finds the selected one.
      const loud = await db
        .select([User.nickname, db.func.upper(User.nickname).label('loud')])
        .orderBy(User.id)
        .limit(1)
        .gino.load(db.func.upper(User.nickname).label('loud'))
        .all();
      expect(loud).toEqual(['BOSS']);
      await expect(db.select([User.id]).gino.load(User.nickname).all()).rejects.toThrow(/not in the SELECT list/);
    });

    suiteTest(ctx, 'partial model loads: Model.load(names) and selected column subsets', async () => {
      const partial = await User.query.where(User.nickname.eq('ann')).gino.load(User.load('id', 'nickname')).first();
      expect(partial).toBeInstanceOf(User);
      expect(partial?.nickname).toBe('ann');
      expect(partial?.teamId).toBeUndefined();
      const subset = await db.select([User.id, User.nickname]).orderBy(User.id).gino.load(User).all();
      expect(subset.map((u) => [u.nickname, u.teamId])).toEqual([
        ['boss', undefined],
        ['ann', undefined],
        ['bob', undefined],
        ['loner', undefined],
      ]);
      // As a query builder it selects only those columns.
      ctx.clearLog();
      const built = await User.load('nickname').query.orderBy(User.id).gino.all();
      expect(ctx.sql().at(-1)).toBe('SELECT ld_users.nickname FROM ld_users ORDER BY ld_users.id');
      expect(built.map((u) => u.nickname)).toEqual(['boss', 'ann', 'bob', 'loner']);
      expect(() => User.load('nope' as 'id')).toThrow(/has no column 'nope'/);
      await expect(db.select([Team.id]).gino.load(User).all()).rejects.toThrow(/none of User's columns/);
    });

    suiteTest(
      ctx,
      'User.load({ team: Team }) builds the LEFT OUTER JOIN from the foreign key: one statement',
      async () => {
        ctx.clearLog();
        const users = await User.load({ team: Team }).query.orderBy(User.id).gino.all();
        expect(ctx.sql()).toEqual([
          'SELECT ld_users.id, ld_users.nickname, ld_users.team_id, ld_users.manager_id, ld_teams.id, ld_teams.title, ld_teams.company_id FROM ld_users LEFT OUTER JOIN ld_teams ON ld_teams.id = ld_users.team_id ORDER BY ld_users.id',
        ]);
        expect(users.map((u) => [u.nickname, u.team?.title])).toEqual([
          ['boss', 'core'],
          ['ann', 'core'],
          ['bob', 'web'],
          ['loner', undefined],
        ]);
        expect(users[0]?.team).toBeInstanceOf(Team);
        // Each user owns its own Team instance (no identity map), and a NULL team is not set at all.
        expect(users[0]?.team).not.toBe(users[1]?.team);
        expect('team' in (users[3] as object)).toBe(false);
        // The loader is also accepted by .gino.load(), and has .where() / .gino.
        const ann = await User.load({ team: Team }).where(User.nickname.eq('ann')).gino.one();
        expect(ann.team?.id).toBe(ids.core);
        expect((await User.load({ team: Team }).gino.all()).length).toBe(4);
        const viaLoad = await db
          .select([User, Team])
          .selectFrom(User.outerjoin(Team))
          .where(User.nickname.eq('bob'))
          .gino.load(User.load({ team: Team }))
          .first();
        expect(viaLoad?.team?.title).toBe('web');
        // A model loader stands for its query wherever a query goes.
        const loader = User.load({ team: Team }).where(User.nickname.eq('ann'));
        const all = await db.all(User.load({ team: Team }));
        expect(all.find((u) => u.nickname === 'bob')?.team?.title).toBe('web');
        const [batched] = await db.batch([loader]);
        expect(batched[0]?.team?.title).toBe('core');
        expect(db.compile(User.load({ team: Team })).sql).toContain('LEFT OUTER JOIN ld_teams');
      },
    );

    suiteTest(ctx, 'nested many-to-one loaders join recursively; .on() replaces the foreign key', async () => {
      ctx.clearLog();
      const users = await User.load({ team: Team.load({ company: Company }) })
        .query.orderBy(User.id)
        .gino.all();
      expect(ctx.sql().at(-1)).toContain(
        'FROM ld_users LEFT OUTER JOIN (ld_teams LEFT OUTER JOIN ld_companies ON ld_companies.id = ld_teams.company_id) ON ld_teams.id = ld_users.team_id',
      );
      expect(users.map((u) => u.team?.company?.title ?? null)).toEqual(['acme', 'acme', null, null]);
      expect(users[2]?.team).toBeInstanceOf(Team);
      expect(users[2]?.team?.company).toBeUndefined();

      const withBadge = await User.load({ badge: Badge.on(Badge.holder.eq(User.nickname)) })
        .query.orderBy(User.id)
        .gino.all();
      expect(ctx.sql().at(-1)).toContain('LEFT OUTER JOIN ld_badges ON ld_badges.holder = ld_users.nickname');
      expect(withBadge.map((u) => u.badge?.holder ?? null)).toEqual([null, 'ann', null, null]);
      // No foreign key and no ON clause: a clear error, before any I/O.
      expect(() => User.load({ badge: Badge }).query).toThrow(/User\.load\(\{ badge \}\).*\.on\(clause\)/);
    });

    suiteTest(ctx, 'self-join through Model.alias(): a model loader over an alias', async () => {
      // Anonymous: named in each statement, in order of appearance (the same SQL every time).
      const Manager = User.alias();
      expect(Manager.anonymous).toBe(true);
      ctx.clearLog();
      const users = await User.load({ manager: Manager.on(User.managerId.eq(Manager.id)) })
        .query.where(User.managerId.isNotNull())
        .orderBy(User.id)
        .gino.all();
      expect(ctx.sql().at(-1)).toContain(
        'FROM ld_users LEFT OUTER JOIN ld_users AS ld_users_1 ON ld_users.manager_id = ld_users_1.id',
      );
      expect(users.map((u) => [u.nickname, u.manager?.nickname])).toEqual([
        ['ann', 'boss'],
        ['bob', 'boss'],
      ]);
      expect(users[0]?.manager).toBeInstanceOf(User);
      // An alias is a loader by itself too, and its columns are properties.
      const named = User.alias('mgr');
      const pairs = await db
        .select([User.nickname, named.nickname.label('boss')])
        .selectFrom(User.join(named, User.managerId.eq(named.id)))
        .orderBy(User.id)
        .gino.load([User.nickname, named])
        .all();
      expect(pairs.map(([n, m]) => [n, m.nickname])).toEqual([
        ['ann', 'boss'],
        ['bob', 'boss'],
      ]);
    });

    suiteTest(ctx, 'one-to-many: Parent.distinct(Parent.id).load({ addChild: Child }) folds rows', async () => {
      ctx.clearLog();
      const teams = await db
        .select([Team, User])
        .selectFrom(Team.outerjoin(User))
        .orderBy(Team.id, User.id)
        .gino.load(Team.distinct(Team.id).load({ addMember: User.distinct(User.id) }))
        .all();
      expect(ctx.log).toHaveLength(1);
      expect(teams.map((t) => [t.title, t.members.map((m) => m.nickname)])).toEqual([
        ['core', ['boss', 'ann']],
        ['web', ['bob']],
        ['empty', []],
      ]);
      expect(teams[0]).toBeInstanceOf(Team);
      // The distinct loader builds the join by itself too (the foreign key points the other way).
      const built = await Team.distinct(Team.id).load({ addMember: User }).query.orderBy(Team.id, User.id).gino.all();
      expect(built.map((t) => t.members.length)).toEqual([2, 1, 0]);
      // Children whose parent is NULL (outer join the other way): as in GINO 1.1 (#729), the
      // top-level loader never drops their row: an empty parent holds them.
      const fromChildren = await db
        .select([User, Team])
        .selectFrom(User.outerjoin(Team))
        .orderBy(User.id)
        .gino.load(Team.distinct(Team.id).load({ addMember: User }))
        .all();
      expect(fromChildren.map((t) => t.title)).toEqual(['core', 'web', null]);
      const orphanage = fromChildren[2];
      expect(orphanage).toBeInstanceOf(Team);
      expect(orphanage?.id).toBeNull();
      expect(orphanage?.members.length).toBeGreaterThan(0);
      expect(orphanage?.members.every((u) => u.teamId === null)).toBe(true);
    });

    suiteTest(ctx, 'many-to-many through an association table, both sides distinct', async () => {
      ctx.clearLog();
      const students = await db
        .select([Student, Course])
        .selectFrom(Student.outerjoin(Enrollment).outerjoin(Course))
        .orderBy(Student.id, Course.id)
        .gino.load(Student.distinct(Student.id).load({ addCourse: Course.distinct(Course.id) }))
        .all();
      expect(ctx.log).toHaveLength(1);
      expect(ctx.sql()[0]).toContain(
        'FROM ld_students LEFT OUTER JOIN ld_enrollments ON ld_students.id = ld_enrollments.student_id LEFT OUTER JOIN ld_courses ON ld_courses.id = ld_enrollments.course_id',
      );
      expect(students.map((s) => [s.nickname, [...s.courses].map((c) => c.title)])).toEqual([
        ['s1', ['math', 'art']],
        ['s2', ['math']],
        ['s3', []],
      ]);
      // The same Course instance is shared by every student taking it.
      const math = [...(students[0]?.courses ?? [])][0];
      expect(math).toBe([...(students[1]?.courses ?? [])][0]);
      expect([...(math?.students ?? [])].map((s) => s.nickname)).toEqual(['s1', 's2']);
    });

    capabilityTest(
      ctx,
      'distinct loaders fold rows across cursor pages too',
      'cursors',
      async () => {
        const teams: Team[] = [];
        const query = Team.distinct(Team.id).load({ addMember: User }).query.orderBy(Team.id, User.id);
        for await (const team of query.gino.iterate({ prefetch: 1 })) teams.push(team);
        expect(teams.map((t) => [t.title, t.members.length])).toEqual([
          ['core', 2],
          ['web', 1],
          ['empty', 0],
        ]);
      },
      () => Team.distinct(Team.id).load({ addMember: User }).query.gino.iterate(),
    );

    suiteTest(ctx, 'loaders are immutable builders; loading with nothing usable is a clear error', async () => {
      const base = User.load();
      const withTeam = base.load({ team: Team });
      expect(base.columns).toHaveLength(4);
      expect(withTeam.columns).toHaveLength(7);
      expect(base.on(User.id.eq(1))).not.toBe(base);
      expect(() => db.select([User.id]).gino.load(new Map() as never)).not.toThrow();
      await expect(
        db
          .select([User.id])
          .gino.load(new Map() as never)
          .all(),
      ).rejects.toBeInstanceOf(InvalidRequestError);
    });
  });
}
