/**
 * The contract between statements and what runs them (Kysely's executor): every builder holds one
 * typed `Executor` beside its node, the Gino instance that made it, and `statement.gino` and
 * `statement.compile()` ask it. The node (`statement.state`, a function call's name, arguments and
 * type) is pure data, all the compiler reads. Declared here so the SQL layer depends on no engine code.
 */

/** Options every running method takes. `bind` picks an Engine, a connection or a transaction. */
export interface RunOptions {
  bind?: unknown;
}

/** `status()`'s result: the command tag, the row count and any returned rows. */
export interface StatusResult<R> {
  status: string;
  rowCount: number;
  rows: R[];
}

// biome-ignore lint/suspicious/noExplicitAny: constructor types need `any` arguments
export type AnyConstructor = abstract new (...args: any[]) => any;

/**
 * What a loader makes of each row: a model class → its instances; an expression → its values; a
 * loader object (model loader, alias) → its `__loaded`; a function → what it returns; a tuple →
 * a tuple of those; any other value → itself.
 */
export type LoadedBy<L> = L extends AnyConstructor
  ? InstanceType<L>
  : L extends { readonly __js: infer V }
    ? V
    : L extends { readonly __loaded?: infer T }
      ? T
      : L extends (row: never, ctx: never) => infer T
        ? T
        : L extends readonly unknown[]
          ? { -readonly [I in keyof L]: LoadedBy<L[I]> }
          : L extends string | number | boolean | bigint
            ? L
            : unknown;

/** `.gino` on every statement and function call: run it and shape the rows. */
export interface GinoExtension<R, S = unknown> {
  /** Every row. */
  all(options?: RunOptions): Promise<R[]>;
  /** The first row, or null. */
  first(options?: RunOptions): Promise<R | null>;
  /** Exactly one row; `NoResultFound` or `MultipleResultsFound` otherwise. */
  one(options?: RunOptions): Promise<R>;
  /** One row or null; `MultipleResultsFound` if more. */
  oneOrNone(options?: RunOptions): Promise<R | null>;
  /** The first column of the first row, or null. */
  scalar(options?: RunOptions): Promise<S | null>;
  /** The command tag (`'UPDATE 9'`), the row count and the rows. */
  status(options?: RunOptions): Promise<StatusResult<R>>;
  /** Rows through a server-side cursor, `prefetch` at a time. */
  iterate(options?: RunOptions & { prefetch?: number }): AsyncIterable<R>;
  /** Shape rows with a loader (a model class, a column, a tuple, a function or a model loader). */
  load<const L>(loader: L): GinoExtension<LoadedBy<L>, S>;
  /** Rows become instances of this model class. */
  model<M extends AnyConstructor>(model: M): GinoExtension<InstanceType<M>, S>;
  /** Cancel the statement on the server after `ms` milliseconds (`QueryTimeoutError`). */
  timeout(ms: number): GinoExtension<R, S>;
}

/** What an executor runs: a statement, or a function call (`SELECT <call>`). */
export interface Executable {
  readonly kind: 'select' | 'insert' | 'update' | 'delete' | 'func';
}

/**
 * What runs the statements a builder makes: the Gino instance. Builders made without one
 * (`new Select({...})`) still compile with `db.compile(statement)` and run with `db.all(statement)`.
 */
export interface Executor {
  /** `statement.compile()`: the SQL and parameters. */
  compile(statement: Executable): { sql: string; params: unknown[] };
  /** `statement.gino`: run on the current binding, rows shaped by `loader` (the statement's, or none). */
  extension<R, S>(statement: Executable, loader: unknown): GinoExtension<R, S>;
}

/** The builder's executor, or a clear error for a builder made without one. */
function executorOf(executor: Executor | undefined): Executor {
  if (executor) return executor;
  throw new TypeError(
    'this statement is not tied to a Gino instance: build it from a model or db, or run it with db.all(statement)',
  );
}

/** `statement.compile()` of every builder: its executor compiles it. */
export function compileWith(executor: Executor | undefined, statement: Executable): { sql: string; params: unknown[] } {
  return executorOf(executor).compile(statement);
}

/** `statement.gino` of every builder: its executor runs it, rows shaped by `loader`. */
export function extensionOf<R, S>(
  executor: Executor | undefined,
  statement: Executable,
  loader: unknown,
): GinoExtension<R, S> {
  return executorOf(executor).extension<R, S>(statement, loader);
}
