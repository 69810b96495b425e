/**
 * The GINO "Basics" tutorial in TypeScript (docs/guides/getting-started.md), step by step, printing each statement.
 * Runs on embedded PGlite, or on DATABASE_URL when set:  npm run demo
 */
import { Gino } from '../src/node.js';

const url = process.env.DATABASE_URL ?? 'pglite://memory';

export const db = new Gino({
  logger: ({ sql, params }) =>
    console.log(`    SQL: ${sql}${params.length ? `  -- ${JSON.stringify(params, jsonSafe)}` : ''}`),
});

function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `${value}n` : value;
}

export class User extends db.Model({
  __tablename__: 'users',
  id: db.Column(db.Integer(), { primaryKey: true }),
  nickname: db.Column(db.Unicode(), { default: 'noname' }),
}) {}

export class Booking extends db.Model({
  __tablename__: 'bookings',
  day: db.Column(db.Date()),
  booker: db.Column(db.String()),
  room: db.Column(db.String()),
  _pk: db.PrimaryKeyConstraint('day', 'booker', { name: 'bookings_pkey' }),
  _idx1: db.Index('bookings_idx_day_room', 'day', 'room', { unique: true }),
  _idx2: db.Index('bookings_idx_booker_room', 'booker', 'room'),
}) {}

function step(title: string): void {
  console.log(`\n== ${title}`);
}

async function main(): Promise<void> {
  step(`Get connected: db.setBind(${url.replace(/:[^:@/]*@/, ':***@')})`);
  await db.setBind(url);

  step('db.gino.createAll()');
  await db.gino.dropAll();
  await db.gino.createAll();

  step("User.create({ nickname: 'fantix' })");
  let user = await User.create({ nickname: 'fantix' });
  console.log(`    ID: ${user.id}, Nickname: ${user.nickname}`);

  step("new User({ nickname: 'fantix' }); nickname += ' (founder)'; await user.create()");
  user = new User({ nickname: 'fantix' });
  user.nickname += ' (founder)';
  await user.create();
  console.log(`    ID: ${user.id}, Nickname: ${user.nickname}`);

  step('User.get(1)');
  const got = await User.get(1);
  console.log(`    ${JSON.stringify(got?.toDict())}`);

  step('db.all(User.query)');
  const all = await db.all(User.query);
  console.log(`    ${all.length} users`);

  step('User.query.gino.all()');
  const same = await User.query.gino.all();
  console.log(`    ${same.map((u) => u.nickname).join(', ')}`);

  step('User.query.where(User.id.lt(10)).gino.all()');
  const founding = await User.query.where(User.id.lt(10)).gino.all();
  console.log(`    ${founding.length} founding users`);

  step("User.query.where(User.nickname.eq('fantix')).gino.first()");
  const one = await User.query.where(User.nickname.eq('fantix')).gino.first();
  console.log(`    ${one ? `found #${one.id}` : 'none'}`);

  step("User.select('nickname').where(User.id.eq(1)).gino.scalar()");
  const name = await User.select('nickname').where(User.id.eq(1)).gino.scalar();
  console.log(`    ${name}`);

  step('db.func.count(User.id).gino.scalar()');
  const population = await db.func.count(User.id).gino.scalar();
  console.log(`    population: ${population}`);

  step("user.update({ nickname: 'daisy' }).apply()");
  await user.update({ nickname: 'daisy' }).apply();
  console.log(`    nickname: ${user.nickname}`);

  step(
    "User.update.values({ nickname: db.concat('Founding Member ', User.nickname) }).where(User.id.lt(10)).gino.status()",
  );
  const status = await User.update
    .values({ nickname: db.concat('Founding Member ', User.nickname) })
    .where(User.id.lt(10))
    .gino.status();
  console.log(`    ${status.status}`);
  console.log(`    user 1 is now: ${await User.select('nickname').where(User.id.eq(1)).gino.scalar()}`);

  step('user.delete()');
  console.log(`    ${await user.delete()}; the object keeps its values: #${user.id} ${user.nickname}`);
  console.log(`    User.get(${user.id}) → ${await User.get(user.id)}`);

  step('User.delete.where(User.id.gt(10)).gino.status()');
  console.log(`    ${(await User.delete.where(User.id.gt(10)).gino.status()).status}`);

  step('Booking: composite primary key, indexes');
  await Booking.create({ day: '2026-11-24', booker: 'fantix', room: 'A' });
  const booking = await Booking.get({ day: '2026-11-24', booker: 'fantix' });
  console.log(`    ${JSON.stringify(booking?.toDict())}`);

  step('db.popBind().close()');
  await db.gino.dropAll();
  await db.popBind().close();
  console.log('\nDone.');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
