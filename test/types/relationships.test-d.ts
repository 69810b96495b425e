/**
 * Types of relationships: the attribute each declaration adds (`post.author: Author | null`,
 * `author.posts: Post[]`, unset until loaded), and loaded results typed through nested loads,
 * relation queries, counts and pages.
 */
import { describe, expectTypeOf, test } from 'vitest';
import { Gino } from '../../src/index.js';

const db = new Gino();

class Author extends db.Model({
  __tablename__: 'types_rel_authors',
  id: db.Column(db.Integer(), { primaryKey: true }),
  name: db.Column(db.Unicode(), { nullable: false }),
  // The two models refer to each other: one side says its attribute type.
  posts: db.relationship<Post[]>(() => Post, { many: true }),
}) {}
class Post extends db.Model({
  __tablename__: 'types_rel_posts',
  id: db.Column(db.Integer(), { primaryKey: true }),
  authorId: db.Column(db.Integer(), { name: 'author_id', references: db.ForeignKey('types_rel_authors.id') }),
  title: db.Column(db.Unicode(), { nullable: false }),
  author: db.relationship(() => Author),
  tags: db.relationship(() => Tag, { secondary: () => PostTag, many: true }),
}) {}
class Tag extends db.Model({
  __tablename__: 'types_rel_tags',
  id: db.Column(db.Integer(), { primaryKey: true }),
  name: db.Column(db.Unicode(), { nullable: false }),
}) {}
class PostTag extends db.Model({
  __tablename__: 'types_rel_post_tags',
  postId: db.Column(db.Integer(), { name: 'post_id', references: db.ForeignKey('types_rel_posts.id') }),
  tagId: db.Column(db.Integer(), { name: 'tag_id', references: db.ForeignKey('types_rel_tags.id') }),
}) {}

describe('relationship types', () => {
  test('declared relationships are optional attributes of every instance, typed by kind', () => {
    const post = new Post();
    expectTypeOf(post.author).toEqualTypeOf<Author | null | undefined>();
    expectTypeOf(post.tags).toEqualTypeOf<Tag[] | undefined>();
    expectTypeOf(new Author().posts).toEqualTypeOf<Post[] | undefined>();
  });

  test('relationships are not values of create(), new Model() or update()', () => {
    // @ts-expect-error: a relationship is not a column
    void Post.create({ title: 't', author: new Author() });
    // @ts-expect-error: nor in the constructor's values
    void new Author({ name: 'n', posts: [] });
    // @ts-expect-error: nor in update()
    void new Post().update({ tags: [] });
  });

  test('loading by name sets them: post.author is Author | null, author.posts is Post[]', async () => {
    const posts = await Post.load('author', 'tags').query.gino.all();
    expectTypeOf(posts[0]!.author).toEqualTypeOf<Author | null>();
    expectTypeOf(posts[0]!.tags).toEqualTypeOf<Tag[]>();
    expectTypeOf(posts[0]!.title).toEqualTypeOf<string>();
    const authors = await Author.load('posts').query.orderBy(Author.id).limit(10).gino.all();
    expectTypeOf(authors[0]!.posts).toEqualTypeOf<Post[]>();
  });

  test('nested loads and relation queries type each level', async () => {
    const authors = await Author.load({ posts: Post.load('tags', 'author') }).query.gino.all();
    const post = authors[0]!.posts[0]!;
    expectTypeOf(post.tags).toEqualTypeOf<Tag[]>();
    expectTypeOf(post.author).toEqualTypeOf<Author | null>();
    const latest = await Author.load({ posts: Post.query.orderBy(Post.id.desc()).limit(3) }).query.gino.all();
    expectTypeOf(latest[0]!.posts).toEqualTypeOf<Post[]>();
    const withAuthor = await Post.load({ author: Author.load('posts') }).query.gino.first();
    expectTypeOf(withAuthor!.author!.posts).toEqualTypeOf<Post[]>();
  });

  test('counts are numbers; pages are { items, total }', async () => {
    const authors = await Author.load({ postCount: Author.countOf('posts') }).query.gino.all();
    expectTypeOf(authors[0]!.postCount).toEqualTypeOf<number>();
    // @ts-expect-error: not a relationship of Author
    Author.countOf('tags');
    const page = await Author.load('posts').query.orderBy(Author.id).gino.paginate({ page: 2, perPage: 20 });
    expectTypeOf(page.total).toEqualTypeOf<number>();
    expectTypeOf(page.items[0]!.posts).toEqualTypeOf<Post[]>();
  });

  test('an alias loads relationships by name too', async () => {
    const Other = Post.alias('other');
    const rows = await Other.load('author').query.gino.all();
    expectTypeOf(rows[0]!.author).toEqualTypeOf<Author | null>();
    const withTags = await Author.load({ posts: Other.load('tags') }).query.gino.all();
    expectTypeOf(withTags[0]!.posts[0]!.tags).toEqualTypeOf<Tag[]>();
  });

  test('column loads keep working beside relationship names', async () => {
    const rows = await Post.load('id', 'title', 'author').query.gino.all();
    expectTypeOf(rows[0]!.author).toEqualTypeOf<Author | null>();
    // @ts-expect-error: neither a column nor a relationship
    Post.load('nothing');
  });
});
