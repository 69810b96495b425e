/** `db.func.<anyName>(...)`: any SQL function by name, with known return types for common ones. */
import { NULLTYPE, type SqlType, TYPES } from '../types/sqltypes.js';
import type { Executor } from './executor.js';
import { coerce, type Expr, Func } from './expr.js';

type Arg = unknown;
type ValueOf<A> = A extends Expr<infer T> ? T : A;

/** The function namespace: typed for common functions, and any other name returns `Func<unknown>`. */
export interface FuncNamespace extends Record<CommonFunction, (...args: Arg[]) => Func<unknown>> {
  count(...args: Arg[]): Func<number>;
  now(): Func<Date>;
  current_timestamp(): Func<Date>;
  max<A>(arg: A): Func<ValueOf<A>>;
  min<A>(arg: A): Func<ValueOf<A>>;
  /** PostgreSQL sums integers as int8 (read as a checked number here) and bigints as numeric (a string). */
  sum<A>(arg: A): Func<ValueOf<A> extends bigint ? string : ValueOf<A>>;
  coalesce<A>(arg: A, ...rest: Arg[]): Func<ValueOf<A>>;
  lower(arg: Arg): Func<string>;
  upper(arg: Arg): Func<string>;
  length(arg: Arg): Func<number>;
  /** Any other function; under `noUncheckedIndexedAccess` call it as `db.func['name']!(...)`. */
  [name: string]: ((...args: Arg[]) => Func<unknown>) | undefined;
}

/** Names typed as always present (no `undefined` under `noUncheckedIndexedAccess`). */
type CommonFunction =
  | 'avg'
  | 'abs'
  | 'round'
  | 'floor'
  | 'ceil'
  | 'greatest'
  | 'least'
  | 'nullif'
  | 'concat'
  | 'concat_ws'
  | 'substring'
  | 'trim'
  | 'replace'
  | 'char_length'
  | 'random'
  | 'date_trunc'
  | 'extract'
  | 'to_char'
  | 'age'
  | 'array_agg'
  | 'string_agg'
  | 'json_agg'
  | 'jsonb_agg'
  | 'json_build_object'
  | 'jsonb_build_object'
  | 'gen_random_uuid'
  | 'bool_and'
  | 'bool_or'
  | 'unnest'
  | 'generate_series'
  | 'row_number'
  | 'rank'
  | 'current_date'
  | 'localtimestamp'
  | 'pg_sleep'
  | 'current_setting'
  | 'set_config'
  | 'current_user';

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
