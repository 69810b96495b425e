/** `.gino` on statements and function calls: run on the current binding and shape the rows. */
import type { AnyConstructor, GinoExtension, LoadedBy, RunOptions, StatusResult } from '../sql/executor.js';
import { iterateCursor } from './cursor.js';
import type { QueryRunner } from './engine.js';
import { type Mode, toCompiled } from './execute.js';

/** What the extension needs of the Gino instance. */
export interface ExtensionHost {
  runnerFor(bind?: unknown): QueryRunner;
}

export class StatementExtension<R, S> implements GinoExtension<R, S> {
  constructor(
    private readonly host: ExtensionHost,
    private readonly statement: object,
    private readonly loader: unknown,
    private readonly timeoutMs?: number,
  ) {}

  private async run(mode: Mode, options?: RunOptions): Promise<unknown> {
    const runner = this.host.runnerFor(options?.bind);
    return runner.run(this.statement, undefined, mode, this.loader === undefined ? null : this.loader, this.timeoutMs);
  }

  all(options?: RunOptions): Promise<R[]> {
    return this.run('all', options) as Promise<R[]>;
  }
  first(options?: RunOptions): Promise<R | null> {
    return this.run('first', options) as Promise<R | null>;
  }
  one(options?: RunOptions): Promise<R> {
    return this.run('one', options) as Promise<R>;
  }
  oneOrNone(options?: RunOptions): Promise<R | null> {
    return this.run('oneOrNone', options) as Promise<R | null>;
  }
  scalar(options?: RunOptions): Promise<S | null> {
    return this.run('scalar', options) as Promise<S | null>;
  }
  status(options?: RunOptions): Promise<StatusResult<R>> {
    return this.run('status', options) as Promise<StatusResult<R>>;
  }
  iterate(options?: RunOptions & { prefetch?: number }): AsyncIterable<R> {
    const compiled = toCompiled(this.statement);
    const { host, loader, timeoutMs } = this;
    return {
      [Symbol.asyncIterator]: () =>
        iterateCursor(
          host.runnerFor(options?.bind),
          compiled,
          loader,
          options?.prefetch,
          timeoutMs,
        ) as AsyncIterator<R>,
    };
  }
  load<const L>(loader: L): GinoExtension<LoadedBy<L>, S> {
    return new StatementExtension<LoadedBy<L>, S>(this.host, this.statement, loader, this.timeoutMs);
  }
  model<M extends AnyConstructor>(model: M): GinoExtension<InstanceType<M>, S> {
    return new StatementExtension<InstanceType<M>, S>(this.host, this.statement, model, this.timeoutMs);
  }
  timeout(ms: number): GinoExtension<R, S> {
    return new StatementExtension<R, S>(this.host, this.statement, this.loader, ms);
  }
}
