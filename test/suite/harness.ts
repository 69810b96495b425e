/**
 * The shared behaviour suite's harness: each adapter file says how to bind and what it cannot do
 * (an explicit skip list, each with its reason); every suite file then runs unchanged on it.
 */
import { expect, test } from 'vitest';
import type { Bindable, Capabilities, Engine, QueryEvent } from '../../src/index.js';
import { Gino, UnsupportedError } from '../../src/index.js';

export interface AdapterUnderTest {
  /** `pg`, `pglite`, `neon-ws`, `neon-http`. */
  name: string;
  /** What to give `db.setBind()`; called once per suite file. */
  bind: () => Promise<{ bind: Bindable; options?: Record<string, unknown> }>;
  /** Tests this adapter skips, by suite test name, each with the reason. */
  skip?: Readonly<Record<string, string>>;
  /** Called after the suite (close servers, proxies). */
  teardown?: () => Promise<void>;
}

/** What a suite file gets: a fresh Gino with a statement log, bound to the adapter under test. */
export interface SuiteContext {
  adapter: AdapterUnderTest;
  db: Gino;
  log: QueryEvent[];
  engine: () => Engine;
  capabilities: () => Capabilities;
  /** Statements logged since the last `clearLog()`. */
  sql: () => string[];
  clearLog: () => void;
}

export function makeContext(adapter: AdapterUnderTest): SuiteContext {
  const log: QueryEvent[] = [];
  const db = new Gino({ logger: (e) => log.push(e) });
  return {
    adapter,
    db,
    log,
    engine: () => db.bind,
    capabilities: () => db.bind.capabilities,
    sql: () => log.map((e) => e.sql),
    clearLog: () => {
      log.length = 0;
    },
  };
}

/** Bind the context's db for a suite file. */
export async function bindContext(ctx: SuiteContext): Promise<void> {
  const { bind, options } = await ctx.adapter.bind();
  await ctx.db.setBind(bind, options ?? {});
  await ctx.db.status('CREATE SCHEMA IF NOT EXISTS gino_suite');
}

export async function unbindContext(ctx: SuiteContext): Promise<void> {
  if (ctx.db.isBound) await ctx.db.popBind().close();
}

/**
 * A suite test: runs unless the adapter lacks the capability it `requires`, or its skip list names
 * it — then it is reported as skipped, with the reason in its title.
 */
export function suiteTest(
  ctx: SuiteContext,
  name: string,
  fn: () => Promise<void>,
  requires?: keyof Capabilities,
): void {
  const listed = ctx.adapter.skip?.[name];
  if (listed) {
    test.skip(`${name} — skipped on ${ctx.adapter.name}: ${listed}`, fn);
    return;
  }
  test(name, async (t) => {
    if (requires && !ctx.capabilities()[requires]) {
      t.skip(`${ctx.adapter.name} has no ${requires}`);
      return;
    }
    await fn();
  });
}

/**
 * Run `fn` where the adapter has `capability`; elsewhere assert what users get instead: an
 * `UnsupportedError` naming the way out (`wayOut`, and the session adapters), before any I/O.
 */
export async function withCapability(
  ctx: SuiteContext,
  capability: keyof Capabilities,
  fn: () => Promise<unknown>,
  wayOut: RegExp = /db\.batch\(/,
): Promise<void> {
  if (ctx.capabilities()[capability]) {
    await fn();
    return;
  }
  ctx.clearLog();
  const error = await fn().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnsupportedError);
  expect((error as Error).message).toContain(`no ${capability}`);
  expect((error as Error).message).toMatch(wayOut);
  expect((error as Error).message).toContain('pg, pglite, neon-ws');
  expect(ctx.log).toEqual([]);
}
