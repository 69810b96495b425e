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
  /**
   * Whether several sessions can be open at once (a pool), so tests may hold one connection while
   * another waits on it. False for PGlite's single connection.
   */
  concurrentSessions?: boolean;
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

/**
 * A suite test of a capability: run `fn` where the adapter has it; where it does not, assert that
 * `attempt` is refused with `UnsupportedError` before any statement is sent. `attempt` returns a
 * promise, or an async iterable (iterated).
 */
export function capabilityTest(
  ctx: SuiteContext,
  name: string,
  capability: keyof Capabilities,
  fn: () => Promise<void>,
  attempt: () => unknown,
): void {
  suiteTest(ctx, name, async () => {
    if (ctx.capabilities()[capability]) {
      await fn();
      return;
    }
    await expectUnsupported(ctx, attempt);
  });
}

/** `attempt` throws `UnsupportedError` and no statement reached the database. */
export async function expectUnsupported(ctx: SuiteContext, attempt: () => unknown): Promise<void> {
  ctx.clearLog();
  const error = await (async () => {
    const value = attempt();
    if (value && typeof value === 'object' && Symbol.asyncIterator in value) {
      for await (const _ of value as AsyncIterable<unknown>) break;
    } else {
      await value;
    }
  })().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnsupportedError);
  expect(ctx.log).toHaveLength(0);
}

/**
 * A suite test of transactions that needs several sessions open at once (a pool). Skipped, with
 * the reason, on an adapter that cannot hold two (PGlite's one connection); on an adapter without
 * transactions it asserts the `UnsupportedError` instead.
 */
export function concurrentTest(ctx: SuiteContext, name: string, fn: () => Promise<void>): void {
  if (ctx.adapter.concurrentSessions === false) {
    test.skip(
      `${name} — skipped on ${ctx.adapter.name}: needs two sessions open at once (one connection: one would wait for the other)`,
      fn,
    );
    return;
  }
  capabilityTest(ctx, name, 'transactions', fn, () => ctx.db.transaction(async () => undefined));
}

/** Connections of this database left inside a transaction (a leaked session). */
export async function idleInTransaction(ctx: SuiteContext): Promise<number> {
  return Number(
    await ctx.db.scalar(
      "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
    ),
  );
}
