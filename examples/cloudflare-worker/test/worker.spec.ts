/**
 * The example Worker under @cloudflare/vitest-pool-workers: requests go to the Worker's own
 * `fetch` (SELF) inside workerd, against the database DATABASE_URL names.
 */
/// <reference types="@cloudflare/vitest-pool-workers/types" />
import { SELF } from 'cloudflare:test';
import { describe, expect, test } from 'vitest';

async function call(method: string, path: string, body?: unknown) {
  const response = await SELF.fetch(`http://example.com${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

describe('the example Worker', () => {
  test('creates its table, then users over HTTP', async () => {
    expect(await call('POST', '/setup')).toEqual({ status: 200, body: { ok: true } });
    const before = (await call('GET', '/users/count')).body.count as number;
    const created = await call('POST', '/users', { nickname: 'pool' });
    expect(created).toMatchObject({ status: 201, body: { nickname: 'pool' } });
    expect(await call('GET', `/users/${created.body.id}`)).toEqual({ status: 200, body: created.body });
    expect(await call('GET', '/users/count')).toEqual({ status: 200, body: { count: before + 1 } });
    expect(await call('DELETE', `/users/${created.body.id}`)).toEqual({ status: 204, body: null });
  });

  test('client mistakes are 4xx', async () => {
    expect(await call('POST', '/users', { nickname: 42 })).toMatchObject({ status: 400 });
    expect(await call('GET', '/users?limit=-1')).toMatchObject({ status: 400 });
    expect(await call('GET', '/nowhere')).toMatchObject({ status: 404 });
  });
});
