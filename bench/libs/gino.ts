/** gino-edge: the tutorial's model and operations, as GINO users write them. */
import type { Adapter } from '../../src/index.js';
import { Gino } from '../../src/index.js';
import type { CompileOps, RunLibrary } from '../ops.js';

export function tutorialModel() {
  const db = new Gino();
  class User extends db.Model({
    __tablename__: 'users',
    id: db.Column(db.Integer(), { primaryKey: true }),
    nickname: db.Column(db.Unicode(), { default: 'noname' }),
  }) {}
  return { db, User };
}

export function compileOps(): CompileOps {
  const { db, User } = tutorialModel();
  return {
    'insert returning': () => User.insert().values({ nickname: 'fantix' }).returning().compile(),
    'get by primary key': (i) => User.query.where(User.id.eq(i)).compile(),
    'select where id < 10': () => User.query.where(User.id.lt(10)).compile(),
    'select one column': (i) => User.select('nickname').where(User.id.eq(i)).compile(),
    count: () => db.compile(db.func.count(User.id)),
    'update by id returning': (i) =>
      User.update.values({ nickname: 'daisy' }).where(User.id.eq(i)).returning(User.nickname).compile(),
    'delete by id': (i) => User.delete.where(User.id.eq(i)).compile(),
    'class-level update (expression)': () =>
      User.update
        .values({ nickname: db.concat('Founding Member ', User.nickname) })
        .where(User.id.lt(10))
        .compile(),
  };
}

export async function runLibrary(adapter: Adapter): Promise<RunLibrary> {
  const { db, User } = tutorialModel();
  const engine = await db.setBind(adapter);
  type U = InstanceType<typeof User>;
  let held: U[] = [];
  const created: U[] = [];
  return {
    name: 'gino-edge',
    async prepare() {
      held = await User.query.where(User.id.lt(10)).orderBy(User.id).gino.model(User).all();
    },
    ops: {
      'insert returning': async () => {
        created.push(await User.create({ nickname: 'fantix' }));
      },
      'get by primary key': (i) => User.get((i % 9) + 1),
      'select where id < 10': () => User.query.where(User.id.lt(10)).gino.all(),
      'select one column': (i) =>
        User.select('nickname')
          .where(User.id.eq((i % 9) + 1))
          .gino.scalar(),
      count: () => db.func.count(User.id).gino.scalar(),
      'update by id returning': (i) => (held[i % 9] as U).update({ nickname: `daisy${i}` }).apply(),
      'delete by id': () => (created.pop() as U).delete(),
      'class-level update (expression)': () =>
        User.update
          .values({ nickname: db.concat('Founding Member ', User.nickname) })
          .where(User.id.lt(10))
          .gino.status(),
    },
    async close() {
      db.popBind();
      await engine.close();
    },
  };
}
