/** A minimal Kysely Worker: Kysely's PostgreSQL compiler over Neon's `neon()` HTTP driver. */
import { neon, neonConfig } from '@neondatabase/serverless';
import { Kysely } from 'kysely';
import { neonHttpDialect } from '../kysely-dialects.js';
import type { Database } from '../libs/kysely.js';
import { type Env, requestOf } from './env.js';

async function run(db: Kysely<Database>, op: string, id: number): Promise<unknown> {
  switch (op) {
    case 'insert returning':
      return db.insertInto('users').values({ nickname: 'fantix' }).returningAll().executeTakeFirstOrThrow();
    case 'get by primary key':
      return (await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
    case 'select where id < 10':
      return db.selectFrom('users').selectAll().where('id', '<', 10).execute();
    case 'select one column':
      return (
        (await db.selectFrom('users').select('nickname').where('id', '=', id).executeTakeFirst())?.nickname ?? null
      );
    case 'count':
      return (
        await db
          .selectFrom('users')
          .select((eb) => eb.fn.count('id').as('count'))
          .executeTakeFirstOrThrow()
      ).count;
    case 'update by id returning':
      return db.updateTable('users').set({ nickname: 'daisy' }).where('id', '=', id).returning('nickname').execute();
    case 'delete by id':
      return Number((await db.deleteFrom('users').where('id', '=', id).executeTakeFirst()).numDeletedRows);
    case 'class-level update (expression)':
      return Number(
        (
          await db
            .updateTable('users')
            .set((eb) => ({ nickname: eb(eb.val('Founding Member '), '||', eb.ref('nickname')) }))
            .where('id', '<', 10)
            .executeTakeFirst()
        ).numUpdatedRows,
      );
    default:
      throw new Error(`unknown operation ${op}`);
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    neonConfig.fetchEndpoint = env.NEON_ENDPOINT;
    const { op, id } = requestOf(request);
    return Response.json(await run(new Kysely<Database>({ dialect: neonHttpDialect(neon(env.DATABASE_URL)) }), op, id));
  },
};
