/**
 * Errors that name the way out: before any I/O, a binding of `undefined` (an unset DATABASE_URL),
 * a raw `@` or `/` in a URL's password, and values of the wrong JavaScript type for a column (one
 * rule: numbers and strings never stand in for each other); neon-http with no endpoint it can
 * reach. The Workers sides (a Hono app's onError) are in test/runtimes/hono.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConnectionError, Gino, InvalidRequestError } from '../../src/index.js';
import { freePort } from '../support/server.js';

describe('setBind() of nothing', () => {
  test.each([
    ['undefined', undefined],
    ['null', null],
    ['an empty string', ''],
  ])('setBind(%s) says what it got and to check DATABASE_URL', async (got, value) => {
    const db = new Gino();
    const error = await db.setBind(value as unknown as string).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toContain(`setBind() got ${got} instead of a database URL`);
    expect((error as Error).message).toMatch(/is DATABASE_URL .* set\?/);
    expect(db.isBound).toBe(false);
  });

  test('db.worker(): a bind returning undefined rejects the request with the same advice, nothing opened', async () => {
    const db = new Gino();
    const handler = db.worker({ bind: () => undefined, fetch: () => new Response('unreachable') });
    const waited: Promise<unknown>[] = [];
    await expect(
      handler.fetch(new Request('http://w/'), {}, { waitUntil: (p) => void waited.push(p) }),
    ).rejects.toThrow(/got undefined instead of a database URL/);
    expect(waited).toEqual([]);
  });
});

describe('a raw @ or / in the password', () => {
  test.each([
    ['postgresql://app:p@ss@127.0.0.1:5432/db', "'@'"],
    ['postgresql://app:pa/ss@127.0.0.1:5432/db', "'/'"],
    ['postgresql+neon-http://app:a@b/c@ep-x.neon.tech/db', "'@' and '/'"],
  ])('%s: refused before any I/O, saying to percent-encode, never showing the password', async (url, raw) => {
    const db = new Gino();
    const error = await db.setBind(url).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error?.message).toContain(`has a raw ${raw} in its password`);
    expect(error?.message).toContain('%40');
    expect(error?.message).toContain('encodeURIComponent(password)');
    expect(error?.message).not.toMatch(/p@ss|pa\/ss|a@b\/c/);
  });

  test('the same password percent-encoded binds; an @ in the query is not a password', async () => {
    const db = new Gino();
    const engine = await db.setBind(`pglite://memory?note=${'a@b'}`).catch((e: Error) => e);
    expect(engine).not.toBeInstanceOf(InvalidRequestError);
    if (!(engine instanceof Error)) await db.popBind().close();
    const encoded = `postgresql://app:${encodeURIComponent('p@s/s')}@127.0.0.1:1/db`;
    const pg = await db.createEngine(encoded);
    await pg.close();
  });
});

describe('one coercion rule: a value of the column type, numbers and strings never converted', () => {
  const db = new Gino();
  class Book extends db.Model({
    __tablename__: 'way_out_books',
    id: db.Column(db.Integer(), { primaryKey: true }),
    title: db.Column(db.Unicode()),
    author_id: db.Column(db.Integer()),
    score: db.Column(db.Float()),
    price: db.Column(db.Numeric(10, 2)),
    views: db.Column(db.BigInteger({ mode: 'string' })),
  }) {}

  beforeAll(async () => {
    await db.setBind('pglite://memory');
    await db.gino.createAll();
  });
  afterAll(async () => {
    await db.popBind().close();
  });

  test('title: 42 is refused like author_id: "2", each naming the conversion to write', async () => {
    await expect(Book.create({ title: 42 as unknown as string })).rejects.toThrow(
      /title.*\(VARCHAR\) cannot take the number 42: expected a string \(a number is not turned into text: pass String\(42\)\)/,
    );
    await expect(Book.create({ author_id: '2' as unknown as number })).rejects.toThrow(
      /author_id.*\(INTEGER\) cannot take the string "2": expected an integer .* \(a string is not turned into a number: pass Number\("2"\)\)/,
    );
    await expect(Book.create({ score: '1.5' as unknown as number })).rejects.toThrow(/pass Number\("1.5"\)/);
    expect(await db.scalar('SELECT count(*)::int FROM way_out_books')).toBe(0);
  });

  test('the precision types take the same value as a number or as text', async () => {
    const book = await Book.create({ title: '42', author_id: 2, price: 9.5 as unknown as string, views: '7' });
    expect(book.toDict()).toMatchObject({ title: '42', author_id: 2, price: '9.50', views: '7' });
    await Book.update.values({ price: '10.25', views: 8 as unknown as string }).gino.status();
    expect(await Book.get(book.id)).toMatchObject({ price: '10.25', views: '8' });
  });
});

describe('neon-http with no reachable endpoint', () => {
  test("Neon's default endpoint for a local host: says how to point it at Neon or at the dev proxy", async () => {
    const db = new Gino();
    await db.setBind('postgresql+neon-http://postgres:pw@127.0.0.1/db');
    try {
      const error = await db.scalar('SELECT 1').then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error).toBeInstanceOf(ConnectionError);
      expect(error?.message).toContain('could not reach https://api.0.0.1/sql');
      expect(error?.message).toMatch(/use the host Neon gives .*ep-/);
      expect(error?.message).toMatch(/npx gino-edge neon-proxy --target .* fetchEndpoint/);
    } finally {
      await db.popBind().close();
    }
  });

  test('a fetchEndpoint of your own that nothing serves: asks whether it is right and running', async () => {
    const port = await freePort();
    const db = new Gino();
    await db.setBind('postgresql+neon-http://postgres:pw@127.0.0.1/db', {
      fetchEndpoint: `http://127.0.0.1:${port}/sql`,
    });
    try {
      const error = await db.scalar('SELECT 1').then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error).toBeInstanceOf(ConnectionError);
      expect(error?.message).toContain(`could not reach http://127.0.0.1:${port}/sql`);
      expect(error?.message).toContain('is fetchEndpoint right, and is its server running?');
    } finally {
      await db.popBind().close();
    }
  });
});

describe('create() without a NOT NULL column the model knows', () => {
  const db = new Gino();
  class Post extends db.Model({
    __tablename__: 'way_out_posts',
    id: db.Column(db.Integer(), { primaryKey: true }),
    title: db.Column(db.Unicode(), { nullable: false }),
    body: db.Column(db.Text(), { nullable: false }),
    status: db.Column(db.Unicode(), { nullable: false, default: 'draft' }),
    created: db.Column(db.DateTime(), { nullable: false, serverDefault: db.func.now() }),
    note: db.Column(db.Text()),
  }) {}
  const statements: string[] = [];

  beforeAll(async () => {
    const logged = new Gino({ logger: (e) => statements.push(e.sql) });
    await logged.setBind('pglite://memory');
    await db.setBind(logged.bind);
    await db.gino.createAll();
  });
  afterAll(async () => {
    await db.popBind().close();
  });

  test('names every missing column before any I/O; defaults, server defaults, serials and nullable ones are not asked for', async () => {
    statements.length = 0;
    await expect(Post.create({} as never)).rejects.toThrow(
      new InvalidRequestError(
        'Post.create() needs title, body: the columns are NOT NULL with no default; give a value, or declare a default (or serverDefault) in the model',
      ),
    );
    await expect(Post.create({ title: 'x', body: null } as never)).rejects.toThrow(
      /Post\.create\(\) needs body \(got null\): the column is NOT NULL/,
    );
    expect(statements).toEqual([]);
    const post = await Post.create({ title: 'x', body: 'y' });
    expect(post).toMatchObject({ id: 1, title: 'x', body: 'y', status: 'draft', note: null });
    expect(post.created).toBeInstanceOf(Date);
    // The log does see statements: the refused ones sent none.
    expect(statements.filter((sql) => sql.startsWith('INSERT'))).toHaveLength(1);
  });
});
