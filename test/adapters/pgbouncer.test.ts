/**
 * The shared suite on node-postgres through a real PgBouncer in transaction mode (Debian's
 * package, started here on a free port in front of the run's server), the way Neon's `-pooler`
 * endpoints and Hyperdrive pool: each transaction, and each statement outside one, may run on a
 * different server connection. The binding says so (`pooler: 'transaction'`): no session SET per
 * connection, session statements refused (see test/scale/pooler.test.ts). Skipped, with the reason,
 * where PgBouncer is not installed or the run has no PostgreSQL server (PGlite cannot sit behind it).
 */
import { inject } from 'vitest';
import { runSharedSuite } from '../suite/index.js';
import { serverOnlySkips, TIMEOUT_TESTS } from '../support/server.js';
import { type PgBouncer, pgbouncerBin, startPgBouncer } from '../support/servers.js';

const kind = inject('databaseKind');
const UNAVAILABLE = !pgbouncerBin()
  ? 'PgBouncer is not installed (apt-get install pgbouncer; .ci/run installs it)'
  : kind === 'pglite'
    ? 'the run has no PostgreSQL server (the PGlite wire server cannot serve PgBouncer)'
    : undefined;

const SESSION_STATE =
  'it keeps session state on a held connection between statements outside a transaction; through a transaction-mode pooler each such statement may run on another server connection, so gino-edge refuses the statement that would leave the state (UnsupportedError; test/scale/pooler.test.ts)';

const MIGRATION_LOCK =
  'migrations hold a session advisory lock (pg_advisory_lock on a held connection) for the whole run, which a transaction-mode pooler cannot keep: through one, db.migrate() is refused with UnsupportedError before it changes anything (asserted in test/scale/pooler.test.ts); migrations run on a direct URL';

/** Tests that need what a transaction-mode pooler takes away, each with its reason. */
const PGBOUNCER_SKIPS: Readonly<Record<string, string>> = {
  // A session SET application_name on the held connection, read back by a later statement.
  'db.acquire holds one connection for several statements': SESSION_STATE,
  // A temporary table created on the held connection, read by a later statement.
  'acquire() holds one connection: used implicitly inside, and with { bind: conn }': SESSION_STATE,
  // PgBouncer answers a log-in to a database it cannot reach itself, with FATAL 08P01 "database ...
  // does not exist" (a ConnectionError), not the server's 3D000.
  test_issue_79: "PgBouncer refuses an unknown database with its own FATAL 08P01, not PostgreSQL's 3D000",
  // It expects the pg adapter's behaviour by adapter name: this configuration is the pg adapter
  // (options it does not know go to pg.Pool), named pgbouncer.
  test_too_many_engine_args:
    "it tells adapters apart by name, and this configuration is the pg adapter under the name 'pgbouncer' (pg passes options it does not know to pg.Pool, as on the pg configuration)",
  ...Object.fromEntries(
    [
      'apply, roll back and re-apply, with the ledger and status in step',
      'a failure in the middle of a migration leaves the database and the ledger as before it',
      'two migrators racing: each migration is applied exactly once',
      'an applied migration that was edited is reported as changed, and migrate refuses to run',
      'function migrations run in the migration transaction (refused on neon-http)',
      'transaction: false runs CREATE INDEX CONCURRENTLY on session adapters; neon-http refuses it',
      'bad input is refused before anything runs',
      'autogenerate round trip: every column type, constraint kind, enum and index',
    ].map((name) => [name, MIGRATION_LOCK]),
  ),
};

let bouncer: PgBouncer | undefined;

if (UNAVAILABLE) {
  console.warn(`[pgbouncer] shared suite skipped: ${UNAVAILABLE}`);
} else {
  runSharedSuite({
    name: 'pgbouncer',
    bind: async () => {
      if (!bouncer) {
        const started = await startPgBouncer(inject('databaseUrl'), { poolSize: 20 });
        if ('skip' in started) throw new Error(started.skip);
        bouncer = started;
      }
      return { bind: bouncer.url, options: { pooler: 'transaction' } };
    },
    skip: { ...PGBOUNCER_SKIPS, ...serverOnlySkips(kind, TIMEOUT_TESTS) },
    teardown: async () => {
      await bouncer?.close();
    },
  });
}
