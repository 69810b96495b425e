/**
 * Adapter modules register their own URL schemes and capabilities; the engine's refusals are built
 * from those capabilities (what the bound adapter can do instead, which registered adapters can),
 * never from adapter names written into the core. The adapters here are the tests' own modules
 * (`test/support/capability-adapters.ts`), each a real PGlite reporting other capabilities.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { NEON_HTTP } from '../../adapters/neon-http/declaration.js';
import { NEON_WS } from '../../adapters/neon-ws/declaration.js';
import { PG } from '../../adapters/pg/declaration.js';
import { PGLITE } from '../../adapters/pglite/declaration.js';
import { registeredAdapters } from '../../src/engine/resolve.js';
import { Gino, InvalidRequestError, UnsupportedError } from '../../src/index.js';
import { BATCHED_TIMEOUTS, calls, closeInstances, FLAT } from '../support/capability-adapters.js';

afterAll(closeInstances);

/** The error `attempt` fails with, and what reached the adapter meanwhile. */
async function refusal(attempt: () => unknown): Promise<{ error: Error; reached: string[] }> {
  calls.length = 0;
  const error = await (async () => {
    const value = attempt();
    if (value && typeof value === 'object' && Symbol.asyncIterator in value) {
      for await (const _ of value as AsyncIterable<unknown>) break;
    } else await value;
  })().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnsupportedError);
  return { error: error as Error, reached: [...calls] };
}

describe('registration by adapter modules', () => {
  test('a module registers its schemes and capabilities; a URL of its scheme binds it', async () => {
    const flat = registeredAdapters().find((a) => a.name === 'test-flat');
    expect(flat).toEqual({ name: 'test-flat', schemes: ['test-flat', 'postgresql+test-flat'], capabilities: FLAT });
    const db = new Gino();
    await db.setBind('POSTGRESQL+TEST-FLAT://anything');
    try {
      expect(db.bind.adapter.name).toBe('test-flat');
      expect(db.bind.capabilities).toEqual(FLAT);
      expect(await db.scalar('SELECT 41 + 1')).toBe(42);
    } finally {
      await db.popBind().close();
    }
  });

  test('the shipped adapters are declared by their own modules, in order, before any is bound', () => {
    const shipped = registeredAdapters().slice(0, 4);
    expect(shipped.map((a) => a.name)).toEqual(['pg', 'pglite', 'neon-ws', 'neon-http']);
    expect(shipped).toEqual([PG, PGLITE, NEON_WS, NEON_HTTP]);
    expect(NEON_HTTP.capabilities).toMatchObject({ sessions: false, nativeBatch: true, timeoutVia: 'batch' });
  });

  test('an unknown scheme lists every registered one, the tests’ own included', async () => {
    const error = await new Gino().createEngine('nosuch://x').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as Error).message).toMatch(/gino-edge knows postgresql:\/\/, .*pglite:\/\/, .*test-flat:\/\//);
  });
});

describe('way-out messages built from capabilities', () => {
  const db = new Gino();
  class Row extends db.Model({
    __tablename__: 'registry_rows',
    id: db.Column(db.Integer(), { primaryKey: true }),
  }) {}

  test('each refusal names what the adapter lacks, what it can do instead, and who can', async () => {
    await db.setBind('test-flat://one');
    try {
      await db.gino.createAll();
      const nested = await refusal(() => db.transaction(() => db.transaction(async () => undefined)));
      expect(nested.error.message).toBe(
        'the test-flat adapter cannot nest a transaction (savepoint) (no savepoints); ' +
          'run the statements in the enclosing transaction, without nesting one, ' +
          'or bind a session adapter (pg, pglite, neon-ws, test-batched)',
      );
      // Only the outer transaction's connection was taken: no SAVEPOINT was sent.
      expect(nested.reached).toEqual(['connect']);

      const cursor = await refusal(() => Row.query.gino.iterate());
      expect(cursor.error.message).toBe(
        'the test-flat adapter cannot open a server-side cursor (no cursors); fetch with all() (with limit/offset), ' +
          'or bind a session adapter (pg, pglite, neon-ws, test-cursors, test-batched) for cursors',
      );
      expect(cursor.reached).toEqual([]);

      const timeout = await refusal(() => Row.query.gino.timeout(100).all());
      expect(timeout.error.message).toMatch(
        /^the test-flat adapter cannot cancel a statement after a time limit \(no timeouts\); it runs statements to completion .* or bind an adapter with timeouts \(pg, neon-ws, neon-http, test-batched\)$/,
      );
      expect(timeout.reached).toEqual([]);
    } finally {
      await db.popBind().close();
    }
  });

  test('an adapter with no batch and no sessions is not told to use db.batch', async () => {
    await db.setBind('test-bare://one');
    try {
      const tx = await refusal(() => db.transaction(async () => undefined));
      expect(tx.error.message).toBe(
        'the test-bare adapter cannot run an interactive transaction (no transactions); ' +
          'bind a session adapter (pg, pglite, neon-ws, test-flat, test-batched)',
      );
      const batch = await refusal(() => db.batch(['SELECT 1']));
      expect(batch.error.message).toMatch(/cannot run a batch \(no transactions\); bind a session adapter \(/);
      expect([...tx.reached, ...batch.reached]).toEqual([]);
    } finally {
      await db.popBind().close();
    }
  });
});

describe('timeoutVia: how a timeout reaches the server is stated, not guessed', () => {
  test("an adapter stating 'batch' gets SET LOCAL and the statement as one batch, though it has transactions", async () => {
    const db = new Gino();
    await db.setBind('test-batched://one');
    try {
      expect(db.bind.capabilities).toEqual(BATCHED_TIMEOUTS);
      calls.length = 0;
      expect(
        await db
          .select([db.literal(7).label('n')])
          .gino.timeout(1000)
          .scalar(),
      ).toBe(7);
      expect(calls).toEqual(['batch']);
    } finally {
      await db.popBind().close();
    }
  });
});
