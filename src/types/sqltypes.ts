/**
 * Column types: their DDL, how a JavaScript value is checked and sent, and how a parsed result
 * value is finished (the value table in docs/guides/models-and-types.md). Parsing from text lives in `src/types/parse.ts`.
 */
import { InvalidRequestError } from '../errors.js';
import { dateInput, dateText, FIRST_TIMESTAMP_MS, MAX_DATE_MS, timestampInput } from './datetime.js';
import { parseArray } from './parse.js';
import {
  byteaHex,
  jsonText,
  numberText,
  quoteArrayElement,
  serializeValue,
  timestampText,
  unsendable,
} from './serialize.js';

export type Serializer = (value: unknown, where: string) => string | null;

/** A SQL type whose values are `T` in JavaScript. */
export abstract class SqlType<T = unknown> {
  /** Phantom: the JavaScript type of values. */
  declare readonly __js: T;
  abstract readonly kind: string;
  /** The DDL spelling, e.g. `INTEGER`, `VARCHAR(20)`. */
  abstract ddl(): string;
  /** Check a value and turn it into the text parameter sent to the server. */
  serialize(value: unknown, where: string): string | null {
    if (value === null || value === undefined) return null;
    return serializeValue(value) ?? failValue(this, value, where);
  }
  /** Finish a value parsed from the driver (most types need nothing). */
  result?: ((value: unknown) => unknown) | undefined;
  /** The name of a user-defined type this type needs created first (Enum). */
  enumName?: string;
}

function describe(value: unknown): string {
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? 'an invalid Date' : `the Date ${value.toISOString()}`;
  }
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return `the ${typeof value} ${String(value)}`;
}

/**
 * The one coercion rule: a column takes values of its JavaScript type (what its rows come back as),
 * and numbers and strings never stand in for each other. The exact types whose JavaScript values
 * exist to keep precision, Numeric and BigInteger, also take the same value as a number or a string
 * of digits. So `title: 42` is refused like `author_id: '2'`, each with the conversion to write.
 */
function conversionHint(value: unknown): string {
  if (typeof value === 'number') return ` (a number is not turned into text: pass String(${value}))`;
  if (typeof value === 'string' && /^\s*[-+]?\d+(\.\d+)?\s*$/.test(value))
    return ` (a string is not turned into a number: pass Number(${JSON.stringify(value)}))`;
  return '';
}

function failValue(type: SqlType, value: unknown, where: string, expected?: string): never {
  throw new InvalidRequestError(
    `${where} (${type.ddl()}) cannot take ${describe(value)}${expected ? `: expected ${expected}` : ''}${conversionHint(value)}`,
  );
}

class IntegerLike extends SqlType<number> {
  constructor(
    readonly kind: 'Integer' | 'SmallInteger',
    private readonly min: number,
    private readonly max: number,
  ) {
    super();
  }
  ddl(): string {
    return this.kind === 'Integer' ? 'INTEGER' : 'SMALLINT';
  }
  override serialize(value: unknown, where: string): string | null {
    if (value === null || value === undefined) return null;
    if (typeof value === 'number' && Number.isInteger(value) && value >= this.min && value <= this.max) {
      return String(value);
    }
    if (typeof value === 'bigint' && value >= BigInt(this.min) && value <= BigInt(this.max)) return value.toString();
    return failValue(this, value, where, `an integer from ${this.min} to ${this.max}`);
  }
  /** An int8 result typed Integer (`count()`, `sum()` of integers) becomes a number, checked. */
  override result = (value: unknown): unknown =>
    typeof value === 'bigint'
      ? safeNumber(
          value,
          'the value %v is beyond 2^53 and cannot be a JavaScript number exactly; select it as BigInteger (db.cast(x, db.BigInteger()))',
        )
      : value;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** A bigint as a JavaScript number, refusing values beyond 2^53 (with `advice`) instead of rounding them. */
function safeNumber(value: bigint, advice: string): number {
  if (value > MAX_SAFE || value < MIN_SAFE) {
    throw new InvalidRequestError(advice.replace('%v', String(value)));
  }
  return Number(value);
}

export type BigIntMode = 'bigint' | 'number' | 'string';
type BigIntValue<M extends BigIntMode> = M extends 'number' ? number : M extends 'string' ? string : bigint;

const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;

export class BigIntegerType<M extends BigIntMode = 'bigint'> extends SqlType<BigIntValue<M>> {
  readonly kind = 'BigInteger';
  constructor(readonly mode: M) {
    super();
    if (mode === 'number') {
      this.result = (value) =>
        typeof value === 'bigint'
          ? safeNumber(
              value,
              "BIGINT value %v is beyond 2^53 and cannot be a JavaScript number exactly; use BigInteger({ mode: 'bigint' }) or 'string'",
            )
          : value;
    } else if (mode === 'string') {
      this.result = (value) => (typeof value === 'bigint' ? value.toString() : value);
    }
  }
  ddl(): string {
    return 'BIGINT';
  }
  override serialize(value: unknown, where: string): string | null {
    if (value === null || value === undefined) return null;
    let big: bigint | undefined;
    if (typeof value === 'bigint') big = value;
    else if (typeof value === 'number' && Number.isSafeInteger(value)) big = BigInt(value);
    else if (typeof value === 'string' && /^-?\d+$/.test(value)) big = BigInt(value);
    if (big === undefined || big < INT8_MIN || big > INT8_MAX) {
      return failValue(this, value, where, 'a bigint, a safe integer or a string of digits within int8');
    }
    return big.toString();
  }
}

export class NumericType extends SqlType<string> {
  readonly kind = 'Numeric';
  constructor(
    readonly precision?: number,
    readonly scale?: number,
  ) {
    super();
  }
  ddl(): string {
    if (this.precision === undefined) return 'NUMERIC';
    return this.scale === undefined ? `NUMERIC(${this.precision})` : `NUMERIC(${this.precision}, ${this.scale})`;
  }
  override serialize(value: unknown, where: string): string | null {
    if (value === null || value === undefined) return null;
    if (typeof value === 'number' || typeof value === 'bigint') return String(value);
    if (
      typeof value === 'string' &&
      /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$|^\s*(NaN|-?Infinity)\s*$/i.test(value)
    ) {
      return value;
    }
    return failValue(this, value, where, 'a number or a decimal string');
  }
}

export class FloatType extends SqlType<number> {
  constructor(readonly kind: 'Float' | 'Real') {
    super();
  }
  ddl(): string {
    return this.kind === 'Float' ? 'DOUBLE PRECISION' : 'REAL';
  }
  override serialize(value: unknown, where: string): string | null {
    if (value === null || value === undefined) return null;
    if (typeof value === 'number') return numberText(value);
    return failValue(this, value, where, 'a number');
  }
}

export class BooleanType extends SqlType<boolean> {
  readonly kind = 'Boolean';
  ddl(): string {
    return 'BOOLEAN';
  }
  override serialize(value: unknown, where: string): string | null {
    if (value === null || value === undefined) return null;
    if (typeof value === 'boolean') return value ? 'true' : 'false';
    return failValue(this, value, where, 'a boolean');
  }
}

export class StringType extends SqlType<string> {
  constructor(
    readonly kind: 'String' | 'Unicode' | 'Text' | 'UUID' | 'Time' | 'Interval',
    readonly length?: number,
  ) {
    super();
  }
  ddl(): string {
    switch (this.kind) {
      case 'Text':
        return 'TEXT';
      case 'UUID':
        return 'UUID';
      case 'Time':
        return 'TIME WITHOUT TIME ZONE';
      case 'Interval':
        return 'INTERVAL';
      default:
        return this.length === undefined ? 'VARCHAR' : `VARCHAR(${this.length})`;
    }
  }
  override serialize(value: unknown, where: string): string | null {
    if (value === null || value === undefined) return null;
    if (typeof value === 'string') {
      const problem = unsendable(value);
      if (problem) throw new InvalidRequestError(`${where} (${this.ddl()}) cannot take ${problem}`);
      return value;
    }
    return failValue(this, value, where, 'a string');
  }
}

const DATE_EXPECTED =
  "a 'YYYY-MM-DD' string ('YYYY-MM-DD BC' before 1 AD, more digits after 9999, or 'infinity') or a Date (its UTC day), from 4714-11-24 BC to 5874897-12-31";

export class DateType extends SqlType<string> {
  readonly kind = 'Date';
  ddl(): string {
    return 'DATE';
  }
  override serialize(value: unknown, where: string): string | null {
    if (value === null || value === undefined) return null;
    if (typeof value === 'string') {
      const input = dateInput(value);
      if ('text' in input) return input.text;
      return failValue(this, value, where, `${DATE_EXPECTED} (${input.problem})`);
    }
    if (value instanceof Date && !Number.isNaN(value.getTime())) {
      return dateText(value) ?? failValue(this, value, where, DATE_EXPECTED);
    }
    return failValue(this, value, where, DATE_EXPECTED);
  }
}

const TIMESTAMP_EXPECTED =
  "a Date from 4714-11-24 00:00:00 BC, or an ISO 8601 or PostgreSQL ISO string ('2020-01-01T00:00:00Z', '0044-03-15 12:00:00 BC', 'infinity')";

export class DateTimeType extends SqlType<Date> {
  readonly kind = 'DateTime';
  constructor(readonly timezone: boolean) {
    super();
  }
  ddl(): string {
    return this.timezone ? 'TIMESTAMP WITH TIME ZONE' : 'TIMESTAMP WITHOUT TIME ZONE';
  }
  /**
   * A Date is sent as its UTC time. A string is read field by field, never by `Date.parse`: with
   * an offset it is converted to UTC; without one it is UTC wall-clock time (so a `timestamptz`
   * reads `'2020-01-01 00:00'` as midnight UTC, whatever the session's or the process's zone).
   */
  override serialize(value: unknown, where: string): string | null {
    if (value === null || value === undefined) return null;
    if (typeof value === 'string') {
      const input = timestampInput(value, this.timezone);
      if ('text' in input) return input.text;
      return failValue(this, value, where, `${TIMESTAMP_EXPECTED} (${input.problem})`);
    }
    const date = typeof value === 'number' ? new Date(value) : value;
    if (date instanceof Date) {
      const t = date.getTime();
      if (!Number.isNaN(t) && (t >= FIRST_TIMESTAMP_MS || t === -MAX_DATE_MS)) return timestampText(date);
    }
    return failValue(this, value, where, TIMESTAMP_EXPECTED);
  }
}

export class JSONType<T = unknown> extends SqlType<T> {
  constructor(readonly kind: 'JSON' | 'JSONB') {
    super();
  }
  ddl(): string {
    return this.kind;
  }
  override serialize(value: unknown, where: string): string | null {
    if (value === undefined) return null;
    // As in GINO (SQLAlchemy's none_as_null=False): a JSON column holds any JSON value, `null`
    // included; SQL NULL is written with db.null.
    try {
      return jsonText(value);
    } catch (error) {
      throw new InvalidRequestError(`${where} (${this.kind}): ${(error as Error).message}`, { cause: error });
    }
  }
}

export class LargeBinaryType extends SqlType<Uint8Array> {
  readonly kind = 'LargeBinary';
  ddl(): string {
    return 'BYTEA';
  }
  override serialize(value: unknown, where: string): string | null {
    if (value === null || value === undefined) return null;
    if (value instanceof Uint8Array) return byteaHex(value);
    if (value instanceof ArrayBuffer) return byteaHex(new Uint8Array(value));
    return failValue(this, value, where, 'a Uint8Array');
  }
}

/**
 * `t[]`. PostgreSQL arrays are rectangular, of any number of dimensions, of one base type:
 * `ARRAY(ARRAY(Integer()))` is `INTEGER[][]` and takes `[[1, 2], [3, 4]]`. Values follow the
 * declared dimensions, so an element of `ARRAY(JSONB())` that is a JavaScript array is one JSON
 * value, and a ragged or too-shallow array is refused before it is sent.
 */
export class ArrayType<T> extends SqlType<T[]> {
  readonly kind = 'ARRAY';
  /** How many array levels the type has: 1 for `ARRAY(t)`, 2 for `ARRAY(ARRAY(t))`. */
  readonly dimensions: number;
  /** The element type under every array level. */
  readonly base: SqlType;
  constructor(readonly item: SqlType<T>) {
    super();
    this.dimensions = item instanceof ArrayType ? item.dimensions + 1 : 1;
    this.base = item instanceof ArrayType ? item.base : item;
    const baseResult = this.base.result;
    const depth = this.dimensions;
    // Arrays of types the driver does not know (enums) arrive as text: parse them here.
    this.result = (value) => {
      let v = value;
      if (typeof v === 'string' && (v.startsWith('{') || v.startsWith('['))) v = parseArrayText(v);
      if (baseResult && Array.isArray(v)) return mapElements(v, depth, baseResult);
      return v;
    };
  }
  ddl(): string {
    return `${this.item.ddl()}[]`;
  }
  override serialize(value: unknown, where: string): string | null {
    if (value === null || value === undefined) return null;
    if (!Array.isArray(value)) return failValue(this, value, where, 'an array');
    if (value.length === 0) return '{}';
    const elementWhere = `${where}${'[]'.repeat(this.dimensions)}`;
    // The length of the first array met at each level: every other one there must match it.
    const lengths: number[] = [];
    const literal = (values: readonly unknown[], level: number, path: string): string => {
      const expected = lengths[level];
      if (values.length === 0) {
        this.refuse(where, `an empty array at ${path}: PostgreSQL arrays have no empty sub-arrays (send [] for none)`);
      }
      if (expected === undefined) lengths[level] = values.length;
      else if (values.length !== expected) {
        this.refuse(
          where,
          `a ragged array: the arrays at one level must have the same length (${path} has ${values.length}, the first has ${expected})`,
        );
      }
      const inner = level + 1 < this.dimensions;
      let out = '{';
      for (let i = 0; i < values.length; i++) {
        if (i > 0) out += ',';
        const v = values[i];
        if (inner) {
          if (!Array.isArray(v)) {
            this.refuse(where, `${describe(v)} at ${path}[${i}]: expected an array (${this.dimensions} dimensions)`);
          }
          out += literal(v, level + 1, `${path}[${i}]`);
        } else {
          const text = v === null || v === undefined ? null : this.base.serialize(v, elementWhere);
          out += text === null ? 'NULL' : quoteArrayElement(text);
        }
      }
      return `${out}}`;
    };
    return literal(value, 0, '');
  }
  private refuse(where: string, what: string): never {
    throw new InvalidRequestError(`${where} (${this.ddl()}) cannot take ${what}`);
  }
}

/**
 * `values` with `fn` applied to the elements at depth `depth` (nulls stay null; shallower
 * non-arrays count as elements): the same array when no element changes (no copy per row).
 */
function mapElements(values: unknown[], depth: number, fn: (v: unknown) => unknown): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const w = v === null ? null : depth > 1 && Array.isArray(v) ? mapElements(v, depth - 1, fn) : fn(v);
    if (w === v) continue;
    out ??= values.slice();
    out[i] = w;
  }
  return out ?? values;
}

const parseArrayText = (text: string): unknown[] => parseArray(text, (s) => s);

export class EnumType<V extends string = string> extends SqlType<V> {
  readonly kind = 'Enum';
  constructor(
    readonly name: string,
    readonly values: readonly V[],
  ) {
    super();
    this.enumName = name;
  }
  ddl(): string {
    return this.name;
  }
  override serialize(value: unknown, where: string): string | null {
    if (value === null || value === undefined) return null;
    if (typeof value === 'string' && (this.values as readonly string[]).includes(value)) return value;
    return failValue(this, value, where, `one of ${this.values.map((v) => JSON.stringify(v)).join(', ')}`);
  }
}

/** The type of an expression nobody typed (raw values, functions): values sent as they are. */
export class NullType extends SqlType<unknown> {
  readonly kind = 'Null';
  ddl(): string {
    return 'NULL';
  }
}

export const NULLTYPE = new NullType();

/** The type constructors exposed on `db` (`db.Integer()`, ...). */
export const typeFactories = {
  /** `INTEGER`; as a primary key, `SERIAL`. Values are numbers. */
  Integer: (): SqlType<number> & { readonly kind: 'Integer' } =>
    new IntegerLike('Integer', -2147483648, 2147483647) as SqlType<number> & { readonly kind: 'Integer' },
  /** `SMALLINT`. */
  SmallInteger: (): SqlType<number> => new IntegerLike('SmallInteger', -32768, 32767),
  /** `BIGINT`; values are bigints unless `mode` says `'number'` (checked) or `'string'`. */
  BigInteger: <M extends BigIntMode = 'bigint'>(options?: { mode?: M }): BigIntegerType<M> =>
    new BigIntegerType<M>((options?.mode ?? 'bigint') as M),
  /** `NUMERIC(p, s)`; values are exact decimal strings. */
  Numeric: (precision?: number, scale?: number): NumericType => new NumericType(precision, scale),
  /** `DOUBLE PRECISION`. */
  Float: (): FloatType => new FloatType('Float'),
  /** `REAL`. */
  Real: (): FloatType => new FloatType('Real'),
  Boolean: (): BooleanType => new BooleanType(),
  /** `VARCHAR(n)`. */
  String: (length?: number): StringType => new StringType('String', length),
  /** `VARCHAR(n)` (PostgreSQL strings are Unicode). */
  Unicode: (length?: number): StringType => new StringType('Unicode', length),
  Text: (): StringType => new StringType('Text'),
  /** `DATE`; values are PostgreSQL's date text: `'2020-01-01'`, `'10000-01-01'`, `'0044-03-15 BC'`. */
  Date: (): DateType => new DateType(),
  /**
   * `TIMESTAMP`; values are Dates, `timestamp` holding UTC wall-clock time. Strings are taken too:
   * one with an offset is converted to UTC, one without is UTC.
   */
  DateTime: (options?: { timezone?: boolean }): DateTimeType => new DateTimeType(options?.timezone ?? false),
  Time: (): StringType => new StringType('Time'),
  Interval: (): StringType => new StringType('Interval'),
  JSON: <T = unknown>(): JSONType<T> => new JSONType<T>('JSON'),
  JSONB: <T = unknown>(): JSONType<T> => new JSONType<T>('JSONB'),
  UUID: (): StringType => new StringType('UUID'),
  /** `BYTEA`; values are Uint8Arrays. */
  LargeBinary: (): LargeBinaryType => new LargeBinaryType(),
  /** `t[]`; `ARRAY(ARRAY(t))` is two-dimensional. */
  ARRAY: <T>(item: SqlType<T>): ArrayType<T> => new ArrayType<T>(item),
  /** A PostgreSQL enum type, created before the tables that use it. */
  Enum: <const V extends string>(name: string, values: readonly V[]): EnumType<V> => new EnumType<V>(name, values),
};

/** Shared instances of the plain types the expression language gives its results. */
export const TYPES = {
  BOOLEAN: typeFactories.Boolean(),
  INTEGER: typeFactories.Integer(),
  TEXT: typeFactories.Text(),
  FLOAT: typeFactories.Float(),
  NUMERIC: typeFactories.Numeric(),
  TIMESTAMPTZ: typeFactories.DateTime({ timezone: true }),
  JSONB: typeFactories.JSONB(),
} as const;
