/**
 * The neon-ws adapter's quirks (`adapters/neon-ws/quirks.ts`), the only place it reaches past
 * the driver's documented API. These fail the day the installed driver differs from the one the
 * quirks were checked against, in its version or in the shapes they rely on: re-read the driver,
 * then update the quirks (or drop one the driver made unnecessary) and `CHECKED_AGAINST`.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Pool } from '@neondatabase/serverless';
import { describe, expect, inject, test } from 'vitest';
import ws from 'ws';
import {
  CHECKED_AGAINST,
  neonSocketPace,
  poolDropsClientOption,
  poolOf,
  scramStepGuardable,
  socketOf,
  withScramGuard,
} from '../../adapters/neon-ws/quirks.js';
import { proxyForRun, withNeonPassword } from '../support/neon.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const installed = (
  JSON.parse(readFileSync(join(root, 'node_modules/@neondatabase/serverless/package.json'), 'utf8')) as {
    version: string;
  }
).version;

describe('neon-ws quirks, against the installed @neondatabase/serverless', () => {
  test('the installed driver is the release the quirks were checked against', () => {
    expect(installed, 're-check adapters/neon-ws/quirks.ts against this release, then update CHECKED_AGAINST').toBe(
      CHECKED_AGAINST,
    );
  });

  test('quirk 1: the SCRAM step is still an async method of its own on the Client, and is guarded', () => {
    expect(scramStepGuardable(Client)).toBe(true);
    const Guarded = withScramGuard(Client);
    expect(Guarded).not.toBe(Client);
    expect(Object.getPrototypeOf(Guarded)).toBe(Client);
    // A class of another shape is left as it is.
    class Plain {}
    expect(withScramGuard(Plain)).toBe(Plain);
  });

  test('quirk 1: a failing SCRAM step reaches the connection as an error event, not an unhandled rejection', async () => {
    const Guarded = withScramGuard(Client);
    const client = new Guarded({ connectionString: 'postgresql://user:pw@127.0.0.1:1/db' }) as unknown as {
      connection: { on(event: 'error', listener: (error: Error) => void): void };
      saslSession: unknown;
    } & Record<string, (message: unknown) => Promise<void>>;
    const seen = new Promise<Error>((resolve) => client.connection.on('error', resolve));
    // As after the server's AuthenticationSASL; its next message does not extend the client's nonce.
    client.saslSession = { message: 'SASLInitialResponse', clientNonce: 'client-nonce' };
    const step = client._handleAuthSASLContinue as (message: unknown) => Promise<void>;
    await expect(step.call(client, { data: 'r=server-nonce,s=c2FsdA==,i=4096' })).resolves.toBeUndefined();
    expect((await seen).message).toMatch(/SASL: .*nonce/);
  });

  test("quirk 2: Neon's Pool still drops pg-pool's Client option; the pool is given its client class anyway", () => {
    expect(poolDropsClientOption(Pool)).toBe(true);
    class Mine extends Client {}
    const pool = poolOf(Pool, { connectionString: 'postgresql://user:pw@127.0.0.1:1/db' }, Mine);
    expect(pool.Client).toBe(Mine);
  });

  test("quirk 3: the driver's socket tells nothing of its buffer; its WebSocket's bufferedAmount does, and paces a COPY", async () => {
    const proxy = await proxyForRun();
    const client = new Client({ connectionString: withNeonPassword(inject('databaseUrl')) });
    Object.assign(client.neonConfig, {
      webSocketConstructor: ws,
      wsProxy: proxy.wsProxy,
      useSecureWebSocket: false,
      pipelineConnect: false,
    });
    await client.connect();
    try {
      const stream = (client as unknown as { connection: { stream: Record<string, unknown> } }).connection.stream;
      // Why the quirk exists: nothing a Node stream would have.
      expect(stream.writableLength).toBeUndefined();
      expect(stream.writableNeedDrain).toBeUndefined();
      expect((stream.write as (b: Uint8Array) => boolean).call(stream, new Uint8Array(0))).toBe(true);
      const socket = socketOf(stream);
      expect(socket).toBeDefined();
      expect(typeof socket?.bufferedAmount).toBe('number');
      await neonSocketPace({ stream }, new Promise(() => undefined));
    } finally {
      await client.end();
      await proxy.close();
    }
  });
});
