/**
 * Relationships (issue 15): declared with `db.relationship()`, loaded by name, nested, filtered,
 * counted and paginated — every graph in one statement, LIMIT/OFFSET counting parents, and the
 * values of related rows exactly those of top-level rows. The oracle is independent: raw SQL
 * strings read the same rows (through the top-level path), and the edge values are compared with
 * the JavaScript values that were written.
 */
import { beforeAll, describe, expect } from 'vitest';
import { DatabaseError, Gino, InvalidRequestError } from '../../src/index.js';
import { type SuiteContext, suiteTest } from './harness.js';

type Row = Record<string, unknown>;

export function relationshipsSuite(ctx: SuiteContext): void {
  describe('relationships', () => {
    const { db } = ctx;

    // ---- the blog of the issue --------------------------------------------------------------
    class Author extends db.Model({
      __tablename__: 'rl_authors',
      id: db.Column(db.Integer(), { primaryKey: true }),
      name: db.Column(db.Unicode(), { nullable: false }),
      posts: db.relationship<Post[]>(() => Post, { many: true, foreignKey: 'authorId' }),
      profile: db.relationship<Profile | null>(() => Profile),
      following: db.relationship<Author[]>(() => Author, {
        secondary: () => Follow,
        many: true,
        foreignKey: 'followerId',
      }),
      followers: db.relationship<Author[]>(() => Author, {
        secondary: () => Follow,
        many: true,
        foreignKey: 'followeeId',
      }),
    }) {
      get label(): string {
        return `@${this.name}`;
      }
    }
    class Profile extends db.Model({
      __tablename__: 'rl_profiles',
      id: db.Column(db.Integer(), { primaryKey: true }),
      authorId: db.Column(db.Integer(), {
        name: 'author_id',
        unique: true,
        references: db.ForeignKey('rl_authors.id'),
      }),
      bio: db.Column(db.Text()),
    }) {}
    class Post extends db.Model({
      __tablename__: 'rl_posts',
      id: db.Column(db.Integer(), { primaryKey: true }),
      authorId: db.Column(db.Integer(), { name: 'author_id', references: db.ForeignKey('rl_authors.id') }),
      editorId: db.Column(db.Integer(), { name: 'editor_id', references: db.ForeignKey('rl_authors.id') }),
      title: db.Column(db.Unicode(), { nullable: false }),
      author: db.relationship(() => Author, { foreignKey: 'authorId' }),
      editor: db.relationship(() => Author, { foreignKey: 'editorId' }),
      tags: db.relationship(() => Tag, { secondary: () => PostTag, many: true }),
    }) {}
    class Tag extends db.Model({
      __tablename__: 'rl_tags',
      id: db.Column(db.Integer(), { primaryKey: true }),
      name: db.Column(db.Unicode(), { nullable: false }),
      posts: db.relationship<Post[]>(() => Post, { secondary: () => PostTag, many: true }),
    }) {}
    class PostTag extends db.Model({
      __tablename__: 'rl_post_tags',
      postId: db.Column(db.Integer(), { name: 'post_id', primaryKey: true, references: db.ForeignKey('rl_posts.id') }),
      tagId: db.Column(db.Integer(), { name: 'tag_id', primaryKey: true, references: db.ForeignKey('rl_tags.id') }),
    }) {}
    class Follow extends db.Model({
      __tablename__: 'rl_follows',
      followerId: db.Column(db.Integer(), {
        name: 'follower_id',
        primaryKey: true,
        references: db.ForeignKey('rl_authors.id'),
      }),
      followeeId: db.Column(db.Integer(), {
        name: 'followee_id',
        primaryKey: true,
        references: db.ForeignKey('rl_authors.id'),
      }),
    }) {}

    // ---- self-reference and composite keys --------------------------------------------------
    class Category extends db.Model({
      __tablename__: 'rl_categories',
      id: db.Column(db.Integer(), { primaryKey: true }),
      name: db.Column(db.Unicode(), { nullable: false }),
      parentId: db.Column(db.Integer(), { name: 'parent_id', references: db.ForeignKey('rl_categories.id') }),
      parent: db.relationship<Category | null>(() => Category),
      children: db.relationship<Category[]>(() => Category, { many: true }),
    }) {}
    class Shelf extends db.Model({
      __tablename__: 'rl_shelves',
      library: db.Column(db.String(10), { primaryKey: true }),
      code: db.Column(db.Integer(), { primaryKey: true }),
      label: db.Column(db.Unicode()),
      books: db.relationship<Book[]>(() => Book, { many: true }),
    }) {}
    class Book extends db.Model({
      __tablename__: 'rl_books',
      id: db.Column(db.Integer(), { primaryKey: true }),
      library: db.Column(db.String(10)),
      shelfCode: db.Column(db.Integer(), { name: 'shelf_code' }),
      title: db.Column(db.Unicode(), { nullable: false }),
      _fk: db.ForeignKeyConstraint(['library', 'shelf_code'], ['rl_shelves.library', 'rl_shelves.code']),
      shelf: db.relationship(() => Shelf),
      // The same books by an explicit condition, not a foreign key.
      neighbours: db.relationship<Book[]>(() => Book, {
        many: true,
        on: (self, other) =>
          db.and(other.library.eq(self.library), other.shelfCode.eq(self.shelfCode), other.id.ne(self.id)),
      }),
    }) {}

    // ---- edge values through every kind of relationship --------------------------------------
    class Holder extends db.Model({
      __tablename__: 'rl_holders',
      id: db.Column(db.Integer(), { primaryKey: true }),
      edges: db.relationship<Edge[]>(() => Edge, { many: true, foreignKey: 'holderId' }),
      twin: db.relationship<Edge | null>(() => Edge, { foreignKey: 'twinOf' }),
      tagged: db.relationship<Edge[]>(() => Edge, { secondary: () => HolderEdge, many: true }),
    }) {}
    class Pointer extends db.Model({
      __tablename__: 'rl_pointers',
      id: db.Column(db.Integer(), { primaryKey: true }),
      edgeId: db.Column(db.Integer(), { name: 'edge_id', references: db.ForeignKey('rl_edges.id') }),
      edge: db.relationship(() => Edge),
    }) {}
    class Edge extends db.Model({
      __tablename__: 'rl_edges',
      id: db.Column(db.Integer(), { primaryKey: true }),
      holderId: db.Column(db.Integer(), { name: 'holder_id', references: db.ForeignKey('rl_holders.id') }),
      twinOf: db.Column(db.Integer(), { name: 'twin_of', unique: true, references: db.ForeignKey('rl_holders.id') }),
      parentId: db.Column(db.Integer(), { name: 'parent_id', references: db.ForeignKey('rl_edges.id') }),
      big: db.Column(db.BigInteger()),
      bigText: db.Column(db.BigInteger({ mode: 'string' }), { name: 'big_text' }),
      num: db.Column(db.Numeric()),
      day: db.Column(db.Date()),
      at: db.Column(db.DateTime()),
      atz: db.Column(db.DateTime({ timezone: true })),
      bin: db.Column(db.LargeBinary()),
      doc: db.Column(db.JSONB()),
      ints: db.Column(db.ARRAY(db.Integer())),
      days: db.Column(db.ARRAY(db.Date())),
      txt: db.Column(db.Text()),
      flag: db.Column(db.Boolean()),
      ratio: db.Column(db.Float()),
      parent: db.relationship<Edge | null>(() => Edge, { foreignKey: 'parentId' }),
      children: db.relationship<Edge[]>(() => Edge, { many: true, foreignKey: 'parentId' }),
    }) {}
    class HolderEdge extends db.Model({
      __tablename__: 'rl_holder_edges',
      holderId: db.Column(db.Integer(), {
        name: 'holder_id',
        primaryKey: true,
        references: db.ForeignKey('rl_holders.id'),
      }),
      edgeId: db.Column(db.Integer(), { name: 'edge_id', primaryKey: true, references: db.ForeignKey('rl_edges.id') }),
    }) {}

    // ---- a random blog, against a JavaScript model of it --------------------------------------
    class DAuthor extends db.Model({
      __tablename__: 'rl_d_authors',
      id: db.Column(db.Integer(), { primaryKey: true }),
      rank: db.Column(db.Integer(), { nullable: false }),
      posts: db.relationship<DPost[]>(() => DPost, { many: true }),
    }) {}
    class DPost extends db.Model({
      __tablename__: 'rl_d_posts',
      id: db.Column(db.Integer(), { primaryKey: true }),
      authorId: db.Column(db.Integer(), { name: 'author_id', references: db.ForeignKey('rl_d_authors.id') }),
      score: db.Column(db.Integer(), { nullable: false }),
      author: db.relationship(() => DAuthor),
      labels: db.relationship(() => DLabel, { secondary: () => DPostLabel, many: true }),
    }) {}
    class DLabel extends db.Model({
      __tablename__: 'rl_d_labels',
      id: db.Column(db.Integer(), { primaryKey: true }),
    }) {}
    class DPostLabel extends db.Model({
      __tablename__: 'rl_d_post_labels',
      postId: db.Column(db.Integer(), {
        name: 'post_id',
        primaryKey: true,
        references: db.ForeignKey('rl_d_posts.id'),
      }),
      labelId: db.Column(db.Integer(), {
        name: 'label_id',
        primaryKey: true,
        references: db.ForeignKey('rl_d_labels.id'),
      }),
    }) {}

    const HUNDRED = `${'9876543210'.repeat(10)}.0000000001`;
    const BYTES = Uint8Array.from({ length: 256 }, (_, i) => (i * 7) % 256);
    const EDGES: Row[] = [
      {
        id: 1,
        big: 2n ** 62n + 7n,
        bigText: '-9223372036854775808',
        num: HUNDRED,
        day: '0044-03-15 BC',
        at: new Date(8.64e15),
        atz: new Date(Date.UTC(2024, 1, 29, 23, 59, 59, 123)),
        bin: BYTES,
        doc: { n: 1.5, s: 'x"\\y', nested: [1, null, { big: '12345678901234567890' }] },
        ints: [1, null, -2147483648],
        days: ['2000-02-29', '0001-01-01 BC'],
        txt: 'quote " backslash \\ newline \n snowman ☃ nul-free',
        flag: true,
        ratio: 0.1 + 0.2,
      },
      {
        id: 2,
        big: -(2n ** 63n),
        bigText: '9223372036854775807',
        num: '-0.000000000000000000000000000001',
        day: '5874897-12-31',
        at: new Date(-8.64e15),
        atz: new Date(Date.parse('0001-01-01T00:00:00.000Z') - 1),
        bin: new Uint8Array([0, 92, 120, 0]),
        doc: [],
        ints: [],
        days: [],
        txt: '',
        flag: false,
        ratio: 5e-324,
      },
      {
        id: 3,
        big: null,
        bigText: null,
        num: null,
        day: 'infinity',
        at: null,
        atz: null,
        bin: new Uint8Array(0),
        doc: null,
        ints: null,
        days: null,
        txt: null,
        flag: null,
        ratio: 1.7976931348623157e308,
      },
    ];
    const EDGE_KEYS = Object.keys(EDGES[0] as Row);
    const pickEdge = (e: object): Row => Object.fromEntries(EDGE_KEYS.map((k) => [k, (e as Row)[k]]));

    beforeAll(async () => {
      await db.gino.dropAll();
      await db.gino.createAll();
      // The blog: Ada has 3 posts, Bob 1, Cy none; editors cross over.
      const rows = (sql: string) => db.status(sql);
      await rows("INSERT INTO rl_authors (id, name) VALUES (1, 'Ada'), (2, 'Bob'), (3, 'Cy'), (4, 'Dee')");
      await rows("INSERT INTO rl_profiles (id, author_id, bio) VALUES (1, 2, 'Bob''s bio')");
      await rows(
        "INSERT INTO rl_posts (id, author_id, editor_id, title) VALUES (1, 1, 2, 'a1'), (2, 1, NULL, 'a2'), (3, 1, 2, 'a3'), (4, 2, 1, 'b1'), (5, 4, NULL, 'd1')",
      );
      await rows("INSERT INTO rl_tags (id, name) VALUES (1, 'sql'), (2, 'ts'), (3, 'edge')");
      await rows('INSERT INTO rl_post_tags (post_id, tag_id) VALUES (1, 1), (1, 2), (3, 3), (4, 1), (4, 2), (4, 3)');
      await rows('INSERT INTO rl_follows (follower_id, followee_id) VALUES (1, 2), (1, 3), (2, 1), (3, 1), (4, 1)');
      await rows(
        "INSERT INTO rl_categories (id, name, parent_id) VALUES (1, 'root', NULL), (2, 'a', 1), (3, 'b', 1), (4, 'a.x', 2), (5, 'a.y', 2), (6, 'a.x.i', 4)",
      );
      await rows(
        "INSERT INTO rl_shelves (library, code, label) VALUES ('north', 1, 'N1'), ('north', 2, 'N2'), ('south', 1, 'S1')",
      );
      await rows(
        "INSERT INTO rl_books (id, library, shelf_code, title) VALUES (1, 'north', 1, 'x'), (2, 'north', 1, 'y'), (3, 'south', 1, 'z'), (4, NULL, NULL, 'loose')",
      );
      await rows('INSERT INTO rl_holders (id) VALUES (1), (2), (3)');
      for (const e of EDGES) await Edge.create({ ...e, holderId: 1 } as never);
      await db.status('UPDATE rl_edges SET parent_id = 1 WHERE id IN (2, 3)');
      await db.status('UPDATE rl_edges SET twin_of = 1 WHERE id = 2');
      await db.status('INSERT INTO rl_pointers (id, edge_id) VALUES (1, 1), (2, 3), (3, NULL)');
      // Rows were written with their keys: the sequences go on past them.
      await db.status("SELECT setval(pg_get_serial_sequence('rl_authors', 'id'), 100)");
      await db.status("SELECT setval(pg_get_serial_sequence('rl_posts', 'id'), 100)");
      await db.status('INSERT INTO rl_holder_edges (holder_id, edge_id) VALUES (1, 3), (1, 1), (2, 2)');
    });

    /** Runs `fn` and returns what it resolved to and the statements it sent. */
    async function counted<T>(fn: () => Promise<T>): Promise<[T, string[]]> {
      ctx.clearLog();
      const value = await fn();
      return [value, ctx.sql()];
    }

    /** The oracle of a one-to-many: raw SQL over the child table, grouped by the parent key. */
    async function childrenBySql(sql: string): Promise<Map<unknown, Row[]>> {
      const map = new Map<unknown, Row[]>();
      for (const row of await db.all<Row>(sql)) {
        const key = row.parent_key;
        const { parent_key: _, ...rest } = row;
        map.set(key, [...(map.get(key) ?? []), rest]);
      }
      return map;
    }

    suiteTest(ctx, 'relationships are not columns: not in DDL, create() values or toDict() unless loaded', async () => {
      const columns = await db.all<{ column_name: string }>(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'rl_posts' ORDER BY ordinal_position",
      );
      expect(columns.map((c) => c.column_name)).toEqual(['id', 'author_id', 'editor_id', 'title']);
      ctx.clearLog();
      expect(() => new Post({ title: 'x', author: new Author({ name: 'n' }) } as never)).toThrow(
        /'author' is a relationship of Post, not a column/,
      );
      await expect(Author.create({ name: 'n', posts: [] } as never)).rejects.toThrow(InvalidRequestError);
      expect(ctx.log).toHaveLength(0);
      const plain = await Post.get(1);
      expect(plain?.toDict()).toEqual({ id: 1, authorId: 1, editorId: 2, title: 'a1' });
      expect(plain && 'author' in plain).toBe(false);
      const loaded = await Post.load('author').query.where(Post.id.eq(1)).gino.one();
      expect(loaded.toDict()).toEqual({
        id: 1,
        authorId: 1,
        editorId: 2,
        title: 'a1',
        author: { id: 1, name: 'Ada' },
      });
    });

    suiteTest(ctx, 'many-to-one by name: instances of the related model, null where none, one statement', async () => {
      const [posts, sql] = await counted(() => Post.load('author', 'editor').query.orderBy(Post.id).gino.all());
      expect(sql).toHaveLength(1);
      const oracle = await db.all<Row>(
        'SELECT p.id, a.id AS author_id, a.name AS author_name, e.name AS editor_name FROM rl_posts p LEFT JOIN rl_authors a ON a.id = p.author_id LEFT JOIN rl_authors e ON e.id = p.editor_id ORDER BY p.id',
      );
      expect(posts.map((p) => [p.id, p.author?.id ?? null, p.author?.name ?? null, p.editor?.name ?? null])).toEqual(
        oracle.map((o) => [o.id, o.author_id, o.author_name, o.editor_name]),
      );
      expect(posts[0]?.author).toBeInstanceOf(Author);
      expect(posts[0]?.author?.label).toBe('@Ada');
      expect(posts[1]?.editor).toBeNull();
    });

    suiteTest(ctx, 'the blog: nested one-to-many and many-to-many, three levels deep, in one statement', async () => {
      const [authors, sql] = await counted(() =>
        Author.load({ posts: Post.load({ tags: Tag.load('posts') }) })
          .query.orderBy(Author.id)
          .gino.all(),
      );
      expect(sql).toHaveLength(1);
      const posts = await childrenBySql('SELECT author_id AS parent_key, id, title FROM rl_posts ORDER BY id');
      const tags = await childrenBySql(
        'SELECT pt.post_id AS parent_key, t.id, t.name FROM rl_post_tags pt JOIN rl_tags t ON t.id = pt.tag_id ORDER BY t.id',
      );
      const tagPosts = await childrenBySql(
        'SELECT pt.tag_id AS parent_key, p.id FROM rl_post_tags pt JOIN rl_posts p ON p.id = pt.post_id ORDER BY p.id',
      );
      const expected = (await db.all<Row>('SELECT id, name FROM rl_authors ORDER BY id')).map((a) => ({
        ...a,
        posts: (posts.get(a.id) ?? []).map((p) => ({
          ...p,
          tags: (tags.get(p.id) ?? []).map((t) => ({ ...t, posts: (tagPosts.get(t.id) ?? []).map((x) => x.id) })),
        })),
      }));
      expect(
        authors.map((a) => ({
          id: a.id,
          name: a.name,
          posts: a.posts.map((p) => ({
            id: p.id,
            title: p.title,
            tags: p.tags.map((t) => ({ id: t.id, name: t.name, posts: t.posts.map((x) => x.id) })),
          })),
        })),
      ).toEqual(expected);
      expect(authors[2]?.posts).toEqual([]);
      expect(authors[0]?.posts[0]).toBeInstanceOf(Post);
      expect(authors[0]?.posts[0]?.tags[0]).toBeInstanceOf(Tag);
    });

    suiteTest(ctx, 'LIMIT and OFFSET count parents when collections are loaded ("Ada has 3 posts")', async () => {
      const [first] = await counted(() => Author.load('posts').query.orderBy(Author.id).limit(1).gino.all());
      expect(first.map((a) => `${a.name} has ${a.posts.length} posts`)).toEqual(['Ada has 3 posts']);
      const second = await Author.load({ posts: Post.load('tags') })
        .query.orderBy(Author.id)
        .limit(2)
        .offset(1)
        .gino.all();
      expect(second.map((a) => [a.name, a.posts.map((p) => p.title)])).toEqual([
        ['Bob', ['b1']],
        ['Cy', []],
      ]);
    });

    suiteTest(ctx, "a relation's own where, orderBy and limit, per parent", async () => {
      const authors = await Author.load({
        posts: Post.query.where(Post.title.ne('a2')).orderBy(Post.id.desc()).limit(1),
      })
        .query.orderBy(Author.id)
        .gino.all();
      const oracle = await db.all<Row>(
        "SELECT a.id, (SELECT p.title FROM rl_posts p WHERE p.author_id = a.id AND p.title <> 'a2' ORDER BY p.id DESC LIMIT 1) AS title FROM rl_authors a ORDER BY a.id",
      );
      expect(authors.map((a) => [a.id, a.posts.map((p) => p.title)])).toEqual(
        oracle.map((o) => [o.id, o.title === null ? [] : [o.title]]),
      );
      const nested = await Author.load({ posts: Post.load('tags').query.orderBy(Post.id).offset(1).limit(1) })
        .query.where(Author.id.eq(1))
        .gino.one();
      expect(nested.posts.map((p) => [p.title, p.tags.map((t) => t.name)])).toEqual([['a2', []]]);
    });

    suiteTest(ctx, 'relation counts: loaded, filtered and ordered on, checked against count(*)', async () => {
      const authors = await Author.load({
        postCount: Author.countOf('posts'),
        followerCount: Author.countOf('followers'),
      })
        .query.where(Author.countOf('posts').gt(0))
        .orderBy(Author.countOf('posts').desc(), Author.id)
        .gino.all();
      const oracle = await db.all<Row>(
        'SELECT a.id, (SELECT count(*) FROM rl_posts p WHERE p.author_id = a.id)::int AS posts, (SELECT count(*) FROM rl_follows f WHERE f.followee_id = a.id)::int AS followers FROM rl_authors a WHERE EXISTS (SELECT 1 FROM rl_posts p WHERE p.author_id = a.id) ORDER BY 2 DESC, 1',
      );
      expect(authors.map((a) => [a.id, a.postCount, a.followerCount])).toEqual(
        oracle.map((o) => [o.id, o.posts, o.followers]),
      );
      const early = await Author.load({ early: Author.countOf('posts', (post) => post.title.lt('a3')) })
        .query.orderBy(Author.id)
        .gino.all();
      const earlyOracle = await db.all<Row>(
        "SELECT (SELECT count(*) FROM rl_posts p WHERE p.author_id = a.id AND p.title < 'a3')::int AS n FROM rl_authors a ORDER BY a.id",
      );
      expect(early.map((a) => a.early)).toEqual(earlyOracle.map((o) => o.n));
      expect(() => Author.countOf('posts', 'x' as never)).toThrow(
        /the filter is a function of the related row's columns/,
      );
      const tagged = await Post.load({ tagCount: Post.countOf('tags') })
        .query.orderBy(Post.id)
        .gino.all();
      expect(tagged.map((p) => p.tagCount)).toEqual([2, 0, 1, 3, 0]);
      const nested = await Author.load({ posts: Post.load({ tagCount: Post.countOf('tags') }) })
        .query.where(Author.id.eq(1))
        .gino.one();
      expect(nested.posts.map((p) => p.tagCount)).toEqual([2, 0, 1]);
    });

    suiteTest(ctx, 'paginate: exact pages and the total, in one statement', async () => {
      const all = await db.all<Row>('SELECT id FROM rl_authors ORDER BY id');
      const query = Author.load('posts').query.orderBy(Author.id);
      for (const perPage of [1, 2, 3, 4]) {
        for (let page = 1; page <= Math.ceil(all.length / perPage); page++) {
          const [result, sql] = await counted(() => query.gino.paginate({ page, perPage }));
          expect(sql).toHaveLength(1);
          expect(result.total).toBe(all.length);
          expect(result.pages).toBe(Math.ceil(all.length / perPage));
          expect(result.items.map((a) => a.id)).toEqual(
            all.slice((page - 1) * perPage, page * perPage).map((r) => r.id),
          );
        }
      }
      const filtered = await Author.load('posts')
        .query.where(Author.c.name.ne('Cy'))
        .orderBy(Author.id.desc())
        .gino.paginate({ page: 1, perPage: 2 });
      expect(filtered.total).toBe(3);
      expect(filtered.items.map((a) => [a.name, a.posts.length])).toEqual([
        ['Dee', 1],
        ['Bob', 1],
      ]);
      const past = await query.gino.paginate({ page: 9, perPage: 2 });
      expect(past).toEqual({ items: [], total: all.length, page: 9, perPage: 2, pages: 2 });
      const none = await query.where(Author.id.lt(0)).gino.paginate({ page: 1, perPage: 2 });
      expect(none.total).toBe(0);
      const plain = await db.select([Post.id, Post.title]).orderBy(Post.id).gino.paginate({ page: 2, perPage: 2 });
      expect(plain).toEqual({
        items: [
          { id: 3, title: 'a3' },
          { id: 4, title: 'b1' },
        ],
        total: 5,
        page: 2,
        perPage: 2,
        pages: 3,
      });
    });

    suiteTest(ctx, 'paginate refuses what it cannot count exactly, before any I/O', async () => {
      ctx.clearLog();
      const ordered = Author.query.orderBy(Author.id);
      await expect(ordered.gino.paginate({ page: 0, perPage: 2 })).rejects.toThrow(/page.*whole number/);
      await expect(ordered.gino.paginate({ page: 1, perPage: 2.5 })).rejects.toThrow(/perPage.*whole number/);
      await expect(Author.query.gino.paginate({ page: 1, perPage: 2 })).rejects.toThrow(/orderBy/);
      await expect(ordered.limit(3).gino.paginate({ page: 1, perPage: 2 })).rejects.toThrow(/LIMIT and OFFSET/);
      await expect(
        Author.distinct(Author.id)
          .load({ addPost: Post.distinct(Post.id) })
          .query.orderBy(Author.id)
          .gino.paginate({ page: 1, perPage: 2 }),
      ).rejects.toThrow(/db\.relationship\(\)/);
      expect(ctx.log).toHaveLength(0);
    });

    suiteTest(ctx, 'one-to-one: the row whose foreign key points here, or null', async () => {
      const authors = await Author.load('profile').query.orderBy(Author.id).gino.all();
      expect(authors.map((a) => a.profile?.bio ?? null)).toEqual([null, "Bob's bio", null, null]);
      expect(authors[1]?.profile).toBeInstanceOf(Profile);
    });

    suiteTest(ctx, 'self-referential: parent and children through aliases, nested', async () => {
      const [cats, sql] = await counted(() =>
        Category.load({ parent: Category.load('parent'), children: Category.load('children') })
          .query.orderBy(Category.id)
          .gino.all(),
      );
      expect(sql).toHaveLength(1);
      const rows = await db.all<Row>('SELECT id, name, parent_id FROM rl_categories ORDER BY id');
      const byId = new Map(rows.map((r) => [r.id, r]));
      const kids = (id: unknown) => rows.filter((r) => r.parent_id === id);
      expect(
        cats.map((c) => [
          c.name,
          c.parent?.name ?? null,
          c.parent?.parent?.name ?? null,
          c.children.map((k) => [k.name, k.children.map((g) => g.name)]),
        ]),
      ).toEqual(
        rows.map((r) => {
          const parent = byId.get(r.parent_id);
          return [
            r.name,
            parent?.name ?? null,
            parent ? (byId.get(parent.parent_id)?.name ?? null) : null,
            kids(r.id).map((k) => [k.name, kids(k.id).map((g) => g.name)]),
          ];
        }),
      );
      // A filter on a self-referential relation is written on an alias.
      const Child = Category.alias('child');
      const filtered = await Category.load({ children: Child.load().query.where(Child.c.name!.like('a.%')) })
        .query.where(Category.id.eq(2))
        .gino.one();
      expect(filtered.children.map((k) => k.name)).toEqual(['a.x', 'a.y']);
      expect(() => Category.load({ children: Category.query.where(Category.c.name.like('a%')) })).toThrow(
        /relates rl_categories to itself: write the relation's where\(\)\/orderBy\(\) on an alias/,
      );
    });

    suiteTest(ctx, 'self-referential many-to-many through a secondary table, picked by foreignKey', async () => {
      const authors = await Author.load({ following: Author, followers: Author.load('followers') })
        .query.orderBy(Author.id)
        .gino.all();
      const following = await childrenBySql(
        'SELECT f.follower_id AS parent_key, a.id FROM rl_follows f JOIN rl_authors a ON a.id = f.followee_id ORDER BY a.id',
      );
      const followers = await childrenBySql(
        'SELECT f.followee_id AS parent_key, a.id FROM rl_follows f JOIN rl_authors a ON a.id = f.follower_id ORDER BY a.id',
      );
      expect(
        authors.map((a) => [
          a.following.map((x) => x.id),
          a.followers.map((x) => [x.id, x.followers.map((y) => y.id)]),
        ]),
      ).toEqual(
        authors.map((a) => [
          (following.get(a.id) ?? []).map((r) => r.id),
          (followers.get(a.id) ?? []).map((r) => [r.id, (followers.get(r.id) ?? []).map((y) => y.id)]),
        ]),
      );
    });

    suiteTest(ctx, 'composite keys both ways, and a condition given by on', async () => {
      const shelves = await Shelf.load('books').query.orderBy(Shelf.library, Shelf.code).gino.all();
      expect(shelves.map((s) => [s.library, s.code, s.books.map((b) => b.title)])).toEqual([
        ['north', 1, ['x', 'y']],
        ['north', 2, []],
        ['south', 1, ['z']],
      ]);
      const books = await Book.load('shelf', 'neighbours').query.orderBy(Book.id).gino.all();
      expect(books.map((b) => [b.title, b.shelf?.label ?? null, b.neighbours.map((n) => n.title)])).toEqual([
        ['x', 'N1', ['y']],
        ['y', 'N1', ['x']],
        ['z', 'S1', []],
        ['loose', null, []],
      ]);
    });

    suiteTest(ctx, 'edge values read the same through every kind of relationship as at the top level', async () => {
      const top = await Edge.query.orderBy(Edge.id).gino.all();
      expect(top.map(pickEdge)).toEqual(EDGES);
      const [pointers, sql] = await counted(() => Pointer.load('edge').query.orderBy(Pointer.id).gino.all());
      expect(sql).toHaveLength(1);
      expect(pointers.map((p) => p.edge && pickEdge(p.edge))).toEqual([EDGES[0], EDGES[2], null]); // many-to-one
      const [holders, sql2] = await counted(() =>
        Holder.load({
          edges: Edge.load('parent', 'children'),
          twin: Edge,
          tagged: Edge.query.orderBy(Edge.id),
        })
          .query.orderBy(Holder.id)
          .gino.all(),
      );
      expect(sql2).toHaveLength(1);
      const [h1, h2] = holders;
      expect(h1?.edges.map(pickEdge)).toEqual(EDGES); // one-to-many
      expect(h1?.twin && pickEdge(h1.twin)).toEqual(EDGES[1]); // one-to-one
      expect(h2?.twin).toBeNull();
      expect(h1?.tagged.map(pickEdge)).toEqual([EDGES[0], EDGES[2]]); // many-to-many
      expect(h2?.tagged.map(pickEdge)).toEqual([EDGES[1]]);
      // Self-referential, both ways.
      const edges = h1?.edges ?? [];
      expect(edges[0]?.children.map(pickEdge)).toEqual([EDGES[1], EDGES[2]]);
      expect(edges[1]?.parent && pickEdge(edges[1].parent)).toEqual(EDGES[0]);
      expect(edges[0]?.parent).toBeNull();
      expect(typeof edges[0]?.big).toBe('bigint');
      expect(edges[0]?.bin).toBeInstanceOf(Uint8Array);
      expect(edges[0]?.at?.getTime()).toBe(8.64e15);
    });

    suiteTest(ctx, 'errors name the models and the candidate foreign keys, at first use', async () => {
      // Models of another (unbound) Gino: relationships resolve without any I/O.
      const other = new Gino();
      class Draft extends other.Model({
        __tablename__: 'rl_posts',
        id: db.Column(db.Integer(), { primaryKey: true }),
        authorId: db.Column(db.Integer(), { name: 'author_id', references: db.ForeignKey('rl_authors.id') }),
        editorId: db.Column(db.Integer(), { name: 'editor_id', references: db.ForeignKey('rl_authors.id') }),
        writer: other.relationship(() => Author),
        tags: other.relationship(() => Tag, { many: true }),
        owner: other.relationship(() => Author, { many: true }),
        stray: other.relationship(() => Shelf),
        wrong: other.relationship(() => Author, { foreignKey: 'title' }),
      }) {}
      expect(() => Draft.load('writer')).toThrow(
        /Draft\.writer: 2 foreign keys link rl_posts and rl_authors \(rl_posts\(authorId\) → rl_authors\(id\); rl_posts\(editorId\) → rl_authors\(id\)\); say which with foreignKey: 'authorId'/,
      );
      expect(() => Draft.load('tags')).toThrow(/Draft\.tags: no foreign key links rl_posts and rl_tags/);
      expect(() => Draft.load('owner')).toThrow(/Draft\.owner: .*many-to-one.*drop \{ many: true \}/);
      expect(() => Draft.load('stray')).toThrow(/Draft\.stray: no foreign key links rl_posts and rl_shelves.*on:/);
      expect(() => Draft.load('wrong')).toThrow(
        /no foreign key with column\(s\) title links rl_posts and rl_authors \(candidates: /,
      );
      expect(() => Author.countOf('nothing' as never)).toThrow(
        /Author has no relationship 'nothing' \(it has posts, profile/,
      );
      expect(() => Author.load({ posts: Tag })).toThrow(/Author\.posts loads Post, not Tag/);
      expect(() => db.relationship(() => Author, { mny: true } as never)).toThrow(/unknown option 'mny'/);
      expect(() => db.relationship('Post' as never)).toThrow(/takes the related model, or a function returning it/);
      expect(() => Author.load({ posts: Post.query.join(Tag, Tag.id.eq(Post.id)) })).toThrow(
        /Author\.posts: a relation's query reads its own rows only \(no join\(\)/,
      );
      expect(() => Author.load({ posts: Post.query.groupBy(Post.id) })).toThrow(
        /takes where\(\), orderBy\(\), limit\(\) and offset\(\) only/,
      );
      expect(() => Post.load({ author: Author.on(Author.id.eq(Post.authorId)) })).toThrow(
        /on\(\) and distinct\(\) belong to joined loaders/,
      );
      expect(() => db.relationship(() => Author, { on: 'x' } as never)).toThrow(/give a function of the two sides/);
      expect(() =>
        other.Model({
          __tablename__: 'rl_bad',
          id: other.Column(other.Integer(), { primaryKey: true }),
          update: other.relationship(() => Author),
        }),
      ).toThrow(/relationship 'update' of rl_bad clashes with a model method/);
      class Loose extends other.Model({
        __tablename__: 'rl_books',
        id: other.Column(other.Integer(), { primaryKey: true }),
        sibling: other.relationship<Loose[]>(() => Loose, { many: true, on: () => Book.id.eq(1) }),
      }) {}
      expect(() => Loose.load('sibling')).toThrow(
        /Loose\.sibling: on\(\) reads rl_books directly; use the columns it is given/,
      );
    });

    suiteTest(ctx, 'relationships compose with GINO loaders and column loads', async () => {
      const posts = await Post.load('id', 'title', { author: Author.load('name'), tags: Tag })
        .query.where(Post.id.eq(4))
        .gino.all();
      expect(posts.map((p) => [p.id, p.title, p.authorId, p.author?.name, p.author?.id, p.tags.length])).toEqual([
        [4, 'b1', undefined, 'Bob', undefined, 3],
      ]);
      // A GINO join loader (by the foreign key) beside a relationship loaded by name.
      const Editor = Author.alias('editor');
      const joined = await Post.load({ tags: Tag, ed: Editor.on(Post.editorId.eq(Editor.id)) })
        .query.orderBy(Post.id)
        .gino.all();
      // A join loader that does not fold rows pages like any query.
      const page = await Post.load({ tags: Tag, ed: Editor.on(Post.editorId.eq(Editor.id)) })
        .query.orderBy(Post.id)
        .gino.paginate({ page: 2, perPage: 2 });
      expect(page.total).toBe(5);
      expect(page.items.map((p) => [p.id, (p.ed as Author | undefined)?.name ?? null, p.tags.length])).toEqual([
        [3, 'Bob', 1],
        [4, 'Ada', 3],
      ]);
      expect(joined.map((p) => [p.id, (p.ed as Author | undefined)?.name ?? null, p.tags.length])).toEqual([
        [1, 'Bob', 2],
        [2, null, 0],
        [3, 'Bob', 1],
        [4, 'Ada', 3],
        [5, null, 0],
      ]);
    });

    suiteTest(ctx, 'graphs in a batch (one request on neon-http) and through a cursor', async () => {
      const [[authors, posts], sql] = await counted(() =>
        db.batch([Author.load('posts').query.orderBy(Author.id), Post.load('author', 'tags').query.orderBy(Post.id)]),
      );
      expect(authors.map((a) => [a.name, a.posts.length])).toEqual([
        ['Ada', 3],
        ['Bob', 1],
        ['Cy', 0],
        ['Dee', 1],
      ]);
      expect(posts.map((p) => [p.author?.name ?? null, p.tags.length])).toEqual([
        ['Ada', 2],
        ['Ada', 0],
        ['Ada', 1],
        ['Bob', 3],
        ['Dee', 0],
      ]);
      expect(sql.filter((s) => s.startsWith('SELECT'))).toHaveLength(2);
      if (!ctx.capabilities().cursors) return;
      const seen: [string, number][] = [];
      await db.transaction(async () => {
        for await (const a of Author.load('posts').query.orderBy(Author.id).gino.iterate({ prefetch: 2 })) {
          seen.push([a.name, a.posts.length]);
        }
      });
      expect(seen).toEqual(authors.map((a) => [a.name, a.posts.length]));
    });

    suiteTest(ctx, 'writes stay explicit: a parent and its children, atomically, on every adapter', async () => {
      const before = Number(await db.scalar('SELECT count(*) FROM rl_authors'));
      // One request on neon-http, one transaction elsewhere: the children take the parent's key
      // from the sequence the parent's INSERT just drew (currval, in the same session).
      const parentKey = db.func.currval!(db.func.pg_get_serial_sequence!('rl_authors', 'id'));
      const [authorRows, postRows] = await db.batch([
        Author.insert().values({ name: 'Eve' }).returning(),
        Post.insert()
          .values([
            { authorId: parentKey, title: 'e1' },
            { authorId: parentKey, title: 'e2' },
          ])
          .returning(),
      ]);
      const eve = authorRows[0] as Author;
      expect((postRows as Post[]).map((p) => [p.authorId, p.title])).toEqual([
        [eve.id, 'e1'],
        [eve.id, 'e2'],
      ]);
      const loaded = await Author.load('posts').query.where(Author.id.eq(eve.id)).gino.one();
      expect(loaded.posts.map((p) => p.title)).toEqual(['e1', 'e2']);
      // A failing child takes the parent with it.
      const error = await db
        .batch([
          Author.insert().values({ name: 'Fay' }),
          Post.insert().values([
            { authorId: parentKey, title: 'f1' },
            { authorId: 999, title: 'f2' },
          ]),
        ])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseError);
      expect((error as DatabaseError).code).toBe('23503');
      expect(Number(await db.scalar("SELECT count(*) FROM rl_authors WHERE name = 'Fay'"))).toBe(0);
      if (ctx.capabilities().transactions) {
        await db.transaction(async () => {
          const gus = await Author.create({ name: 'Gus' });
          await Post.insert()
            .values([{ authorId: gus.id, title: 'g1' }])
            .gino.status();
        });
        const failed = await db
          .transaction(async () => {
            const hal = await Author.create({ name: 'Hal' });
            await Post.insert()
              .values([{ authorId: hal.id, title: 'h1' }])
              .gino.status();
            await Post.insert()
              .values([{ authorId: 999, title: 'h2' }])
              .gino.status();
          })
          .catch((e: unknown) => e);
        expect(failed).toBeInstanceOf(DatabaseError);
        expect(Number(await db.scalar("SELECT count(*) FROM rl_authors WHERE name IN ('Gus', 'Hal')"))).toBe(1);
      }
      await db.status("DELETE FROM rl_posts WHERE title IN ('e1', 'e2', 'g1')");
      await db.status("DELETE FROM rl_authors WHERE name IN ('Eve', 'Gus')");
      expect(Number(await db.scalar('SELECT count(*) FROM rl_authors'))).toBe(before);
    });
    suiteTest(
      ctx,
      'differential: random graphs, filters, per-parent limits and pages against a JavaScript model',
      async () => {
        // mulberry32: the same data on every adapter and every run.
        let seed = 0x5eed;
        const random = () => {
          seed = (seed + 0x6d2b79f5) | 0;
          let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
          t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
          return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
        };
        const int = (n: number) => Math.floor(random() * n);
        const authors = Array.from({ length: 25 }, (_, i) => ({ id: i + 1, rank: int(5) }));
        const posts = Array.from({ length: 80 }, (_, i) => ({ id: i + 1, authorId: int(30) + 1, score: int(10) }))
          // Some posts point at no author (ids 26..30 do not exist): they are written without one.
          .map((p) => (p.authorId > 25 ? { ...p, authorId: null } : p));
        const labels = Array.from({ length: 6 }, (_, i) => ({ id: i + 1 }));
        const links = posts.flatMap((p) =>
          labels.filter(() => random() < 0.3).map((l) => ({ postId: p.id, labelId: l.id })),
        );
        await DAuthor.insert().values(authors).gino.status();
        await DPost.insert().values(posts).gino.status();
        await DLabel.insert().values(labels).gino.status();
        if (links.length) await DPostLabel.insert().values(links).gino.status();

        const labelsOf = (postId: number) => links.filter((l) => l.postId === postId).map((l) => l.labelId);
        const postsOf = (authorId: number) => posts.filter((p) => p.authorId === authorId);
        for (let round = 0; round < 12; round++) {
          const minScore = int(10);
          const perParent = int(4) + 1;
          const limit = int(8) + 1;
          const offset = int(20);
          const rank = int(5);
          const [got, sql] = await counted(() =>
            DAuthor.load({
              posts: DPost.load('labels')
                .query.where(DPost.score.ge(minScore))
                .orderBy(DPost.score.desc(), DPost.id)
                .limit(perParent),
            })
              .query.where(DAuthor.rank.ne(rank))
              .orderBy(DAuthor.id.desc())
              .limit(limit)
              .offset(offset)
              .gino.all(),
          );
          expect(sql).toHaveLength(1);
          const want = authors
            .filter((a) => a.rank !== rank)
            .sort((a, b) => b.id - a.id)
            .slice(offset, offset + limit)
            .map((a) => [
              a.id,
              postsOf(a.id)
                .filter((p) => p.score >= minScore)
                .sort((x, y) => y.score - x.score || x.id - y.id)
                .slice(0, perParent)
                .map((p) => [p.id, labelsOf(p.id)]),
            ]);
          expect(got.map((a) => [a.id, a.posts.map((p) => [p.id, p.labels.map((l) => l.id)])])).toEqual(want);
          const page = await DPost.load('author')
            .query.where(DPost.score.lt(minScore + 1))
            .orderBy(DPost.id)
            .gino.paginate({ page: 1 + int(4), perPage: 1 + int(9) });
          const matching = posts.filter((p) => p.score < minScore + 1);
          expect(page.total).toBe(matching.length);
          expect(page.items.map((p) => [p.id, p.author?.id ?? null, p.author?.rank ?? null])).toEqual(
            matching
              .slice((page.page - 1) * page.perPage, page.page * page.perPage)
              .map((p) => [p.id, p.authorId, authors.find((a) => a.id === p.authorId)?.rank ?? null]),
          );
        }
      },
    );
  });
}
