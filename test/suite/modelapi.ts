/**
 * The rest of the model API (issue 5, item 7): enum columns, abstract models, models without a
 * primary key (`lookup()`), multi-row inserts and upserts (`onConflictDoNothing`,
 * `onConflictDoUpdate` with `db.excluded()`), `get(id, { forUpdate })`, and `apply({ returning })`
 * reading back columns the server changed.
 */
import { beforeAll, beforeEach, describe, expect } from 'vitest';
import { type Expr, InvalidRequestError } from '../../src/index.js';
import { capabilityTest, concurrentTest, type SuiteContext, suiteTest } from './harness.js';

export function modelApiSuite(ctx: SuiteContext): void {
  describe('model API', () => {
    const { db } = ctx;

    class Ticket extends db.Model({
      __tablename__: 'md_tickets',
      id: db.Column(db.Integer(), { primaryKey: true }),
      state: db.Column(db.Enum('md_state', ['open', 'closed'] as const), { nullable: false, serverDefault: 'open' }),
      labels: db.Column(db.ARRAY(db.Enum('md_label', ['bug', 'ux'] as const))),
    }) {}
    class Archived extends db.Model({
      __tablename__: 'md_archived',
      id: db.Column(db.Integer(), { primaryKey: true }),
      state: db.Column(db.Enum('md_state', ['open', 'closed'] as const)),
    }) {}

    class Member extends db.Model({
      __tablename__: 'md_members',
      id: db.Column(db.Integer(), { primaryKey: true, autoincrement: false }),
      nickname: db.Column(db.String(40), { nullable: false }),
      visits: db.Column(db.Integer(), { nullable: false, serverDefault: 0 }),
    }) {}

    /** No primary key: instance update/delete need lookup(). */
    class LogLine extends db.Model({
      __tablename__: 'md_log_lines',
      code: db.Column(db.String(20), { nullable: false, unique: true }),
      body: db.Column(db.Text()),
    }) {}
    class KeyedLogLine extends LogLine {
      override lookup(): Expr<boolean> {
        return LogLine.code.eq(this.code);
      }
    }

    class Doc extends db.Model({
      __tablename__: 'md_docs',
      id: db.Column(db.Integer(), { primaryKey: true }),
      body: db.Column(db.Text(), { nullable: false }),
      version: db.Column(db.Integer(), { nullable: false, serverDefault: 0 }),
      updatedAt: db.Column(db.DateTime({ timezone: true }), { name: 'updated_at', serverDefault: db.func.now() }),
    }) {}

    const Abstract = db.Model({
      id: db.Column(db.Integer(), { primaryKey: true }),
    });

    beforeAll(async () => {
      await db.gino.dropAll();
      await db.gino.createAll();
      // The server changes version and updated_at on every update.
      await db.status(
        `CREATE OR REPLACE FUNCTION md_touch() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN NEW.version := OLD.version + 1; NEW.updated_at := clock_timestamp(); RETURN NEW; END $$`,
      );
      await db.status('CREATE TRIGGER md_docs_touch BEFORE UPDATE ON md_docs FOR EACH ROW EXECUTE FUNCTION md_touch()');
    });
    beforeEach(async () => {
      await Member.delete.gino.status();
      await LogLine.delete.gino.status();
      ctx.clearLog();
    });

    suiteTest(ctx, 'enum columns: values round-trip, types created once and dropped with the schema', async () => {
      const typeExists = async (name: string) =>
        (await db.scalar<string>('SELECT to_regtype($1)::text', [name])) !== null;
      expect(await typeExists('md_state')).toBe(true);
      expect(await typeExists('md_label')).toBe(true);
      const t = await Ticket.create({ labels: ['bug', 'ux'] });
      expect(t.state).toBe('open');
      expect(t.labels).toEqual(['bug', 'ux']);
      await t.update({ state: 'closed' }).apply();
      expect(await Ticket.query.where(Ticket.state.eq('closed')).gino.all()).toHaveLength(1);
      ctx.clearLog();
      // @ts-expect-error not one of the values
      await expect(Ticket.create({ state: 'lost' })).rejects.toThrow(/one of "open", "closed"/);
      expect(ctx.log).toHaveLength(0);
      // A type still used by another table stays when one table is dropped; the rest goes with it.
      await Ticket.gino.drop();
      expect(await typeExists('md_label')).toBe(false);
      expect(await typeExists('md_state')).toBe(true);
      await db.gino.dropAll();
      expect(await typeExists('md_state')).toBe(false);
      await db.gino.createAll();
      await db.status('CREATE TRIGGER md_docs_touch BEFORE UPDATE ON md_docs FOR EACH ROW EXECUTE FUNCTION md_touch()');
      expect(await typeExists('md_label')).toBe(true);
      expect(await Archived.create({ state: 'closed' })).toMatchObject({ state: 'closed' });
    });

    suiteTest(ctx, 'abstract models (no __tablename__) refuse CRUD with a clear error', async () => {
      const abstract = /is abstract/;
      ctx.clearLog();
      // Instances exist (as in GINO); what would write them raises.
      const instance = new Abstract({ id: 1 });
      expect(instance).toBeInstanceOf(Abstract);
      await expect(instance.create()).rejects.toThrow(abstract);
      await expect((async () => instance.delete())()).rejects.toThrow(abstract);
      await expect((async () => instance.update({ id: 2 }).apply())()).rejects.toThrow(abstract);
      expect(() => Abstract.query).toThrow(abstract);
      expect(() => Abstract.select('id')).toThrow(abstract);
      expect(() => Abstract.update).toThrow(abstract);
      expect(() => Abstract.delete).toThrow(abstract);
      expect(() => Abstract.insert()).toThrow(abstract);
      expect(() => Abstract.load()).toThrow(abstract);
      expect(() => Abstract.alias()).toThrow(abstract);
      expect(() => Abstract.gino).toThrow(abstract);
      await expect(Abstract.create({ id: 1 })).rejects.toThrow(abstract);
      await expect(Abstract.get(1)).rejects.toThrow(abstract);
      await expect(
        db
          .select([db.literal(1)])
          .gino.load(Abstract)
          .all(),
      ).rejects.toThrow(/no table/);
      expect(ctx.log).toHaveLength(1);
    });

    suiteTest(ctx, 'models without a primary key: lookup() names the row, else a clear error', async () => {
      const line = await LogLine.create({ code: 'a', body: 'first' });
      expect(line.body).toBe('first');
      await expect(LogLine.get('a')).rejects.toThrow(/has no primary key, so get\(\) cannot find a row/);
      // update() changes the instance; apply() says why it cannot write it.
      const req = line.update({ body: 'changed' });
      expect(line.body).toBe('changed');
      await expect(req.apply()).rejects.toThrow(/has no primary key: define lookup\(\)/);
      await expect(line.delete()).rejects.toThrow(InvalidRequestError);
      const keyed = await KeyedLogLine.create({ code: 'k', body: 'v1' });
      ctx.clearLog();
      await keyed.update({ body: 'v2' }).apply();
      expect(ctx.sql().at(-1)).toBe(
        'UPDATE md_log_lines SET body=$1 WHERE md_log_lines.code = $2 RETURNING md_log_lines.body',
      );
      expect(await LogLine.query.where(LogLine.code.eq('k')).gino.first()).toMatchObject({ body: 'v2' });
      expect(await keyed.delete()).toBe('DELETE 1');
      expect(await LogLine.query.gino.all()).toHaveLength(1);
    });

    suiteTest(ctx, 'insert() of many rows is one statement returning instances', async () => {
      const rows = await Member.insert()
        .values([
          { id: 1, nickname: 'a' },
          { id: 2, nickname: 'b' },
        ])
        .returning()
        .gino.all();
      expect(ctx.log).toHaveLength(1);
      expect(rows.map((m) => [m.id, m.nickname, m.visits])).toEqual([
        [1, 'a', 0],
        [2, 'b', 0],
      ]);
      expect(rows[0]).toBeInstanceOf(Member);
    });

    suiteTest(ctx, 'upserts: ON CONFLICT DO NOTHING and DO UPDATE with db.excluded()', async () => {
      await Member.insert().values({ id: 1, nickname: 'one' }).gino.status();
      ctx.clearLog();
      const nothing = await Member.insert()
        .values([
          { id: 1, nickname: 'dup' },
          { id: 2, nickname: 'two' },
        ])
        .onConflictDoNothing(['id'])
        .returning()
        .gino.all();
      expect(ctx.sql().at(-1)).toBe(
        'INSERT INTO md_members (id, nickname) VALUES ($1, $2), ($3, $4) ON CONFLICT (id) DO NOTHING RETURNING md_members.id, md_members.nickname, md_members.visits',
      );
      expect(nothing.map((m) => m.nickname)).toEqual(['two']);
      await Member.insert()
        .values({ id: 2, nickname: 'x' })
        .onConflictDoNothing({ constraint: 'md_members_pkey' })
        .gino.status();

      const updated = await Member.insert()
        .values([
          { id: 1, nickname: 'ONE' },
          { id: 3, nickname: 'three' },
        ])
        .onConflictDoUpdate(['id'], {
          nickname: db.excluded(Member.nickname),
          visits: Member.visits.add(1),
        })
        .returning()
        .gino.all();
      expect(ctx.sql().at(-1)).toBe(
        'INSERT INTO md_members (id, nickname) VALUES ($1, $2), ($3, $4) ON CONFLICT (id) DO UPDATE SET nickname = excluded.nickname, visits = (md_members.visits + $5) RETURNING md_members.id, md_members.nickname, md_members.visits',
      );
      expect(updated.map((m) => [m.id, m.nickname, m.visits])).toEqual([
        [1, 'ONE', 1],
        [3, 'three', 0],
      ]);
      // DO UPDATE ... WHERE: only rows passing it are changed (and returned).
      const guarded = await Member.insert()
        .values([
          { id: 1, nickname: 'kept?' },
          { id: 2, nickname: 'TWO' },
        ])
        .onConflictDoUpdate(['id'], { nickname: db.excluded(Member.nickname) }, Member.visits.eq(0))
        .returning()
        .gino.all();
      expect(guarded.map((m) => m.nickname)).toEqual(['TWO']);
      expect((await Member.query.orderBy(Member.id).gino.all()).map((m) => m.nickname)).toEqual([
        'ONE',
        'TWO',
        'three',
      ]);
      expect(() => db.excluded(Member.alias('m').nickname)).toThrow(InvalidRequestError);
    });

    capabilityTest(
      ctx,
      'get(id, { forUpdate }) locks the row inside a transaction',
      'transactions',
      async () => {
        const m = await Member.create({ id: 7, nickname: 'locked' });
        await db.transaction(async () => {
          ctx.clearLog();
          expect((await Member.get(m.id, { forUpdate: true }))?.nickname).toBe('locked');
          expect(ctx.sql().at(-1)).toBe(
            'SELECT md_members.id, md_members.nickname, md_members.visits FROM md_members WHERE md_members.id = $1 FOR UPDATE',
          );
          await Member.get(m.id, { forUpdate: { mode: 'SHARE', nowait: true } });
          expect(ctx.sql().at(-1)).toMatch(/FOR SHARE NOWAIT$/);
          const locks = await db.scalar<number>(
            "SELECT count(*)::int FROM pg_locks WHERE locktype = 'transactionid' AND pid = pg_backend_pid() AND mode = 'ExclusiveLock'",
          );
          expect(locks).toBeGreaterThanOrEqual(1);
        });
      },
      () => db.transaction(() => Member.get(1, { forUpdate: true })),
    );

    concurrentTest(
      ctx,
      'get(id, { forUpdate }) blocks a concurrent locker until the first transaction ends',
      async () => {
        await Member.create({ id: 8, nickname: 'contended' });
        const order: string[] = [];
        let locked!: () => void;
        const isLocked = new Promise<void>((resolve) => {
          locked = resolve;
        });
        let finish!: () => void;
        const canFinish = new Promise<void>((resolve) => {
          finish = resolve;
        });
        const first = db.transaction(async () => {
          await Member.get(8, { forUpdate: true });
          order.push('first locked');
          locked();
          await canFinish;
          await Member.update.values({ visits: 5 }).where(Member.id.eq(8)).gino.status();
          order.push('first done');
        });
        await isLocked;
        await expect(db.transaction(() => Member.get(8, { forUpdate: { nowait: true } }))).rejects.toMatchObject({
          code: '55P03',
        });
        const second = db.transaction(async () => {
          const seen = await Member.get(8, { forUpdate: true });
          order.push(`second locked, visits ${seen?.visits}`);
        });
        await new Promise((resolve) => setTimeout(resolve, 150));
        expect(order).toEqual(['first locked']);
        finish();
        await Promise.all([first, second]);
        expect(order).toEqual(['first locked', 'first done', 'second locked, visits 5']);
      },
    );

    suiteTest(ctx, 'apply({ returning }) reads back columns the server changed', async () => {
      const doc = await Doc.create({ body: 'v1' });
      const created = doc.updatedAt as Date;
      expect(doc.version).toBe(0);
      ctx.clearLog();
      await doc.update({ body: 'v2' }).apply({ returning: [Doc.version, Doc.updatedAt] });
      expect(ctx.sql().at(-1)).toBe(
        'UPDATE md_docs SET body=$1 WHERE md_docs.id = $2 RETURNING md_docs.body, md_docs.version, md_docs.updated_at',
      );
      expect(doc.version).toBe(1);
      expect((doc.updatedAt as Date).getTime()).toBeGreaterThan(created.getTime());
      // Without returning, only the changed columns come back (the row moved on, the instance did not).
      await doc.update({ body: 'v3' }).apply();
      expect(doc.version).toBe(1);
      expect((await Doc.get(doc.id))?.version).toBe(2);
      // An expression is computed by the server and read back.
      await doc.update({ body: Doc.body.concat('!') }).apply({ returning: [Doc.version] });
      expect(doc).toMatchObject({ body: 'v3!', version: 3 });
    });
  });
}
