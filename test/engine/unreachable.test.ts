/**
 * A database that cannot be reached is a `ConnectionError` on every adapter, raised by the adapter
 * itself: it knows what its driver says when a connection fails. The core maps only SQLSTATEs (a
 * driver error without one is not a connection error to it).
 */
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pglite } from '../../adapters/pglite/index.js';
import { type NeonProxy, startNeonProxy } from '../../src/dev/index.js';
import { toGinoError } from '../../src/errors.js';
import { ConnectionError, Gino, GinoError } from '../../src/index.js';
import { neonUrl } from '../support/neon.js';
import { freePort } from '../support/server.js';

/** What `attempt` rejects with (it must reject). */
async function failure(attempt: () => Promise<unknown>): Promise<Error> {
  const error = await attempt().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

/** Bind `url`, then expect a statement, a transaction and a batch each to fail with a ConnectionError. */
async function expectUnreachable(url: string, options: Record<string, unknown>, message?: RegExp): Promise<void> {
  const db = new Gino();
  await db.setBind(url, options);
  try {
    const attempts = [() => db.scalar('SELECT 1'), () => db.batch(['SELECT 1', 'SELECT 2'])];
    if (db.bind.capabilities.transactions) attempts.push(() => db.transaction(() => db.scalar('SELECT 1')));
    for (const attempt of attempts) {
      const error = await failure(attempt);
      expect(error, error.message).toBeInstanceOf(ConnectionError);
      if (message) expect(error.message).toMatch(message);
    }
  } finally {
    await db.popBind().close();
  }
}

let port: number;
/** A Neon proxy in front of a server that is not there. */
let nowhere: NeonProxy;

beforeAll(async () => {
  port = await freePort();
  nowhere = await startNeonProxy({ target: `postgres://postgres@127.0.0.1:${port}/nowhere` });
});
afterAll(async () => {
  await nowhere.close();
});

describe('an unreachable database is a ConnectionError, from each adapter', () => {
  test('pg: nothing listening on the port; the message says what to check', async () => {
    await expectUnreachable(`postgresql://postgres@127.0.0.1:${port}/nowhere`, {}, /is the database server running/);
  });

  test('pg: a host name that does not resolve', async () => {
    await expectUnreachable('postgresql://postgres@gino-edge-nowhere.invalid:5432/nowhere', {});
  });

  test('neon-ws: no WebSocket proxy listening', async () => {
    await expectUnreachable(neonUrl('neon-ws', `postgresql://postgres@127.0.0.1:${port}/nowhere`), {
      ...nowhere.neonOptions,
      wsProxy: `127.0.0.1:${await freePort()}/v1`,
    });
  });

  test('neon-ws: the proxy answers, the server behind it does not', async () => {
    await expectUnreachable(neonUrl('neon-ws', `postgresql://postgres@127.0.0.1:${port}/nowhere`), nowhere.neonOptions);
  });

  test('neon-http: no endpoint listening', async () => {
    await expectUnreachable(neonUrl('neon-http', `postgresql://postgres@127.0.0.1:${port}/nowhere`), {
      fetchEndpoint: `http://127.0.0.1:${await freePort()}/sql`,
    });
  });

  test('pglite: a data directory that cannot be made', async () => {
    await expectUnreachable('pglite:///proc/gino-edge-nowhere/data', {}, /could not open the PGlite database/);
  });

  test('pglite: the instance closed under the binding', async () => {
    const instance = await PGlite.create();
    const db = new Gino();
    await db.setBind(pglite(instance));
    try {
      expect(await db.scalar('SELECT 1')).toBe(1);
      await instance.close();
      expect(await failure(() => db.scalar('SELECT 1'))).toBeInstanceOf(ConnectionError);
      expect(await failure(() => db.transaction(() => db.scalar('SELECT 1')))).toBeInstanceOf(ConnectionError);
    } finally {
      await db.popBind().close();
    }
  });
});

describe('the core maps SQLSTATEs only', () => {
  test("a driver's socket error without a SQLSTATE is not a connection error to the core", () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const mapped = toGinoError(refused);
    expect(mapped).toBeInstanceOf(GinoError);
    expect(mapped).not.toBeInstanceOf(ConnectionError);
    expect(mapped.cause).toBe(refused);
    expect(toGinoError(new Error('Connection terminated unexpectedly'))).not.toBeInstanceOf(ConnectionError);
  });

  test('a server error that ended the connection (class 08, 57P01) is one, by its SQLSTATE', () => {
    const shutdown = Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
      severity: 'FATAL',
    });
    expect(toGinoError(shutdown)).toBeInstanceOf(ConnectionError);
  });
});
