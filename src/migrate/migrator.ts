/**
 * Applying migrations: `db.migrate(migrations, { to, dryRun })` and `db.migrationStatus(migrations)`,
 * with the ledger table `gino_migrations` (id, checksum, applied_at, duration).
 *
 * One migrator at a time. On an adapter with sessions, the migrator holds one connection for the
 * whole run under `pg_advisory_lock` (a second migrator waits for it, then finds the work done);
 * each migration runs in a transaction of its own on that connection, its ledger row written in
 * the same transaction, so a failure leaves the database and the ledger as they were. On neon-http
 * (no sessions) each migration is one atomic request: `pg_advisory_xact_lock`, a guard that fails
 * when another migrator got there first, the statements and the ledger row, in one batch.
 */
import { quoteString } from '../compiler/quote.js';
import type { Connection, QueryRunner, Transaction, TransactionOptions } from '../engine/engine.js';
import { DatabaseError, InvalidRequestError, UnsupportedError } from '../errors.js';
import { checkMigrations, checksumOf, type Migration, MigrationError, statementsOf } from './migration.js';

/** What the migrator needs of `db` (the `Gino` facade). */
export interface MigrationHost {
  runnerFor(bind?: unknown): QueryRunner;
  acquire<R>(fn: (conn: Connection) => Promise<R>, options?: { bind?: unknown }): Promise<R>;
  transaction<R>(
    fn: (tx: Transaction) => Promise<R>,
    options?: TransactionOptions & { bind?: unknown },
  ): Promise<R | undefined>;
}

export interface MigrateOptions {
  /** An id to go up or down to (that migration applied, the later ones not); `'base'` reverts all. */
  to?: string;
  /** Work out what would be applied and reverted, and change nothing. */
  dryRun?: boolean;
  /** Where to run (an Engine); the current binding by default. */
  bind?: unknown;
  /** Told of each step as it happens (the CLI prints them). */
  progress?: (event: MigrationEvent) => void;
}

export type MigrationEvent =
  | { kind: 'waiting' }
  | { kind: 'applied' | 'reverted'; id: string; ms: number }
  | { kind: 'skipped'; id: string; reason: string };

export interface MigrateResult {
  /** The ids applied by this run, in order. */
  applied: string[];
  /** The ids reverted by this run, in order. */
  reverted: string[];
}

export type MigrationState = 'applied' | 'pending' | 'changed';

export interface MigrationStatusEntry {
  id: string;
  state: MigrationState;
  /** When it was applied (applied or changed). */
  appliedAt?: Date;
  /** How long applying it took, in milliseconds. */
  durationMs?: number;
  /** The checksum recorded when it was applied, and the one it has now. */
  recordedChecksum?: string;
  checksum: string;
}

/** A row of the ledger. */
export interface LedgerRow {
  id: string;
  checksum: string;
  appliedAt: Date;
  durationMs: number;
}

export const LEDGER = 'gino_migrations';

/** The advisory lock every gino-edge migrator takes (one per database). */
export const LOCK_KEY = '7263110583771904316';

const CREATE_LEDGER = `CREATE TABLE IF NOT EXISTS ${LEDGER} (
\tid TEXT PRIMARY KEY,
\tchecksum TEXT NOT NULL,
\tapplied_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
\tduration INTERVAL NOT NULL
)`;

const LEDGER_EXISTS = `SELECT to_regclass('${LEDGER}') IS NOT NULL AS present`;
const READ_LEDGER = `SELECT id, checksum, applied_at, (extract(epoch FROM duration) * 1000)::float8 AS duration_ms FROM ${LEDGER} ORDER BY applied_at, id`;

/** What the guard statements raise: a message a migrator recognises (another migrator was first). */
const RACE_MARK = 'gino-edge: migration ';

function insertRow(id: string, checksum: string, ms?: number): string {
  const duration =
    ms === undefined ? 'clock_timestamp() - now()' : `${quoteString(`${Math.round(ms)} milliseconds`)}::interval`;
  return `INSERT INTO ${LEDGER} (id, checksum, applied_at, duration) VALUES (${quoteString(id)}, ${quoteString(checksum)}, now(), ${duration})`;
}

function deleteRow(id: string): string {
  return `DELETE FROM ${LEDGER} WHERE id = ${quoteString(id)}`;
}

/**
 * A statement that fails when the ledger is no longer as the plan saw it (another migrator
 * applied or reverted `id` meanwhile); it reads the ledger after the lock, so it sees their commit.
 * The message is computed from the rows so that the planner cannot fold it into an early error.
 */
function guard(id: string, expectApplied: boolean): string {
  const q = quoteString(id);
  return expectApplied
    ? `SELECT CAST('${RACE_MARK}' || ${q} || ' was reverted by another migrator ' || n AS integer) FROM (SELECT count(*) AS n FROM ${LEDGER} WHERE id = ${q}) AS c WHERE n = 0`
    : `SELECT CAST('${RACE_MARK}' || id || ' was applied by another migrator' AS integer) FROM ${LEDGER} WHERE id = ${q}`;
}

function isRace(error: unknown): boolean {
  return error instanceof DatabaseError && error.message.includes(RACE_MARK);
}

async function readLedgerOn(runner: QueryRunner): Promise<LedgerRow[]> {
  const present = await runner.scalar<boolean>(LEDGER_EXISTS);
  if (!present) return [];
  const rows = await runner.all<{ id: string; checksum: string; applied_at: Date; duration_ms: number }>(READ_LEDGER);
  return rows.map((r) => ({ id: r.id, checksum: r.checksum, appliedAt: r.applied_at, durationMs: r.duration_ms }));
}

/** The ledger's rows (none when the table does not exist yet), oldest first. */
export function readLedger(db: MigrationHost, bind?: unknown): Promise<LedgerRow[]> {
  return readLedgerOn(db.runnerFor(bind));
}

/** Each migration's state, by comparing its checksum with the one recorded. */
export async function migrationStatus<DB>(
  db: MigrationHost,
  migrations: readonly Migration<DB>[],
  options: { bind?: unknown } = {},
): Promise<MigrationStatusEntry[]> {
  checkMigrations(migrations);
  const ledger = new Map((await readLedger(db, options.bind)).map((r) => [r.id, r]));
  return Promise.all(
    migrations.map(async (m) => {
      const checksum = await checksumOf(m);
      const row = ledger.get(m.id);
      if (!row) return { id: m.id, state: 'pending' as const, checksum };
      const changed = row.checksum !== 'function' && checksum !== 'function' && row.checksum !== checksum;
      return {
        id: m.id,
        state: changed ? ('changed' as const) : ('applied' as const),
        appliedAt: row.appliedAt,
        durationMs: row.durationMs,
        recordedChecksum: row.checksum,
        checksum,
      };
    }),
  );
}

interface Step<DB> {
  migration: Migration<DB>;
  direction: 'up' | 'down';
  checksum: string;
}

/** What a run will do, from the ledger: refused (before any change) when it cannot be done safely. */
async function plan<DB>(
  migrations: readonly Migration<DB>[],
  ledger: readonly LedgerRow[],
  to: string | undefined,
): Promise<Step<DB>[]> {
  const recorded = new Map(ledger.map((r) => [r.id, r]));
  const known = new Set(migrations.map((m) => m.id));
  const checksums = await Promise.all(migrations.map((m) => checksumOf(m)));
  const changed = migrations.filter((m, i) => {
    const row = recorded.get(m.id);
    const sum = checksums[i] as string;
    return row && row.checksum !== 'function' && sum !== 'function' && row.checksum !== sum;
  });
  if (changed.length) {
    const m = changed[0] as Migration<DB>;
    const sum = checksums[migrations.indexOf(m)] as string;
    throw new MigrationError(
      `applied migration${changed.length > 1 ? 's' : ''} ${changed.map((c) => `'${c.id}'`).join(', ')} ` +
        `changed since ${changed.length > 1 ? 'they were' : 'it was'} applied (checksum differs); nothing was run. ` +
        'Put the applied text back and make the change a new migration; or, if the database already matches the edit, ' +
        `record it: UPDATE ${LEDGER} SET checksum = '${sum}' WHERE id = '${m.id}'`,
      m.id,
    );
  }
  let target: number;
  if (to === undefined) target = migrations.length - 1;
  else if (to === 'base') target = -1;
  else {
    target = migrations.findIndex((m) => m.id === to);
    if (target === -1) {
      throw new InvalidRequestError(
        `to: '${to}' is not the id of one of the ${migrations.length} migrations given; give one of their ids, or 'base' to revert all`,
      );
    }
  }
  const steps: Step<DB>[] = [];
  migrations.forEach((m, i) => {
    if (i <= target && !recorded.has(m.id))
      steps.push({ migration: m, direction: 'up', checksum: checksums[i] as string });
  });
  const reverts: Step<DB>[] = [];
  migrations.forEach((m, i) => {
    if (i > target && recorded.has(m.id))
      reverts.push({ migration: m, direction: 'down', checksum: checksums[i] as string });
  });
  if (reverts.length) {
    const unknown = ledger.filter((r) => !known.has(r.id)).map((r) => r.id);
    if (unknown.length) {
      throw new MigrationError(
        `the ledger has applied migrations this list does not have (${unknown.map((u) => `'${u}'`).join(', ')}); ` +
          'nothing was reverted: pass the full list of migrations (the one that applied them) to revert',
        unknown[0],
      );
    }
    const noDown = reverts.filter((s) => s.migration.down === undefined).map((s) => s.migration.id);
    if (noDown.length) {
      throw new MigrationError(
        `migration${noDown.length > 1 ? 's' : ''} ${noDown.map((n) => `'${n}'`).join(', ')} ${noDown.length > 1 ? 'have' : 'has'} no down, so ` +
          `${to === 'base' ? "'base'" : `'${to}'`} cannot be reached; nothing was reverted. Add a down (SQL or a function), or go down only to a later id`,
        noDown[0],
      );
    }
  }
  // Reverts run newest first.
  return [...steps, ...reverts.reverse()];
}

/** The SQL statements of a step's SQL, or undefined for a function. */
function sqlOf<DB>(step: Step<DB>): string[] | undefined {
  const body = step.direction === 'up' ? step.migration.up : step.migration.down;
  return typeof body === 'string' ? statementsOf(body) : undefined;
}

/** Refuse, before any I/O, what neon-http cannot run atomically. */
function checkForBatches<DB>(steps: readonly Step<DB>[], adapter: string): void {
  for (const step of steps) {
    const { migration } = step;
    if (migration.transaction === false) {
      throw new UnsupportedError(
        `migration '${migration.id}' has transaction: false, and the ${adapter} adapter has no sessions to hold the migration lock ` +
          'across its statements; run it through a session adapter (pg, pglite, neon-ws), e.g. the CLI: DATABASE_URL=postgresql://... npx gino-edge migrate up',
      );
    }
    if (sqlOf(step) === undefined) {
      throw new UnsupportedError(
        `migration '${migration.id}' has a function ${step.direction}, and on the ${adapter} adapter (no sessions) a migration ` +
          'is one atomic batch of SQL; give it as a SQL string, or run it through a session adapter (pg, pglite, neon-ws)',
      );
    }
  }
}

/** Apply or revert migrations: up to `to` (all by default), down to `to`, or `'base'`. */
export async function migrate<DB extends MigrationHost>(
  db: DB,
  migrations: readonly Migration<DB>[],
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  checkMigrations(migrations);
  if (options.to !== undefined && typeof options.to !== 'string') {
    throw new InvalidRequestError("to: give a migration id, or 'base' to revert all");
  }
  const runner = db.runnerFor(options.bind);
  if (runner.inTransaction) {
    throw new InvalidRequestError(
      'db.migrate() runs each migration in a transaction of its own under the migration lock; call it outside db.transaction() / db.acquire()',
    );
  }
  const capabilities = runner.engine.capabilities;
  if (capabilities.sessions && capabilities.transactions) return migrateInSession(db, migrations, options);
  if (capabilities.nativeBatch) return migrateInBatches(runner, migrations, options);
  throw new UnsupportedError(
    `the ${runner.engine.adapter.name} adapter has neither sessions nor native batches, so migrations cannot run atomically there; bind a session adapter (pg, pglite, neon-ws)`,
  );
}

async function migrateInSession<DB extends MigrationHost>(
  db: DB,
  migrations: readonly Migration<DB>[],
  options: MigrateOptions,
): Promise<MigrateResult> {
  const result: MigrateResult = { applied: [], reverted: [] };
  const report = options.progress ?? (() => undefined);
  return db.acquire(
    async (conn) => {
      const locked = await conn.scalar<boolean>(`SELECT pg_try_advisory_lock(${LOCK_KEY})`);
      if (!locked) {
        report({ kind: 'waiting' });
        await conn.status(`SELECT pg_advisory_lock(${LOCK_KEY})`);
      }
      let failure: unknown;
      try {
        if (!options.dryRun) await conn.status(CREATE_LEDGER);
        const steps = await plan(migrations, await readLedgerOn(conn), options.to);
        if (options.dryRun) return dryResult(steps);
        for (const step of steps) {
          const { id } = step.migration;
          const started = Date.now();
          try {
            await runInSession(db, conn, step);
          } catch (error) {
            throw failed(step, error, result);
          }
          (step.direction === 'up' ? result.applied : result.reverted).push(id);
          report({ kind: step.direction === 'up' ? 'applied' : 'reverted', id, ms: Date.now() - started });
        }
        return result;
      } catch (error) {
        failure = error;
        throw error;
      } finally {
        // A session lock ends with its session too: when the run failed (the connection may be
        // gone), a failing unlock must not hide why.
        await conn.status(`SELECT pg_advisory_unlock(${LOCK_KEY})`).catch((error: unknown) => {
          if (failure === undefined) throw error;
        });
      }
    },
    { bind: options.bind },
  );
}

async function runInSession<DB extends MigrationHost>(db: DB, conn: Connection, step: Step<DB>): Promise<void> {
  const { migration, direction } = step;
  const statements = sqlOf(step);
  const body = direction === 'up' ? migration.up : migration.down;
  const record = direction === 'up' ? insertRow(migration.id, step.checksum) : deleteRow(migration.id);
  if (migration.transaction === false) {
    // Outside a transaction: each statement commits by itself; the ledger row comes last, only
    // when every statement succeeded (see `failed` for what a failure leaves).
    const started = Date.now();
    if (statements) {
      for (const [i, sql] of statements.entries()) {
        try {
          await conn.status(sql);
        } catch (error) {
          throw Object.assign(toError(error), { statementIndex: i, statementCount: statements.length });
        }
      }
    } else
      await db.transaction(async () => (body as (db: DB) => Promise<void>)(db), { bind: conn }).then(() => undefined);
    await conn.status(direction === 'up' ? insertRow(migration.id, step.checksum, Date.now() - started) : record);
    return;
  }
  await db.transaction(
    async (tx) => {
      if (statements) for (const sql of statements) await tx.status(sql);
      else await (body as (db: DB) => Promise<void>)(db);
      await tx.status(record);
    },
    { bind: conn },
  );
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** The error a failed step raises: what failed, and what the failure left. */
function failed<DB>(step: Step<DB>, error: unknown, result: MigrateResult): MigrationError {
  const { migration, direction } = step;
  const e = error as Error & { statementIndex?: number; statementCount?: number };
  const verb = direction === 'up' ? 'applying' : 'reverting';
  const done = [
    result.applied.length ? `applied ${result.applied.join(', ')}` : '',
    result.reverted.length ? `reverted ${result.reverted.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  const before = done ? ` This run ${done} before it; those stay.` : '';
  const left =
    migration.transaction === false
      ? e.statementIndex !== undefined
        ? ` It runs outside a transaction (transaction: false): statement ${e.statementIndex + 1} of ${e.statementCount} failed, ` +
          `the ${e.statementIndex} before it stay done and it is not in the ledger; make the database match one side (e.g. drop an INVALID index) and run again.`
        : ' It runs outside a transaction (transaction: false): what it did before failing stays, and it is not in the ledger.'
      : ' It was rolled back: the database and the ledger are as they were before it.';
  return new MigrationError(
    `${verb} migration '${migration.id}' failed: ${e.message}.${left}${before}`,
    migration.id,
    result.applied,
    result.reverted,
    { cause: error },
  );
}

function dryResult<DB>(steps: readonly Step<DB>[]): MigrateResult {
  return {
    applied: steps.filter((s) => s.direction === 'up').map((s) => s.migration.id),
    reverted: steps.filter((s) => s.direction === 'down').map((s) => s.migration.id),
  };
}

async function migrateInBatches<DB>(
  runner: QueryRunner,
  migrations: readonly Migration<DB>[],
  options: MigrateOptions,
): Promise<MigrateResult> {
  const report = options.progress ?? (() => undefined);
  const steps = await plan(migrations, await readLedgerOn(runner), options.to);
  checkForBatches(steps, runner.engine.adapter.name);
  if (options.dryRun) return dryResult(steps);
  const result: MigrateResult = { applied: [], reverted: [] };
  const lock = `SELECT pg_advisory_xact_lock(${LOCK_KEY})`;
  if (steps.length) await runner.batch([lock, CREATE_LEDGER]);
  for (const step of steps) {
    const { id } = step.migration;
    const up = step.direction === 'up';
    const started = Date.now();
    try {
      await runner.batch([
        lock,
        guard(id, !up),
        ...(sqlOf(step) as string[]),
        up ? insertRow(id, step.checksum) : deleteRow(id),
      ]);
    } catch (error) {
      if (isRace(error)) {
        report({ kind: 'skipped', id, reason: 'another migrator got there first' });
        continue;
      }
      throw failed(step, error, result);
    }
    (up ? result.applied : result.reverted).push(id);
    report({ kind: up ? 'applied' : 'reverted', id, ms: Date.now() - started });
  }
  return result;
}
