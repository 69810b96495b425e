/**
 * What a model class holds of the Gino instance that made it: a typed reference, under a symbol
 * (no column key can clash with it), instead of a way through its table.
 */
import type { QueryRunner } from '../engine/engine.js';
import type { Executor } from '../sql/executor.js';
import type { Table } from '../sql/table.js';

/** The key of a model class's host. */
export const hostOf: unique symbol = Symbol('gino-edge.host');

/**
 * What a model needs of its Gino instance: it runs the model's statements (the executor of its
 * builders), finds where a query runs (`{ bind }` or the current binding), registers the model's
 * table and creates or drops it (`Model.gino.create()`).
 */
export interface ModelHost extends Executor {
  runnerFor(bind?: unknown): QueryRunner;
  registerTable(table: Table): void;
  createTable(table: Table, options: { checkfirst?: boolean; bind?: unknown }): Promise<void>;
  dropTable(table: Table, options: { checkfirst?: boolean; bind?: unknown }): Promise<void>;
}

/** A model class as the ORM sees it: its table and its host. */
export interface HostedModel {
  readonly __table__: Table;
  readonly [hostOf]: ModelHost;
}
