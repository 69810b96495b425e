/** `db.func.<anyName>(...)`: any SQL function by name, with known return types for common ones. */
import { type SqlType, typeFactories } from '../types/sqltypes.js';
import { coerce, type Expr, Func } from './expr.js';

type Arg = unknown;
type ValueOf<A> = A extends Expr<infer T> ? T : A;

/** The function namespace: typed for common functions, and any other name returns `Func<unknown>`. */
export interface FuncNamespace {
  count(...args: Arg[]): Func<number>;
  now(): Func<Date>;
  current_timestamp(): Func<Date>;
  max<A>(arg: A): Func<ValueOf<A>>;
  min<A>(arg: A): Func<ValueOf<A>>;
  coalesce<A>(arg: A, ...rest: Arg[]): Func<ValueOf<A>>;
  lower(arg: Arg): Func<string>;
  upper(arg: Arg): Func<string>;
  length(arg: Arg): Func<number>;
  [name: string]: (...args: Arg[]) => Func<unknown>;
}

const INTEGER = typeFactories.Integer();
const TEXT = typeFactories.Text();
const TIMESTAMPTZ = typeFactories.DateTime({ timezone: true });
const FLOAT = typeFactories.Float();

const RETURNS: Record<string, SqlType | 'first'> = {
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
  min: 'first',
  coalesce: 'first',
  abs: 'first',
};

/** The `db.func` proxy; calls remember `runner` so `.gino` can run them. */
export function funcNamespace(runner: unknown): FuncNamespace {
  const cache = new Map<string, (...args: Arg[]) => Func<unknown>>();
  return new Proxy({} as FuncNamespace, {
    get(_target, prop) {
      if (typeof prop !== 'string') return undefined;
      let fn = cache.get(prop);
      if (!fn) {
        const known = RETURNS[prop.toLowerCase()];
        fn = (...args: Arg[]) => {
          const exprs = args.map((a) => coerce(a));
          const type = known === 'first' ? (exprs[0]?.type ?? coerce(null).type) : (known ?? coerce(null).type);
          return new Func(prop, exprs, type, runner);
        };
        cache.set(prop, fn);
      }
      return fn;
    },
  });
}
