/**
 * Results typed by the query: rows of `db.select([...])` from the selected columns and labels
 * (nullable where the column is, or where an outer join makes it), `scalar()` from the first
 * column, statics typed as the subclass they are read on.
 */
import { describe, expectTypeOf, test } from 'vitest';
import type { StatusResult, SubclassQuery } from '../../src/index.js';
import { Author, db, Post, Slug } from './schema.js';

describe('db.select() rows', () => {
  test('columns by key, labels by name, nullable where the column is', async () => {
    const rows = await db.select([Post.id, Author.c.name, Author.bio, Post.title.label('heading')]).gino.all();
    expectTypeOf(rows).toEqualTypeOf<{ id: bigint; name: string; bio: string | null; heading: string }[]>();
  });

  test('the issue case: a join of two models', async () => {
    const rows = await db.select([Post.id, Author.c.name]).selectFrom(Post.join(Author)).gino.all();
    expectTypeOf(rows).toEqualTypeOf<{ id: bigint; name: string }[]>();
  });

  test('an outer join makes the right side nullable', async () => {
    const viaFrom = await db.select([Post.id, Author.c.name]).selectFrom(Post.outerjoin(Author)).gino.first();
    expectTypeOf(viaFrom).toEqualTypeOf<{ id: bigint; name: string | null } | null>();
    const viaSelect = await db.select([Author.id, Post.title]).selectFrom(Author).outerjoin(Post).gino.all();
    expectTypeOf(viaSelect).toEqualTypeOf<{ id: number; title: string | null }[]>();
    const inner = await db.select([Author.id, Post.title]).selectFrom(Author).join(Post).gino.all();
    expectTypeOf(inner).toEqualTypeOf<{ id: number; title: string }[]>();
    // a chain: posts LEFT JOIN authors JOIN slugs: authors stay nullable, slugs are not
    const chain = await db
      .select([Post.title, Author.email, Slug.slug])
      .selectFrom(Post.outerjoin(Author).join(Slug, Slug.postId.eq(Post.id)))
      .gino.all();
    expectTypeOf(chain).toEqualTypeOf<{ title: string; email: string | null; slug: string }[]>();
  });

  test('an aliased self-join: the alias columns are nullable when outer-joined', async () => {
    const Boss = Author.alias('boss');
    const rows = await db
      .select([Author.c.name, Boss.c.name.label('boss')])
      .selectFrom(Author.outerjoin(Boss, Author.karma.eq(Boss.id)))
      .gino.all();
    expectTypeOf(rows).toEqualTypeOf<{ name: string; boss: string | null }[]>();
    const all = await db
      .select([Author.id, Boss])
      .selectFrom(Author.outerjoin(Boss, Author.karma.eq(Boss.id)))
      .gino.first();
    expectTypeOf(all!.email).toEqualTypeOf<string | null>();
  });

  test('a model in the list stands for its columns', async () => {
    const row = await db.select([Post]).gino.first();
    expectTypeOf(row).toEqualTypeOf<{
      id: bigint;
      authorId: number | null;
      title: string;
      views: number;
      state: 'draft' | 'published';
      tags: string[] | null;
    } | null>();
  });

  test('unlabelled expressions leave the row open (keyed count_1, ...)', async () => {
    const row = await db
      .select([Post.authorId, db.func.count(Post.id)])
      .groupBy(Post.authorId)
      .gino.first();
    expectTypeOf(row!.authorId).toEqualTypeOf<number | null>();
    expectTypeOf(row!.count_1).toEqualTypeOf<unknown>();
  });

  test('scalar() is the first column', async () => {
    expectTypeOf(await db.select([db.func.count(Post.id)]).gino.scalar()).toEqualTypeOf<number | null>();
    expectTypeOf(await db.func.count(Post.id).gino.scalar()).toEqualTypeOf<number | null>();
    expectTypeOf(await db.select([Post.title, Post.id]).gino.scalar()).toEqualTypeOf<string | null>();
    expectTypeOf(await db.select(Post.views).gino.scalar()).toEqualTypeOf<number | null>();
    expectTypeOf(await db.scalar(db.select([Post.state]))).toEqualTypeOf<'draft' | 'published' | null>();
  });

  test('withOnlyColumns() types again', async () => {
    const rows = await db.select([Post.id]).withOnlyColumns(Post.title, Post.tags).gino.all();
    expectTypeOf(rows).toEqualTypeOf<{ title: string; tags: string[] | null }[]>();
    expectTypeOf(await Post.query.withOnlyColumns(Post.views).gino.scalar()).toEqualTypeOf<number | null>();
  });

  test('first() is T | null; one() T; status() a StatusResult of the rows', async () => {
    const q = db.select([Author.id]);
    expectTypeOf(await q.gino.first()).toEqualTypeOf<{ id: number } | null>();
    expectTypeOf(await q.gino.one()).toEqualTypeOf<{ id: number }>();
    expectTypeOf(await q.gino.status()).toEqualTypeOf<StatusResult<{ id: number }>>();
    expectTypeOf(await Post.update.values({ views: 1 }).returning().gino.status()).toExtend<StatusResult<Post>>();
    expectTypeOf(await Post.delete.where(Post.id.eq(1n)).gino.status()).toExtend<StatusResult<Post>>();
    expectTypeOf(await Post.insert().values({ title: 't', state: 'draft' }).returning().gino.all()).toEqualTypeOf<
      Post[]
    >();
  });
});

describe('model statics are typed as the subclass', () => {
  class Admin extends Author {
    isAdmin(): boolean {
      return true;
    }
  }

  test('methods are typed by the class they are called on', async () => {
    expectTypeOf(await Admin.insert().values({ name: 'a', email: 'b' }).returning().gino.one()).toEqualTypeOf<Admin>();
    expectTypeOf(await Admin.create({ name: 'a', email: 'b' })).toEqualTypeOf<Admin>();
    expectTypeOf(await Admin.get(1)).toEqualTypeOf<Admin | null>();
    expectTypeOf(await Admin.load('id').gino.all()).toEqualTypeOf<Admin[]>();
    expectTypeOf(await Admin.on(Admin.id.eq(1)).gino.all()).toEqualTypeOf<Admin[]>();
    const admin = await Admin.create({ name: 'a', email: 'b' });
    expectTypeOf(await admin.query.gino.first()).toEqualTypeOf<Admin | null>();
  });

  test('the query property (no this type for static properties in TypeScript): .gino.model(Admin)', async () => {
    expectTypeOf(await Admin.query.gino.model(Admin).all()).toEqualTypeOf<Admin[]>();
    expectTypeOf(await Admin.query.gino.all()).items.not.toHaveProperty('isAdmin');
    expectTypeOf(await Author.query.gino.all()).toExtend<Author[]>();
  });

  test('a subclass that declares its query (SubclassQuery) reads its own rows from Admin.query', async () => {
    class Editor extends Author {
      declare static readonly query: SubclassQuery<Editor, typeof Author>;
      canEdit(): boolean {
        return true;
      }
    }
    expectTypeOf(await Editor.query.gino.all()).toEqualTypeOf<Editor[]>();
    expectTypeOf(await Editor.query.where(Editor.id.eq(1)).gino.first()).toEqualTypeOf<Editor | null>();
    expectTypeOf<ReturnType<typeof Editor.query.gino.scalar>>().toEqualTypeOf<
      ReturnType<typeof Author.query.gino.scalar>
    >();
    // @ts-expect-error the declared rows must be the subclass's instances
    class Wrong extends Author {
      declare static readonly query: SubclassQuery<Post, typeof Author>;
    }
    void Wrong;
  });

  test('loaders keep their types', async () => {
    const posts = await Post.load({ author: Author }).query.gino.all();
    expectTypeOf(posts).toExtend<Post[]>();
    expectTypeOf(posts[0]!.author).toEqualTypeOf<Author | undefined>();
    expectTypeOf(
      await db.select([Post, Author]).selectFrom(Post.outerjoin(Author)).gino.load(Post).all(),
    ).toEqualTypeOf<Post[]>();
    expectTypeOf(await db.select([Post, Author]).gino.load([Post, Author.name]).first()).toEqualTypeOf<
      [Post, string] | null
    >();
  });
});
