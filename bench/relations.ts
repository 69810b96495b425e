/**
 * `npm run bench:relations`: loading a graph through relationships — 100 authors × 10 posts × 3
 * tags, and a page of 20 authors with the total — with gino-edge (`Author.load({ posts:
 * Post.load('tags') })`, `.gino.paginate()`), Drizzle's relational queries (`db.query...findMany({
 * with })`) and Kysely's `jsonArrayFrom`, on PostgreSQL through pg and through Neon's HTTP
 * protocol (the local Neon proxy of src/dev in front of the same server). For each: the round
 * trips (statements on pg, HTTP requests on neon-http), the median time as a ratio to gino-edge,
 * and a fidelity check of every value each library returned against the values written (int8
 * beyond 2^53, a 30-digit numeric, BC dates).
 *
 * Writes bench/results/relations.md. BENCH_DATABASE_URL (else DATABASE_URL, else
 * postgres://postgres@127.0.0.1:5432/gino_bench) is the PostgreSQL used; the benchmark creates
 * and drops its own rb_* tables there.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { neon, neonConfig } from '@neondatabase/serverless';
import { asc, count, relations } from 'drizzle-orm';
import { drizzle as drizzleNeon } from 'drizzle-orm/neon-http';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { bigint, date, integer, numeric, pgTable, primaryKey, serial, text } from 'drizzle-orm/pg-core';
import { type Dialect, Kysely, PostgresDialect, sql } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import pgModule from 'pg';
import { neonHttp as ginoNeonHttp } from '../adapters/neon-http/index.js';
import { pg as ginoPg } from '../adapters/pg/index.js';
import { startNeonProxy } from '../src/dev/index.js';
import { Gino } from '../src/index.js';
import { singleClientPool } from './e2e.js';
import { neonHttpDialect } from './kysely-dialects.js';
import { markdownTable, median, ratio, rotate } from './stats.js';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 5 : 25;
const WARMUP = quick ? 1 : 3;
const databaseUrl =
  process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/gino_bench';

// ---- the data, and what every library must return -------------------------------------------

const AUTHORS = 100;
const POSTS_PER_AUTHOR = 10;
const TAGS_PER_POST = 3;
const TAG_COUNT = 30;
const PAGE = 2;
const PER_PAGE = 20;

interface TagV {
  id: number;
  name: string;
}
interface PostV {
  id: number;
  title: string;
  views: string;
  score: string;
  published: string;
  tags: TagV[];
}
interface AuthorV {
  id: number;
  name: string;
  posts: PostV[];
}

function expectedGraph(): AuthorV[] {
  const tags = Array.from({ length: TAG_COUNT }, (_, i) => ({ id: i + 1, name: `tag ${i + 1}` }));
  const out: AuthorV[] = [];
  let postId = 0;
  for (let a = 1; a <= AUTHORS; a++) {
    const posts: PostV[] = [];
    for (let p = 0; p < POSTS_PER_AUTHOR; p++) {
      postId++;
      const first = postId % TAG_COUNT;
      const ids = Array.from({ length: TAGS_PER_POST }, (_, k) => ((first + k * 7) % TAG_COUNT) + 1).sort(
        (x, y) => x - y,
      );
      posts.push({
        id: postId,
        title: `post ${postId} "quoted" \\ ☃`,
        // Beyond 2^53: a JSON number cannot hold these.
        views: String(2n ** 60n + BigInt(postId)),
        score: `${'12345678901234567890'.slice(0, 10 + (postId % 10))}.${String(postId).padStart(20, '0')}`,
        published: postId % 5 === 0 ? `00${String(10 + (postId % 80)).padStart(2, '0')}-03-15 BC` : '2024-02-29',
        tags: ids.map((id) => tags[id - 1] as TagV),
      });
    }
    out.push({ id: a, name: `author ${a}`, posts });
  }
  return out;
}

const EXPECTED = expectedGraph();
const EXPECTED_PAGE = EXPECTED.slice((PAGE - 1) * PER_PAGE, PAGE * PER_PAGE);

const SCHEMA_SQL = [
  'DROP TABLE IF EXISTS rb_post_tags, rb_tags, rb_posts, rb_authors',
  'CREATE TABLE rb_authors (id serial PRIMARY KEY, name text NOT NULL)',
  'CREATE TABLE rb_posts (id serial PRIMARY KEY, author_id integer NOT NULL REFERENCES rb_authors(id), title text NOT NULL, views bigint NOT NULL, score numeric NOT NULL, published date NOT NULL)',
  'CREATE INDEX ON rb_posts (author_id)',
  'CREATE TABLE rb_tags (id serial PRIMARY KEY, name text NOT NULL)',
  'CREATE TABLE rb_post_tags (post_id integer NOT NULL REFERENCES rb_posts(id), tag_id integer NOT NULL REFERENCES rb_tags(id), PRIMARY KEY (post_id, tag_id))',
  'CREATE INDEX ON rb_post_tags (tag_id)',
];

async function seed(client: pgModule.Client): Promise<void> {
  for (const s of SCHEMA_SQL) await client.query(s);
  const allTags = new Map<number, TagV>();
  for (const a of EXPECTED) for (const p of a.posts) for (const t of p.tags) allTags.set(t.id, t);
  await client.query('INSERT INTO rb_tags (id, name) SELECT * FROM unnest($1::int[], $2::text[])', [
    [...allTags.keys()],
    [...allTags.values()].map((t) => t.name),
  ]);
  await client.query('INSERT INTO rb_authors (id, name) SELECT * FROM unnest($1::int[], $2::text[])', [
    EXPECTED.map((a) => a.id),
    EXPECTED.map((a) => a.name),
  ]);
  const posts = EXPECTED.flatMap((a) => a.posts.map((p) => ({ ...p, authorId: a.id })));
  await client.query(
    'INSERT INTO rb_posts (id, author_id, title, views, score, published) SELECT * FROM unnest($1::int[], $2::int[], $3::text[], $4::bigint[], $5::numeric[], $6::date[])',
    [
      posts.map((p) => p.id),
      posts.map((p) => p.authorId),
      posts.map((p) => p.title),
      posts.map((p) => p.views),
      posts.map((p) => p.score),
      posts.map((p) => p.published),
    ],
  );
  const links = posts.flatMap((p) => p.tags.map((t) => [p.id, t.id]));
  await client.query('INSERT INTO rb_post_tags (post_id, tag_id) SELECT * FROM unnest($1::int[], $2::int[])', [
    links.map((l) => l[0]),
    links.map((l) => l[1]),
  ]);
  await client.query('ANALYZE rb_authors, rb_posts, rb_tags, rb_post_tags');
}

// ---- the libraries --------------------------------------------------------------------------

interface Lib {
  name: string;
  /** Every author with posts and tags. */
  graph(): Promise<unknown>;
  /** Page 2 of 20 authors with posts and tags, and the total. */
  page(): Promise<{ items: unknown; total: unknown }>;
  /** How the page's total is counted (for the table). */
  totalHow: string;
  close(): Promise<void>;
}

function ginoModels(db: Gino) {
  class Author extends db.Model({
    __tablename__: 'rb_authors',
    id: db.Column(db.Integer(), { primaryKey: true }),
    name: db.Column(db.Text(), { nullable: false }),
    posts: db.relationship<Post[]>(() => Post, { many: true }),
  }) {}
  class Post extends db.Model({
    __tablename__: 'rb_posts',
    id: db.Column(db.Integer(), { primaryKey: true }),
    authorId: db.Column(db.Integer(), { name: 'author_id', references: db.ForeignKey('rb_authors.id') }),
    title: db.Column(db.Text(), { nullable: false }),
    views: db.Column(db.BigInteger(), { nullable: false }),
    score: db.Column(db.Numeric(), { nullable: false }),
    published: db.Column(db.Date(), { nullable: false }),
    tags: db.relationship(() => Tag, { secondary: () => PostTag, many: true }),
  }) {}
  class Tag extends db.Model({
    __tablename__: 'rb_tags',
    id: db.Column(db.Integer(), { primaryKey: true }),
    name: db.Column(db.Text(), { nullable: false }),
  }) {}
  class PostTag extends db.Model({
    __tablename__: 'rb_post_tags',
    postId: db.Column(db.Integer(), { name: 'post_id', references: db.ForeignKey('rb_posts.id') }),
    tagId: db.Column(db.Integer(), { name: 'tag_id', references: db.ForeignKey('rb_tags.id') }),
  }) {}
  return { Author, Post, Tag };
}

async function ginoLib(bind: Parameters<Gino['setBind']>[0]): Promise<Lib> {
  const db = new Gino();
  await db.setBind(bind);
  const { Author, Post } = ginoModels(db);
  const query = Author.load({ posts: Post.load('tags') }).query.orderBy(Author.id);
  return {
    name: 'gino-edge',
    totalHow: 'window count in the page statement',
    graph: () => query.gino.all(),
    page: () => query.gino.paginate({ page: PAGE, perPage: PER_PAGE }),
    close: () => db.popBind().close(),
  };
}

const dAuthors = pgTable('rb_authors', { id: serial('id').primaryKey(), name: text('name').notNull() });
const dPosts = pgTable('rb_posts', {
  id: serial('id').primaryKey(),
  authorId: integer('author_id').notNull(),
  title: text('title').notNull(),
  views: bigint('views', { mode: 'bigint' }).notNull(),
  score: numeric('score').notNull(),
  published: date('published').notNull(),
});
const dTags = pgTable('rb_tags', { id: serial('id').primaryKey(), name: text('name').notNull() });
const dPostTags = pgTable(
  'rb_post_tags',
  { postId: integer('post_id').notNull(), tagId: integer('tag_id').notNull() },
  (t) => [primaryKey({ columns: [t.postId, t.tagId] })],
);
const dSchema = {
  dAuthors,
  dPosts,
  dTags,
  dPostTags,
  authorRelations: relations(dAuthors, ({ many }) => ({ posts: many(dPosts) })),
  postRelations: relations(dPosts, ({ one, many }) => ({
    author: one(dAuthors, { fields: [dPosts.authorId], references: [dAuthors.id] }),
    postTags: many(dPostTags),
  })),
  postTagRelations: relations(dPostTags, ({ one }) => ({
    post: one(dPosts, { fields: [dPostTags.postId], references: [dPosts.id] }),
    tag: one(dTags, { fields: [dPostTags.tagId], references: [dTags.id] }),
  })),
};

type DrizzleDb = ReturnType<typeof drizzlePg<typeof dSchema>>;

function drizzleLib(db: DrizzleDb, close: () => Promise<void>): Lib {
  const find = (page?: { limit: number; offset: number }) =>
    db.query.dAuthors.findMany({
      orderBy: [asc(dAuthors.id)],
      ...(page ?? {}),
      with: {
        posts: {
          orderBy: [asc(dPosts.id)],
          with: { postTags: { orderBy: [asc(dPostTags.tagId)], with: { tag: true } } },
        },
      },
    });
  return {
    name: 'Drizzle (relational queries)',
    totalHow: 'a second statement (count)',
    graph: () => find(),
    page: async () => {
      const items = await find({ limit: PER_PAGE, offset: (PAGE - 1) * PER_PAGE });
      const [row] = await db.select({ total: count() }).from(dAuthors);
      return { items, total: row?.total };
    },
    close,
  };
}

interface KDb {
  rb_authors: { id: number; name: string };
  rb_posts: { id: number; author_id: number; title: string; views: string; score: string; published: string };
  rb_tags: { id: number; name: string };
  rb_post_tags: { post_id: number; tag_id: number };
}

function kyselyLib(dialect: Dialect): Lib {
  const db = new Kysely<KDb>({ dialect });
  const base = () =>
    db
      .selectFrom('rb_authors')
      .select(['rb_authors.id', 'rb_authors.name'])
      .select((eb) => [
        jsonArrayFrom(
          eb
            .selectFrom('rb_posts')
            .select(['rb_posts.id', 'rb_posts.title', 'rb_posts.views', 'rb_posts.score', 'rb_posts.published'])
            .select((eb2) => [
              jsonArrayFrom(
                eb2
                  .selectFrom('rb_tags')
                  .innerJoin('rb_post_tags', 'rb_post_tags.tag_id', 'rb_tags.id')
                  .select(['rb_tags.id', 'rb_tags.name'])
                  .whereRef('rb_post_tags.post_id', '=', 'rb_posts.id')
                  .orderBy('rb_tags.id'),
              ).as('tags'),
            ])
            .whereRef('rb_posts.author_id', '=', 'rb_authors.id')
            .orderBy('rb_posts.id'),
        ).as('posts'),
      ])
      .orderBy('rb_authors.id');
  return {
    name: 'Kysely (jsonArrayFrom)',
    totalHow: 'window count in the page statement (hand-written)',
    graph: () => base().execute(),
    page: async () => {
      const rows = await base()
        .select(sql<string>`count(*) OVER ()`.as('total'))
        .limit(PER_PAGE)
        .offset((PAGE - 1) * PER_PAGE)
        .execute();
      return { items: rows, total: rows[0]?.total };
    },
    close: () => db.destroy(),
  };
}

// ---- fidelity -------------------------------------------------------------------------------

/** Each library's rows in one comparable shape, values as they came (no conversion that could hide a loss). */
function normalise(rows: unknown): AuthorV[] {
  const text = (v: unknown): string => (v instanceof Date ? `Date(${v.toISOString()})` : String(v));
  return (rows as Record<string, unknown>[]).map((a) => ({
    id: a.id as number,
    name: a.name as string,
    posts: ((a.posts as Record<string, unknown>[]) ?? []).map((p) => ({
      id: p.id as number,
      title: p.title as string,
      views: text(p.views),
      score: text(p.score),
      published: text(p.published),
      tags: (
        (p.tags as Record<string, unknown>[] | undefined) ??
        ((p.postTags as { tag: Record<string, unknown> }[] | undefined) ?? []).map((pt) => pt.tag)
      ).map((t) => ({ id: t.id as number, name: t.name as string })),
    })),
  }));
}

/** How many values differ from the written ones, by field, and the first difference of each field. */
function fidelity(got: AuthorV[], want: AuthorV[]): { wrong: number; total: number; example: string } {
  let wrong = 0;
  let total = 0;
  const byField = new Map<string, { n: number; example: string }>();
  const check = (path: string, a: unknown, b: unknown) => {
    total++;
    if (a !== b) {
      wrong++;
      const field = path.replace(/^\S+ \d+ /, '').replace(/ \d+$/, '');
      const known = byField.get(field);
      if (known) known.n++;
      else byField.set(field, { n: 1, example: `${String(b)} → ${String(a)}` });
    }
  };
  check('authors', got.length, want.length);
  want.forEach((wa, i) => {
    const ga = got[i];
    check(`author ${wa.id} id`, ga?.id, wa.id);
    check(`author ${wa.id} name`, ga?.name, wa.name);
    check(`author ${wa.id} posts`, ga?.posts.length, wa.posts.length);
    wa.posts.forEach((wp, j) => {
      const gp = ga?.posts[j];
      for (const key of ['id', 'title', 'views', 'score', 'published'] as const) {
        check(`post ${wp.id} ${key}`, gp?.[key], wp[key]);
      }
      check(`post ${wp.id} tags`, gp?.tags.length, wp.tags.length);
      wp.tags.forEach((wt, k) => {
        check(`post ${wp.id} tag ${k}`, `${gp?.tags[k]?.id}:${gp?.tags[k]?.name}`, `${wt.id}:${wt.name}`);
      });
    });
  });
  const example = [...byField].map(([field, { n, example }]) => `${field}: ${n}, e.g. ${example}`).join('; ');
  return { wrong, total, example };
}

// ---- measuring ------------------------------------------------------------------------------

interface Measured {
  lib: Lib;
  graphMs: number;
  pageMs: number;
  graphTrips: number;
  pageTrips: number;
  graphFidelity: ReturnType<typeof fidelity>;
  pageFidelity: ReturnType<typeof fidelity>;
  totalOk: boolean;
}

async function measure(libs: Lib[], trips: { count: number }): Promise<Measured[]> {
  const results = new Map<Lib, { graph: number[]; page: number[] }>();
  for (const lib of libs) results.set(lib, { graph: [], page: [] });
  const out: Measured[] = [];
  for (const lib of libs) {
    // A first call opens the session (and a library's own set-up statements): not counted.
    await lib.graph();
    trips.count = 0;
    const graph = await lib.graph();
    const graphTrips = trips.count;
    trips.count = 0;
    const page = await lib.page();
    const pageTrips = trips.count;
    out.push({
      lib,
      graphMs: 0,
      pageMs: 0,
      graphTrips,
      pageTrips,
      graphFidelity: fidelity(normalise(graph), EXPECTED),
      pageFidelity: fidelity(normalise(page.items), EXPECTED_PAGE),
      totalOk: Number(page.total) === AUTHORS,
    });
  }
  for (let round = 0; round < ROUNDS + WARMUP; round++) {
    for (const lib of rotate(libs, round)) {
      const t0 = performance.now();
      await lib.graph();
      const t1 = performance.now();
      await lib.page();
      const t2 = performance.now();
      if (round >= WARMUP) {
        results.get(lib)?.graph.push(t1 - t0);
        results.get(lib)?.page.push(t2 - t1);
      }
    }
  }
  for (const m of out) {
    const r = results.get(m.lib) as { graph: number[]; page: number[] };
    m.graphMs = median(r.graph);
    m.pageMs = median(r.page);
  }
  return out;
}

function table(measured: Measured[], tripWord: string): string {
  const gino = measured[0] as Measured;
  const fid = (f: ReturnType<typeof fidelity>) =>
    f.wrong === 0 ? `all ${f.total} equal` : `**${f.wrong} of ${f.total} differ** (${f.example})`;
  return markdownTable(
    [
      'library',
      `graph: ${tripWord}`,
      'graph: median ms',
      'graph: time vs gino-edge',
      'graph: values as written',
      `page + total: ${tripWord}`,
      'page: median ms',
      'page: time vs gino-edge',
      'page: values as written',
      'total',
    ],
    measured.map((m) => [
      m.lib.name,
      String(m.graphTrips),
      m.graphMs.toFixed(2),
      ratio(m.graphMs, gino.graphMs),
      fid(m.graphFidelity),
      String(m.pageTrips),
      m.pageMs.toFixed(2),
      ratio(m.pageMs, gino.pageMs),
      fid(m.pageFidelity),
      `${m.totalOk ? 'exact' : 'wrong'} (${m.lib.totalHow})`,
    ]),
  );
}

const startLoad = loadavg().map((l) => l.toFixed(2));
const sections: string[] = [];

// pg: one client per library; statements counted at the client.
{
  const seedClient = new pgModule.Client({ connectionString: databaseUrl });
  await seedClient.connect();
  await seed(seedClient);
  await seedClient.end();
  const trips = { count: 0 };
  const query = pgModule.Client.prototype.query;
  pgModule.Client.prototype.query = function (this: pgModule.Client, ...args: unknown[]) {
    trips.count++;
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  const clients = await Promise.all(
    [0, 1, 2].map(async () => {
      const c = new pgModule.Client({ connectionString: databaseUrl });
      await c.connect();
      return c;
    }),
  );
  const [c1, c2, c3] = clients as [pgModule.Client, pgModule.Client, pgModule.Client];
  const libs = [
    await ginoLib(ginoPg({ pool: singleClientPool(c1) as never })),
    drizzleLib(drizzlePg({ client: c2, schema: dSchema }) as unknown as DrizzleDb, async () => undefined),
    kyselyLib(new PostgresDialect({ pool: singleClientPool(c3) as never })),
  ];
  const measured = await measure(libs, trips);
  sections.push(
    `### PostgreSQL through pg (one connection each)\n\nRound trips are statements sent (counted at node-postgres's \`Client.query\`).\n\n${table(measured, 'statements')}`,
  );
  for (const lib of libs) await lib.close();
  for (const c of clients) await c.end();
  pgModule.Client.prototype.query = query;
}

// neon-http: through the local Neon proxy in front of the same server; requests counted at fetch.
{
  const proxy = await startNeonProxy({ target: databaseUrl, port: 0 });
  const trips = { count: 0 };
  const realFetch = globalThis.fetch;
  globalThis.fetch = ((input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    if (String(input instanceof Request ? input.url : input).startsWith(proxy.httpEndpoint)) trips.count++;
    return realFetch(input, init);
  }) as typeof fetch;
  try {
    const plain = new URL(databaseUrl);
    if (plain.password === '') plain.password = 'neon-dev';
    const neonUrl = plain.toString().replace(/^[a-z0-9+.-]+:\/\//i, 'postgresql://');
    neonConfig.fetchEndpoint = proxy.httpEndpoint;
    const libs = [
      await ginoLib(ginoNeonHttp(neonUrl, { ...proxy.neonOptions })),
      drizzleLib(
        drizzleNeon({ client: neon(neonUrl), schema: dSchema }) as unknown as DrizzleDb,
        async () => undefined,
      ),
      kyselyLib(neonHttpDialect(neon(neonUrl) as never)),
    ];
    const measured = await measure(libs, trips);
    sections.push(
      `### Neon's HTTP protocol (the local Neon proxy of src/dev, in front of the same PostgreSQL)\n\nRound trips are HTTP requests (counted at \`fetch\`); Neon runs every request on a fresh session, so each one is a full round trip to the database.\n\n${table(measured, 'requests')}`,
    );
    for (const lib of libs) await lib.close();
  } finally {
    globalThis.fetch = realFetch;
    await proxy.close();
  }
}

{
  const client = new pgModule.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query('DROP TABLE IF EXISTS rb_post_tags, rb_tags, rb_posts, rb_authors');
  await client.end();
}

const endLoad = loadavg().map((l) => l.toFixed(2));
const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();
const part = `## Relationships: a graph of 100 authors × 10 posts × 3 tags, and a page of 20 with the total

Generated by \`npm run bench:relations\`${quick ? ' (--quick)' : ''} at commit ${commit} on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}; load average ${startLoad.join(' ')} at the start, ${endLoad.join(' ')} at the end (a machine shared with other work: read the ratios, not the milliseconds). Medians over ${ROUNDS} alternating rounds after ${WARMUP} warm-up rounds.

Each library loads every author with its posts (ordered by id) and each post's tags (ordered by id), then page ${PAGE} of ${PER_PAGE} authors with the same graph and the number of authors. gino-edge: \`Author.load({ posts: Post.load('tags') }).query.orderBy(Author.id)\` with \`.gino.all()\` and \`.gino.paginate({ page: ${PAGE}, perPage: ${PER_PAGE} })\`; Drizzle: \`db.query.authors.findMany({ with: { posts: { with: { postTags: { with: { tag: true } } } } } })\` and \`db.select({ count: count() })\` for the total; Kysely: \`jsonArrayFrom\` subqueries, with \`count(*) OVER ()\` written by hand for the total. "Values as written" compares every value each library returned with the values inserted (posts.views is a bigint beyond 2^53, posts.score a numeric of up to 40 digits, posts.published includes BC dates), exactly as the library hands them over.

${sections.join('\n\n')}
`;
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/relations.md', part);
console.log(part);
