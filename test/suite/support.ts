/**
 * Helpers for the transaction-safety suites: a hook on the statement log (to start work at an
 * exact point of another statement sequence, on every adapter, without timers) and raw-SQL oracles.
 */
import type { QueryEvent } from '../../src/index.js';
import type { SuiteContext } from './harness.js';

/**
 * Resolves as soon as a statement matching `match` has completed — synchronously from the logger,
 * before the code that sent it goes on. Chain on it with `.then(fn)`: `fn` runs in the async
 * context where `.then` was called (its transaction, its scope), right after that statement, so
 * whatever `fn` sends is queued before the sender's next statement.
 */
export function statementDone(ctx: SuiteContext, match: RegExp): Promise<QueryEvent> {
  return new Promise((resolve) => {
    const log = ctx.log;
    const own = (events: QueryEvent[]): number => {
      const n = Array.prototype.push.apply(log, events);
      const hit = events.find((e) => match.test(e.sql));
      if (hit) {
        Reflect.deleteProperty(log, 'push');
        resolve(hit);
      }
      return n;
    };
    Object.defineProperty(log, 'push', { value: (...events: QueryEvent[]) => own(events), configurable: true });
  });
}

/**
 * Counts the statements logged from now on. `at(n)` resolves right after the n-th (like
 * `statementDone`), so work chained on it starts at that exact point of the statement stream; a
 * stream gone quiet (nothing logged for a few ticks while someone waits) lets the next waiter go,
 * so a program never waits for a statement that will not come.
 */
export function statementClock(ctx: SuiteContext): { at(n: number): Promise<void>; stop(): void } {
  const log = ctx.log;
  let count = 0;
  const waiters: { n: number; go: () => void }[] = [];
  const release = (upTo: number) => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i] as (typeof waiters)[number];
      if (w.n <= upTo) {
        waiters.splice(i, 1);
        w.go();
      }
    }
  };
  Object.defineProperty(log, 'push', {
    value: (...events: QueryEvent[]) => {
      const n = Array.prototype.push.apply(log, events);
      count += events.length;
      release(count);
      return n;
    },
    configurable: true,
  });
  let seen = -1;
  let quiet = 0;
  const watchdog = setInterval(() => {
    if (count !== seen || waiters.length === 0) {
      seen = count;
      quiet = 0;
      return;
    }
    if (++quiet < 2) return;
    quiet = 0;
    release(Math.min(...waiters.map((w) => w.n)));
  }, 5);
  return {
    at: (n) =>
      n <= count
        ? Promise.resolve()
        : new Promise<void>((go) => {
            waiters.push({ n, go });
          }),
    stop: () => {
      clearInterval(watchdog);
      Reflect.deleteProperty(log, 'push');
      release(Number.POSITIVE_INFINITY);
    },
  };
}

/** What PostgreSQL itself recorded for a transaction id: 'committed', 'aborted' or 'in progress'. */
export async function txidStatus(ctx: SuiteContext, txid: string): Promise<string | null> {
  return ctx.db.scalar<string>('SELECT txid_status($1::bigint)', [txid], { bind: ctx.engine() });
}

/** A macrotask turn: lets every pending microtask (and queued statement) move on. */
export const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
