/** A minimal gino-edge Worker: the tutorial's model and operations over Neon's HTTP protocol. */
import '../../adapters/neon-http/index.js';
import { Gino } from '../../src/index.js';
import { type Env, requestOf } from './env.js';

const db = new Gino();

class User extends db.Model({
  __tablename__: 'users',
  id: db.Column(db.Integer(), { primaryKey: true }),
  nickname: db.Column(db.Unicode(), { default: 'noname' }),
}) {}

async function run(op: string, id: number): Promise<unknown> {
  switch (op) {
    case 'insert returning':
      return User.create({ nickname: 'fantix' });
    case 'get by primary key':
      return User.get(id);
    case 'select where id < 10':
      return User.query.where(User.id.lt(10)).gino.all();
    case 'select one column':
      return User.select('nickname').where(User.id.eq(id)).gino.scalar();
    case 'count':
      return db.func.count(User.id).gino.scalar();
    case 'update by id returning':
      return new User({ id }).update({ nickname: 'daisy' }).apply();
    case 'delete by id':
      return new User({ id }).delete();
    case 'class-level update (expression)':
      return (
        await User.update
          .values({ nickname: db.concat('Founding Member ', User.nickname) })
          .where(User.id.lt(10))
          .gino.status()
      ).status;
    default:
      throw new Error(`unknown operation ${op}`);
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const { op, id } = requestOf(request);
    return db.withBind(env.DATABASE_URL, async () => Response.json(await run(op, id)), {
      fetchEndpoint: env.NEON_ENDPOINT,
    });
  },
};
