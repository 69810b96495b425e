/** Identifier quoting and literal rendering: the only places text enters SQL other than `$n`. */
import { InvalidRequestError } from '../errors.js';

// PostgreSQL's reserved key words, plus the non-reserved ones that cannot be column or type names.
const RESERVED = new Set(
  (
    'all analyse analyze and any array as asc asymmetric authorization between bigint binary bit boolean both ' +
    'case cast char character check coalesce collate collation column concurrently constraint create cross ' +
    'current_catalog current_date current_role current_schema current_time current_timestamp current_user dec ' +
    'decimal default deferrable desc distinct do else end except exists extract false fetch float for foreign ' +
    'freeze from full grant greatest group grouping having ilike in initially inner inout int integer intersect ' +
    'interval into is isnull join json lateral leading least left like limit localtime localtimestamp national ' +
    'natural nchar none normalize not notnull null nullif numeric offset on only or order out outer overlaps ' +
    'overlay placing position precision primary real references returning right row select session_user setof ' +
    'similar smallint some substring symmetric system_user table tablesample then time timestamp to trailing ' +
    'treat trim true union unique user using values varchar variadic verbose when where window with xmlattributes ' +
    'xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable'
  ).split(' '),
);

const PLAIN = /^[a-z_][a-z0-9_$]*$/;

/**
 * `name` as PostgreSQL needs it: bare when it is a plain lower-case word, else double-quoted. The
 * names of tables and columns are rendered once in the query cache (`cache.ts`); what is quoted
 * per compile (INSERT and SET column lists, labels) costs a regular-expression test.
 */
export function quoteIdentifier(name: string): string {
  if (name.length === 0) throw new InvalidRequestError('an identifier cannot be empty');
  if (name.includes('\0')) throw new InvalidRequestError('an identifier cannot contain a NUL character');
  return PLAIN.test(name) && !RESERVED.has(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** `schema.name`, each part quoted as needed. */
export function quoteQualified(schema: string | undefined, name: string): string {
  return schema ? `${quoteIdentifier(schema)}.${quoteIdentifier(name)}` : quoteIdentifier(name);
}

/**
 * A value as a SQL literal, for the few places PostgreSQL forbids parameters (DDL defaults,
 * comments, index expressions). A value it cannot render safely is an error, never guessed.
 */
export function renderLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) return `'${String(value)}'::float8`;
      return String(value);
    case 'bigint':
      return value.toString();
    case 'string':
      return quoteString(value);
    case 'object':
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) break;
        return quoteString(value.toISOString());
      }
      if (Array.isArray(value) || value.constructor === Object) return quoteString(JSON.stringify(value));
      break;
    default:
      break;
  }
  throw new InvalidRequestError(`cannot render ${String(value)} as a SQL literal; use a SQL expression (db.text)`);
}

/** A string literal: single quotes doubled; backslashes escaped with the E'' form. */
export function quoteString(value: string): string {
  if (value.includes('\0')) throw new InvalidRequestError('a SQL string literal cannot contain a NUL character');
  const body = value.replace(/'/g, "''");
  return value.includes('\\') ? `E'${body.replace(/\\/g, '\\\\')}'` : `'${body}'`;
}
