/**
 * JavaScript values → PostgreSQL text parameters: the one place every adapter serialises values.
 * Every parameter reaches a driver as a string or null, so all adapters send the same bytes.
 */
import { InvalidRequestError } from '../errors.js';
import { FIRST_TIMESTAMP_MS, instantText, MAX_DATE_MS } from './datetime.js';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function byteaHex(bytes: Uint8Array): string {
  let out = '\\x';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i] as number];
  return out;
}

/**
 * A Date as a timestamp parameter (see `instantText`); an invalid Date, or one before PostgreSQL's
 * first timestamp, is refused.
 */
export function timestampText(value: Date): string {
  const t = value.getTime();
  if (Number.isNaN(t)) throw new InvalidRequestError('an invalid Date (NaN time) cannot be sent to PostgreSQL');
  if (t < FIRST_TIMESTAMP_MS && t !== -MAX_DATE_MS) {
    throw new InvalidRequestError(
      `the Date ${value.toISOString()} is before PostgreSQL's first timestamp, 4714-11-24 00:00:00 BC (send new Date(-8.64e15) for -infinity)`,
    );
  }
  return instantText(value);
}

/** A PostgreSQL array element's text: always quoted, so `NULL`, empty and spaced strings stay strings. */
export function quoteArrayElement(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * A PostgreSQL array literal of a value whose SQL type is unknown: nested JavaScript arrays are
 * dimensions. (A column type's arrays follow its declared dimensions: `ArrayType`.)
 */
export function arrayLiteral(values: readonly unknown[], element: (v: unknown) => string | null): string {
  const parts = values.map((v) => {
    if (v === null || v === undefined) return 'NULL';
    if (Array.isArray(v)) return arrayLiteral(v, element);
    const s = element(v);
    return s === null ? 'NULL' : quoteArrayElement(s);
  });
  return `{${parts.join(',')}}`;
}

/** A number's text for PostgreSQL: as `String()`, but -0 keeps its sign (float8 has a -0). */
export function numberText(value: number): string {
  return Object.is(value, -0) ? '-0' : String(value);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why a string cannot be sent as it is, or undefined. An unpaired UTF-16 surrogate has no UTF-8
 * form: a driver would silently send U+FFFD instead, and a different value would be stored.
 */
export function unsendable(value: string): string | undefined {
  const wellFormed = (value as { isWellFormed?: () => boolean }).isWellFormed?.() ?? !LONE_SURROGATE.test(value);
  if (wellFormed) return undefined;
  const at = value.search(LONE_SURROGATE);
  return `a string with an unpaired UTF-16 surrogate (at index ${at}), which UTF-8 cannot hold (it would be stored as U+FFFD)`;
}

/** The default serialisation of a value whose SQL type is unknown (raw SQL, `db.literal`). */
export function serializeValue(value: unknown): string | null {
  switch (typeof value) {
    case 'string': {
      const problem = unsendable(value);
      if (problem) throw new InvalidRequestError(`cannot send ${problem}; fix the string first`);
      return value;
    }
    case 'number':
      return numberText(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return null;
    case 'object':
      if (value === null) return null;
      if (value instanceof Date) return timestampText(value);
      if (value instanceof Uint8Array) return byteaHex(value);
      if (Array.isArray(value)) return arrayLiteral(value, serializeValue);
      return jsonText(value);
    default:
      throw new InvalidRequestError(`a ${typeof value} cannot be sent to PostgreSQL as a parameter`);
  }
}

function bigintToJson(key: string, v: unknown): unknown {
  const where = key ? `at key '${key}'` : 'the value';
  if (typeof v === 'function' || typeof v === 'symbol') {
    throw new InvalidRequestError(`${where} is a ${typeof v}, which JSON cannot hold`);
  }
  if (v instanceof Map || v instanceof Set) {
    throw new InvalidRequestError(
      `${where} is a ${v.constructor.name}, which JSON would silently empty; convert it first`,
    );
  }
  if (typeof v !== 'bigint') return v;
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new InvalidRequestError(`the bigint ${v} is beyond what JSON numbers hold exactly; store it as a string`);
  }
  return Number(v);
}

/**
 * Whether `value` is plain JSON data: strings, finite or not numbers, booleans, null, arrays and
 * plain objects of them, no `toJSON`, not deeper than 64 levels. JSON.stringify writes such a
 * value exactly as it does with `bigintToJson`, which would have nothing to change or refuse.
 */
function plainJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return true;
    case 'object': {
      if (value === null) return true;
      if (depth > 64) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!plainJson(value[i], depth + 1)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      const record = value as Record<string, unknown>;
      if ('toJSON' in record) return false;
      for (const key in record) if (!plainJson(record[key], depth + 1)) return false;
      return true;
    }
    default:
      return false;
  }
}

/** JSON text of a value; bigints become numbers' text, undefined and functions are refused. */
export function jsonText(value: unknown): string {
  let text: string | undefined;
  try {
    // Plain JSON data (the usual case) needs none of the replacer's checks, whose call per key
    // costs more than the serialising itself; anything else goes through them.
    text = plainJson(value, 0) ? JSON.stringify(value) : JSON.stringify(value, bigintToJson);
  } catch (error) {
    throw new InvalidRequestError(`value cannot be written as JSON: ${(error as Error).message}`, { cause: error });
  }
  if (text === undefined) throw new InvalidRequestError(`a ${typeof value} cannot be written as JSON`);
  return text;
}
