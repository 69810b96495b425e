/**
 * neon-http's `authToken` per request: each request of a Worker-style binding (`db.withBind` per
 * request) sends its own caller's JWT as `Authorization: Bearer ...` on every HTTP request it
 * makes; the local Neon proxy verifies it as Neon does (with a configured HS256 key) and hands its
 * claims to SQL as `request.jwt.claims`. Observed on the wire by a recording forwarder in front of
 * the proxy, which runs the statements on the run's server.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { NeonProxy } from '../../src/dev/index.js';
import { startNeonProxy } from '../../src/dev/index.js';
import { ConnectionError, Gino } from '../../src/index.js';
import { signJwt } from '../support/jwt.js';
import { neonUrl } from '../support/neon.js';

interface Seen {
  authorization: string | undefined;
  body: { query?: string; params?: string[]; queries?: { query: string; params: string[] }[] };
}

const SECRET = 'gino-scale-jwt-secret';
const token = (sub: string, secret = SECRET) => signJwt({ sub, exp: Math.floor(Date.now() / 1000) + 600 }, secret);

const NO_SERVER = inject('databaseKind') === 'pglite' ? 'the run has no PostgreSQL server' : undefined;

describe.skipIf(NO_SERVER)('neon-http authToken, per request', () => {
  let proxy: NeonProxy;
  let recorder: Server;
  let endpoint: string;
  const seen: Seen[] = [];

  beforeAll(async () => {
    const user = decodeURIComponent(new URL(inject('databaseUrl')).username || 'postgres');
    proxy = await startNeonProxy({ target: inject('databaseUrl'), jwt: { key: SECRET, roles: [user] } });
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

  test('50 concurrent requests: every HTTP request carries its own caller token, and SQL sees that caller', async () => {
    seen.length = 0;
    const db = new Gino();
    let calls = 0;
    const users = Array.from({ length: 50 }, (_, i) => `user-${i}`);
    const answers = await Promise.all(
      users.map((user) =>
        db.withBind(
          neonUrl('neon-http'),
          async () => [
            await db.scalar("SELECT current_setting('request.jwt.claims', true)::jsonb ->> 'sub'"),
            await db.scalar("SELECT current_setting('request.jwt.claims', true)::jsonb ->> 'sub'"),
          ],
          {
            ...proxy.neonOptions,
            fetchEndpoint: endpoint,
            authToken: async () => {
              calls++;
              return token(user);
            },
          },
        ),
      ),
    );
    expect(answers).toEqual(users.map((u) => [u, u]));
    // The function is asked once per HTTP request: a token that expires is fetched afresh.
    expect(calls).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(100);
    for (const s of seen) expect(s.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    const subs = seen.map(
      (s) => JSON.parse(Buffer.from(s.authorization?.split('.')[1] ?? '', 'base64url').toString()).sub,
    );
    expect(new Set(subs)).toEqual(new Set(users));
  });

  test('a string token goes on every request; a bad token or a token function that throws fails with ConnectionError', async () => {
    seen.length = 0;
    const db = new Gino();
    const fixed = token('fixed');
    const sub = await db.withBind(
      neonUrl('neon-http'),
      () => db.scalar("SELECT current_setting('request.jwt.claims', true)::jsonb ->> 'sub'"),
      { ...proxy.neonOptions, fetchEndpoint: endpoint, authToken: fixed },
    );
    expect(sub).toBe('fixed');
    expect(seen.map((s) => s.authorization)).toEqual([`Bearer ${fixed}`]);
    const forged = await db
      .withBind(neonUrl('neon-http'), () => db.scalar('SELECT 1'), {
        ...proxy.neonOptions,
        fetchEndpoint: endpoint,
        authToken: token('mallory', 'another secret'),
      })
      .catch((e: unknown) => e);
    expect(forged).toBeInstanceOf(ConnectionError);
    expect((forged as Error).message).toMatch(/invalid JWT signature/);
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
