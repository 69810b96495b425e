/**
 * Two small Kysely dialects the benchmark needs, written here instead of adding packages:
 * PGlite (one embedded connection, queries in turn) and Neon's HTTP `neon()` (one request per
 * statement, no interactive transactions). Kysely's own PostgresAdapter and compiler do the rest.
 */
import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
} from 'kysely';
import { Turnstile } from '../src/engine/adapter-kit.js';

/** The slice of PGlite used here. */
interface PGliteLike {
  query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[]; affectedRows?: number }>;
}

/** The slice of `neon()`'s query function used here. */
interface NeonLike {
  query(
    sql: string,
    params: unknown[],
    options: { fullResults: true },
  ): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null; command: string }>;
}

/** A PostgreSQL dialect around `createDriver`: Kysely's own adapter, introspector and compiler. */
export function postgresDialect(createDriver: () => Driver): Dialect {
  return {
    createAdapter: () => new PostgresAdapter(),
    createDriver,
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  };
}

function affected(command: string, count: number | null | undefined): bigint | undefined {
  return /^(INSERT|UPDATE|DELETE|MERGE)/.test(command) && count != null ? BigInt(count) : undefined;
}

/** PGlite has one connection: statements (and transactions) take turns through a lock. */
export function pgliteDialect(db: PGliteLike): Dialect {
  const lock = new Turnstile();
  // Set when a holder is let in: only the holder releases, so one slot is enough.
  let release: (() => void) | undefined;
  const connection: DatabaseConnection = {
    async executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
      const r = await db.query<R>(q.sql, [...q.parameters]);
      return { rows: r.rows, numAffectedRows: r.affectedRows === undefined ? undefined : BigInt(r.affectedRows) };
    },
    // biome-ignore lint/correctness/useYield: streaming is not part of the workload
    async *streamQuery(): AsyncIterableIterator<never> {
      throw new Error('streaming is not supported by this PGlite dialect');
    },
  };
  return postgresDialect(() => ({
    async init() {},
    async acquireConnection() {
      release = await lock.enter();
      return connection;
    },
    async beginTransaction(conn) {
      await conn.executeQuery(CompiledQuery.raw('BEGIN'));
    },
    async commitTransaction(conn) {
      await conn.executeQuery(CompiledQuery.raw('COMMIT'));
    },
    async rollbackTransaction(conn) {
      await conn.executeQuery(CompiledQuery.raw('ROLLBACK'));
    },
    async releaseConnection() {
      release?.();
    },
    async destroy() {},
  }));
}

/** Neon over HTTP: every statement is one request; transactions are not interactive. */
export function neonHttpDialect(sql: NeonLike): Dialect {
  const connection: DatabaseConnection = {
    async executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
      const r = await sql.query(q.sql, [...q.parameters], { fullResults: true });
      return { rows: r.rows as R[], numAffectedRows: affected(r.command, r.rowCount) };
    },
    // biome-ignore lint/correctness/useYield: streaming is not part of the workload
    async *streamQuery(): AsyncIterableIterator<never> {
      throw new Error('streaming is not supported over Neon HTTP');
    },
  };
  const noTransactions = async (): Promise<void> => {
    throw new Error('Neon HTTP has no interactive transactions');
  };
  return postgresDialect(() => ({
    async init() {},
    acquireConnection: async () => connection,
    beginTransaction: noTransactions,
    commitTransaction: noTransactions,
    rollbackTransaction: noTransactions,
    async releaseConnection() {},
    async destroy() {},
  }));
}
