/** `db.func.<anyName>(...)`: any SQL function by name, with known return types for common ones. */
import { NULLTYPE, type SqlType, TYPES } from '../types/sqltypes.js';
import type { Executor } from './executor.js';
import { coerce, type Expr, Func } from './expr.js';
import type { PG_FUNCTIONS } from './pg-functions.js';

type Arg = unknown;
/** An argument's value: an expression's type, or a plain value's own. */
type ValueOf<A> = A extends Expr<infer T> ? T : A;
/** `null` when the argument may be NULL (a function of it is then NULL too). */
type NullOf<A> = null extends ValueOf<A> ? null : never;
/** `coalesce()`, `greatest()`, `least()`: NULL only when every argument may be. */
type FirstNonNull<A extends readonly unknown[]> =
  | NonNullable<ValueOf<A[0]>>
  | (A extends readonly [...unknown[], infer L] ? NullOf<L> : null);
/** A value as JSON gives it back: Dates and bytes as strings, bigints as numbers. */
type JsonOf<T> = T extends Date | Uint8Array ? string : T extends bigint ? number : T;

/** A function without a declared result type: `unknown`, or `T` when given (`db.func.currval<number>('s')`). */
export type UntypedFunction = <T = unknown>(...args: Arg[]) => Func<T>;

/** The functions typed from their arguments (what PostgreSQL returns for them). */
export interface TypedFunctions {
  /** `count(x)`, `count()` (`count(*)`): a number, never NULL. */
  count(...args: Arg[]): Func<number>;
  now(): Func<Date>;
  current_timestamp(): Func<Date>;
  /** NULL over no rows. */
  max<A>(arg: A): Func<ValueOf<A> | null>;
  min<A>(arg: A): Func<ValueOf<A> | null>;
  /**
   * PostgreSQL sums integers as int8 (read as a checked number here) and bigints and numerics as
   * numeric (an exact string); NULL over no rows.
   */
  sum<A>(arg: A): Func<(NonNullable<ValueOf<A>> extends bigint | string ? string : NonNullable<ValueOf<A>>) | null>;
  /**
   * PostgreSQL averages integers and numerics as numeric (an exact string) and floats as double
   * precision (a number); both are numbers in JavaScript, so the type is `string | number` unless
   * the argument is a bigint or numeric. `.cast(db.Float())` for a number.
   */
  avg<A>(arg: A): Func<(NonNullable<ValueOf<A>> extends bigint | string ? string : string | number) | null>;
  coalesce<const A extends readonly unknown[]>(...args: A): Func<FirstNonNull<A>>;
  greatest<const A extends readonly unknown[]>(...args: A): Func<FirstNonNull<A>>;
  least<const A extends readonly unknown[]>(...args: A): Func<FirstNonNull<A>>;
  lower<A>(arg: A): Func<string | NullOf<A>>;
  upper<A>(arg: A): Func<string | NullOf<A>>;
  length<A>(arg: A): Func<number | NullOf<A>>;
  char_length<A>(arg: A): Func<number | NullOf<A>>;
  /** `json_build_object('k', v, ...)`: an object. */
  json_build_object(...args: Arg[]): Func<Record<string, unknown>>;
  jsonb_build_object(...args: Arg[]): Func<Record<string, unknown>>;
  json_build_array(...args: Arg[]): Func<unknown[]>;
  jsonb_build_array(...args: Arg[]): Func<unknown[]>;
  /** The values as a JSON array (Dates as strings); NULL over no rows. */
  json_agg<A>(arg: A): Func<JsonOf<ValueOf<A>>[] | null>;
  jsonb_agg<A>(arg: A): Func<JsonOf<ValueOf<A>>[] | null>;
  json_object_agg(key: Arg, value: Arg): Func<Record<string, unknown> | null>;
  jsonb_object_agg(key: Arg, value: Arg): Func<Record<string, unknown> | null>;
  to_json<A>(arg: A): Func<JsonOf<ValueOf<A>>>;
  to_jsonb<A>(arg: A): Func<JsonOf<ValueOf<A>>>;
}

/** SQL keywords called like functions, beside the catalogue's functions. */
type KeywordFunction = 'current_date' | 'localtimestamp' | 'current_user';

/**
 * The function namespace: typed for the common functions, every other function PostgreSQL ships
 * declared (`unknown` unless given `<T>`), and any other name (your own functions) through the
 * index; under `noUncheckedIndexedAccess` call those as `db.func['my_fn']!(...)`.
 */
export type FuncNamespace = TypedFunctions &
  Record<Exclude<(typeof PG_FUNCTIONS)[number] | KeywordFunction, keyof TypedFunctions>, UntypedFunction> & {
    [name: string]: UntypedFunction;
  };

const { INTEGER, TEXT, TIMESTAMPTZ, FLOAT, NUMERIC } = TYPES;

/** `sum()`'s result type follows PostgreSQL: int8 for integers, numeric for bigints and numerics. */
function sumOf(arg: SqlType | undefined): SqlType {
  switch (arg?.kind) {
    case 'Integer':
    case 'SmallInteger':
      return INTEGER;
    case 'BigInteger':
    case 'Numeric':
      return NUMERIC;
    case 'Float':
    case 'Real':
      return FLOAT;
    default:
      return NULLTYPE;
  }
}

const RETURNS: Record<string, SqlType | 'first' | 'sum'> = {
  count: INTEGER,
  length: INTEGER,
  char_length: INTEGER,
  now: TIMESTAMPTZ,
  current_timestamp: TIMESTAMPTZ,
  lower: TEXT,
  upper: TEXT,
  trim: TEXT,
  concat: TEXT,
  substring: TEXT,
  random: FLOAT,
  max: 'first',
  sum: 'sum',
  min: 'first',
  coalesce: 'first',
  abs: 'first',
};

/** The `db.func` proxy; calls hold `executor` so `.gino` can run them. */
export function funcNamespace(executor: Executor): FuncNamespace {
  const cache = new Map<string, (...args: Arg[]) => Func<unknown>>();
  return new Proxy({} as FuncNamespace, {
    get(_target, prop) {
      if (typeof prop !== 'string') return undefined;
      let fn = cache.get(prop);
      if (!fn) {
        const known = RETURNS[prop.toLowerCase()];
        fn = (...args: Arg[]) => {
          const exprs = args.map((a) => coerce(a));
          const type =
            known === 'first'
              ? (exprs[0]?.type ?? NULLTYPE)
              : known === 'sum'
                ? sumOf(exprs[0]?.type)
                : (known ?? NULLTYPE);
          return new Func(prop, exprs, type, executor);
        };
        cache.set(prop, fn);
      }
      return fn;
    },
  });
}
