/**
 * Values that reach JavaScript inside another value's text — a related row nested in a JSON
 * document, each column selected as its own text — decoded as if they were result columns: the
 * same OID parser table (`parse.ts`) and the same type finishing (`SqlType.result`). So a nested
 * int8 beyond 2^53, a 100-digit numeric, a BC date, bytea or ±infinity reads exactly as it does at
 * the top level, instead of through JSON's numbers and strings.
 */
import { ARRAY_ELEMENT, OID } from './oids.js';
import { parserFor, type TextParser } from './parse.js';
import type { ArrayType, SqlType } from './sqltypes.js';

/** The OID a column type's values come back as (text-like for types the parser table leaves as strings). */
export function oidOf(type: SqlType): number {
  switch (type.kind) {
    case 'Integer':
      return OID.int4;
    case 'SmallInteger':
      return OID.int2;
    case 'BigInteger':
      return OID.int8;
    case 'Numeric':
      return OID.numeric;
    case 'Float':
      return OID.float8;
    case 'Real':
      return OID.float4;
    case 'Boolean':
      return OID.bool;
    case 'Date':
      return OID.date;
    case 'DateTime':
      return (type as { timezone?: boolean }).timezone ? OID.timestamptz : OID.timestamp;
    case 'JSON':
      return OID.json;
    case 'JSONB':
      return OID.jsonb;
    case 'LargeBinary':
      return OID.bytea;
    case 'UUID':
      return OID.uuid;
    case 'Time':
      return OID.time;
    case 'Interval':
      return OID.interval;
    case 'ARRAY': {
      // Every dimension has the one array type of the base: int4[][] is int4[].
      const element = oidOf((type as ArrayType<unknown>).base);
      for (const [array, item] of Object.entries(ARRAY_ELEMENT)) if (item === element) return Number(array);
      // An array of a type without a built-in array OID (an enum): its text, finished by the type.
      return OID.text;
    }
    default:
      return OID.text;
  }
}

export type NestedDecoder = (text: unknown) => unknown;

const decoders = new WeakMap<SqlType, NestedDecoder>();

/**
 * The decoder of one column's text, as the column's type reads it at the top level. A value that
 * is not a string (JSON null) is null.
 */
export function nestedDecoder(type: SqlType): NestedDecoder {
  const known = decoders.get(type);
  if (known) return known;
  const parse: TextParser = parserFor(oidOf(type));
  const finish = type.result;
  const decode: NestedDecoder = finish
    ? (text) => (typeof text === 'string' ? finish(parse(text)) : null)
    : (text) => (typeof text === 'string' ? parse(text) : null);
  decoders.set(type, decode);
  return decode;
}
