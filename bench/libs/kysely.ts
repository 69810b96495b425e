/** Kysely: the same operations, written the Kysely way. */
import { type Dialect, DummyDriver, Kysely } from 'kysely';
import { postgresDialect } from '../kysely-dialects.js';
import type { CompileOps, RunLibrary } from '../ops.js';

export interface Database {
  users: { id: import('kysely').Generated<number>; nickname: string | null };
}

/** Kysely without a database: for compile-only measurements. */
export function coldKysely(): Kysely<Database> {
  return new Kysely<Database>({ dialect: postgresDialect(() => new DummyDriver()) });
}

export function compileOps(db: Kysely<Database>): CompileOps {
  return {
    'insert returning': () => db.insertInto('users').values({ nickname: 'fantix' }).returningAll().compile(),
    'get by primary key': (i) => db.selectFrom('users').selectAll().where('id', '=', i).compile(),
    'select where id < 10': () => db.selectFrom('users').selectAll().where('id', '<', 10).compile(),
    'select one column': (i) => db.selectFrom('users').select('nickname').where('id', '=', i).compile(),
    count: () =>
      db
        .selectFrom('users')
        .select((eb) => eb.fn.count('id').as('count'))
        .compile(),
    'update by id returning': (i) =>
      db.updateTable('users').set({ nickname: 'daisy' }).where('id', '=', i).returning('nickname').compile(),
    'delete by id': (i) => db.deleteFrom('users').where('id', '=', i).compile(),
    'class-level update (expression)': () =>
      db
        .updateTable('users')
        .set((eb) => ({ nickname: eb(eb.val('Founding Member '), '||', eb.ref('nickname')) }))
        .where('id', '<', 10)
        .compile(),
  };
}

export function runLibrary(dialect: Dialect): RunLibrary {
  const db = new Kysely<Database>({ dialect });
  const created: number[] = [];
  return {
    name: 'Kysely',
    ops: {
      'insert returning': async () => {
        const row = await db
          .insertInto('users')
          .values({ nickname: 'fantix' })
          .returningAll()
          .executeTakeFirstOrThrow();
        created.push(row.id);
      },
      'get by primary key': (i) =>
        db
          .selectFrom('users')
          .selectAll()
          .where('id', '=', (i % 9) + 1)
          .executeTakeFirst(),
      'select where id < 10': () => db.selectFrom('users').selectAll().where('id', '<', 10).execute(),
      'select one column': async (i) =>
        (
          await db
            .selectFrom('users')
            .select('nickname')
            .where('id', '=', (i % 9) + 1)
            .executeTakeFirst()
        )?.nickname ?? null,
      count: async () =>
        (
          await db
            .selectFrom('users')
            .select((eb) => eb.fn.count('id').as('count'))
            .executeTakeFirstOrThrow()
        ).count,
      'update by id returning': (i) =>
        db
          .updateTable('users')
          .set({ nickname: `daisy${i}` })
          .where('id', '=', (i % 9) + 1)
          .returning('nickname')
          .execute(),
      'delete by id': () =>
        db
          .deleteFrom('users')
          .where('id', '=', created.pop() as number)
          .execute(),
      'class-level update (expression)': () =>
        db
          .updateTable('users')
          .set((eb) => ({ nickname: eb(eb.val('Founding Member '), '||', eb.ref('nickname')) }))
          .where('id', '<', 10)
          .execute(),
    },
    close: () => db.destroy(),
  };
}
