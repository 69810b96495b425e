/** Type tests: the instance type comes from the columns; only known keys are accepted. */
import { describe, expectTypeOf, test } from 'vitest';
import { type Column, Gino, type StatusResult, type UpdateRequest } from '../../src/index.js';

const db = new Gino();

class User extends db.Model({
  __tablename__: 'users',
  id: db.Column(db.Integer(), { primaryKey: true }),
  nickname: db.Column(db.Unicode(), { default: 'noname' }),
  age: db.Column(db.SmallInteger(), { nullable: false }),
  big: db.Column(db.BigInteger()),
  bigNum: db.Column(db.BigInteger({ mode: 'number' })),
  born: db.Column(db.DateTime({ timezone: true })),
  day: db.Column(db.Date()),
  tags: db.Column(db.ARRAY(db.Text())),
  mood: db.Column(db.Enum('mood', ['up', 'down'] as const)),
  raw: db.Column(db.LargeBinary()),
  name: db.Column(db.Text()),
}) {
  hello(): string {
    return 'hi';
  }
}

describe('model types', () => {
  test('instance values come from the columns', async () => {
    const user = await User.create({ nickname: 'fantix', age: 3 });
    expectTypeOf(user).toEqualTypeOf<User>();
    expectTypeOf(user.id).toEqualTypeOf<number>();
    expectTypeOf(user.nickname).toEqualTypeOf<string | null>();
    expectTypeOf(user.age).toEqualTypeOf<number>();
    expectTypeOf(user.big).toEqualTypeOf<bigint | null>();
    expectTypeOf(user.bigNum).toEqualTypeOf<number | null>();
    expectTypeOf(user.born).toEqualTypeOf<Date | null>();
    expectTypeOf(user.day).toEqualTypeOf<string | null>();
    expectTypeOf(user.tags).toEqualTypeOf<string[] | null>();
    expectTypeOf(user.mood).toEqualTypeOf<'up' | 'down' | null>();
    expectTypeOf(user.raw).toEqualTypeOf<Uint8Array | null>();
    expectTypeOf(user.hello()).toEqualTypeOf<string>();
    expectTypeOf(await User.get(1)).toEqualTypeOf<User | null>();
  });

  test('create, new and update accept only known keys with the right types', () => {
    // @ts-expect-error unknown column key
    void User.create({ nick: 'x' });
    // @ts-expect-error wrong value type
    void User.create({ age: 'old' });
    // @ts-expect-error unknown column key
    new User({ nope: 1 });
    const u = new User({ nickname: 'a', age: 1 });
    // @ts-expect-error unknown column key
    u.update({ nope: 1 });
    expectTypeOf(u.update({ nickname: 'b' })).toEqualTypeOf<UpdateRequest<User>>();
    expectTypeOf(u.update({ nickname: User.nickname.concat('!') })).toEqualTypeOf<UpdateRequest<User>>();
  });

  test('statics are typed column expressions; name and length live on Model.c', () => {
    expectTypeOf(User.id).toEqualTypeOf<Column<number, 'id', 'users'>>();
    expectTypeOf(User.c.name).toEqualTypeOf<Column<string | null, 'name', 'users'>>();
    expectTypeOf(User.name).toEqualTypeOf<string>();
  });

  test('queries return what they load', async () => {
    expectTypeOf(await User.query.gino.all()).items.toHaveProperty('nickname');
    expectTypeOf(await db.all(User.query)).items.toHaveProperty('id');
    expectTypeOf(await User.select('nickname').where(User.id.eq(1)).gino.scalar()).toEqualTypeOf<string | null>();
    expectTypeOf(await User.select('nickname', 'age').gino.first()).toEqualTypeOf<{
      nickname: string | null;
      age: number;
    } | null>();
    expectTypeOf(await db.func.count(User.id).gino.scalar()).toEqualTypeOf<number | null>();
    expectTypeOf(await User.update.values({ nickname: 'x' }).gino.status()).toMatchTypeOf<StatusResult<unknown>>();
    expectTypeOf(await User.query.gino.model(User).all()).toEqualTypeOf<User[]>();
    expectTypeOf(await User.query.gino.load(User.id).all()).toEqualTypeOf<number[]>();
    // @ts-expect-error unknown column name
    User.select('nope');
  });

  test('operators take values of the column type', () => {
    User.id.eq(1);
    User.id.in([1, 2]);
    User.nickname.like('a%');
    // @ts-expect-error a string for an integer column
    User.id.eq('one');
  });
});
