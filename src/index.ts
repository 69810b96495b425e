/**
 * gino-edge: GINO's model and query API for PostgreSQL, for Workers, Deno, browsers and Node.
 *
 * @example
 * import { Gino } from 'gino-edge';
 * const db = new Gino();
 * class User extends db.Model({ __tablename__: 'users', id: db.Column(db.Integer(), { primaryKey: true }) }) {}
 * await db.setBind('pglite://memory');
 */

export { ClientDefault } from './compiler/compiler.js';
export { splitStatements } from './compiler/sqltext.js';
export type {
  Adapter,
  BatchOptions,
  Capabilities,
  DriverField,
  DriverQuery,
  DriverResult,
  Session,
} from './engine/adapter.js';
export type { ClaimsLike, ClaimsOptions } from './engine/binder.js';
export type { CopyResult, CopyRows } from './engine/copy.js';
export { Cursor, type Iteration } from './engine/cursor.js';
export {
  Connection,
  Engine,
  type EngineOptions,
  QueryRunner,
  Transaction,
  type TransactionOptions,
  TransactionSignal,
  type Typed,
  type TypedScalar,
} from './engine/engine.js';
export type { Logger, Query, QueryEvent } from './engine/execute.js';
export {
  type ReadYourWrites,
  type ReplicaFallback,
  type ReplicaRouting,
  type ReplicaStats,
  ReplicatedEngine,
} from './engine/replicas.js';
export { type AdapterFactory, registerAdapter } from './engine/resolve.js';
export type { Loader, LoaderContext, PreparedLoader } from './engine/shape.js';
export type { ContextLike, SpanLike, TracerLike } from './engine/tracing.js';
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
  TransactionRolledBackError,
  UninitializedError,
  UnknownJSONPropertyError,
  UnsupportedError,
} from './errors.js';
export {
  type Bindable,
  type CopyOptions,
  type CopyRowOf,
  type CopyTarget,
  Gino,
  type GinoOptions,
  type Migration,
  type RowsOf,
} from './gino.js';
export type { SchemaChange } from './migrate/diff.js';
export { MigrationError, parseMigrationSql } from './migrate/migration.js';
export type {
  MigrateOptions,
  MigrateResult,
  MigrationEvent,
  MigrationState,
  MigrationStatusEntry,
} from './migrate/migrator.js';
export { UpdateRequest } from './orm/crud.js';
export { JsonProperty, type JsonPropertyKind, type JsonPropertyOptions } from './orm/json.js';
export { ModelAlias, ModelLoader, type WithRelated } from './orm/loader.js';
export { ModelBase } from './orm/model.js';
export type { ModelRelations, RelationKeys, RelationValueOf, WithLoaded } from './orm/relation-types.js';
export {
  type RelationColumns,
  RelationCount,
  RelationshipDef,
  type RelationshipOptions,
} from './orm/relationship.js';
export type {
  ColumnKeys,
  ColumnRef,
  ColumnValue,
  ColumnValues,
  Ident,
  ModelAliasOf,
  ModelClass,
  ModelColumns,
  ModelDefinition,
  ModelInput,
  ModelInsert,
  ModelInsertColumns,
  ModelInstance,
  ModelUpdate,
  ModelValues,
  PropertyKeys,
  PropertyValue,
  SubclassQuery,
} from './orm/typing.js';
export { Delete, Insert, Update } from './sql/dml.js';
export type {
  CursorLike,
  GinoExtension,
  LoadedBy,
  Page,
  PageOptions,
  RunOptions,
  StatusResult,
  ValueSet,
} from './sql/executor.js';
export { Case, Expr, type Func, type Label, type Operand } from './sql/expr.js';
export type { FuncNamespace, TypedFunctions, UntypedFunction } from './sql/func.js';
export type { NodeKind, SqlNode } from './sql/nodes.js';
export {
  type Correlation,
  type RowOf,
  type ScalarOf,
  Select,
  type SelectItem,
  Text,
  type TextColumnSpec,
  TextSelect,
} from './sql/select.js';
export { Alias, Column, type ColumnOptions, Join, Table } from './sql/table.js';
export { parserFor, parseText } from './types/parse.js';
export { SqlType } from './types/sqltypes.js';
