/**
 * gino-edge: GINO's model and query API for PostgreSQL, for Workers, Deno, browsers and Node.
 *
 * @example
 * import { Gino } from 'gino-edge';
 * const db = new Gino();
 * class User extends db.Model({ __tablename__: 'users', id: db.Column(db.Integer(), { primaryKey: true }) }) {}
 * await db.setBind('pglite://memory');
 */
export { Gino, type Bindable, type GinoOptions } from './gino.js';
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
export { Engine, Connection, Transaction, QueryRunner, type TransactionOptions } from './engine/engine.js';
export type { Adapter, BatchOptions, Capabilities, DriverField, DriverQuery, DriverResult, Session } from './engine/adapter.js';
export { registerAdapter, type AdapterFactory } from './engine/resolve.js';
export type { Logger, Query, QueryEvent } from './engine/execute.js';
export { UpdateRequest } from './crud/crud.js';
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
export { Expr, type Operand } from './sql/expr.js';
export { Select } from './sql/select.js';
export { Insert, Update, Delete } from './sql/dml.js';
export { Table, Column, Alias, Join, type ColumnOptions } from './sql/schema.js';
export type { GinoExtension, RunOptions, StatusResult } from './sql/runner.js';
export { SqlType } from './types/sqltypes.js';
export { parseText, parserFor } from './types/parse.js';
