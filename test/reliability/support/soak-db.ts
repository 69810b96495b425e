/** The soak's table and admin connection, shared by the Node and workerd soaks. */
import pg from 'pg';
import { TAKEN } from '../fixtures/soak-ops.js';

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
