/**
 * Autogenerate (Alembic's): the models compared with the live database's catalog, as a list of
 * changes, each with the SQL that makes the database match the models (`up`) and the SQL that
 * undoes it (`down`). `db.gino.check()` reports them; `gino-edge migrate generate` writes them.
 *
 * Compared: schemas, tables, columns (type, nullability, default, comment, a rename when one
 * column went and one of the same type came), primary keys, unique, check and foreign-key
 * constraints, indexes, enum types (new values; a removed or renamed value is flagged for a hand
 * edit). Tables and enum types the models do not have are looked for only in the schemas the
 * models use; the ledger table is never touched. Check constraints are matched by name (by text
 * when unnamed): a changed check needs a new name to be seen.
 */
import {
  columnDdl,
  columnType,
  commentSqls,
  createEnumSql,
  createIndexSqls,
  createTableSql,
  enumsOf,
  serverDefault,
} from '../compiler/ddl.js';
import { quoteIdentifier, quoteQualified, quoteString } from '../compiler/quote.js';
import { sortByDependency } from '../engine/ddl.js';
import type { QueryRunner } from '../engine/engine.js';
import { type Column, referencedSchema, type Table } from '../sql/table.js';
import type { ArrayType, EnumType, NumericType, SqlType, StringType } from '../types/sqltypes.js';
import { type CatalogColumn, type CatalogConstraint, type CatalogTable, key, readCatalog } from './catalog.js';
import { LEDGER } from './migrator.js';

/** One difference between the models and the database. */
export interface SchemaChange {
  /** What changes: `addTable`, `dropColumn`, `alterColumnType`, `addEnumValue`, ... */
  kind: string;
  /** The object, e.g. `table posts`, `column posts.updated_at`. */
  object: string;
  /** In words, for people. */
  detail: string;
  /** Loses data (drops a table, a column, a type): `generate` needs `allowDestructive`. */
  destructive: boolean;
  /** Cannot be done automatically (an enum value removed or renamed): a hand edit. */
  manual: boolean;
  /** The statements that make the database match the models, and those that undo them. */
  up: string[];
  down: string[];
}

export interface DiffOptions {
  bind?: unknown;
  /** Only these model tables (no look for tables the models lack): what `createAll()` checks. */
  only?: readonly Table[];
}

const ACTIONS: Readonly<Record<string, string>> = {
  'NO ACTION': 'a',
  RESTRICT: 'r',
  CASCADE: 'c',
  'SET NULL': 'n',
  'SET DEFAULT': 'd',
};
const ACTION_SQL: Readonly<Record<string, string>> = {
  a: 'NO ACTION',
  r: 'RESTRICT',
  c: 'CASCADE',
  n: 'SET NULL',
  d: 'SET DEFAULT',
};

/** The spelling `format_type()` gives the type a model column declares. */
function formatTypeOf(type: SqlType): string {
  switch (type.kind) {
    case 'Integer':
      return 'integer';
    case 'SmallInteger':
      return 'smallint';
    case 'BigInteger':
      return 'bigint';
    case 'Numeric': {
      const { precision, scale } = type as NumericType;
      return precision === undefined ? 'numeric' : `numeric(${precision},${scale ?? 0})`;
    }
    case 'Float':
      return 'double precision';
    case 'Real':
      return 'real';
    case 'Boolean':
      return 'boolean';
    case 'String':
    case 'Unicode': {
      const { length } = type as StringType;
      return length === undefined ? 'character varying' : `character varying(${length})`;
    }
    case 'Text':
      return 'text';
    case 'UUID':
      return 'uuid';
    case 'Time':
      return 'time without time zone';
    case 'Interval':
      return 'interval';
    case 'Date':
      return 'date';
    case 'JSON':
      return 'json';
    case 'JSONB':
      return 'jsonb';
    case 'LargeBinary':
      return 'bytea';
    case 'ARRAY':
      return `${formatTypeOf((type as ArrayType<unknown>).base)}[]`;
    default:
      return type.ddl().toLowerCase();
  }
}

interface ModelColumnShape {
  type: string;
  enumType?: { schema: string; name: string };
  array: boolean;
}

function shapeOf(column: Column, schema: string): ModelColumnShape {
  const type = column.type;
  const base = type.kind === 'ARRAY' ? (type as ArrayType<unknown>).base : type;
  const array = type.kind === 'ARRAY';
  if (base.enumName !== undefined) return { type: '', enumType: { schema, name: base.enumName }, array };
  return { type: formatTypeOf(type), array };
}

function sameType(model: ModelColumnShape, db: CatalogColumn): boolean {
  if (model.enumType || db.enumType) {
    return (
      model.array === db.array &&
      model.enumType?.schema === db.enumType?.schema &&
      model.enumType?.name === db.enumType?.name
    );
  }
  // `timestamp(6) ...` and friends: format_type shows a precision only when one was given.
  return model.type === db.type;
}

/** A default as text, with the noise PostgreSQL adds (casts of literals, parentheses) taken off. */
function normalizeDefault(text: string | null | undefined): string | null {
  if (text === null || text === undefined) return null;
  let out = text.trim();
  for (;;) {
    const stripped = out
      .replace(/('(?:[^']|'')*')::(?:"[^"]+"|[a-z_][a-z0-9_. ]*)(?:\([0-9, ]+\))?(?:\[\])*/gi, '$1')
      .replace(/^\((.*)\)$/s, '$1')
      .trim();
    if (stripped === out) break;
    out = stripped;
  }
  const quotedNumber = /^'(-?\d+(?:\.\d+)?)'$/.exec(out);
  if (quotedNumber) out = quotedNumber[1] as string;
  return out.replace(/^current_timestamp$/i, 'CURRENT_TIMESTAMP');
}

const looksConstant = (text: string): boolean => /^'/.test(text) || /^-?\d/.test(text) || /^(true|false)$/i.test(text);

/** An unnamed check's text, compared loosely: no white space, parentheses or case. */
function checkText(text: string): string {
  return text
    .replace(/^CHECK\s*/i, '')
    .replace(/NOT VALID$/i, '')
    .replace(/[\s()]/g, '')
    .toLowerCase();
}

class Changes {
  readonly phases: SchemaChange[][] = Array.from({ length: 11 }, () => []);
  add(phase: number, change: Omit<SchemaChange, 'destructive' | 'manual'> & Partial<SchemaChange>): void {
    (this.phases[phase] as SchemaChange[]).push({ destructive: false, manual: false, ...change });
  }
  all(): SchemaChange[] {
    return this.phases.flat();
  }
}

// Phases: the order the up statements run in (down runs the reverse).
const SCHEMA = 0;
const ENUM = 1;
const DROP_FK = 2;
const DROP_CONSTRAINT = 3;
const CREATE_TABLE = 4;
const COLUMN = 5;
const ADD_CONSTRAINT = 6;
const ADD_FK = 7;
const DROP_COLUMN = 8;
const DROP_TABLE = 9;
const DROP_ENUM = 10;

/** The differences between `tables` (the models) and the database `runner` reaches. */
export async function diffSchema(
  runner: QueryRunner,
  tables: readonly Table[],
  options: DiffOptions = {},
): Promise<SchemaChange[]> {
  const models = sortByDependency(options.only ?? tables);
  const catalog = await readCatalog(
    runner,
    models.map((t) => t.schema),
  );
  const changes = new Changes();
  const current = catalog.currentSchema;
  const schemaOf = (t: Table) => t.schema ?? current;
  const partial = options.only !== undefined;

  // Schemas.
  for (const schema of new Set(models.map((t) => t.schema).filter((s): s is string => s !== undefined))) {
    if (catalog.schemas.has(schema)) continue;
    changes.add(SCHEMA, {
      kind: 'addSchema',
      object: `schema ${schema}`,
      detail: `schema ${schema} is missing`,
      up: [`CREATE SCHEMA ${quoteIdentifier(schema)}`],
      down: [`DROP SCHEMA ${quoteIdentifier(schema)}`],
    });
  }

  // Enum types.
  const modelEnums = new Map<string, { type: EnumType; table: Table }>();
  for (const t of models) for (const e of enumsOf(t)) modelEnums.set(key(schemaOf(t), e.name), { type: e, table: t });
  for (const [k, { type, table }] of modelEnums) {
    const labels = catalog.enums.get(k);
    const qualified = quoteQualified(table.schema, type.name);
    if (!labels) {
      changes.add(ENUM, {
        kind: 'addEnum',
        object: `type ${k}`,
        detail: `enum type ${k} is missing`,
        up: [createEnumSql(type, table.schema)],
        down: [`DROP TYPE ${qualified}`],
      });
      continue;
    }
    diffEnum(changes, k, qualified, labels, type.values);
  }
  if (!partial) {
    const usedSchemas = new Set(models.map(schemaOf));
    for (const [k] of catalog.enums) {
      const [schema, ...rest] = k.split('.');
      const name = rest.join('.');
      if (modelEnums.has(k) || !usedSchemas.has(schema as string)) continue;
      const labels = catalog.enums.get(k) as string[];
      const qualified = quoteQualified(schema === current ? undefined : schema, name);
      changes.add(DROP_ENUM, {
        kind: 'dropEnum',
        object: `type ${k}`,
        detail: `enum type ${k} is in the database, not in the models`,
        destructive: true,
        up: [`DROP TYPE ${qualified}`],
        down: [`CREATE TYPE ${qualified} AS ENUM (${labels.map((l) => quoteString(l)).join(', ')})`],
      });
    }
  }

  // Tables.
  const seen = new Set<string>();
  const defaultChecks: { change: () => void; model: string; db: string; type: string }[] = [];
  for (const table of models) {
    const k = key(schemaOf(table), table.name);
    seen.add(k);
    const live = catalog.tables.get(k);
    const qualified = quoteQualified(table.schema, table.name);
    if (!live) {
      changes.add(CREATE_TABLE, {
        kind: 'addTable',
        object: `table ${table.fullName}`,
        detail: `table ${table.fullName} is missing`,
        up: [createTableSql(table), ...createIndexSqls(table), ...commentSqls(table)],
        down: [`DROP TABLE ${qualified}`],
      });
      continue;
    }
    diffTable(changes, table, live, schemaOf(table), current, defaultChecks);
  }
  if (!partial) {
    const usedSchemas = new Set(models.map(schemaOf));
    const dropped = [...catalog.tables.values()].filter(
      (t) =>
        !seen.has(key(t.schema, t.name)) && usedSchemas.has(t.schema) && !(t.name === LEDGER && t.schema === current),
    );
    for (const t of dropped) {
      const qualified = quoteQualified(t.schema === current ? undefined : t.schema, t.name);
      changes.add(DROP_TABLE, {
        kind: 'dropTable',
        object: `table ${t.schema === current ? t.name : key(t.schema, t.name)}`,
        detail: `table ${key(t.schema, t.name)} is in the database, not in the models (its rows would be lost)`,
        destructive: true,
        up: [`DROP TABLE ${qualified}`],
        down: recreateTable(t, qualified, current),
      });
    }
  }

  // Defaults that differ in text but may be equal constants: the server decides.
  const candidates = defaultChecks.filter((c) => looksConstant(c.model) && looksConstant(c.db));
  let same: boolean[] = [];
  if (candidates.length) {
    try {
      const rows = (await runner.batch(
        candidates.map((c) => `SELECT (${c.model})::${c.type} IS NOT DISTINCT FROM (${c.db})::${c.type} AS same`),
      )) as { same: boolean }[][];
      same = rows.map((r) => r[0]?.same === true);
    } catch {
      same = [];
    }
  }
  for (const c of defaultChecks) {
    const i = candidates.indexOf(c);
    if (i === -1 || !same[i]) c.change();
  }
  return changes.all();
}

function diffEnum(
  changes: Changes,
  k: string,
  qualified: string,
  labels: readonly string[],
  values: readonly string[],
): void {
  const removed = labels.filter((l) => !values.includes(l));
  const added = values.filter((v) => !labels.includes(v));
  // The kept labels must stay in order: PostgreSQL cannot reorder an enum.
  const kept = values.filter((v) => labels.includes(v));
  const inOrder = kept.every((v, i) => v === labels.filter((l) => values.includes(l))[i]);
  if (removed.length === 0 && inOrder) {
    for (const value of added) {
      const i = values.indexOf(value);
      const after = values
        .slice(0, i)
        .reverse()
        .find((v) => labels.includes(v) || added.indexOf(v) < added.indexOf(value));
      const before = values.slice(i + 1).find((v) => labels.includes(v));
      const where =
        after !== undefined
          ? ` AFTER ${quoteString(after)}`
          : before !== undefined
            ? ` BEFORE ${quoteString(before)}`
            : '';
      changes.add(ENUM, {
        kind: 'addEnumValue',
        object: `type ${k}`,
        detail: `enum type ${k} lacks the value '${value}'`,
        up: [`ALTER TYPE ${qualified} ADD VALUE ${quoteString(value)}${where}`],
        down: [],
      });
    }
    return;
  }
  const rename =
    removed.length === 1 && added.length === 1 && labels.length === values.length
      ? ` If '${removed[0]}' was renamed: ALTER TYPE ${qualified} RENAME VALUE ${quoteString(removed[0] as string)} TO ${quoteString(added[0] as string)}.`
      : '';
  changes.add(ENUM, {
    kind: 'enumChanged',
    object: `type ${k}`,
    detail:
      `enum type ${k} is (${labels.join(', ')}) in the database and (${values.join(', ')}) in the models: ` +
      `PostgreSQL cannot drop or reorder enum values; edit the migration by hand.${rename}`,
    manual: true,
    up: [],
    down: [],
  });
}

function diffTable(
  changes: Changes,
  table: Table,
  live: CatalogTable,
  schema: string,
  current: string,
  defaultChecks: { change: () => void; model: string; db: string; type: string }[],
): void {
  const qualified = quoteQualified(table.schema, table.name);
  const alter = `ALTER TABLE ${qualified}`;
  const liveColumns = new Map(live.columns.map((c) => [c.name, c]));
  const modelNames = new Set(table.columns.map((c) => c.name));
  let added = table.columns.filter((c) => !liveColumns.has(c.name));
  let gone = live.columns.filter((c) => !modelNames.has(c.name));

  // A rename: one column went and one of the same type (and the only one of it) came.
  for (const column of [...added]) {
    const shape = shapeOf(column, schema);
    const sameAdded = added.filter((c) => sameShape(shapeOf(c, schema), shape));
    const sameGone = gone.filter((g) => sameType(shape, g));
    if (sameAdded.length !== 1 || sameGone.length !== 1) continue;
    const old = sameGone[0] as CatalogColumn;
    changes.add(COLUMN, {
      kind: 'renameColumn',
      object: `column ${table.fullName}.${old.name}`,
      detail: `column ${table.fullName}.${old.name} is read as renamed to ${column.name} (same type; if it is not a rename, replace this with a drop and an add)`,
      up: [`${alter} RENAME COLUMN ${quoteIdentifier(old.name)} TO ${quoteIdentifier(column.name)}`],
      down: [`${alter} RENAME COLUMN ${quoteIdentifier(column.name)} TO ${quoteIdentifier(old.name)}`],
    });
    added = added.filter((c) => c !== column);
    gone = gone.filter((g) => g !== old);
    liveColumns.set(column.name, { ...old, name: column.name });
  }

  for (const column of added) {
    const up = [`${alter} ADD COLUMN ${columnDdl(column)}`];
    if (column.options.comment !== undefined) {
      up.push(
        `COMMENT ON COLUMN ${qualified}.${quoteIdentifier(column.name)} IS ${quoteString(column.options.comment)}`,
      );
    }
    changes.add(COLUMN, {
      kind: 'addColumn',
      object: `column ${table.fullName}.${column.name}`,
      detail: `column ${table.fullName}.${column.name} is missing`,
      up,
      down: [`${alter} DROP COLUMN ${quoteIdentifier(column.name)}`],
    });
  }
  for (const old of gone) {
    const restore = `${quoteIdentifier(old.name)} ${dbType(old, current)}${old.default !== null ? ` DEFAULT ${old.default}` : ''}${old.notNull && old.default !== null ? ' NOT NULL' : ''}`;
    changes.add(DROP_COLUMN, {
      kind: 'dropColumn',
      object: `column ${table.fullName}.${old.name}`,
      detail: `column ${table.fullName}.${old.name} is in the database, not in the model (its values would be lost)`,
      destructive: true,
      up: [`${alter} DROP COLUMN ${quoteIdentifier(old.name)}`],
      down: [`${alter} ADD COLUMN ${restore}`],
    });
  }

  for (const column of table.columns) {
    const db = liveColumns.get(column.name);
    if (!db || added.includes(column)) continue;
    const name = quoteIdentifier(column.name);
    const where = `${table.fullName}.${column.name}`;
    const shape = shapeOf(column, schema);
    if (!sameType(shape, db)) {
      const to = column.serial ? column.type.ddl() : columnType(column);
      const from = dbType(db, current);
      changes.add(COLUMN, {
        kind: 'alterColumnType',
        object: `column ${where}`,
        detail: `column ${where} is ${db.enumType ? `${key(db.enumType.schema, db.enumType.name)}${db.array ? '[]' : ''}` : db.type} in the database, ${to} in the model`,
        up: [`${alter} ALTER COLUMN ${name} TYPE ${to} USING ${name}::${to}`],
        down: [`${alter} ALTER COLUMN ${name} TYPE ${from} USING ${name}::${from}`],
      });
    }
    if (db.notNull !== !column.nullable) {
      const set = column.nullable ? 'DROP NOT NULL' : 'SET NOT NULL';
      const unset = column.nullable ? 'SET NOT NULL' : 'DROP NOT NULL';
      changes.add(COLUMN, {
        kind: 'alterColumnNullable',
        object: `column ${where}`,
        detail: `column ${where} is ${db.notNull ? 'NOT NULL' : 'nullable'} in the database, ${column.nullable ? 'nullable' : 'NOT NULL'} in the model`,
        up: [`${alter} ALTER COLUMN ${name} ${set}`],
        down: [`${alter} ALTER COLUMN ${name} ${unset}`],
      });
    }
    const modelDefault = column.serial ? undefined : serverDefault(column);
    const dbDefault = db.default;
    if (column.serial) {
      if (dbDefault === null || !/^nextval\(/i.test(dbDefault)) {
        changes.add(COLUMN, {
          kind: 'alterColumnDefault',
          object: `column ${where}`,
          detail: `column ${where} is SERIAL in the model but has ${dbDefault === null ? 'no default' : `the default ${dbDefault}`} in the database; give it a sequence (CREATE SEQUENCE ... OWNED BY ..., then SET DEFAULT nextval(...))`,
          manual: true,
          up: [],
          down: [],
        });
      }
    } else {
      const a = normalizeDefault(modelDefault);
      const b = normalizeDefault(dbDefault);
      if (a !== b) {
        const change = () =>
          changes.add(COLUMN, {
            kind: 'alterColumnDefault',
            object: `column ${where}`,
            detail: `column ${where} defaults to ${dbDefault ?? 'nothing'} in the database, ${modelDefault ?? 'nothing'} in the model`,
            up: [
              modelDefault === undefined
                ? `${alter} ALTER COLUMN ${name} DROP DEFAULT`
                : `${alter} ALTER COLUMN ${name} SET DEFAULT ${modelDefault}`,
            ],
            down: [
              dbDefault === null
                ? `${alter} ALTER COLUMN ${name} DROP DEFAULT`
                : `${alter} ALTER COLUMN ${name} SET DEFAULT ${dbDefault}`,
            ],
          });
        if (a !== null && b !== null) defaultChecks.push({ change, model: a, db: b, type: dbType(db, current) });
        else change();
      }
    }
    const comment = column.options.comment ?? null;
    if (comment !== db.comment) {
      const target = `COMMENT ON COLUMN ${qualified}.${name} IS`;
      changes.add(COLUMN, {
        kind: 'alterColumnComment',
        object: `column ${where}`,
        detail: `column ${where} has the comment ${JSON.stringify(db.comment)} in the database, ${JSON.stringify(comment)} in the model`,
        up: [`${target} ${comment === null ? 'NULL' : quoteString(comment)}`],
        down: [`${target} ${db.comment === null ? 'NULL' : quoteString(db.comment)}`],
      });
    }
  }

  diffConstraints(changes, table, live, schema, current, alter);
  diffIndexes(changes, table, live, current);
}

function sameShape(a: ModelColumnShape, b: ModelColumnShape): boolean {
  return (
    a.type === b.type &&
    a.array === b.array &&
    a.enumType?.name === b.enumType?.name &&
    a.enumType?.schema === b.enumType?.schema
  );
}

/** A live column's type as DDL. */
function dbType(column: CatalogColumn, current: string): string {
  if (!column.enumType) return column.type;
  const { schema, name } = column.enumType;
  return `${quoteQualified(schema === current ? undefined : schema, name)}${column.array ? '[]' : ''}`;
}

function dropConstraint(alter: string, name: string): string {
  return `${alter} DROP CONSTRAINT ${quoteIdentifier(name)}`;
}

function addConstraint(alter: string, c: CatalogConstraint): string {
  return `${alter} ADD CONSTRAINT ${quoteIdentifier(c.name)} ${c.definition}`;
}

function diffConstraints(
  changes: Changes,
  table: Table,
  live: CatalogTable,
  schema: string,
  current: string,
  alter: string,
): void {
  const name = table.fullName;
  const colName = (k: string) => table.column(k).name;
  const cols = (names: readonly string[]) => names.map(quoteIdentifier).join(', ');
  const named = (n: string | undefined) => (n ? `CONSTRAINT ${quoteIdentifier(n)} ` : '');

  // Primary key: by its columns, in order.
  const pk = table.primaryKey.map((c) => c.name);
  const pkConstraint = table.constraints.find((c) => c.kind === 'primaryKeyConstraint');
  const livePk = live.constraints.find((c) => c.kind === 'p');
  if ((livePk?.columns.join(',') ?? '') !== pk.join(',')) {
    if (livePk) {
      changes.add(DROP_CONSTRAINT, {
        kind: 'dropPrimaryKey',
        object: `constraint ${livePk.name}`,
        detail: `the primary key of ${name} is (${livePk.columns.join(', ')}) in the database`,
        up: [dropConstraint(alter, livePk.name)],
        down: [addConstraint(alter, livePk)],
      });
    }
    if (pk.length) {
      const given = pkConstraint?.options.name;
      changes.add(ADD_CONSTRAINT, {
        kind: 'addPrimaryKey',
        object: `table ${name}`,
        detail: `the primary key of ${name} is (${pk.join(', ')}) in the model`,
        up: [`${alter} ADD ${named(given)}PRIMARY KEY (${cols(pk)})`],
        down: [dropConstraint(alter, given ?? `${table.name}_pkey`)],
      });
    }
  }

  // Unique constraints: by their columns.
  const uniques: { columns: string[]; name: string | undefined }[] = [
    ...table.columns.filter((c) => c.options.unique).map((c) => ({ columns: [c.name], name: undefined })),
    ...table.constraints
      .filter((c) => c.kind === 'uniqueConstraint')
      .map((c) => ({ columns: c.columns.map(colName), name: c.options.name })),
  ];
  const liveUniques = live.constraints.filter((c) => c.kind === 'u');
  const sig = (columns: readonly string[]) => [...columns].sort().join(',');
  for (const u of uniques) {
    const i = liveUniques.findIndex((l) => sig(l.columns) === sig(u.columns));
    if (i !== -1) {
      liveUniques.splice(i, 1);
      continue;
    }
    const autoName = u.name ?? `${table.name}_${u.columns.join('_')}_key`;
    changes.add(ADD_CONSTRAINT, {
      kind: 'addUnique',
      object: `table ${name}`,
      detail: `${name} lacks a unique constraint on (${u.columns.join(', ')})`,
      up: [`${alter} ADD ${named(u.name)}UNIQUE (${cols(u.columns)})`],
      down: [dropConstraint(alter, autoName)],
    });
  }
  for (const l of liveUniques) {
    changes.add(DROP_CONSTRAINT, {
      kind: 'dropUnique',
      object: `constraint ${l.name}`,
      detail: `${name} has the unique constraint ${l.name} (${l.columns.join(', ')}), not in the model`,
      up: [dropConstraint(alter, l.name)],
      down: [addConstraint(alter, l)],
    });
  }

  // Check constraints: by name, else by text, else paired with PostgreSQL's generated names.
  const checks = table.constraints.filter((c) => c.kind === 'checkConstraint');
  const liveChecks = live.constraints.filter((c) => c.kind === 'c');
  const unmatched: typeof checks = [];
  for (const c of checks) {
    const i = c.options.name
      ? liveChecks.findIndex((l) => l.name === c.options.name)
      : liveChecks.findIndex((l) => checkText(l.definition) === checkText(c.sqlText));
    if (i !== -1) liveChecks.splice(i, 1);
    else unmatched.push(c);
  }
  const generated = new RegExp(`^${table.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_(.+_)?check\\d*$`);
  for (const c of [...unmatched]) {
    if (c.options.name) continue;
    const i = liveChecks.findIndex((l) => generated.test(l.name));
    if (i === -1) continue;
    liveChecks.splice(i, 1);
    unmatched.splice(unmatched.indexOf(c), 1);
  }
  for (const c of unmatched) {
    changes.add(ADD_CONSTRAINT, {
      kind: 'addCheck',
      object: `table ${name}`,
      detail: `${name} lacks the check ${c.options.name ?? c.sqlText}`,
      up: [`${alter} ADD ${named(c.options.name)}CHECK (${c.sqlText})`],
      down: c.options.name ? [dropConstraint(alter, c.options.name)] : [],
    });
  }
  for (const l of liveChecks) {
    changes.add(DROP_CONSTRAINT, {
      kind: 'dropCheck',
      object: `constraint ${l.name}`,
      detail: `${name} has the check ${l.name} ${l.definition}, not in the model`,
      up: [dropConstraint(alter, l.name)],
      down: [addConstraint(alter, l)],
    });
  }

  // Foreign keys: by columns, target and actions.
  const liveFks = live.constraints.filter((c) => c.kind === 'f');
  for (const fk of table.foreignKeys) {
    const columns = fk.columns.map((c) => c.name);
    const targetSchema = referencedSchema(fk, table) ?? current;
    const onDelete = ACTIONS[fk.onDelete ?? 'NO ACTION'];
    const onUpdate = ACTIONS[fk.onUpdate ?? 'NO ACTION'];
    const i = liveFks.findIndex(
      (l) =>
        l.columns.join(',') === columns.join(',') &&
        l.refSchema === targetSchema &&
        l.refTable === fk.target.table &&
        l.refColumns.join(',') === fk.target.columns.join(',') &&
        l.onDelete === onDelete &&
        l.onUpdate === onUpdate,
    );
    if (i !== -1) {
      liveFks.splice(i, 1);
      continue;
    }
    let line = `${alter} ADD ${named(fk.name)}FOREIGN KEY (${cols(columns)}) REFERENCES ${quoteQualified(referencedSchema(fk, table), fk.target.table)} (${cols(fk.target.columns)})`;
    if (fk.onDelete) line += ` ON DELETE ${fk.onDelete}`;
    if (fk.onUpdate) line += ` ON UPDATE ${fk.onUpdate}`;
    changes.add(ADD_FK, {
      kind: 'addForeignKey',
      object: `table ${name}`,
      detail: `${name} lacks the foreign key (${columns.join(', ')}) → ${fk.target.table} (${fk.target.columns.join(', ')})`,
      up: [line],
      down: [dropConstraint(alter, fk.name ?? `${table.name}_${columns.join('_')}_fkey`)],
    });
  }
  for (const l of liveFks) {
    changes.add(DROP_FK, {
      kind: 'dropForeignKey',
      object: `constraint ${l.name}`,
      detail: `${name} has the foreign key ${l.name} ${l.definition} (${ACTION_SQL[l.onDelete ?? 'a']} on delete), not in the model`,
      up: [dropConstraint(alter, l.name)],
      down: [addConstraint(alter, l)],
    });
  }
  void schema;
}

function diffIndexes(changes: Changes, table: Table, live: CatalogTable, current: string): void {
  const name = table.fullName;
  const wanted = new Map<string, { sql: string; unique: boolean; columns: (string | null)[] }>();
  const sqls = createIndexSqls(table);
  let n = 0;
  for (const c of table.columns) {
    if (!c.options.index) continue;
    wanted.set(`ix_${table.name}_${c.name}`, { sql: sqls[n++] as string, unique: false, columns: [c.name] });
  }
  for (const index of table.indexes) {
    wanted.set(index.name, {
      sql: sqls[n++] as string,
      unique: index.options.unique === true,
      columns: index.columns.map((c) => (typeof c === 'string' ? table.column(c).name : null)),
    });
  }
  const schemaPrefix = (t: Table) => (t.schema && t.schema !== current ? `${quoteIdentifier(t.schema)}.` : '');
  const liveIndexes = new Map(live.indexes.map((i) => [i.name, i]));
  for (const [indexName, want] of wanted) {
    const have = liveIndexes.get(indexName);
    liveIndexes.delete(indexName);
    const drop = `DROP INDEX ${schemaPrefix(table)}${quoteIdentifier(indexName)}`;
    if (
      have &&
      have.unique === want.unique &&
      have.columns.length === want.columns.length &&
      have.columns.every((c, i) => c === want.columns[i])
    ) {
      continue;
    }
    if (have) {
      changes.add(DROP_CONSTRAINT, {
        kind: 'dropIndex',
        object: `index ${indexName}`,
        detail: `index ${indexName} on ${name} differs from the model's: ${have.definition}`,
        up: [drop],
        down: [have.definition],
      });
    }
    changes.add(ADD_CONSTRAINT, {
      kind: 'addIndex',
      object: `index ${indexName}`,
      detail: have
        ? `index ${indexName} on ${name} is rebuilt as the model has it`
        : `index ${indexName} on ${name} is missing`,
      up: [want.sql],
      down: [drop],
    });
  }
  for (const [indexName, have] of liveIndexes) {
    changes.add(DROP_CONSTRAINT, {
      kind: 'dropIndex',
      object: `index ${indexName}`,
      detail: `index ${indexName} on ${name} is in the database, not in the model`,
      up: [`DROP INDEX ${schemaPrefix(table)}${quoteIdentifier(indexName)}`],
      down: [have.definition],
    });
  }
}

/** CREATE TABLE (and its indexes and comments) for a live table: the down of dropping it. */
function recreateTable(t: CatalogTable, qualified: string, current: string): string[] {
  const lines = t.columns.map(
    (c) =>
      `${quoteIdentifier(c.name)} ${dbType(c, current)}${c.default !== null ? ` DEFAULT ${c.default}` : ''}${c.notNull ? ' NOT NULL' : ''}`,
  );
  for (const c of t.constraints) lines.push(`CONSTRAINT ${quoteIdentifier(c.name)} ${c.definition}`);
  const out = [`CREATE TABLE ${qualified} (\n\t${lines.join(',\n\t')}\n)`, ...t.indexes.map((i) => i.definition)];
  for (const c of t.columns) {
    if (c.comment !== null)
      out.push(`COMMENT ON COLUMN ${qualified}.${quoteIdentifier(c.name)} IS ${quoteString(c.comment)}`);
  }
  return out;
}

/** A generated migration: the SQL of `up` and `down`, with the changes they make. */
export interface GeneratedMigration {
  up: string;
  down: string;
  changes: SchemaChange[];
}

/**
 * The changes as one or two migrations: new enum values come first, in a migration of their own
 * when anything else changes too, since PostgreSQL lets a new value be used only once the
 * transaction that added it has committed.
 */
export function renderMigrations(changes: readonly SchemaChange[]): GeneratedMigration[] {
  const values = changes.filter((c) => c.kind === 'addEnumValue');
  const rest = changes.filter((c) => c.kind !== 'addEnumValue');
  if (values.length === 0 || rest.length === 0) return changes.length ? [renderChanges(changes)] : [];
  return [renderChanges(values), renderChanges(rest)];
}

/** The changes as the SQL of one migration; destructive steps and hand edits are marked with comments. */
export function renderChanges(changes: readonly SchemaChange[]): GeneratedMigration {
  const up: string[] = [];
  for (const change of changes) {
    const note = change.destructive
      ? `-- gino-edge: destructive: ${change.detail}\n`
      : change.manual
        ? `-- gino-edge: hand edit: ${change.detail}\n`
        : change.kind === 'renameColumn'
          ? `-- gino-edge: review: ${change.detail}\n`
          : '';
    if (change.up.length === 0) up.push(note.trimEnd());
    change.up.forEach((sql, i) => {
      up.push(`${i === 0 ? note : ''}${sql};`);
    });
  }
  const down: string[] = [];
  for (const change of [...changes].reverse()) {
    if (change.down.length === 0 && change.kind === 'addEnumValue') {
      down.push(`-- gino-edge: hand edit: PostgreSQL cannot drop a value from an enum (${change.detail})`);
    }
    for (const sql of change.down) down.push(`${sql};`);
  }
  return { up: up.join('\n'), down: down.join('\n'), changes: [...changes] };
}

/**
 * What `createAll()` says when it skipped existing tables that differ from their models: it never
 * alters a table, so the next query would fail on the difference (a missing column, say).
 */
export async function warnDrift(
  runner: QueryRunner,
  tables: readonly Table[],
  skipped: readonly Table[],
  warn: (message: string) => void = (m) => console.warn(m),
): Promise<void> {
  let changes: SchemaChange[];
  try {
    changes = await diffSchema(runner, tables, { only: skipped });
  } catch {
    // A warning must not fail createAll(); db.gino.check() reports the same, with its error.
    return;
  }
  if (changes.length === 0) return;
  const shown = changes.slice(0, 8).map((c) => `  - ${c.detail}`);
  if (changes.length > shown.length) shown.push(`  - and ${changes.length - shown.length} more`);
  warn(
    `gino-edge: createAll() skipped existing tables that differ from their models; it never alters a table:\n${shown.join('\n')}\n` +
      'Generate a migration for the difference (npx gino-edge migrate generate <name> --models <module>), or see db.gino.check().',
  );
}
