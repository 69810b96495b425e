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

/** A server-side cursor held open between calls (the engine's `Cursor`). */
export interface CursorLike<R> extends AsyncIterable<R> {
  /** The next row, or null once the rows are exhausted. */
  next(): Promise<R | null>;
  /** Up to `n` more rows. */
  many(n: number): Promise<R[]>;
  /** Skip `n` rows. */
  forward(n: number): Promise<void>;
  /** Close the cursor (and the transaction and connection it opened). */
  close(): Promise<void>;
}

/** One set of values for a statement run several times (a row by attribute key, a text's parameters by name). */
export type ValueSet = Readonly<Record<string, unknown>>;

/**
 * `.gino` on every statement and function call: run it and shape the rows. Given several sets of
 * values (`User.insert().gino.status(row1, row2)`, or an array of them), the statement runs once
 * per set, atomically, and returns nothing, as GINO's executemany does: null, and `one()` raises
 * `NoResultFound`.
 */
export interface GinoExtension<R, S = unknown> {
  /** Every row. */
  all(options?: RunOptions): Promise<R[]>;
  all(...valueSets: ValueSet[]): Promise<null>;
  all(valueSets: readonly ValueSet[], options?: RunOptions): Promise<null>;
  /** The first row, or null. */
  first(options?: RunOptions): Promise<R | null>;
  first(...valueSets: ValueSet[]): Promise<null>;
  first(valueSets: readonly ValueSet[], options?: RunOptions): Promise<null>;
  /** Exactly one row; `NoResultFound` or `MultipleResultsFound` otherwise. */
  one(options?: RunOptions): Promise<R>;
  one(...valueSets: ValueSet[]): Promise<never>;
  one(valueSets: readonly ValueSet[], options?: RunOptions): Promise<never>;
  /** One row or null; `MultipleResultsFound` if more. */
  oneOrNone(options?: RunOptions): Promise<R | null>;
  oneOrNone(...valueSets: ValueSet[]): Promise<null>;
  oneOrNone(valueSets: readonly ValueSet[], options?: RunOptions): Promise<null>;
  /** The first column of the first row, or null. */
  scalar(options?: RunOptions): Promise<S | null>;
  scalar(...valueSets: ValueSet[]): Promise<null>;
  scalar(valueSets: readonly ValueSet[], options?: RunOptions): Promise<null>;
  /** The command tag (`'UPDATE 9'`), the row count and the rows. */
  status(options?: RunOptions): Promise<StatusResult<R>>;
  status(...valueSets: ValueSet[]): Promise<null>;
  status(valueSets: readonly ValueSet[], options?: RunOptions): Promise<null>;
  /**
   * Rows through a server-side cursor, `prefetch` at a time: `for await` reads them all, `await`
   * gives the cursor itself (`next()`, `many(n)`, `forward(n)`, `close()`).
   */
  iterate(options?: RunOptions & { prefetch?: number }): AsyncIterable<R> & PromiseLike<CursorLike<R>>;
  /** Shape rows with a loader (a model class, a column, a tuple, a function or a model loader). */
  load<const L>(loader: L): GinoExtension<LoadedBy<L>, S>;
  /** Rows become instances of this model class; `model(null)`: plain rows, whatever the statement's loader. */
  model<M extends AnyConstructor>(model: M): GinoExtension<InstanceType<M>, S>;
  model(model: null): GinoExtension<Record<string, unknown>, S>;
  /** Cancel the statement on the server after `ms` milliseconds (`QueryTimeoutError`). */
  timeout(ms: number): GinoExtension<R, S>;
  /**
   * One page of an ordered SELECT and the number of rows in all pages, in one statement (a
   * window count beside the page's rows). Relationships loaded by name keep one row per object,
   * so LIMIT and OFFSET count parents.
   *
   * @example
   * const { items, total } = await Author.load('posts').query.orderBy(Author.id).gino.paginate({ page: 2, perPage: 20 });
   */
  paginate(options: PageOptions): Promise<Page<R>>;
}

/** `paginate()`'s options: the page (from 1) and its size. */
export interface PageOptions extends RunOptions {
  page: number;
  perPage: number;
}

/** One page: its rows, the number of rows in all pages, and the number of pages. */
export interface Page<R> {
  items: R[];
  total: number;
  page: number;
  perPage: number;
  pages: number;
}

/** What an executor runs: a statement, or a function call (`SELECT <call>`). */
export interface Executable {
  readonly kind: 'select' | 'insert' | 'update' | 'delete' | 'func' | 'text';
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
