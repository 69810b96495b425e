/** The workload: the GINO tutorial's operations on a `users` table, in this order. */
export const OPS = [
  'insert returning',
  'get by primary key',
  'select where id < 10',
  'select one column',
  'count',
  'update by id returning',
  'delete by id',
  'class-level update (expression)',
] as const;

export type Op = (typeof OPS)[number];

/** Build and compile one operation (no database); returns the SQL so nothing is optimised away. */
export type CompileOps = Record<Op, (i: number) => unknown>;

/** Run one operation against a database; `i` varies the values. */
export type RunOps = Record<Op, (i: number) => Promise<unknown>>;

export interface RunLibrary {
  name: string;
  ops: RunOps;
  /** Untimed preparation before each round (e.g. fetch instances to update). */
  prepare?(): Promise<void>;
  close?(): Promise<void>;
}

/** The DDL every library runs against (GINO's tutorial model: SERIAL id, VARCHAR nickname). */
export const USERS_DDL = `CREATE TABLE users (id SERIAL NOT NULL, nickname VARCHAR DEFAULT 'noname', PRIMARY KEY (id))`;

/** Untimed reset: 20 rows, ids 1..20 (so `id < 10` returns 9). */
export const RESET_SQL = [
  'DROP TABLE IF EXISTS users',
  USERS_DDL,
  "INSERT INTO users (nickname) SELECT 'user' || g FROM generate_series(1, 20) AS g",
];

/** Between rounds: undo the class-level update's growth. */
export const TIDY_SQL = "UPDATE users SET nickname = 'user' || id WHERE id <= 20";
