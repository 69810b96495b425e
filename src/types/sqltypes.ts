/**
 * Column types: their DDL, how a JavaScript value is checked and sent, and how a parsed result
 * value is finished (API.md's value table). Parsing from text lives in `src/types/parse.ts`.
 */
import { InvalidRequestError } from '../errors.js';
import { parseArray } from './parse.js';
import { arrayLiteral, byteaHex, dateToIso, jsonText, numberText, serializeValue, unsendable } from './serialize.js';

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
  if (value instanceof Date) return 'an invalid Date';
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return `the ${typeof value} ${String(value)}`;
}

function failValue(type: SqlType, value: unknown, where: string, expected?: string): never {
  throw new InvalidRequestError(
    `${where} (${type.ddl()}) cannot take ${describe(value)}${expected ? `: expected ${expected}` : ''}`,
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
    if (typeof value === 'number' && (this.kind === 'String' || this.kind === 'Unicode' || this.kind === 'Text')) {
      return String(value);
    }
    return failValue(this, value, where, 'a string');
  }
}

const YMD = /^\d{4,}-\d\d-\d\d( BC)?$|^-?infinity$/;

export class DateType extends SqlType<string> {
  readonly kind = 'Date';
  ddl(): string {
    return 'DATE';
  }
  override serialize(value: unknown, where: string): string | null {
    if (value === null || value === undefined) return null;
    if (typeof value === 'string' && YMD.test(value)) return value;
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().slice(0, 10);
    return failValue(this, value, where, "a 'YYYY-MM-DD' string or a Date (its UTC day)");
  }
}

export class DateTimeType extends SqlType<Date> {
  readonly kind = 'DateTime';
  constructor(readonly timezone: boolean) {
    super();
  }
  ddl(): string {
    return this.timezone ? 'TIMESTAMP WITH TIME ZONE' : 'TIMESTAMP WITHOUT TIME ZONE';
  }
  override serialize(value: unknown, where: string): string | null {
    if (value === null || value === undefined) return null;
    if (value instanceof Date && !Number.isNaN(value.getTime())) return dateToIso(value);
    if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return value;
    if (typeof value === 'number' && Number.isFinite(value)) return dateToIso(new Date(value));
    return failValue(this, value, where, 'a valid Date');
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

export class ArrayType<T> extends SqlType<T[]> {
  readonly kind = 'ARRAY';
  constructor(readonly item: SqlType<T>) {
    super();
    const itemResult = item.result;
    // Arrays of types the driver does not know (enums) arrive as text: parse them here.
    this.result = (value) => {
      let v = value;
      if (typeof v === 'string' && v.startsWith('{')) v = parseArrayText(v);
      if (itemResult && Array.isArray(v)) return mapDeep(v, itemResult);
      return v;
    };
  }
  ddl(): string {
    return `${this.item.ddl()}[]`;
  }
  override serialize(value: unknown, where: string): string | null {
    if (value === null || value === undefined) return null;
    if (!Array.isArray(value)) return failValue(this, value, where, 'an array');
    return arrayLiteral(value, (v) => this.item.serialize(v, `${where}[]`));
  }
}

function mapDeep(values: unknown[], fn: (v: unknown) => unknown): unknown[] {
  return values.map((v) => (Array.isArray(v) ? mapDeep(v, fn) : v === null ? null : fn(v)));
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
  Integer: (): SqlType<number> => new IntegerLike('Integer', -2147483648, 2147483647),
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
  /** `DATE`; values are `'YYYY-MM-DD'` strings. */
  Date: (): DateType => new DateType(),
  /** `TIMESTAMP`; values are Dates, `timestamp` read as UTC. */
  DateTime: (options?: { timezone?: boolean }): DateTimeType => new DateTimeType(options?.timezone ?? false),
  Time: (): StringType => new StringType('Time'),
  Interval: (): StringType => new StringType('Interval'),
  JSON: <T = unknown>(): JSONType<T> => new JSONType<T>('JSON'),
  JSONB: <T = unknown>(): JSONType<T> => new JSONType<T>('JSONB'),
  UUID: (): StringType => new StringType('UUID'),
  /** `BYTEA`; values are Uint8Arrays. */
  LargeBinary: (): LargeBinaryType => new LargeBinaryType(),
  /** `t[]`. */
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
