/** DDL: CREATE/DROP TABLE, INDEX, TYPE (enums) and COMMENT, for `db.gino.createAll()` and friends. */
import { InvalidRequestError } from '../errors.js';
import { isExpr } from '../sql/expr.js';
import { type Column, type ForeignKeyInfo, type Index, referencedSchema, type Table } from '../sql/table.js';
import type { EnumType } from '../types/sqltypes.js';
import { Compiler } from './compiler.js';
import { quoteIdentifier, quoteQualified, quoteString, renderLiteral } from './quote.js';

function inline(expr: unknown): string {
  return new Compiler(undefined, true).expr(expr as never);
}

/** A column's type in DDL (SERIAL for an autoincrementing key, an enum by its qualified name). */
export function columnType(column: Column): string {
  if (column.serial) return column.type.kind === 'BigInteger' ? 'BIGSERIAL' : 'SERIAL';
  // Enum types live in the table's schema.
  const schema = column.table.kind === 'table' ? column.table.schema : undefined;
  if (column.type.enumName !== undefined) return quoteQualified(schema, column.type.enumName);
  if (column.type.kind === 'ARRAY') {
    const item = (column.type as unknown as { item: Column['type'] }).item;
    if (item.enumName !== undefined) return `${quoteQualified(schema, item.enumName)}[]`;
  }
  return column.type.ddl();
}

/** A column's DDL default, rendered, or undefined. */
export function serverDefault(column: Column): string | undefined {
  const d = column.options.serverDefault;
  if (d === undefined) return undefined;
  return isExpr(d) ? inline(d) : renderLiteral(d);
}

/** A column's definition in CREATE TABLE / ADD COLUMN. */
export function columnDdl(column: Column): string {
  let out = `${quoteIdentifier(column.name)} ${columnType(column)}`;
  const d = serverDefault(column);
  if (d !== undefined) out += ` DEFAULT ${d}`;
  if (!column.nullable) out += ' NOT NULL';
  return out;
}

function names(table: Table, keys: readonly string[]): string {
  return keys.map((k) => quoteIdentifier(table.column(k).name)).join(', ');
}

function named(name: string | undefined): string {
  return name ? `CONSTRAINT ${quoteIdentifier(name)} ` : '';
}

/** PostgreSQL's name for a foreign key it names itself: `<table>_<columns>_fkey`, at most 63 bytes. */
export function foreignKeyName(table: Table, fk: ForeignKeyInfo): string {
  return fk.name ?? `${table.name}_${fk.columns.map((c) => c.name).join('_')}_fkey`.slice(0, 63);
}

function foreignKeyClause(table: Table, fk: ForeignKeyInfo): string {
  let line = `FOREIGN KEY(${fk.columns.map((c) => quoteIdentifier(c.name)).join(', ')}) REFERENCES ${quoteQualified(referencedSchema(fk, table), fk.target.table)} (${fk.target.columns.map(quoteIdentifier).join(', ')})`;
  if (fk.onDelete) line += ` ON DELETE ${fk.onDelete}`;
  if (fk.onUpdate) line += ` ON UPDATE ${fk.onUpdate}`;
  return line;
}

/**
 * `ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY`: a foreign key of a cycle (tables referencing
 * each other), added once every table of the cycle exists (SQLAlchemy's `use_alter`).
 */
export function addForeignKeySql(table: Table, fk: ForeignKeyInfo): string {
  return `ALTER TABLE ${quoteQualified(table.schema, table.name)} ADD CONSTRAINT ${quoteIdentifier(foreignKeyName(table, fk))} ${foreignKeyClause(table, fk)}`;
}

/** `ALTER TABLE ... DROP CONSTRAINT IF EXISTS`: a cycle's foreign key, dropped before its tables. */
export function dropForeignKeySql(table: Table, fk: ForeignKeyInfo): string {
  return `ALTER TABLE ${quoteQualified(table.schema, table.name)} DROP CONSTRAINT IF EXISTS ${quoteIdentifier(foreignKeyName(table, fk))}`;
}

/**
 * `CREATE TABLE` with its columns and constraints; the foreign keys in `deferred` are left out (a
 * cycle's, added afterwards with `addForeignKeySql`).
 */
export function createTableSql(
  table: Table,
  ifNotExists = false,
  deferred: ReadonlySet<ForeignKeyInfo> = new Set(),
): string {
  if (table.columns.length === 0) throw new InvalidRequestError(`table '${table.fullName}' has no columns`);
  const lines = table.columns.map(columnDdl);
  const pk = table.constraints.find((c) => c.kind === 'primaryKeyConstraint');
  if (table.primaryKey.length) {
    lines.push(
      `${named(pk?.options.name)}PRIMARY KEY (${table.primaryKey.map((c) => quoteIdentifier(c.name)).join(', ')})`,
    );
  }
  for (const c of table.columns) {
    if (c.options.unique) lines.push(`UNIQUE (${quoteIdentifier(c.name)})`);
  }
  for (const fk of table.foreignKeys) {
    if (!deferred.has(fk)) lines.push(`${named(fk.name)}${foreignKeyClause(table, fk)}`);
  }
  for (const c of table.constraints) {
    if (c.kind === 'uniqueConstraint') lines.push(`${named(c.options.name)}UNIQUE (${names(table, c.columns)})`);
    if (c.kind === 'checkConstraint') lines.push(`${named(c.options.name)}CHECK (${c.sqlText})`);
  }
  return `CREATE TABLE ${ifNotExists ? 'IF NOT EXISTS ' : ''}${quoteQualified(table.schema, table.name)} (\n\t${lines.join(',\n\t')}\n)`;
}

function indexColumn(table: Table, c: string | unknown): string {
  if (typeof c === 'string') return quoteIdentifier(table.column(c).name);
  // Expression indexes render the expression with literal values, bare column names.
  return `(${new Compiler(undefined, true).expr(c as never, { columns: 'bare' })})`;
}

function indexSql(table: Table, index: Index, ifNotExists: boolean): string {
  const unique = index.options.unique ? 'UNIQUE ' : '';
  const cols = index.columns.map((c) => indexColumn(table, c)).join(', ');
  return `CREATE ${unique}INDEX ${ifNotExists ? 'IF NOT EXISTS ' : ''}${quoteIdentifier(index.name)} ON ${quoteQualified(table.schema, table.name)} (${cols})`;
}

/** `CREATE INDEX` for `index: true` columns and `db.Index(...)` properties. */
export function createIndexSqls(table: Table, ifNotExists = false): string[] {
  const out: string[] = [];
  for (const c of table.columns) {
    if (!c.options.index) continue;
    const name = `ix_${table.name}_${c.name}`;
    out.push(
      `CREATE INDEX ${ifNotExists ? 'IF NOT EXISTS ' : ''}${quoteIdentifier(name)} ON ${quoteQualified(table.schema, table.name)} (${quoteIdentifier(c.name)})`,
    );
  }
  for (const index of table.indexes) out.push(indexSql(table, index, ifNotExists));
  return out;
}

/** `COMMENT ON COLUMN` for columns with a `comment`. */
export function commentSqls(table: Table): string[] {
  return table.columns
    .filter((c) => c.options.comment !== undefined)
    .map(
      (c) =>
        `COMMENT ON COLUMN ${quoteQualified(table.schema, table.name)}.${quoteIdentifier(c.name)} IS ${quoteString(c.options.comment as string)}`,
    );
}

export function dropTableSql(table: Table, ifExists = false): string {
  return `DROP TABLE ${ifExists ? 'IF EXISTS ' : ''}${quoteQualified(table.schema, table.name)}`;
}

export function createEnumSql(type: EnumType, schema?: string): string {
  return `CREATE TYPE ${quoteQualified(schema, type.name)} AS ENUM (${type.values.map((v) => quoteString(v)).join(', ')})`;
}

export function dropEnumSql(type: EnumType, schema?: string, ifExists = false): string {
  return `DROP TYPE ${ifExists ? 'IF EXISTS ' : ''}${quoteQualified(schema, type.name)}`;
}

/** The enum types a table's columns use (arrays of enums included). */
export function enumsOf(table: Table): EnumType[] {
  const out: EnumType[] = [];
  for (const c of table.columns) {
    let t = c.type as unknown as { enumName?: string; item?: unknown; kind: string };
    if (t.kind === 'ARRAY') t = t.item as typeof t;
    if (t.enumName !== undefined && !out.some((e) => e.name === t.enumName)) out.push(t as unknown as EnumType);
  }
  return out;
}
