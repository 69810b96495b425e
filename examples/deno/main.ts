/**
 * The GINO tutorial as a Deno script.
 *
 *   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres deno task start
 *
 * `gino-edge` comes from npm (deno.json maps it); the URL's scheme picks the adapter, which Deno
 * loads on demand (postgresql:// → pg, also in deno.json). DATABASE_OPTIONS may hold the adapter's
 * own options as JSON. On PGlite, Deno must let PGlite read its own files (and write its data
 * directory, for pglite://<dir>):
 *
 *   DATABASE_URL=pglite://memory deno run --allow-net --allow-env --allow-read main.ts
 */
import { Gino } from 'gino-edge';

const url = Deno.env.get('DATABASE_URL') ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const options = JSON.parse(Deno.env.get('DATABASE_OPTIONS') ?? '{}');

const db = new Gino({ logger: ({ sql }) => console.log(`  SQL: ${sql}`) });

class User extends db.Model({
  __tablename__: 'users',
  id: db.Column(db.Integer(), { primaryKey: true }),
  nickname: db.Column(db.Unicode(), { default: 'noname' }),
}) {}

await db.setBind(url, options);
try {
  await db.gino.createAll();

  let user = await User.create({ nickname: 'fantix' });
  console.log(`created: ${JSON.stringify(user.toDict())}`);

  user = new User({ nickname: 'fantix' });
  user.nickname += ' (founder)';
  await user.create();
  console.log(`created: ${JSON.stringify(user.toDict())}`);

  console.log(`get(1): ${JSON.stringify((await User.get(1))?.toDict())}`);
  console.log(`all: ${(await User.query.orderBy(User.id).gino.all()).map((u) => u.nickname).join(', ')}`);
  const first = await User.query.where(User.nickname.eq('fantix')).gino.first();
  console.log(`first fantix: #${first?.id}`);
  console.log(`population: ${await db.func.count(User.id).gino.scalar()}`);

  await user.update({ nickname: 'daisy' }).apply();
  const status = await User.update
    .values({ nickname: db.concat('Founding Member ', User.nickname) })
    .where(User.id.lt(10))
    .gino.status();
  console.log(`update: ${status.status}`);
  console.log(`user 1 is now: ${await User.select('nickname').where(User.id.eq(1)).gino.scalar()}`);

  console.log(`delete: ${await user.delete()}`);
  console.log(`get(${user.id}) after delete: ${await User.get(user.id)}`);
  await db.gino.dropAll();
} finally {
  await db.popBind().close();
}
console.log('Done.');
