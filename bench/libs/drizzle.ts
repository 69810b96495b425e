/** Drizzle ORM: the same operations, written the Drizzle way. */
import { count, eq, lt, sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { pgTable, serial, varchar } from 'drizzle-orm/pg-core';
import type { CompileOps, RunLibrary } from '../ops.js';

export const users = pgTable('users', {
  id: serial('id').primaryKey(),
  nickname: varchar('nickname').default('noname'),
});

type Db = PgDatabase<PgQueryResultHKT>;

export function compileOps(db: Db): CompileOps {
  return {
    'insert returning': () => db.insert(users).values({ nickname: 'fantix' }).returning().toSQL(),
    'get by primary key': (i) => db.select().from(users).where(eq(users.id, i)).toSQL(),
    'select where id < 10': () => db.select().from(users).where(lt(users.id, 10)).toSQL(),
    'select one column': (i) => db.select({ nickname: users.nickname }).from(users).where(eq(users.id, i)).toSQL(),
    count: () =>
      db
        .select({ count: count(users.id) })
        .from(users)
        .toSQL(),
    'update by id returning': (i) =>
      db
        .update(users)
        .set({ nickname: 'daisy' })
        .where(eq(users.id, i))
        .returning({ nickname: users.nickname })
        .toSQL(),
    'delete by id': (i) => db.delete(users).where(eq(users.id, i)).toSQL(),
    'class-level update (expression)': () =>
      db
        .update(users)
        .set({ nickname: sql`${'Founding Member '} || ${users.nickname}` })
        .where(lt(users.id, 10))
        .toSQL(),
  };
}

export function runLibrary(db: Db): RunLibrary {
  const created: number[] = [];
  return {
    name: 'Drizzle',
    ops: {
      'insert returning': async () => {
        const [row] = await db.insert(users).values({ nickname: 'fantix' }).returning();
        created.push((row as { id: number }).id);
      },
      'get by primary key': async (i) =>
        (
          await db
            .select()
            .from(users)
            .where(eq(users.id, (i % 9) + 1))
        )[0] ?? null,
      'select where id < 10': () => db.select().from(users).where(lt(users.id, 10)),
      'select one column': async (i) =>
        (
          await db
            .select({ nickname: users.nickname })
            .from(users)
            .where(eq(users.id, (i % 9) + 1))
        )[0]?.nickname ?? null,
      count: async () => (await db.select({ count: count(users.id) }).from(users))[0]?.count,
      'update by id returning': (i) =>
        db
          .update(users)
          .set({ nickname: `daisy${i}` })
          .where(eq(users.id, (i % 9) + 1))
          .returning({ nickname: users.nickname }),
      'delete by id': () => db.delete(users).where(eq(users.id, created.pop() as number)),
      'class-level update (expression)': () =>
        db
          .update(users)
          .set({ nickname: sql`${'Founding Member '} || ${users.nickname}` })
          .where(lt(users.id, 10)),
    },
  };
}
