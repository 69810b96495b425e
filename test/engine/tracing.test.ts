/**
 * OpenTelemetry spans (`new Gino({ tracer })`) with the real SDK's in-memory exporter: a span per
 * statement, batch and transaction, OpenTelemetry's database attributes, parameter values never in
 * a span, statements nested under their transaction, failures recorded. On pg (a server), PGlite
 * (embedded: no server address) and neon-http (a native batch is one request, one span).
 */
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { type NeonProxy, startNeonProxy } from '../../src/dev/index.js';
import { describeStatement } from '../../src/engine/tracing.js';
import { DatabaseError, Gino } from '../../src/index.js';
import { neonUrl } from '../support/neon.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('gino-edge-test');
const serverUrl = inject('databaseUrl');
const server = new URL(serverUrl);
const SECRET = 'nickname-never-in-a-span';

let proxy: NeonProxy;

beforeAll(async () => {
  proxy = await startNeonProxy({ target: serverUrl, port: 0 });
});

afterAll(async () => {
  await proxy?.close();
  await provider.shutdown();
});

function spans(): ReadableSpan[] {
  return exporter.getFinishedSpans();
}

const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan): string => span.spanContext().spanId;

function byName(name: string): ReadableSpan {
  const found = spans().find((s) => s.name === name);
  if (!found) throw new Error(`no span ${name}; spans: ${spans().map((s) => s.name)}`);
  return found;
}

const ADAPTERS = [
  { name: 'pg', url: () => serverUrl, address: server.hostname, port: Number(server.port || 5432) },
  { name: 'pglite', url: () => 'pglite://memory', address: undefined, port: undefined },
  {
    name: 'neon-http',
    url: () => neonUrl('neon-http', serverUrl),
    address: server.hostname,
    port: Number(server.port || 5432),
    options: () => proxy.neonOptions,
  },
] as const;

describe.each(ADAPTERS)('spans on $name', (adapter) => {
  const db = new Gino({ tracer });
  const table = `trace_users_${adapter.name.replace('-', '_')}`;
  class User extends db.Model({
    __tablename__: table,
    id: db.Column(db.Integer(), { primaryKey: true }),
    nickname: db.Column(db.Unicode(), { nullable: false, unique: true }),
  }) {}

  beforeAll(async () => {
    await db.setBind(adapter.url(), 'options' in adapter ? adapter.options() : {});
    await db.status(`DROP TABLE IF EXISTS ${table}`);
    await User.gino.create();
  });

  afterAll(async () => {
    await db.status(`DROP TABLE IF EXISTS ${table}`);
    await db.popBind().close();
  });

  test('a statement: its span has the database attributes, the SQL with placeholders, never the values', async () => {
    exporter.reset();
    await User.create({ nickname: SECRET });
    const found = await User.query.where(User.nickname.eq(SECRET)).gino.all();
    expect(found).toHaveLength(1);
    const insert = byName(`INSERT ${table}`);
    const select = byName(`SELECT ${table}`);
    expect(select.kind).toBe(2); // CLIENT
    expect(select.attributes).toMatchObject({
      'db.system.name': 'postgresql',
      'db.operation.name': 'SELECT',
      'db.collection.name': table,
      'db.response.returned_rows': 1,
    });
    expect(select.attributes['db.query.text']).toMatch(new RegExp(`FROM ${table} WHERE ${table}.nickname = \\$1`));
    if (adapter.address) {
      expect(select.attributes).toMatchObject({
        'server.address': adapter.address,
        'server.port': adapter.port,
        'db.namespace': server.pathname.slice(1),
      });
    } else {
      expect(select.attributes['server.address']).toBeUndefined();
    }
    expect(insert.attributes).toMatchObject({ 'db.operation.name': 'INSERT', 'db.collection.name': table });
    for (const s of spans()) expect(JSON.stringify(s.attributes)).not.toContain(SECRET);
  });

  test('a failing statement: ERROR status, the exception recorded, the SQLSTATE as error.type', async () => {
    exporter.reset();
    await expect(User.create({ nickname: SECRET })).rejects.toBeInstanceOf(DatabaseError);
    const insert = byName(`INSERT ${table}`);
    expect(insert.status.code).toBe(2); // ERROR
    expect(insert.attributes).toMatchObject({ 'error.type': '23505', 'db.response.status_code': '23505' });
    expect(insert.events.map((e) => e.name)).toContain('exception');
  });

  test.skipIf(adapter.name === 'neon-http')(
    'a transaction: its statements and its savepoint nest under its span, ended with the outcome',
    async () => {
      exporter.reset();
      await db.transaction(async () => {
        await User.create({ nickname: 'in-tx' });
        await db.transaction(async (inner) => {
          await User.create({ nickname: 'in-savepoint' });
          inner.raiseRollback();
        });
      });
      const tx = byName('TRANSACTION');
      const sp = byName('NESTED TRANSACTION');
      expect(tx.attributes).toMatchObject({ 'db.system.name': 'postgresql', 'gino.transaction.outcome': 'commit' });
      expect(sp.attributes).toMatchObject({ 'gino.transaction.outcome': 'rollback' });
      expect(parentOf(sp)).toBe(idOf(tx));
      const children = (span: ReadableSpan) =>
        spans()
          .filter((s) => parentOf(s) === idOf(span))
          .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1])
          .map((s) => s.name);
      expect(children(tx)).toEqual(['BEGIN', `INSERT ${table}`, 'NESTED TRANSACTION', 'COMMIT']);
      expect(children(sp)).toEqual(['SAVEPOINT', `INSERT ${table}`, 'ROLLBACK']);
      // Every span of the transaction is in one trace.
      expect(new Set(spans().map((s) => s.spanContext().traceId)).size).toBe(1);
      await User.delete.where(User.nickname.eq('in-tx')).gino.status();
    },
  );

  test('a batch: one BATCH span with its size', async () => {
    exporter.reset();
    const [users, count] = await db.batch([User.query, db.select(db.func.count(User.id))]);
    expect(users).toHaveLength(1);
    expect(count).toHaveLength(1);
    const batch = byName('BATCH SELECT');
    expect(batch.attributes).toMatchObject({ 'db.operation.name': 'BATCH SELECT', 'db.operation.batch.size': 2 });
    const inside = spans().filter((s) => parentOf(s) === idOf(batch));
    if (adapter.name === 'neon-http') {
      // One request: no statement spans of its own.
      expect(spans().map((s) => s.name)).toEqual(['BATCH SELECT']);
      expect(batch.attributes['db.query.text']).toMatch(/; /);
    } else {
      // A transaction on a session: its statements are inside.
      expect(inside.map((s) => s.name).sort()).toEqual(
        ['BEGIN', 'COMMIT', `SELECT ${table}`, `SELECT ${table}`].sort(),
      );
    }
  });
});

describe('what a span names', () => {
  test.each([
    ['SELECT users.id FROM users WHERE users.id = $1', 'SELECT', 'users'],
    ['SELECT a.id FROM public.users AS a ORDER BY a.id', 'SELECT', 'public.users'],
    ['SELECT * FROM "Odd ""name"""', 'SELECT', 'Odd "name"'],
    ['INSERT INTO teams (name) VALUES ($1) RETURNING teams.id', 'INSERT', 'teams'],
    ['UPDATE users SET nickname=$1 WHERE users.id = $2', 'UPDATE', 'users'],
    ['DELETE FROM users WHERE users.id = $1', 'DELETE', 'users'],
    ['SELECT users.id FROM users JOIN teams ON teams.id = users.team_id', 'SELECT', undefined],
    ['SELECT u.id FROM users u, teams t', 'SELECT', undefined],
    ['SELECT x FROM (SELECT 1 AS x) AS s', 'SELECT', undefined],
    ['SELECT 1', 'SELECT', undefined],
    ['BEGIN ISOLATION LEVEL SERIALIZABLE', 'BEGIN', undefined],
  ])('%s', (sql, operation, collection) => {
    expect(describeStatement(sql)).toEqual(collection ? { operation, collection } : { operation });
  });

  test('a WITH statement names nothing it cannot be sure of', () => {
    expect(describeStatement('WITH t AS (SELECT 1) SELECT * FROM t')).toEqual({});
  });
});
