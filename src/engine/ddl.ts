/**
 * Running DDL in chunks. PostgreSQL keeps every lock a transaction takes until it ends, in one
 * lock table shared by the whole server and sized for max_locks_per_transaction (64 by default)
 * locks per connection: creating or dropping hundreds of tables in one transaction runs it out
 * ("out of shared memory"). `createAll()` / `dropAll()` therefore commit in chunks that each stay
 * within that default. The `DdlRunner` orders, checks and runs a set of tables' DDL.
 */
import {
  addForeignKeySql,
  commentSqls,
  createEnumSql,
  createIndexSqls,
  createTableSql,
  dropEnumSql,
  dropForeignKeySql,
  dropTableSql,
  enumsOf,
} from '../compiler/ddl.js';
import { quoteQualified } from '../compiler/quote.js';
import { type ForeignKeyInfo, referencedSchema, type Table } from '../sql/table.js';
import type { QueryRunner } from './engine.js';

/** Statements that belong together (a table with its indexes and comments), and the locks they take. */
export interface DdlGroup {
  readonly statements: readonly string[];
  readonly locks: number;
}

/** How many locks one chunk may take: PostgreSQL's default max_locks_per_transaction. */
export const CHUNK_LOCKS = 64;

/** Locks adding or dropping a foreign key takes: both tables, the constraint, its four triggers, the transaction. */
export const FOREIGN_KEY_LOCKS = 8;

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
  if (!runner.inTransaction && capabilities.transactions) {
    for (const chunk of chunks) {
      await runner.transaction(async (tx) => {
        for (const sql of chunk) await tx.status(sql);
      });
    }
    return;
  }
  if (!runner.inTransaction && capabilities.nativeBatch) {
    for (const chunk of chunks) await runner.batch(chunk);
    return;
  }
  for (const chunk of chunks) for (const sql of chunk) await runner.status(sql);
}

/** What create and drop take: `checkfirst` (default true) skips what exists / is missing. */
export interface DdlOptions {
  checkfirst?: boolean;
  bind?: unknown;
}

/**
 * Creates, drops and checks tables with their enum types: `db.gino.createAll()` / `dropAll()`,
 * `Model.gino.create()` / `drop()`. It finds where to run through `runnerFor` (the binder) and
 * the tables that exist besides the ones it is given through `registry` (a type another table
 * still uses is not dropped).
 */
export class DdlRunner {
  constructor(
    private readonly runnerFor: (bind?: unknown) => QueryRunner,
    private readonly registry: () => readonly Table[],
  ) {}

  /** Which of `tables` (and of their enum types) exist on the database `runner` reaches. */
  async existing(runner: QueryRunner, tables: readonly Table[]): Promise<{ tables: Set<Table>; types: Set<string> }> {
    const names = tables.map((t) => quoteQualified(t.schema, t.name));
    const enumNames = tables.flatMap((t) => enumsOf(t).map((e) => quoteQualified(t.schema, e.name)));
    const rows = await runner.all<{ kind: string; name: string }>(
      `SELECT 't' AS kind, n AS name FROM unnest($1::text[]) AS n WHERE to_regclass(n) IS NOT NULL
       UNION ALL SELECT 'e', n FROM unnest($2::text[]) AS n WHERE to_regtype(n) IS NOT NULL`,
      [names, enumNames],
    );
    const found = new Set(rows.filter((r) => r.kind === 't').map((r) => r.name));
    return {
      tables: new Set(tables.filter((_t, i) => found.has(names[i] as string))),
      types: new Set(rows.filter((r) => r.kind === 'e').map((r) => r.name)),
    };
  }

  /**
   * Create `tables` (and their enum types) in dependency order, skipping what exists unless
   * `checkfirst: false`; resolves to the tables skipped because they exist.
   */
  async create(tables: readonly Table[], options: DdlOptions = {}): Promise<Table[]> {
    const runner = this.runnerFor(options.bind);
    const { ordered, cycles } = dependencyOrder(tables);
    const checkfirst = options.checkfirst ?? true;
    const have = checkfirst
      ? await this.existing(runner, ordered)
      : { tables: new Set<Table>(), types: new Set<string>() };
    const groups: DdlGroup[] = [];
    const madeTypes = new Set<string>();
    for (const table of ordered) {
      if (have.tables.has(table)) continue;
      for (const e of enumsOf(table)) {
        const q = quoteQualified(table.schema, e.name);
        if (have.types.has(q) || madeTypes.has(q)) continue;
        madeTypes.add(q);
        groups.push({ statements: [createEnumSql(e, table.schema)], locks: ENUM_LOCKS });
      }
    }
    const deferred = new Set(cycles.map(([, fk]) => fk));
    for (const table of ordered) {
      if (have.tables.has(table)) continue;
      groups.push({
        statements: [createTableSql(table, false, deferred), ...createIndexSqls(table), ...commentSqls(table)],
        locks: tableLocks(table),
      });
    }
    // A cycle's foreign keys once all its tables exist (SQLAlchemy's use_alter).
    for (const [table, fk] of cycles) {
      if (have.tables.has(table)) continue;
      groups.push({ statements: [addForeignKeySql(table, fk)], locks: FOREIGN_KEY_LOCKS });
    }
    await runChunks(runner, chunked(groups));
    return ordered.filter((t) => have.tables.has(t));
  }

  /**
   * Drop `tables` in reverse dependency order, then the enum types no other registered table
   * uses; skips what is missing unless `checkfirst: false`.
   */
  async drop(tables: readonly Table[], options: DdlOptions = {}): Promise<void> {
    const runner = this.runnerFor(options.bind);
    const { ordered: sorted, cycles } = dependencyOrder(tables);
    const ordered = sorted.reverse();
    const checkfirst = options.checkfirst ?? true;
    const have = checkfirst ? await this.existing(runner, ordered) : undefined;
    const groups: DdlGroup[] = [];
    const dropped = new Set<string>();
    // A cycle's foreign keys first: then its tables drop in order, as any others.
    for (const [table, fk] of cycles) {
      if (have && !have.tables.has(table)) continue;
      groups.push({ statements: [dropForeignKeySql(table, fk)], locks: FOREIGN_KEY_LOCKS });
    }
    for (const table of ordered) {
      if (have && !have.tables.has(table)) continue;
      groups.push({ statements: [dropTableSql(table)], locks: tableLocks(table) });
    }
    for (const table of ordered) {
      for (const e of enumsOf(table)) {
        const q = quoteQualified(table.schema, e.name);
        if (dropped.has(q) || (have && !have.types.has(q))) continue;
        // Keep a type another (not dropped) table still uses.
        const stillUsed = this.registry().some(
          (t) => !tables.includes(t) && enumsOf(t).some((x) => x.name === e.name && t.schema === table.schema),
        );
        if (stillUsed) continue;
        dropped.add(q);
        groups.push({ statements: [dropEnumSql(e, table.schema)], locks: ENUM_LOCKS });
      }
    }
    await runChunks(runner, chunked(groups));
  }
}

/**
 * Tables ordered so each comes after the tables its foreign keys reference, and the foreign keys
 * that close a cycle (tables referencing each other), which cannot be created with their table.
 */
export function dependencyOrder(tables: readonly Table[]): {
  ordered: Table[];
  cycles: [Table, ForeignKeyInfo][];
} {
  const ordered: Table[] = [];
  const cycles: [Table, ForeignKeyInfo][] = [];
  const state = new Map<Table, 'visiting' | 'done'>();
  const byName = (name: string, schema: string | undefined) =>
    tables.find((t) => t.name === name && (schema === undefined || t.schema === schema));
  const visit = (t: Table): void => {
    const s = state.get(t);
    if (s === 'done' || s === 'visiting') return;
    state.set(t, 'visiting');
    for (const fk of t.foreignKeys) {
      const target = byName(fk.target.table, referencedSchema(fk, t));
      if (!target || target === t) continue;
      if (state.get(target) === 'visiting') cycles.push([t, fk]);
      else visit(target);
    }
    state.set(t, 'done');
    ordered.push(t);
  };
  for (const t of tables) visit(t);
  return { ordered, cycles };
}

/** Tables ordered so each comes after the tables its foreign keys reference. */
export function sortByDependency(tables: readonly Table[]): Table[] {
  return dependencyOrder(tables).ordered;
}
