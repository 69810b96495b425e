/**
 * gino-edge: GINO's model and query API for PostgreSQL, for Workers, Deno, browsers and Node.
 *
 * @example
 * import { Gino } from 'gino-edge';
 * const db = new Gino();
 * class User extends db.Model({ __tablename__: 'users', id: db.Column(db.Integer(), { primaryKey: true }) }) {}
 * await db.setBind('pglite://memory');
 */

export { UpdateRequest } from './crud/crud.js';
export type {
  Adapter,
  BatchOptions,
  Capabilities,
  DriverField,
  DriverQuery,
  DriverResult,
  Session,
} from './engine/adapter.js';
export { Connection, Engine, QueryRunner, Transaction, type TransactionOptions } from './engine/engine.js';
export type { Logger, Query, QueryEvent } from './engine/execute.js';
export { type AdapterFactory, registerAdapter } from './engine/resolve.js';
export type { WorkerContext, WorkerHandler, WorkerOptions } from './engine/worker.js';
export {
  ConnectionError,
  DatabaseError,
  GinoError,
  InvalidRequestError,
  MultipleResultsFound,
  NoResultFound,
  NoSuchRowError,
  QueryTimeoutError,
  UninitializedError,
  UnsupportedError,
} from './errors.js';
export { type Bindable, Gino, type GinoOptions } from './gino.js';
export { ModelBase } from './schema/model.js';
export type {
  ColumnKeys,
  ColumnValue,
  Ident,
  ModelClass,
  ModelColumns,
  ModelDefinition,
  ModelInput,
  ModelInstance,
  ModelValues,
} from './schema/typing.js';
export { Delete, Insert, Update } from './sql/dml.js';
export { Expr, type Operand } from './sql/expr.js';
export type { GinoExtension, RunOptions, StatusResult } from './sql/runner.js';
export { Alias, Column, type ColumnOptions, Join, Table } from './sql/schema.js';
export { Select } from './sql/select.js';
export { parserFor, parseText } from './types/parse.js';
export { SqlType } from './types/sqltypes.js';
