/**
 * Running DDL in chunks. PostgreSQL keeps every lock a transaction takes until it ends, in one
 * lock table shared by the whole server and sized for max_locks_per_transaction (64 by default)
 * locks per connection: creating or dropping hundreds of tables in one transaction runs it out
 * ("out of shared memory"). `createAll()` / `dropAll()` therefore commit in chunks that each stay
 * within that default.
 */
import { enumsOf } from '../compiler/ddl.js';
import type { Table } from '../sql/table.js';
import { Connection, Engine, type QueryRunner } from './engine.js';

/** Statements that belong together (a table with its indexes and comments), and the locks they take. */
export interface DdlGroup {
  readonly statements: readonly string[];
  readonly locks: number;
}

/** How many locks one chunk may take: PostgreSQL's default max_locks_per_transaction. */
export const CHUNK_LOCKS = 64;

/** Locks creating or dropping an enum type takes (the type, its array type, the transaction). */
export const ENUM_LOCKS = 3;

/**
 * An upper estimate of the locks creating or dropping `table` takes, from counts in pg_locks on
 * PostgreSQL 15 and 17: the table, its row and array types and the transaction id (6); each
 * index, primary key or unique constraint (3: the index, the constraint, a dependency); a TOAST
 * table and its index (3, counted always); each foreign key (6: the referenced table, the
 * constraint, its four triggers); each comment or check (2); each enum type used (1).
 */
export function tableLocks(table: Table): number {
  const indexes =
    (table.primaryKey.length > 0 ? 1 : 0) +
    table.columns.filter((c) => c.options.unique || c.options.index).length +
    table.constraints.filter((c) => c.kind === 'uniqueConstraint').length +
    table.indexes.length;
  const notes =
    table.columns.filter((c) => c.options.comment !== undefined).length +
    table.constraints.filter((c) => c.kind === 'checkConstraint').length;
  return 6 + 3 * indexes + 3 + 6 * table.foreignKeys.length + 2 * notes + enumsOf(table).length;
}

/**
 * Consecutive groups packed into chunks of at most `budget` locks; a group larger than the budget
 * on its own is a chunk by itself (a table is never split from its indexes).
 */
export function chunked(groups: readonly DdlGroup[], budget = CHUNK_LOCKS): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let used = 0;
  for (const group of groups) {
    if (current.length > 0 && used + group.locks > budget) {
      chunks.push(current);
      current = [];
      used = 0;
    }
    current.push(...group.statements);
    used += group.locks;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Run the chunks in order on `runner`: each in a transaction of its own (a native batch where
 * the adapter has no transactions), so each chunk is atomic and a failure leaves the chunks
 * before it done. Inside a caller's transaction the statements run in it, one after another.
 */
export async function runChunks(runner: QueryRunner, chunks: readonly (readonly string[])[]): Promise<void> {
  const capabilities = runner.engine.capabilities;
  if ((runner instanceof Engine || runner instanceof Connection) && capabilities.transactions) {
    for (const chunk of chunks) {
      await runner.transaction(async (tx) => {
        for (const sql of chunk) await tx.status(sql);
      });
    }
    return;
  }
  if (runner instanceof Engine && capabilities.nativeBatch) {
    for (const chunk of chunks) await runner.batch(chunk);
    return;
  }
  for (const chunk of chunks) for (const sql of chunk) await runner.status(sql);
}
