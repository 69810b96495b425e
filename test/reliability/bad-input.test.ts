/**
 * Bad input from users of the API (issue 7, item 2), collected in one place: unknown column names,
 * wrong primary-key arity, values a column cannot take, update() of a deleted or never-created
 * instance, an unbound db, unknown and malformed URLs, a missing driver package. Each is a typed
 * GinoError subclass whose message names the model or table, the column and the way out, thrown
 * before any statement is sent wherever the mistake can be seen without the database (the logger
 * saw nothing). The shared suite asserts some of these on every adapter too (values.ts,
 * fidelity.ts, errors.ts, crud.ts); those stay where they are.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import {
  ConnectionError,
  Gino,
  GinoError,
  InvalidRequestError,
  NoSuchRowError,
  type QueryEvent,
  UninitializedError,
} from '../../src/index.js';
import { packedProject } from '../runtimes/support/package.js';

const serverUrl = inject('databaseUrl');
const log: QueryEvent[] = [];
const db = new Gino({ logger: (e) => log.push(e) });

class User extends db.Model({
  __tablename__: 'bad_users',
  id: db.Column(db.Integer(), { primaryKey: true }),
  nickname: db.Column(db.Unicode(40)),
}) {}

class Booking extends db.Model({
  __tablename__: 'bad_bookings',
  day: db.Column(db.Date()),
  booker: db.Column(db.String(40)),
  _pk: db.PrimaryKeyConstraint('day', 'booker'),
}) {}

class Doc extends db.Model({
  __tablename__: 'bad_docs',
  id: db.Column(db.Integer(), { primaryKey: true }),
  small: db.Column(db.SmallInteger()),
  big: db.Column(db.BigInteger()),
  price: db.Column(db.Numeric(10, 2)),
  ratio: db.Column(db.Float()),
  flag: db.Column(db.Boolean()),
  uid: db.Column(db.UUID()),
  at: db.Column(db.DateTime()),
  day: db.Column(db.Date()),
  body: db.Column(db.JSONB()),
  bytes: db.Column(db.LargeBinary()),
  mood: db.Column(db.Enum('bad_mood', ['ok', 'meh'] as const)),
  tags: db.Column(db.ARRAY(db.Integer())),
}) {}

/** Untyped access, as plain JavaScript (or a cast) would reach the API. */
const loose = <T>(m: T) => m as unknown as Record<string, (...args: unknown[]) => unknown> & Record<string, unknown>;

/** `attempt` fails with `type` and a message matching every pattern, before any statement is sent. */
async function refused(
  attempt: () => unknown,
  type: abstract new (...args: never[]) => GinoError,
  ...patterns: RegExp[]
): Promise<Error> {
  log.length = 0;
  let error: unknown;
  try {
    await attempt();
  } catch (e) {
    error = e;
  }
  expect(error, 'no error thrown').toBeInstanceOf(type);
  expect(error).toBeInstanceOf(GinoError);
  for (const p of patterns) expect((error as Error).message).toMatch(p);
  expect(log, `a statement was sent before the error: ${(error as Error).message}`).toEqual([]);
  return error as Error;
}

beforeAll(async () => {
  await db.setBind(serverUrl);
  await db.gino.dropAll();
  await db.gino.createAll();
});

afterAll(async () => {
  await db.gino.dropAll();
  await db.popBind().close();
});

describe('unknown column names', () => {
  const columns = /\(columns: id, nickname\)/;
  test('create, new, instance update, class-level update and insert name the model and its columns', async () => {
    await refused(() => loose(User).create?.({ nick: 'x' }), InvalidRequestError, /User has no column 'nick'/, columns);
    await refused(() => new User({ nick: 'x' } as never), InvalidRequestError, /User has no column 'nick'/, columns);
    const user = await User.create({ nickname: 'ok' });
    await refused(() => user.update({ nick: 'x' } as never), InvalidRequestError, /User has no column 'nick'/);
    await refused(
      () => loose(User.update).values?.({ nick: 1 }),
      InvalidRequestError,
      /update: table 'bad_users' has no column 'nick'/,
      columns,
    );
    await refused(
      () => loose(User.insert()).values?.({ nick: 1 }),
      InvalidRequestError,
      /insert: table 'bad_users' has no column 'nick'/,
    );
    // The instance was not changed by the refused update.
    expect(user.nickname).toBe('ok');
  });

  test('select(), get() by object, orderBy() with a string', async () => {
    await refused(() => loose(User).select?.('nick'), InvalidRequestError, /table 'bad_users' has no column 'nick'/);
    await refused(
      () => User.get({ nick: 1 } as never),
      InvalidRequestError,
      /User\.get\(\) expected the primary key \{id\}, got \{nick\}/,
    );
    await refused(
      () => loose(User.query).orderBy?.('nickname'),
      InvalidRequestError,
      /orderBy\(\) takes columns and expressions .* got the string 'nickname'/,
    );
    await refused(() => loose(User.query).groupBy?.(undefined), InvalidRequestError, /groupBy\(\) .* got undefined/);
  });

  test('db.text() with a :name that has no value', async () => {
    await refused(
      () => db.all(db.text('SELECT :a::int AS a, :b::int AS b', { a: 1 })),
      InvalidRequestError,
      /no value given for :b \(given: a\)/,
    );
  });
});

describe('wrong primary-key arity', () => {
  test('too many, too few, null and undefined keys', async () => {
    await refused(
      () => User.get([1, 2]),
      InvalidRequestError,
      /User\.get\(\) expected 1 primary-key value \(id\), got 2/,
    );
    await refused(
      () => Booking.get('2024-01-01'),
      InvalidRequestError,
      /Booking\.get\(\) expected 2 primary-key values \(day, booker\), got 1/,
    );
    await refused(
      () => Booking.get({ day: '2024-01-01' }),
      InvalidRequestError,
      /expected the primary key \{day, booker\}, got \{day\}/,
    );
    await refused(() => User.get(null as never), InvalidRequestError, /primary-key value for id is null/);
    await refused(() => User.get(undefined as never), InvalidRequestError, /primary-key value for id is undefined/);
  });
});

describe('values a column cannot take, refused before any I/O', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['a string for an Integer', { id: 'seven' }, /bad_docs\.id \(INTEGER\) cannot take the string "seven"/],
    [
      'a number beyond int4',
      { id: 2 ** 31 },
      /bad_docs\.id \(INTEGER\) .* expected an integer from -2147483648 to 2147483647/,
    ],
    ['a fraction for an Integer', { id: 1.5 }, /cannot take the number 1\.5/],
    ['NaN for an Integer', { id: Number.NaN }, /cannot take the number NaN/],
    ['Infinity for an Integer', { id: Number.POSITIVE_INFINITY }, /cannot take the number Infinity/],
    ['beyond int2', { small: 32768 }, /bad_docs\.small \(SMALLINT\) .* from -32768 to 32767/],
    ['beyond int8', { big: 2n ** 63n }, /bad_docs\.big \(BIGINT\) .* within int8/],
    ['an unsafe integer for a BigInteger', { big: 2 ** 53 + 2 }, /bad_docs\.big \(BIGINT\)/],
    [
      'a word for a Numeric',
      { price: 'twelve' },
      /bad_docs\.price \(NUMERIC\(10, 2\)\) .* a number or a decimal string/,
    ],
    ['a string for a Float', { ratio: '0.5' }, /bad_docs\.ratio \(DOUBLE PRECISION\) .* expected a number/],
    [
      'a string for a Boolean',
      { flag: 'yes' },
      /bad_docs\.flag \(BOOLEAN\) cannot take the string "yes": expected a boolean/,
    ],
    ['a number for a UUID', { uid: 42 }, /bad_docs\.uid \(UUID\) .* expected a string/],
    [
      'an invalid Date',
      { at: new Date('not a date') },
      /bad_docs\.at \(TIMESTAMP WITHOUT TIME ZONE\) cannot take an invalid Date/,
    ],
    ['a word for a Date', { day: 'yesterday' }, /bad_docs\.day \(DATE\) .* 'YYYY-MM-DD'/],
    [
      'a function in JSON',
      { body: { f: () => 1 } },
      /bad_docs\.body \(JSONB\): .*at key 'f' is a function, which JSON cannot hold/,
    ],
    ['a symbol in JSON', { body: { s: Symbol('x') } }, /at key 's' is a symbol/],
    ['a Map in JSON', { body: new Map([[1, 2]]) }, /Map, which JSON would silently empty/],
    [
      'a bigint beyond JSON numbers',
      { body: { n: 2n ** 60n } },
      /beyond what JSON numbers hold exactly; store it as a string/,
    ],
    ['a string for bytes', { bytes: 'abc' }, /bad_docs\.bytes \(BYTEA\) .* expected a Uint8Array/],
    ['a value not in the Enum', { mood: 'angry' }, /bad_docs\.mood \(bad_mood\) .* one of "ok", "meh"/],
    ['a scalar for an ARRAY', { tags: 5 }, /bad_docs\.tags \(INTEGER\[\]\) .* expected an array/],
    ['a bad element in an ARRAY', { tags: [1, 'two'] }, /bad_docs\.tags\[\] \(INTEGER\) cannot take the string "two"/],
  ];
  test.each(cases)('%s', async (_, values, message) => {
    await refused(() => Doc.create(values as never), InvalidRequestError, message);
    // The same value in an update is refused the same way; in a WHERE clause too, unless it is a
    // number compared with a number column: that is valid SQL, compared in the value's own type.
    const [key, value] = Object.entries(values)[0] as [string, unknown];
    const column = (Doc as unknown as Record<string, { eq(v: unknown): never; type: { kind: string } }>)[key];
    const comparable =
      (typeof value === 'number' || typeof value === 'bigint') &&
      ['Integer', 'SmallInteger', 'BigInteger'].includes(column?.type.kind ?? '');
    if (column && comparable) expect(await Doc.query.where(column.eq(value)).gino.all()).toEqual([]);
    else if (column) await refused(() => Doc.query.where(column.eq(value)).gino.all(), InvalidRequestError, message);
    await refused(() => Doc.update.values(values as never).gino.status(), InvalidRequestError, message);
  });

  test('a cyclic JSON value', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await refused(() => Doc.create({ body: cyclic }), InvalidRequestError, /bad_docs\.body \(JSONB\).*circular/i);
  });

  test('a NUL character in text is refused with a message naming it', async () => {
    const error = await Doc.create({ mood: 'ok', uid: 'a\0b' } as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GinoError);
    expect((error as Error).message).toMatch(/NUL|0x00/);
  });

  test('a calendar date that does not exist is refused before any I/O, naming the column', async () => {
    await refused(
      () => Doc.create({ day: '2024-02-30' }),
      InvalidRequestError,
      /bad_docs\.day \(DATE\)/,
      /no such day/,
    );
    await refused(() => Doc.create({ at: '2023-02-29T00:00:00' as never }), InvalidRequestError, /bad_docs\.at/);
  });
});

describe('instances that are not (or no longer) rows', () => {
  test('update().apply() on a deleted instance: NoSuchRowError naming the model and the way out', async () => {
    const user = await User.create({ nickname: 'gone' });
    expect(await user.delete()).toBe('DELETE 1');
    log.length = 0;
    const error = await user
      .update({ nickname: 'back' })
      .apply()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoSuchRowError);
    expect((error as Error).message).toMatch(/no User row matched the key captured at update\(\).*get\(\) it again/);
    // One UPDATE was needed to find out; nothing else ran.
    expect(log.map((e) => e.sql.split(' ')[0])).toEqual(['UPDATE']);
  });

  test('update().apply() and delete() on an instance never created: before any I/O', async () => {
    const fresh = new User({ nickname: 'new' });
    await refused(
      () => fresh.update({ nickname: 'x' }).apply(),
      InvalidRequestError,
      /this User has no id \(its primary key\), so it is not a row yet: create\(\) it first/,
    );
    await refused(() => fresh.delete(), InvalidRequestError, /not a row yet: create\(\) it first/);
  });
});

describe('binding mistakes', () => {
  test('an unbound db: UninitializedError naming setBind(), from every running method', async () => {
    const lonely = new Gino();
    const M = lonely.Model({ __tablename__: 'x', id: lonely.Column(lonely.Integer(), { primaryKey: true }) });
    expect(() => lonely.bind).toThrow(UninitializedError);
    expect(() => lonely.bind).toThrow(/call await db\.setBind\(url\) first/);
    expect(() => lonely.popBind()).toThrow(UninitializedError);
    for (const p of [
      M.get(1),
      M.create({}),
      M.query.gino.all(),
      lonely.scalar('SELECT 1'),
      lonely.batch(['SELECT 1']),
    ]) {
      await expect(p).rejects.toBeInstanceOf(UninitializedError);
    }
  });

  test('an unknown URL scheme lists the known ones; the password stays out of the message', async () => {
    const error = await refused(
      () => db.createEngine('mysql://me:Sekr1t@localhost/db'),
      InvalidRequestError,
      /unknown database URL scheme 'mysql:\/\/'; gino-edge knows postgresql:\/\/, .*pglite:\/\//,
    );
    expect(error.message).not.toContain('Sekr1t');
  });

  test('malformed URLs are refused at bind time, with the password hidden', async () => {
    const cases: [string, typeof GinoError, RegExp][] = [
      ['localhost:5432/db', InvalidRequestError, /not a database URL \(no scheme:\/\/\)/],
      [
        'postgresql//me:Sekr1t@host/db',
        InvalidRequestError,
        /the string given is not a database URL \(no scheme:\/\/\)/,
      ],
      [
        'postgresql://me:Sekr1t@host:port/db',
        ConnectionError,
        /'postgresql:\/\/me:\*\*\*@host:port\/db' is not a valid URL/,
      ],
      ['postgresql://me:Sekr1t@[::1/db', ConnectionError, /is not a valid URL .*percent-encoded/],
      ['postgresql+neon-ws://me:Sekr1t@host:port/db', ConnectionError, /me:\*\*\*@host:port\/db' is not a valid URL/],
      ['postgresql+neon-http://me:Sekr1t@host', ConnectionError, /needs a user, a host and a database/],
    ];
    for (const [url, type, message] of cases) {
      const error = await refused(() => db.createEngine(url), type, message);
      expect(error.message).not.toContain('Sekr1t');
    }
  });

  test('options an adapter does not know, and bad option values', async () => {
    await refused(
      () => db.createEngine('postgresql+neon-http://me@host/db', { fetchEndPoint: 'x' }),
      InvalidRequestError,
      /unknown option 'fetchEndPoint'; it takes fetchEndpoint/,
    );
    await refused(
      () => db.createEngine('postgresql+neon-http://me@host/db', { timeoutMs: -1 }),
      InvalidRequestError,
      /timeoutMs takes a number of milliseconds/,
    );
    await refused(() => db.setBind(42 as never), InvalidRequestError, /setBind\(\) takes a database URL/);
    await refused(
      () => db.all('SELECT 1', [], { bind: 'tx' } as never),
      InvalidRequestError,
      /bind must be an Engine, a Connection or a Transaction/,
    );
    await refused(
      () => db.transaction(async () => 1, { isolation: 'bogus' as never }),
      InvalidRequestError,
      /unknown isolation level 'bogus'; use one of read uncommitted/,
    );
    await refused(() => User.query.gino.timeout(1.5).all(), InvalidRequestError, /positive whole number/);
    await refused(
      async () => {
        for await (const _ of User.query.gino.iterate({ prefetch: 0 })) break;
      },
      InvalidRequestError,
      /prefetch must be a positive integer, got 0/,
    );
  });
});

describe('a missing driver package', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // Not simulated: the installed package (from `npm pack`) is copied alone into an empty project
  // outside this repository, so `import('pg')` there really finds nothing.
  test('binding by URL fails at setBind() with InvalidRequestError naming the npm install', async () => {
    const project = await packedProject();
    dir = await mkdtemp(join(tmpdir(), 'gino-no-drivers-'));
    await cp(join(project.dir, 'node_modules', 'gino-edge'), join(dir, 'node_modules', 'gino-edge'), {
      recursive: true,
      dereference: true,
    });
    await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    await writeFile(
      join(dir, 'check.mjs'),
      `import { Gino, GinoError } from 'gino-edge';
const out = {};
for (const url of ['postgresql://me@127.0.0.1:1/db', 'postgresql+neon-ws://me@127.0.0.1/db', 'pglite://memory']) {
  const log = [];
  const db = new Gino({ logger: (e) => log.push(e) });
  try {
    await db.setBind(url);
    out[url] = { bound: true };
  } catch (e) {
    out[url] = { name: e.name, gino: e instanceof GinoError, message: e.message, logged: log.length };
  }
}
console.log(JSON.stringify(out));
`,
    );
    const { stdout } = await promisify(execFile)(process.execPath, ['check.mjs'], { cwd: dir, timeout: 30_000 });
    const out = JSON.parse(stdout) as Record<string, { name: string; gino: boolean; message: string; logged: number }>;
    expect(out['postgresql://me@127.0.0.1:1/db']).toMatchObject({ name: 'InvalidRequestError', gino: true, logged: 0 });
    expect(out['postgresql://me@127.0.0.1:1/db']?.message).toMatch(
      /the pg adapter needs the 'pg' package: npm install pg/,
    );
    expect(out['postgresql+neon-ws://me@127.0.0.1/db']?.message).toMatch(
      /neon-ws adapter needs '@neondatabase\/serverless': npm install @neondatabase\/serverless/,
    );
    expect(out['pglite://memory']?.message).toMatch(/pglite adapter needs '@electric-sql\/pglite': npm install/);
    for (const r of Object.values(out)) expect(r).toMatchObject({ name: 'InvalidRequestError', gino: true, logged: 0 });
  }, 120_000);
});

describe('statements carry their own values', () => {
  test('parameters given with a statement are refused, naming the way', async () => {
    const db = new Gino();
    const M = db.Model({ __tablename__: 'bi_params', id: db.Column(db.Integer(), { primaryKey: true }) });
    // Refused before any I/O: the binding is never used.
    await db.setBind(inject('databaseUrl'));
    try {
      await expect(db.all(M.query, [1])).rejects.toThrow(/parameters go with a SQL string/);
      await expect(db.all(M.query, [1])).rejects.toBeInstanceOf(InvalidRequestError);
    } finally {
      await db.popBind().close();
    }
  });
});
