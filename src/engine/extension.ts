/** `.gino` on statements and function calls: run on the current binding and shape the rows. */
import type {
  AnyConstructor,
  GinoExtension,
  LoadedBy,
  Page,
  PageOptions,
  RunOptions,
  ValueSet,
} from '../sql/executor.js';
import { type Iteration, iteration } from './cursor.js';
import type { QueryRunner } from './engine.js';
import { type Mode, toCompiled } from './execute.js';
import { paginate } from './paginate.js';

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

  /** Run with options, or (executemany) with sets of values: `(options?)`, `(...sets)`, `(sets, options?)`. */
  private async run(mode: Mode, args: readonly unknown[]): Promise<unknown> {
    const [sets, options] = splitArgs(args);
    const runner = this.host.runnerFor(options?.bind);
    const loader = this.loader === undefined ? null : this.loader;
    return runner.run(this.statement, sets, mode, loader, this.timeoutMs);
  }

  all(...args: unknown[]): Promise<never> {
    return this.run('all', args) as Promise<never>;
  }
  first(...args: unknown[]): Promise<never> {
    return this.run('first', args) as Promise<never>;
  }
  one(...args: unknown[]): Promise<never> {
    return this.run('one', args) as Promise<never>;
  }
  oneOrNone(...args: unknown[]): Promise<never> {
    return this.run('oneOrNone', args) as Promise<never>;
  }
  scalar(...args: unknown[]): Promise<never> {
    return this.run('scalar', args) as Promise<never>;
  }
  status(...args: unknown[]): Promise<never> {
    return this.run('status', args) as Promise<never>;
  }
  iterate(options?: RunOptions & { prefetch?: number }): Iteration<R> {
    const { host, loader, timeoutMs } = this;
    const compiled = toCompiled(this.statement);
    return iteration<R>(
      () => host.runnerFor(options?.bind),
      () => compiled,
      loader,
      options?.prefetch,
      timeoutMs,
    );
  }
  load<const L>(loader: L): GinoExtension<LoadedBy<L>, S> {
    return new StatementExtension<LoadedBy<L>, S>(this.host, this.statement, loader, this.timeoutMs);
  }
  model<M extends AnyConstructor>(model: M): GinoExtension<InstanceType<M>, S>;
  model(model: null): GinoExtension<Record<string, unknown>, S>;
  model(model: AnyConstructor | null): GinoExtension<unknown, S> {
    return new StatementExtension<unknown, S>(this.host, this.statement, model, this.timeoutMs);
  }
  timeout(ms: number): GinoExtension<R, S> {
    return new StatementExtension<R, S>(this.host, this.statement, this.loader, ms);
  }
  async paginate(options: PageOptions): Promise<Page<R>> {
    const loader = this.loader === undefined ? null : this.loader;
    return paginate<R>(this.host.runnerFor(options?.bind), this.statement, loader, options, this.timeoutMs);
  }
}

/** Options are an object of `bind` alone (or nothing); anything else given is sets of values. */
function isRunOptions(value: unknown): value is RunOptions {
  return (
    value === undefined ||
    (value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      Object.keys(value).every((k) => k === 'bind'))
  );
}

function splitArgs(args: readonly unknown[]): [ValueSet[] | undefined, RunOptions | undefined] {
  const [first, second] = args;
  if (Array.isArray(first)) return [first as ValueSet[], second as RunOptions | undefined];
  if (args.length <= 1 && isRunOptions(first)) return [undefined, first];
  return [args as ValueSet[], undefined];
}
