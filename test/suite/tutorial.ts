/** The GINO tutorial (docs/guides/getting-started.md), run as written, asserting the SQL each step sends. */
import { beforeAll, describe, expect } from 'vitest';
import { type SuiteContext, suiteTest } from './harness.js';
import { defineModels } from './models.js';

export function tutorialSuite(ctx: SuiteContext): void {
  describe('the GINO tutorial (as the getting-started guide shows it)', () => {
    const { db } = ctx;
    const { User, Booking } = defineModels(db);

    beforeAll(async () => {
      await db.gino.dropAll();
      await db.gino.createAll();
    });

    const last = () => ctx.log[ctx.log.length - 1] as { sql: string; params: unknown[] };

    suiteTest(ctx, 'runs every step of the tutorial with the SQL the getting-started guide shows', async () => {
      await User.delete.gino.status();
      await db.status('ALTER SEQUENCE users_id_seq RESTART WITH 1');
      let user = await User.create({ nickname: 'fantix' });
      expect(last()).toMatchObject({
        sql: 'INSERT INTO users (nickname) VALUES ($1) RETURNING users.id, users.nickname',
        params: ['fantix'],
      });
      expect(user.id).toBe(1);
      expect(user.nickname).toBe('fantix');
      expect(user).toBeInstanceOf(User);
      expect(user.greet()).toBe('hi fantix');

      user = new User({ nickname: 'fantix' });
      user.nickname += ' (founder)';
      const same = await user.create();
      expect(same).toBe(user);
      expect(user.id).toBe(2);
      expect(user.nickname).toBe('fantix (founder)');

      const got = await User.get(1);
      expect(last()).toMatchObject({
        sql: 'SELECT users.id, users.nickname FROM users WHERE users.id = $1',
        params: [1],
      });
      expect(got).toBeInstanceOf(User);
      expect(got?.nickname).toBe('fantix');

      const all = await db.all(User.query);
      expect(last().sql).toBe('SELECT users.id, users.nickname FROM users');
      expect(all).toHaveLength(2);
      expect(all[0]).toBeInstanceOf(User);
      const viaGino = await User.query.gino.all();
      expect(viaGino.map((u) => u.toDict())).toEqual(all.map((u) => u.toDict()));

      const founding = await User.query.where(User.id.lt(10)).gino.all();
      expect(last()).toMatchObject({
        sql: 'SELECT users.id, users.nickname FROM users WHERE users.id < $1',
        params: [10],
      });
      expect(founding).toHaveLength(2);

      const one = await User.query.where(User.nickname.eq('fantix')).gino.first();
      expect(last()).toMatchObject({
        sql: 'SELECT users.id, users.nickname FROM users WHERE users.nickname = $1',
        params: ['fantix'],
      });
      expect(one?.id).toBe(1);
      expect(await User.query.where(User.nickname.eq('nobody')).gino.first()).toBeNull();

      const name = await User.select('nickname').where(User.id.eq(1)).gino.scalar();
      expect(last()).toMatchObject({ sql: 'SELECT users.nickname FROM users WHERE users.id = $1', params: [1] });
      expect(name).toBe('fantix');

      const population = await db.func.count(User.id).gino.scalar();
      expect(last().sql).toBe('SELECT count(users.id) AS count_1 FROM users');
      expect(population).toBe(2);

      await user.update({ nickname: 'daisy' }).apply();
      expect(last()).toMatchObject({
        sql: 'UPDATE users SET nickname=$1 WHERE users.id = $2 RETURNING users.nickname',
        params: ['daisy', 2],
      });
      expect(user.nickname).toBe('daisy');
      expect(await User.select('nickname').where(User.id.eq(user.id)).gino.scalar()).toBe('daisy');

      const status = await User.update
        .values({ nickname: db.concat('Founding Member ', User.nickname) })
        .where(User.id.lt(10))
        .gino.status();
      expect(last()).toMatchObject({
        sql: 'UPDATE users SET nickname=($1 || users.nickname) WHERE users.id < $2',
        params: ['Founding Member ', 10],
      });
      expect(status.status).toBe('UPDATE 2');
      expect(status.rowCount).toBe(2);
      expect(await User.select('nickname').where(User.id.eq(1)).gino.scalar()).toBe('Founding Member fantix');

      expect(await user.delete()).toBe('DELETE 1');
      expect(last()).toMatchObject({ sql: 'DELETE FROM users WHERE users.id = $1', params: [2] });
      expect(user.nickname).toBe('daisy');
      expect(await User.get(user.id)).toBeNull();

      await User.create({ nickname: 'eleven' });
      await db.status('ALTER SEQUENCE users_id_seq RESTART WITH 20');
      await User.create({});
      const removed = await User.delete.where(User.id.gt(10)).gino.status();
      expect(last()).toMatchObject({ sql: 'DELETE FROM users WHERE users.id > $1', params: [10] });
      expect(removed.status).toBe('DELETE 1');
    });

    suiteTest(ctx, 'Booking: composite primary key, constraints and indexes as properties', async () => {
      await Booking.delete.gino.status();
      await Booking.create({ day: '2026-11-24', booker: 'fantix', room: 'A' });
      expect(await Booking.get({ day: '2026-11-24', booker: 'fantix' })).toMatchObject({ room: 'A' });
      expect(await Booking.get(['2026-11-24', 'fantix'])).toMatchObject({ room: 'A' });
      const indexes = await db.all<{ indexname: string }>(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'bookings' ORDER BY indexname",
      );
      expect(indexes.map((r) => r.indexname)).toEqual([
        'bookings_idx_booker_room',
        'bookings_idx_day_room',
        'bookings_pkey',
      ]);
      const dup = Booking.create({ day: '2026-11-24', booker: 'daisy', room: 'A' });
      await expect(dup).rejects.toMatchObject({
        name: 'DatabaseError',
        code: '23505',
        constraint: 'bookings_idx_day_room',
      });
    });
  });
}
