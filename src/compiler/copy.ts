/**
 * `COPY <table> (<columns>) FROM STDIN` in PostgreSQL's text format: the statement, which columns
 * it names, and each row as one data line. A value is the text an INSERT would send as its
 * parameter (the column type's `serialize`), escaped for the text format; so what COPY stores is
 * what `insert().values(rows)` stores. Pure: nothing here runs anything.
 */
import { InvalidRequestError } from '../errors.js';
import { isExpr, NULL } from '../sql/expr.js';
import { type Column, noSuchColumn, type Table } from '../sql/table.js';
import { quoteIdentifier, quoteQualified } from './quote.js';

/** A row as `copyInto` takes it: values by attribute key, as `insert().values(row)` takes them. */
export type CopyRow = Readonly<Record<string, unknown>>;

/** What one COPY statement copies: its SQL, its columns in order, and how to name them in messages. */
export interface CopyPlan {
  readonly table: Table;
  readonly sql: string;
  readonly columns: readonly Column[];
  /** `users.nickname`, per column, for messages. */
  readonly labels: readonly string[];
  /** The attribute keys of `columns`. */
  readonly keys: ReadonlySet<string>;
}

/**
 * The columns a copy names: `given` (attribute keys) when there is a list, else the keys the first
 * row gives plus every column with a client-side `default`, as `insert().values()` picks them; in
 * table order either way. Columns it does not name take their server defaults.
 */
export function copyColumns(table: Table, first: CopyRow, given?: readonly string[]): Column[] {
  if (given !== undefined) {
    if (!Array.isArray(given)) {
      throw new InvalidRequestError('copyInto(): columns takes an array of attribute keys');
    }
    const named = new Set<string>();
    for (const key of given) {
      if (typeof key !== 'string' || !table.c[key]) {
        throw noSuchColumn(`table '${table.fullName}'`, String(key), table.columns, { what: 'copyInto() columns' });
      }
      if (named.has(key)) throw new InvalidRequestError(`copyInto(): columns names '${key}' twice`);
      named.add(key);
    }
    return table.columns.filter((c) => named.has(c.key));
  }
  checkKeys(table, first, 0);
  return table.columns.filter((c) => c.options.default !== undefined || first[c.key] !== undefined);
}

function checkKeys(table: Table, row: CopyRow, index: number): void {
  for (const key of Object.keys(row)) {
    if (!table.c[key]) throw noSuchColumn(`table '${table.fullName}'`, key, table.columns, { what: rowName(index) });
  }
}

const rowName = (index: number): string => `copyInto() row ${index}`;

/** The plan for copying rows into `table`, the first of which is `first` (see `copyColumns`). */
export function copyPlan(table: Table, first: CopyRow, given?: readonly string[]): CopyPlan {
  checkRow(first, 0);
  const columns = copyColumns(table, first, given);
  if (columns.length === 0) {
    throw new InvalidRequestError(
      `copyInto(): the rows give no column of '${table.fullName}' and it has no client-side default: name columns ` +
        'in { columns }, or insert rows of nothing but server defaults with insert().values([{}, ...])',
    );
  }
  const names = columns.map((c) => quoteIdentifier(c.name)).join(', ');
  return Object.freeze({
    table,
    sql: `COPY ${quoteQualified(table.schema, table.name)} (${names}) FROM STDIN`,
    columns,
    labels: columns.map((c) => `${table.fullName}.${c.key}`),
    keys: new Set(columns.map((c) => c.key)),
  });
}

function checkRow(row: unknown, index: number): asserts row is CopyRow {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) {
    throw new InvalidRequestError(
      `${rowName(index)} is ${row === null ? 'null' : Array.isArray(row) ? 'an array' : `a ${typeof row}`}: each row is an object of values by attribute key`,
    );
  }
}

const SPECIAL = /[\\\t\n\r]/;
const SPECIALS = /[\\\t\n\r]/g;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A value's text as COPY's text format takes it: backslash, tab, newline and carriage return escaped; NULL as `\N`. */
export function copyText(text: string | null): string {
  if (text === null) return '\\N';
  return SPECIAL.test(text) ? text.replace(SPECIALS, (c) => ESCAPES[c] as string) : text;
}

/**
 * Row `index` as one data line (with its newline): each column's value, or its client default
 * (a function default drawn for this row), serialised by the column's type. A missing value
 * without a default, a key not among the columns, and an expression are refused, naming the row.
 */
export function encodeRow(plan: CopyPlan, row: unknown, index: number): string {
  checkRow(row, index);
  const { columns, labels } = plan;
  let line = '';
  let given = 0;
  for (let i = 0; i < columns.length; i++) {
    const col = columns[i] as Column;
    let value = row[col.key];
    if (value === undefined) {
      const d = col.options.default;
      if (d === undefined) throw missing(plan, i, index);
      value = typeof d === 'function' ? (d as () => unknown)() : d;
    } else given++;
    let text: string | null;
    if (value === NULL) text = null;
    else if (isExpr(value) || isSelect(value)) {
      throw new InvalidRequestError(
        `${rowName(index)}, ${labels[i]}: COPY takes values; use insert().values() for expressions (db.func, a column, a select)`,
      );
    } else text = serialize(col, value, labels[i] as string, index);
    line += i === 0 ? copyText(text) : `\t${copyText(text)}`;
  }
  if (given !== countKeys(row)) checkExtra(plan, row, index);
  return `${line}\n`;
}

/** The column type's text for `value`; a refusal names the row (the message is built only then). */
function serialize(col: Column, value: unknown, label: string, index: number): string | null {
  try {
    return col.type.serialize(value, label);
  } catch (error) {
    if (!(error instanceof InvalidRequestError)) throw error;
    throw new InvalidRequestError(`${rowName(index)}: ${error.message}`, { cause: error });
  }
}

function isSelect(value: unknown): boolean {
  return value !== null && typeof value === 'object' && (value as { kind?: unknown }).kind === 'select';
}

/** How many keys `row` gives a value (not undefined). */
function countKeys(row: CopyRow): number {
  let n = 0;
  for (const key in row) if (row[key] !== undefined) n++;
  return n;
}

/** A key the row gives that the copy does not name: refused, never dropped. */
function checkExtra(plan: CopyPlan, row: CopyRow, index: number): void {
  checkKeys(plan.table, row, index);
  for (const key in row) {
    if (row[key] === undefined || plan.keys.has(key)) continue;
    throw new InvalidRequestError(
      `${rowName(index)} gives '${key}', which is not among the columns copied (${[...plan.keys].join(', ')}; ` +
        "taken from the first row's keys unless { columns } names them): name it in { columns }, or leave it out of the row",
    );
  }
}

function missing(plan: CopyPlan, column: number, index: number): InvalidRequestError {
  const key = (plan.columns[column] as Column).key;
  return new InvalidRequestError(
    `${rowName(index)} has no value for '${key}' (${plan.labels[column]}), a column the COPY names, and it has no ` +
      `client-side default: give the key (null for NULL), or use insert().values(rows), which sends DEFAULT for a missing column`,
  );
}
