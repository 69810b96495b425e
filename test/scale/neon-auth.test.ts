/**
 * neon-http's `authToken` per request: each request of a Worker-style binding (`db.withBind` per
 * request) sends its own caller's token as `Authorization: Bearer ...` on every HTTP request it
 * makes, together with its claims (`db.withClaims`) in the same batch. Observed on the wire by a
 * recording forwarder in front of the local Neon proxy, which runs the statements on the run's
 * server.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { NeonProxy } from '../../src/dev/index.js';
import { ConnectionError, Gino } from '../../src/index.js';
import { neonUrl, proxyForRun } from '../support/neon.js';

interface Seen {
  authorization: string | undefined;
  body: { query?: string; params?: string[]; queries?: { query: string; params: string[] }[] };
}

const NO_SERVER = inject('databaseKind') === 'pglite' ? 'the run has no PostgreSQL server' : undefined;

describe.skipIf(NO_SERVER)('neon-http authToken, per request', () => {
  let proxy: NeonProxy;
  let recorder: Server;
  let endpoint: string;
  const seen: Seen[] = [];

  beforeAll(async () => {
    proxy = await proxyForRun();
    recorder = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const text = Buffer.concat(chunks).toString('utf8');
        seen.push({ authorization: req.headers.authorization, body: JSON.parse(text) });
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host') headers[k] = v;
        const upstream = await fetch(proxy.httpEndpoint, { method: 'POST', headers, body: text });
        res.writeHead(upstream.status, { 'content-type': 'application/json' });
        res.end(await upstream.text());
      });
    });
    await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}/sql`;
  });
  afterAll(async () => {
    await new Promise((resolve) => recorder?.close(resolve));
    await proxy?.close();
  });

  test('50 concurrent requests: every HTTP request carries its own caller token, with its own claims in the same batch', async () => {
    seen.length = 0;
    const db = new Gino();
    let calls = 0;
    const users = Array.from({ length: 50 }, (_, i) => `user-${i}`);
    const answers = await Promise.all(
      users.map((user) =>
        db.withBind(
          neonUrl('neon-http'),
          () =>
            db.withClaims({ sub: user }, async () => [
              await db.scalar("SELECT current_setting('request.jwt.claims', true)::jsonb ->> 'sub'"),
              await db.scalar('SELECT 2'),
            ]),
          {
            ...proxy.neonOptions,
            fetchEndpoint: endpoint,
            authToken: async () => {
              calls++;
              return `token-for-${user}`;
            },
          },
        ),
      ),
    );
    expect(answers).toEqual(users.map((u) => [u, 2]));
    const ours = seen.filter((s) => s.body.queries?.some((q) => q.query.includes('request.jwt.claims')));
    expect(ours).toHaveLength(100);
    // The function is asked once per HTTP request: a token that expires is fetched afresh.
    expect(calls).toBe(seen.length);
    for (const s of ours) {
      const set = s.body.queries?.find((q) => q.query.includes('request.jwt.claims'));
      const claims = JSON.parse(set?.params[0] ?? '{}') as { sub: string };
      expect(s.authorization).toBe(`Bearer token-for-${claims.sub}`);
    }
  });

  test('a string token goes on every request; a token function that throws fails the statement with ConnectionError', async () => {
    seen.length = 0;
    const db = new Gino();
    await db.withBind(neonUrl('neon-http'), () => db.scalar('SELECT 1'), {
      ...proxy.neonOptions,
      fetchEndpoint: endpoint,
      authToken: 'static-token',
    });
    expect(seen.map((s) => s.authorization)).toEqual(['Bearer static-token']);
    const failed = await db
      .withBind(neonUrl('neon-http'), () => db.scalar('SELECT 1'), {
        ...proxy.neonOptions,
        fetchEndpoint: endpoint,
        authToken: () => {
          throw new Error('session expired');
        },
      })
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(ConnectionError);
    expect((failed as Error).message).toMatch(/auth token: session expired/);
  });
});
