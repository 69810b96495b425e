/**
 * GINO's join loaders with LIMIT and OFFSET (issue 15): a loader that folds joined rows into
 * objects (`Author.distinct(Author.id).load({ addPost: Post.distinct(Post.id) })`) pages its
 * objects, not the joined rows, on every execution path. The oracle is a JavaScript model of the
 * blog, checked once against the database with raw SQL.
 */
import { beforeAll, describe, expect } from 'vitest';
import { InvalidRequestError } from '../../src/index.js';
import { type SuiteContext, suiteTest } from './harness.js';

interface ModelAuthor {
  id: number;
  name: string;
}
interface ModelPost {
  id: number;
  authorId: number;
  title: string;
}

// The blog: Ada has 3 posts, Bob 1, Cy none, Dee 2, Eve 1; posts carry tags.
const AUTHORS: ModelAuthor[] = [
  { id: 1, name: 'Ada' },
  { id: 2, name: 'Bob' },
  { id: 3, name: 'Cy' },
  { id: 4, name: 'Dee' },
  { id: 5, name: 'Eve' },
];
const POSTS: ModelPost[] = [
  { id: 1, authorId: 1, title: 'x1' },
  { id: 2, authorId: 1, title: 'y2' },
  { id: 3, authorId: 1, title: 'x3' },
  { id: 4, authorId: 2, title: 'y4' },
  { id: 5, authorId: 4, title: 'x5' },
  { id: 6, authorId: 4, title: 'y6' },
  { id: 7, authorId: 5, title: 'x7' },
];
const TAGS = [
  { id: 1, name: 'sql' },
  { id: 2, name: 'ts' },
  { id: 3, name: 'edge' },
];
const POST_TAGS: [number, number][] = [
  [1, 1],
  [1, 2],
  [3, 3],
  [4, 1],
  [5, 2],
  [5, 3],
  [7, 1],
];

/** The model's answer: authors (those with a post `keep` keeps, when given), ordered, paged, with their kept posts. */
function expected(
  options: { desc?: boolean; byName?: boolean; limit?: number; offset?: number; keep?: (p: ModelPost) => boolean } = {},
): [string, string[]][] {
  const { keep } = options;
  const postsOf = (a: ModelAuthor) => POSTS.filter((p) => p.authorId === a.id && (!keep || keep(p)));
  const authors = AUTHORS.filter((a) => !keep || postsOf(a).length > 0).sort((a, b) => {
    const d = options.byName ? a.name.localeCompare(b.name) : a.id - b.id;
    return options.desc ? -d : d;
  });
  const start = options.offset ?? 0;
  const page = authors.slice(start, options.limit === undefined ? undefined : start + options.limit);
  return page.map((a) => [a.name, postsOf(a).map((p) => p.title)]);
}

export function joinLimitSuite(ctx: SuiteContext): void {
  describe('join loaders: LIMIT and OFFSET count parents', () => {
    const { db } = ctx;

    class Author extends db.Model({
      __tablename__: 'jl_authors',
      id: db.Column(db.Integer(), { primaryKey: true }),
      name: db.Column(db.Unicode(), { nullable: false }),
    }) {
      readonly posts = new Set<Post>();
      set addPost(post: Post) {
        this.posts.add(post);
      }
    }
    class Post extends db.Model({
      __tablename__: 'jl_posts',
      id: db.Column(db.Integer(), { primaryKey: true }),
      authorId: db.Column(db.Integer(), { name: 'author_id', references: db.ForeignKey('jl_authors.id') }),
      title: db.Column(db.Unicode(), { nullable: false }),
    }) {
      readonly tags = new Set<Tag>();
      set addTag(tag: Tag) {
        this.tags.add(tag);
      }
    }
    class Tag extends db.Model({
      __tablename__: 'jl_tags',
      id: db.Column(db.Integer(), { primaryKey: true }),
      name: db.Column(db.Unicode(), { nullable: false }),
    }) {}
    class PostTag extends db.Model({
      __tablename__: 'jl_post_tags',
      postId: db.Column(db.Integer(), { name: 'post_id', primaryKey: true, references: db.ForeignKey('jl_posts.id') }),
      tagId: db.Column(db.Integer(), { name: 'tag_id', primaryKey: true, references: db.ForeignKey('jl_tags.id') }),
    }) {}
    class Note extends db.Model({
      __tablename__: 'jl_notes',
      body: db.Column(db.Text()),
    }) {}

    /** The issue's loader. */
    const blog = () => Author.distinct(Author.id).load({ addPost: Post.distinct(Post.id) });
    const shown = (authors: readonly Author[]): [string, string[]][] =>
      authors.map((a) => [a.name, [...a.posts].map((p) => p.title)]);

    beforeAll(async () => {
      await db.gino.dropAll();
      await db.gino.createAll();
      const list = (rows: string[]) => rows.join(', ');
      await db.status(`INSERT INTO jl_authors (id, name) VALUES ${list(AUTHORS.map((a) => `(${a.id}, '${a.name}')`))}`);
      await db.status(
        `INSERT INTO jl_posts (id, author_id, title) VALUES ${list(POSTS.map((p) => `(${p.id}, ${p.authorId}, '${p.title}')`))}`,
      );
      await db.status(`INSERT INTO jl_tags (id, name) VALUES ${list(TAGS.map((t) => `(${t.id}, '${t.name}')`))}`);
      await db.status(
        `INSERT INTO jl_post_tags (post_id, tag_id) VALUES ${list(POST_TAGS.map(([p, t]) => `(${p}, ${t})`))}`,
      );
    });

    suiteTest(ctx, 'the model of the blog is what the database holds (raw SQL)', async () => {
      const rows = await db.all<{ name: string; titles: string[] | null }>(
        'SELECT a.name, array_agg(p.title ORDER BY p.id) FILTER (WHERE p.id IS NOT NULL) AS titles FROM jl_authors a LEFT JOIN jl_posts p ON p.author_id = a.id GROUP BY a.id ORDER BY a.id',
      );
      expect(rows.map((r) => [r.name, r.titles ?? []])).toEqual(expected());
    });

    suiteTest(
      ctx,
      'the issue: limit(1) loads one author with all her posts ("Ada has 3 posts"), in one statement',
      async () => {
        ctx.clearLog();
        const [ada] = await blog().query.limit(1).gino.all();
        expect(ctx.log).toHaveLength(1);
        // No order: some author, but with every one of her posts.
        const oracle = Object.fromEntries(expected());
        expect(ada && [...ada.posts].map((p) => p.title)).toEqual(oracle[ada?.name ?? '']);
        const ordered = await blog().query.orderBy(Author.id, Post.id).limit(1).gino.all();
        expect(ordered.map((a) => `${a.name} has ${a.posts.size} posts`)).toEqual(['Ada has 3 posts']);
        expect(shown(ordered)).toEqual(expected({ limit: 1 }));
      },
    );

    suiteTest(ctx, 'every way of running the statement pages parents', async () => {
      const query = blog().query.orderBy(Author.id, Post.id).limit(2);
      const want = expected({ limit: 2 });
      expect(shown(await query.gino.all())).toEqual(want);
      expect(shown(await db.all(query))).toEqual(want);
      expect(shown([(await query.gino.first()) as Author])).toEqual(want.slice(0, 1));
      expect(shown([(await db.first(query)) as Author])).toEqual(want.slice(0, 1));
      expect(shown([await blog().query.where(Author.id.eq(1)).limit(1).gino.one()])).toEqual(want.slice(0, 1));
      expect(await query.gino.scalar()).toBe(1);
      // A loader given to .gino.load() decides, as it is what folds the rows.
      const handBuilt = db.select([Author, Post]).selectFrom(Author.outerjoin(Post)).orderBy(Author.id).limit(2);
      expect(shown(await handBuilt.gino.load(blog()).all())).toEqual(want);
      // Plain rows are rows: the same statement without the loader pages joined rows, as written.
      expect(await handBuilt.gino.model(null).all()).toHaveLength(2);
      ctx.clearLog();
      const [fromBatch, plain] = await db.batch([query, blog().query.orderBy(Author.id, Post.id).offset(3)]);
      expect(shown(fromBatch as Author[])).toEqual(want);
      expect(shown(plain as Author[])).toEqual(expected({ offset: 3 }));
      expect(ctx.sql().filter((s) => s.startsWith('SELECT'))).toHaveLength(2);
      if (!ctx.capabilities().cursors) return;
      const seen: Author[] = [];
      await db.transaction(async () => {
        for await (const a of query.gino.iterate({ prefetch: 1 })) seen.push(a);
      });
      expect(shown(seen)).toEqual(want);
      const viaDb: Author[] = [];
      await db.transaction(async () => {
        for await (const a of db.iterate(query, { prefetch: 2 })) viaDb.push(a as Author);
      });
      expect(shown(viaDb)).toEqual(want);
    });

    suiteTest(ctx, 'offset, and an order by the parent’s columns, descending, against the model', async () => {
      for (const desc of [false, true]) {
        for (const byName of [false, true]) {
          const order = byName ? Author.c.name : Author.id;
          for (const [limit, offset] of [
            [1, 0],
            [2, 1],
            [3, 3],
            [2, 4],
            [1, 5],
            [undefined, 2],
          ] as const) {
            let q = blog().query.orderBy(desc ? order.desc() : order, ...(byName ? [Author.id] : []), Post.id);
            if (limit !== undefined) q = q.limit(limit);
            if (offset) q = q.offset(offset);
            const got = shown(await q.gino.all());
            expect(got, `desc ${desc} byName ${byName} limit ${limit} offset ${offset}`).toEqual(
              expected({ desc, byName, ...(limit !== undefined ? { limit } : {}), offset }),
            );
          }
        }
      }
      // Another table's columns may follow the parent's key: they order rows within each parent.
      const within = await blog().query.orderBy(Author.id.desc(), Post.id.desc()).limit(2).offset(1).gino.all();
      expect(shown(within)).toEqual(
        expected({ desc: true, limit: 2, offset: 1 }).map(([n, t]) => [n, [...t].reverse()]),
      );
    });

    suiteTest(ctx, 'a WHERE on a child column: parents with a matching child, and only those children', async () => {
      const keep = (p: ModelPost) => p.title.startsWith('x');
      for (const [limit, offset] of [
        [1, 0],
        [1, 1],
        [2, 1],
        [5, 0],
        [1, 3],
      ] as const) {
        const got = await blog()
          .query.where(Post.title.like('x%'))
          .orderBy(Author.id, Post.id)
          .limit(limit)
          .offset(offset)
          .gino.all();
        expect(shown(got), `limit ${limit} offset ${offset}`).toEqual(expected({ keep, limit, offset }));
      }
    });

    suiteTest(
      ctx,
      'nested two levels (author → posts → tags), all distinct, through the association table',
      async () => {
        const loader = Author.distinct(Author.id).load({
          addPost: Post.distinct(Post.id).load({ addTag: Tag.distinct(Tag.id) }),
        });
        const from = Author.outerjoin(Post).outerjoin(PostTag).outerjoin(Tag);
        const tagsOf = (postId: number) =>
          POST_TAGS.filter(([p]) => p === postId).map(([, t]) => TAGS.find((tag) => tag.id === t)?.name);
        for (const [limit, offset] of [
          [1, 0],
          [2, 0],
          [2, 2],
          [1, 4],
        ] as const) {
          ctx.clearLog();
          const authors = await db
            .select([Author, Post, Tag])
            .selectFrom(from)
            .orderBy(Author.id, Post.id, Tag.id)
            .limit(limit)
            .offset(offset)
            .gino.load(loader)
            .all();
          expect(ctx.log).toHaveLength(1);
          const want = expected({ limit, offset }).map(([name]) => {
            const a = AUTHORS.find((x) => x.name === name) as ModelAuthor;
            return [name, POSTS.filter((p) => p.authorId === a.id).map((p) => [p.title, tagsOf(p.id)])];
          });
          expect(
            authors.map((a) => [a.name, [...a.posts].map((p) => [p.title, [...p.tags].map((t) => t.name)])]),
            `limit ${limit} offset ${offset}`,
          ).toEqual(want);
        }
        // Filtered on the grandchild: authors with a post tagged 'sql', and only those posts and tags.
        const sql = await db
          .select([Author, Post, Tag])
          .selectFrom(from)
          .where(Tag.c.name.eq('sql'))
          .orderBy(Author.id.desc())
          .limit(2)
          .gino.load(loader)
          .all();
        expect(sql.map((a) => [a.name, [...a.posts].map((p) => [p.title, [...p.tags].map((t) => t.name)])])).toEqual([
          ['Eve', [['x7', ['sql']]]],
          ['Bob', [['y4', ['sql']]]],
        ]);
      },
    );

    suiteTest(ctx, 'a WHERE with a correlated subquery correlates in the page of parents too', async () => {
      const Other = Post.alias('other');
      // Authors with a post titled like 'y%' — all their posts, the page counting those authors.
      const query = blog()
        .query.where(db.exists(db.select([Other.id]).where(Other.authorId.eq(Author.id), Other.title.like('y%'))))
        .orderBy(Author.id.desc(), Post.id);
      const withY = new Set(POSTS.filter((p) => p.title.startsWith('y')).map((p) => p.authorId));
      const all = expected({ desc: true }).filter(([name]) => withY.has(AUTHORS.find((a) => a.name === name)?.id ?? 0));
      expect(all).toHaveLength(3);
      expect(shown(await query.limit(2).gino.all())).toEqual(all.slice(0, 2));
      expect(shown(await query.offset(1).limit(5).gino.all())).toEqual(all.slice(1));
    });

    suiteTest(ctx, 'FOR UPDATE locks in the outer statement', async () => {
      const query = blog().query.orderBy(Author.id, Post.id).limit(1).forUpdate({ of: Author });
      const [locked] = await db.batch([query]);
      expect(shown(locked as Author[])).toEqual(expected({ limit: 1 }));
    });

    suiteTest(ctx, 'paginate pages parents, and its total counts them, in one statement', async () => {
      const query = blog().query.orderBy(Author.id, Post.id);
      const all = expected();
      for (const perPage of [1, 2, 3]) {
        const pages = Math.ceil(all.length / perPage);
        for (let page = 1; page <= pages; page++) {
          ctx.clearLog();
          const result = await query.gino.paginate({ page, perPage });
          expect(ctx.log).toHaveLength(1);
          expect(result.total).toBe(all.length);
          expect(result.pages).toBe(pages);
          expect(shown(result.items)).toEqual(all.slice((page - 1) * perPage, page * perPage));
        }
      }
      const keep = (p: ModelPost) => p.title.startsWith('y');
      const filtered = await blog()
        .query.where(Post.title.like('y%'))
        .orderBy(Author.id.desc(), Post.id)
        .gino.paginate({ page: 1, perPage: 2 });
      expect(filtered.total).toBe(expected({ keep }).length);
      expect(shown(filtered.items)).toEqual(expected({ keep, desc: true, limit: 2 }));
      const past = await query.gino.paginate({ page: 9, perPage: 2 });
      expect(past).toEqual({ items: [], total: all.length, page: 9, perPage: 2, pages: 3 });
      // A top level that is not distinct makes one object per row: its pages count rows, exactly.
      const posts = await Post.load({ author: Author.distinct(Author.id) })
        .query.orderBy(Post.id)
        .gino.paginate({ page: 2, perPage: 3 });
      expect(posts.total).toBe(POSTS.length);
      expect(posts.items.map((p) => [p.id, p.author?.name])).toEqual(
        POSTS.slice(3, 6).map((p) => [p.id, AUTHORS.find((a) => a.id === p.authorId)?.name]),
      );
      expect(posts.items[1]?.author).toBe(posts.items[2]?.author);
    });

    suiteTest(ctx, 'what has no meaning per parent is refused before any I/O, saying what to do', async () => {
      ctx.clearLog();
      const refused = [
        () => blog().query.orderBy(Post.id).limit(1).gino.all(),
        () => blog().query.orderBy(Author.c.name, Post.id).limit(1).gino.all(),
        () => db.all(blog().query.orderBy(Post.title).offset(1)),
        () => db.batch([blog().query.orderBy(Post.id).limit(1)]),
        () => blog().query.orderBy(Post.id).gino.paginate({ page: 1, perPage: 2 }),
        () => Note.distinct(Note.body).query.limit(1).gino.all(),
        () => blog().query.groupBy(Author.id, Post.id).limit(1).gino.all(),
        () => db.select([Post.id]).limit(1).gino.load(blog()).all(),
      ];
      for (const attempt of refused) await expect(attempt()).rejects.toThrow(InvalidRequestError);
      await expect(refused[0]?.()).rejects.toThrow(/order by the columns of jl_authors.*declared relationship/);
      await expect(refused[1]?.()).rejects.toThrow(/put its primary key in that order/);
      await expect(refused[5]?.()).rejects.toThrow(/jl_notes has none: declare a primary key/);
      await expect(refused[6]?.()).rejects.toThrow(/GROUP BY or HAVING/);
      await expect(refused[7]?.()).rejects.toThrow(/which this statement does not select from/);
      expect(ctx.log).toHaveLength(0);
      // Without LIMIT or OFFSET nothing is paged: any order goes, as in GINO.
      const unpaged = await blog().query.orderBy(Post.id.desc()).gino.all();
      expect(unpaged.map((a) => a.name)).toEqual(['Cy', 'Eve', 'Dee', 'Bob', 'Ada']);
    });
  });
}
