/**
 * Writes typed by the model: inserts require the NOT NULL columns without a default, updates take
 * only known columns (and, on instances, JSON properties), values of each column's type.
 */
import { describe, expectTypeOf, test } from 'vitest';
import type { ColumnValues, ModelInsert, ModelUpdate, ModelValues, UpdateRequest } from '../../src/index.js';
import type { ColumnDef } from '../../src/sql/table.js';
import { Author, db, Post, Slug } from './schema.js';

describe('inserts', () => {
  test('create() requires NOT NULL columns without a default', () => {
    // @ts-expect-error email is NOT NULL without a default (the server would answer 23502)
    void Author.create({ name: 'x' });
    // @ts-expect-error a typo among the right keys
    void Author.create({ name: 'x', email: 'y', karam: 1 });
    // @ts-expect-error entries of the definition that are not columns (a constraint) are no keys
    void Author.create({ name: 'x', email: 'y', _email: 'x' });
    // @ts-expect-error name and email are required: create() needs values
    void Author.create();
    expectTypeOf(Author.create({ name: 'x', email: 'x@y' })).resolves.toEqualTypeOf<Author>();
    // a SERIAL key, a default, a server default, a nullable column and JSON properties may be left out
    void Author.create({ name: 'x', email: 'x@y', bio: null, age: 3 });
    void Post.create({ title: 't', state: 'draft' });
  });

  test('a key that is not SERIAL must be given', () => {
    // @ts-expect-error slug (text primary key) and counter (autoincrement: false) are required
    void Slug.create({ postId: 1n });
    // @ts-expect-error counter is required: autoincrement: false
    void Slug.create({ slug: 's', postId: 1n });
    void Slug.create({ slug: 's', postId: 1n, counter: 1 });
  });

  test('new Model(values) takes what create() takes; new Model() is an empty instance', () => {
    // @ts-expect-error email is required
    new Author({ name: 'x' });
    new Author({ name: 'x', email: 'y' });
    expectTypeOf(new Author()).toEqualTypeOf<Author>();
  });

  test('insert().values() requires the same columns, for each row', () => {
    // @ts-expect-error a typo: titel is no column of posts
    Post.insert().values({ titel: 'x', title: 'x', state: 'draft' });
    // @ts-expect-error state is required
    Post.insert().values({ title: 'x' });
    // @ts-expect-error the second row lacks state
    Post.insert().values([{ title: 'a', state: 'draft' }, { title: 'b' }]);
    Post.insert().values([
      { title: 'a', state: 'draft' },
      { title: 'b', state: 'published', views: 3 },
    ]);
    // @ts-expect-error an unknown conflict target
    Post.insert().values({ title: 'a', state: 'draft' }).onConflictDoNothing(['titel']);
    Post.insert()
      .values({ title: 'a', state: 'draft' })
      .onConflictDoUpdate(['id'], { title: db.excluded(Post.title) });
    // @ts-expect-error onConflictDoUpdate sets known columns only
    Post.insert().values({ title: 'a', state: 'draft' }).onConflictDoUpdate(['id'], { titel: 'x' });
  });

  test('values follow the type table; null only where the column is nullable', () => {
    // @ts-expect-error views (a BigInteger) takes a bigint, a number or a string of digits
    void Post.create({ title: 't', state: 'draft', views: 'many' });
    // @ts-expect-error nor a boolean
    void Post.create({ title: 't', state: 'draft', views: true });
    // the precision types take what their serializer takes; DateTime an ISO string too
    void Post.create({ id: 1, title: 't', state: 'draft', views: 1n });
    void Post.create({ id: '12', title: 't', state: 'draft', views: '3' });
    void Author.create({ name: 'x', email: 'y', joined: '2024-01-01T00:00:00Z' });
    // @ts-expect-error not one of the enum's values
    void Post.create({ title: 't', state: 'deleted' });
    // @ts-expect-error title is NOT NULL
    void Post.create({ title: null, state: 'draft' });
    // @ts-expect-error tags is text[]
    void Post.create({ title: 't', state: 'draft', tags: [1] });
    // @ts-expect-error joined is a Date
    void Author.create({ name: 'x', email: 'y', joined: 5 });
    // @ts-expect-error age (an IntegerProperty) is a number
    void Author.create({ name: 'x', email: 'y', age: 'old' });
    void Post.create({ id: 1n, title: 't', state: 'draft', tags: ['a'], authorId: null });
  });

  test('expressions are accepted where a value is', () => {
    void Author.create({ name: db.func.upper('x'), email: db.concat('a', '@b'), joined: db.func.now() });
    Post.insert().values({ title: Post.title.concat('!'), state: 'draft', views: Post.views.add(1) });
  });
});

describe('updates', () => {
  test('class update.values() takes known columns only', () => {
    // @ts-expect-error a typo: titel is no column of posts
    Post.update.values({ titel: 'x' });
    // @ts-expect-error views is a number
    Post.update.values({ views: 'many' });
    // @ts-expect-error a constraint of the definition is no column
    Author.update.values({ _email: 'x' });
    // @ts-expect-error title is NOT NULL
    Post.update.values({ title: null });
    Post.update.values({ title: 'x', tags: null, views: Post.views.add(1) }).where(Post.id.eq(1n));
  });

  test('instance update() and UpdateRequest.update() take columns and JSON properties', async () => {
    const author = await Author.create({ name: 'x', email: 'y' });
    // @ts-expect-error no such column or property
    author.update({ nmae: 'y' });
    // @ts-expect-error age is a number
    author.update({ age: 'old' });
    const request = author.update({ name: 'y', age: 4, title: null });
    expectTypeOf(request).toEqualTypeOf<UpdateRequest<Author>>();
    // @ts-expect-error the chained update() checks keys too
    request.update({ nmae: 'z' });
    // @ts-expect-error and value types
    request.update({ karma: 'lots' });
    expectTypeOf(request.update({ karma: Author.karma.add(1) })).toEqualTypeOf<UpdateRequest<Author>>();
    expectTypeOf(request.apply()).resolves.toEqualTypeOf<Author>();
  });
});

describe('definitions with entries that are not columns', () => {
  // Only db.Column(...) entries (and JSON properties) become keys of values: a relationship, a
  // constraint or an index of the definition drops out of every write and of the instance values.
  type Definition = {
    readonly __tablename__: 'notes';
    readonly id: ColumnDef<number, true, true, number>;
    readonly body: ColumnDef<string, true, false, string>;
    readonly author: { readonly kind: 'relationship'; readonly target: () => unknown };
    readonly _idx: { readonly kind: 'index' };
  };

  test('insert, update and value keys are the columns', () => {
    expectTypeOf<keyof ModelInsert<Definition>>().toEqualTypeOf<'id' | 'body'>();
    expectTypeOf<keyof ModelUpdate<Definition>>().toEqualTypeOf<'id' | 'body'>();
    expectTypeOf<keyof ColumnValues<Definition>>().toEqualTypeOf<'id' | 'body'>();
    expectTypeOf<keyof ModelValues<Definition>>().toEqualTypeOf<'id' | 'body'>();
    expectTypeOf<{ body: 'b' }>().toExtend<ModelInsert<Definition>>();
    expectTypeOf<{ id: 1 }>().not.toExtend<ModelInsert<Definition>>();
  });
});

describe('relationships are no values', () => {
  class Writer extends db.Model({
    __tablename__: 'types_writers',
    id: db.Column(db.Integer(), { primaryKey: true }),
    name: db.Column(db.Unicode(), { nullable: false }),
    posts: db.relationship<Article[]>(() => Article, { many: true }),
  }) {}
  class Article extends db.Model({
    __tablename__: 'types_articles',
    id: db.Column(db.Integer(), { primaryKey: true }),
    writerId: db.Column(db.Integer(), { nullable: false, references: db.ForeignKey('types_writers.id') }),
    writer: db.relationship(() => Writer),
  }) {}

  test('a relationship is neither required nor accepted by inserts and updates', async () => {
    const writer = await Writer.create({ name: 'w' });
    await Article.create({ writerId: writer.id });
    // @ts-expect-error a relationship is not a column: it is loaded, not written
    void Article.create({ writerId: 1, writer });
    // @ts-expect-error nor is it set by update()
    writer.update({ posts: [] });
    // @ts-expect-error nor by the class's UPDATE
    Article.update.values({ writer });
    // @ts-expect-error the column is still required
    void Article.create({});
  });
});
