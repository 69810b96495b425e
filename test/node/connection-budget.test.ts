/**
 * The suite's own connection use is bounded (test/globalSetup.ts): the run's database URL is a gate
 * that lets at most the budget through at once. When the server has no free slot, the gate holds a
 * new connection and tries again, saying so each time, for a bounded time. The refusal (SQLSTATE
 * 53300) is the server's own, made with a role's CONNECTION LIMIT rather than by filling the shared
 * server; the run's gate waits only for the server's slots, so a role's limit passes through it.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { CONNECTION_BUDGET } from '../globalSetup.js';
import { startGate } from '../runtimes/support/gate.js';

const KIND = inject('databaseKind');
const NO_SERVER = KIND === 'pglite' ? 'the PGlite wire server has no connection slots nor roles' : undefined;
const ROLE = `gino_budget_${process.pid}`;
const serverUrl = inject('databaseUrl');
let admin: pg.Client;

function asRole(url: string): string {
  const u = new URL(url);
  u.username = ROLE;
  return u.href;
}

function target(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 5432) };
}

beforeAll(async () => {
  if (NO_SERVER) return;
  admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE ROLE ${ROLE} LOGIN CONNECTION LIMIT 1`);
});

afterAll(async () => {
  if (!admin) return;
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [ROLE]);
  await admin.query(`DROP ROLE IF EXISTS ${ROLE}`);
  await admin.end();
});

describe.skipIf(NO_SERVER)('the connection budget', () => {
  test(`the run's URL lets at most ${CONNECTION_BUDGET} connections reach the server at once`, async () => {
    const tag = `gino_budget_peak_${process.pid}`;
    const many = CONNECTION_BUDGET + 10;
    let peak = 0;
    const counts = await Promise.all(
      Array.from({ length: many }, async () => {
        const client = new pg.Client({ connectionString: serverUrl, application_name: tag });
        await client.connect();
        try {
          const { rows } = await client.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
            [tag],
          );
          await client.query('SELECT pg_sleep(0.05)');
          peak = Math.max(peak, rows[0]?.n ?? 0);
          return rows[0]?.n ?? 0;
        } finally {
          await client.end();
        }
      }),
    );
    expect(counts).toHaveLength(many);
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(CONNECTION_BUDGET);
  });

  test('a server without a free slot: the gate waits, says so, and connects once one is free', async () => {
    const holder = new pg.Client({ connectionString: asRole(serverUrl) });
    await holder.connect();
    const waits: number[] = [];
    const gate = await startGate(target(serverUrl), 4, {
      waitForServerSlot: { maxWaitMs: 10_000, onWait: (ms) => waits.push(ms), alsoConnectionLimits: true },
    });
    const second = new pg.Client({ connectionString: gate.route(asRole(serverUrl)) });
    try {
      setTimeout(() => void holder.end(), 400);
      await second.connect();
      expect(await second.query('SELECT current_user AS who')).toMatchObject({ rows: [{ who: ROLE }] });
      expect(waits.length).toBeGreaterThan(0);
      expect(gate.waits).toBe(waits.length);
    } finally {
      await second.end().catch(() => undefined);
      await gate.close();
    }
  });

  test("past its bound, or with no waiting asked for, the server's refusal reaches the client", async () => {
    const holder = new pg.Client({ connectionString: asRole(serverUrl) });
    await holder.connect();
    const patient = await startGate(target(serverUrl), 4, {
      waitForServerSlot: { maxWaitMs: 300, onWait: () => undefined, alsoConnectionLimits: true },
    });
    const plain = await startGate(target(serverUrl), 4);
    try {
      for (const gate of [patient, plain]) {
        const client = new pg.Client({ connectionString: gate.route(asRole(serverUrl)) });
        await expect(client.connect()).rejects.toMatchObject({ code: '53300' });
      }
      expect(plain.waits).toBe(0);
      expect(patient.waits).toBeGreaterThan(0);
    } finally {
      await holder.end();
      await patient.close();
      await plain.close();
    }
  });
});
