/**
 * `db.func`: every function PostgreSQL ships is callable without `!` under `strict` and
 * `noUncheckedIndexedAccess` (this repository's tsconfig has both), typed for the common ones.
 */
import { describe, expectTypeOf, test } from 'vitest';
import type { Func } from '../../src/index.js';
import { Author, db, Post } from './schema.js';

describe('db.func', () => {
  test('any function PostgreSQL has is callable without !, unknown unless given <T>', () => {
    expectTypeOf(db.func.currval('posts_id_seq')).toEqualTypeOf<Func<unknown>>();
    expectTypeOf(db.func.nextval<bigint>('posts_id_seq')).toEqualTypeOf<Func<bigint>>();
    expectTypeOf(db.func.to_tsvector('english', Post.title)).toEqualTypeOf<Func<unknown>>();
    expectTypeOf(db.func.current_date()).toEqualTypeOf<Func<unknown>>();
  });

  test('a function of your own: through the index (`!` under noUncheckedIndexedAccess)', () => {
    // @ts-expect-error possibly undefined under noUncheckedIndexedAccess: not a PostgreSQL function
    db.func.my_function(1);
    expectTypeOf(db.func.my_function!<number>(1)).toEqualTypeOf<Func<number>>();
  });

  test('aggregates', () => {
    expectTypeOf(db.func.count(Post.id)).toEqualTypeOf<Func<number>>();
    expectTypeOf(db.func.count()).toEqualTypeOf<Func<number>>();
    expectTypeOf(db.func.sum(Post.views)).toEqualTypeOf<Func<number | null>>();
    expectTypeOf(db.func.sum(Post.id)).toEqualTypeOf<Func<string | null>>();
    expectTypeOf(db.func.avg(Post.id)).toEqualTypeOf<Func<string | null>>();
    expectTypeOf(db.func.avg(Post.views)).toEqualTypeOf<Func<string | number | null>>();
    expectTypeOf(db.func.max(Author.joined)).toEqualTypeOf<Func<Date | null>>();
    expectTypeOf(db.func.min(Post.title)).toEqualTypeOf<Func<string | null>>();
    expectTypeOf(db.func.json_agg(Author.joined)).toEqualTypeOf<Func<string[] | null>>();
    expectTypeOf(db.func.jsonb_agg(Post.id)).toEqualTypeOf<Func<number[] | null>>();
    expectTypeOf(db.func.json_object_agg(Post.title, Post.id)).toEqualTypeOf<Func<Record<string, unknown> | null>>();
  });

  test('scalar functions', () => {
    expectTypeOf(db.func.now()).toEqualTypeOf<Func<Date>>();
    expectTypeOf(db.func.lower(Author.name)).toEqualTypeOf<Func<string>>();
    expectTypeOf(db.func.upper(Author.bio)).toEqualTypeOf<Func<string | null>>();
    expectTypeOf(db.func.length(Post.title)).toEqualTypeOf<Func<number>>();
    expectTypeOf(db.func.coalesce(Author.bio, '')).toEqualTypeOf<Func<string>>();
    expectTypeOf(db.func.coalesce(Author.bio, Author.bio)).toEqualTypeOf<Func<string | null>>();
    expectTypeOf(db.func.greatest(Post.views, 10)).toEqualTypeOf<Func<number>>();
    expectTypeOf(db.func.least(Author.karma, Author.karma)).toEqualTypeOf<Func<number>>();
    expectTypeOf(db.func.jsonb_build_object('id', Post.id)).toEqualTypeOf<Func<Record<string, unknown>>>();
    expectTypeOf(db.func.json_build_array(Post.id)).toEqualTypeOf<Func<unknown[]>>();
    expectTypeOf(db.func.to_jsonb(Author.joined)).toEqualTypeOf<Func<string>>();
  });

  test('their rows and scalars', async () => {
    expectTypeOf(await db.func.max(Post.views).gino.scalar()).toEqualTypeOf<number | null>();
    const row = await db
      .select([Post.authorId, db.func.count(Post.id).label('n'), db.func.max(Post.views).label('top')])
      .groupBy(Post.authorId)
      .gino.first();
    expectTypeOf(row).toEqualTypeOf<{ authorId: number | null; n: number; top: number | null } | null>();
  });
});
