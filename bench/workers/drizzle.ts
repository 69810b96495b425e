/** A minimal Drizzle Worker: drizzle-orm/neon-http over Neon's `neon()` driver. */
import { neon, neonConfig } from '@neondatabase/serverless';
import { count, eq, lt, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/neon-http';
import { pgTable, serial, varchar } from 'drizzle-orm/pg-core';
import { type Env, requestOf } from './env.js';

const users = pgTable('users', { id: serial('id').primaryKey(), nickname: varchar('nickname').default('noname') });

type Db = ReturnType<typeof drizzle>;

async function run(db: Db, op: string, id: number): Promise<unknown> {
  switch (op) {
    case 'insert returning':
      return (await db.insert(users).values({ nickname: 'fantix' }).returning())[0];
    case 'get by primary key':
      return (await db.select().from(users).where(eq(users.id, id)))[0] ?? null;
    case 'select where id < 10':
      return db.select().from(users).where(lt(users.id, 10));
    case 'select one column':
      return (await db.select({ nickname: users.nickname }).from(users).where(eq(users.id, id)))[0]?.nickname ?? null;
    case 'count':
      return (await db.select({ count: count(users.id) }).from(users))[0]?.count;
    case 'update by id returning':
      return db
        .update(users)
        .set({ nickname: 'daisy' })
        .where(eq(users.id, id))
        .returning({ nickname: users.nickname });
    case 'delete by id':
      return db.delete(users).where(eq(users.id, id));
    case 'class-level update (expression)':
      return db
        .update(users)
        .set({ nickname: sql`${'Founding Member '} || ${users.nickname}` })
        .where(lt(users.id, 10));
    default:
      throw new Error(`unknown operation ${op}`);
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    neonConfig.fetchEndpoint = env.NEON_ENDPOINT;
    const { op, id } = requestOf(request);
    return Response.json(await run(drizzle({ client: neon(env.DATABASE_URL) }), op, id));
  },
};
