/**
 * The live database's schema, read from PostgreSQL's catalog for the schemas the models use:
 * tables, columns (type, nullability, default, comment), constraints, indexes, enum types. One
 * read-only batch: one request on neon-http, one transaction elsewhere.
 */
import { quoteString } from '../compiler/quote.js';
import type { QueryRunner } from '../engine/engine.js';

export interface CatalogColumn {
  name: string;
  /** `format_type()`'s spelling, e.g. `character varying(20)`, `integer[]`. */
  type: string;
  /** For an enum (or an array of one): its schema and name. */
  enumType?: { schema: string; name: string };
  array: boolean;
  notNull: boolean;
  default: string | null;
  comment: string | null;
}

export interface CatalogConstraint {
  name: string;
  kind: 'p' | 'u' | 'f' | 'c';
  columns: string[];
  refSchema: string | null;
  refTable: string | null;
  refColumns: string[];
  /** `a` no action, `r` restrict, `c` cascade, `n` set null, `d` set default. */
  onDelete: string | null;
  onUpdate: string | null;
  definition: string;
}

export interface CatalogIndex {
  name: string;
  unique: boolean;
  /** Column names; null for an expression. */
  columns: (string | null)[];
  definition: string;
}

export interface CatalogTable {
  schema: string;
  name: string;
  columns: CatalogColumn[];
  constraints: CatalogConstraint[];
  indexes: CatalogIndex[];
}

export interface Catalog {
  /** The schema unqualified names resolve to (`current_schema()`). */
  currentSchema: string;
  schemas: Set<string>;
  tables: Map<string, CatalogTable>;
  /** Enum types by `schema.name`, their labels in order. */
  enums: Map<string, string[]>;
}

export const key = (schema: string, name: string): string => `${schema}.${name}`;

function list(names: readonly string[]): string {
  return `ARRAY[${names.map((n) => quoteString(n)).join(', ')}]::text[]`;
}

function jsonOf<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/** Read the catalog of `schemas` (the current schema when a name is undefined). */
export async function readCatalog(runner: QueryRunner, schemas: readonly (string | undefined)[]): Promise<Catalog> {
  const named = [...new Set(schemas.filter((s): s is string => s !== undefined))];
  // `coalesce(..., current_schema())` stands for the models' unqualified tables.
  const scope = schemas.includes(undefined) ? `${list(named)} || ARRAY[current_schema()::text]` : list(named);
  const queries = [
    'SELECT current_schema() AS name',
    `SELECT nspname AS name FROM pg_namespace WHERE nspname::text = ANY(${scope})`,
    `SELECT n.nspname AS schema, c.relname AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname::text = ANY(${scope}) AND NOT c.relispartition`,
    `SELECT n.nspname AS schema, c.relname AS "table", a.attname AS name,
            format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
            pg_get_expr(d.adbin, d.adrelid) AS "default", col_description(c.oid, a.attnum) AS comment,
            coalesce(et.typtype, t.typtype) AS typtype, coalesce(etn.nspname, tn.nspname) AS type_schema,
            coalesce(et.typname, t.typname) AS type_name, t.typcategory = 'A' AS is_array
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_type t ON t.oid = a.atttypid JOIN pg_namespace tn ON tn.oid = t.typnamespace
       LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
       LEFT JOIN pg_namespace etn ON etn.oid = et.typnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') AND n.nspname::text = ANY(${scope})
      ORDER BY n.nspname, c.relname, a.attnum`,
    `SELECT n.nspname AS schema, c.relname AS "table", con.conname AS name, con.contype AS kind,
            (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY AS k(num, ord)
               JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num) AS columns,
            fn.nspname AS ref_schema, fc.relname AS ref_table,
            (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY AS k(num, ord)
               JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num) AS ref_columns,
            con.confdeltype AS on_delete, con.confupdtype AS on_update, pg_get_constraintdef(con.oid) AS definition
       FROM pg_constraint con
       JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_class fc ON fc.oid = con.confrelid LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
      WHERE con.contype IN ('p', 'u', 'f', 'c') AND n.nspname::text = ANY(${scope})
      ORDER BY con.conname`,
    `SELECT n.nspname AS schema, c.relname AS "table", i.relname AS name, x.indisunique AS "unique",
            (SELECT json_agg(a.attname ORDER BY k.ord) FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(num, ord)
               LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.num) AS columns,
            pg_get_indexdef(x.indexrelid) AS definition
       FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname::text = ANY(${scope})
        AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = x.indexrelid AND con.contype IN ('p', 'u', 'x'))
      ORDER BY i.relname`,
    `SELECT n.nspname AS schema, t.typname AS name, json_agg(e.enumlabel ORDER BY e.enumsortorder) AS labels
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
      WHERE n.nspname::text = ANY(${scope})
      GROUP BY n.nspname, t.typname`,
  ];
  const options = runner.inTransaction ? {} : { readOnly: true };
  const [current, schemaRows, tableRows, columnRows, constraintRows, indexRows, enumRows] = (await runner.batch(
    queries,
    options,
  )) as Record<string, unknown>[][];
  const catalog: Catalog = {
    currentSchema: String(current?.[0]?.name),
    schemas: new Set((schemaRows ?? []).map((r) => String(r.name))),
    tables: new Map(),
    enums: new Map(),
  };
  for (const r of tableRows ?? []) {
    const schema = String(r.schema);
    const name = String(r.name);
    catalog.tables.set(key(schema, name), { schema, name, columns: [], constraints: [], indexes: [] });
  }
  for (const r of columnRows ?? []) {
    const table = catalog.tables.get(key(String(r.schema), String(r.table)));
    if (!table) continue;
    const column: CatalogColumn = {
      name: String(r.name),
      type: String(r.type),
      array: r.is_array === true,
      notNull: r.not_null === true,
      default: (r.default as string | null) ?? null,
      comment: (r.comment as string | null) ?? null,
    };
    if (r.typtype === 'e') column.enumType = { schema: String(r.type_schema), name: String(r.type_name) };
    table.columns.push(column);
  }
  for (const r of constraintRows ?? []) {
    const table = catalog.tables.get(key(String(r.schema), String(r.table)));
    if (!table) continue;
    table.constraints.push({
      name: String(r.name),
      kind: String(r.kind) as CatalogConstraint['kind'],
      columns: jsonOf<string[] | null>(r.columns) ?? [],
      refSchema: (r.ref_schema as string | null) ?? null,
      refTable: (r.ref_table as string | null) ?? null,
      refColumns: jsonOf<string[] | null>(r.ref_columns) ?? [],
      onDelete: (r.on_delete as string | null) ?? null,
      onUpdate: (r.on_update as string | null) ?? null,
      definition: String(r.definition),
    });
  }
  for (const r of indexRows ?? []) {
    const table = catalog.tables.get(key(String(r.schema), String(r.table)));
    if (!table) continue;
    table.indexes.push({
      name: String(r.name),
      unique: r.unique === true,
      columns: jsonOf<(string | null)[] | null>(r.columns) ?? [],
      definition: String(r.definition),
    });
  }
  for (const r of enumRows ?? []) catalog.enums.set(key(String(r.schema), String(r.name)), jsonOf<string[]>(r.labels));
  return catalog;
}
