/** What the Node and workerd soaks share: when they run, their table and admin connection, their gate. */
import pg from 'pg';
import { inject } from 'vitest';
import { type Gate, startGate } from '../../runtimes/support/gate.js';
import { TAKEN } from '../fixtures/soak-ops.js';

/** Why the soaks are skipped on this run's server, or `undefined` when they run. */
export function soakSkipReason(): string | undefined {
  return inject('databaseKind') === 'pglite'
    ? 'the PGlite wire server runs one statement at a time for every connection: 50 concurrent requests would measure its queue, and pg_stat_activity cannot count connections there'
    : undefined;
}

/** Server connections the soak's gate lets through at once (the server is shared, ~100 slots). */
const SOAK_GATE_SLOTS = 25;

/** A gate in front of the server at `serverUrl` forwarding at most 25 connections at a time. */
export function startSoakGate(serverUrl: string): Promise<Gate> {
  const u = new URL(serverUrl);
  return startGate({ host: u.hostname, port: Number(u.port || 5432) }, SOAK_GATE_SLOTS);
}

/** Connect as the admin and make a fresh `soak_items` holding the one row a failure collides with. */
export async function openSoakTable(serverUrl: string): Promise<pg.Client> {
  const admin = new pg.Client({ connectionString: serverUrl, application_name: 'gino_rel_admin' });
  await admin.connect();
  await admin.query('DROP TABLE IF EXISTS soak_items');
  await admin.query(
    'CREATE TABLE soak_items (id serial PRIMARY KEY, key varchar(80) NOT NULL UNIQUE, n integer, note text)',
  );
  await admin.query('INSERT INTO soak_items (key) VALUES ($1)', [TAKEN]);
  return admin;
}
