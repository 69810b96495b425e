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

/** What PostgreSQL itself recorded for a transaction id: 'committed', 'aborted' or 'in progress'. */
export async function txidStatus(ctx: SuiteContext, txid: string): Promise<string | null> {
  return ctx.db.scalar<string>('SELECT txid_status($1::bigint)', [txid], { bind: ctx.engine() });
}

/** A macrotask turn: lets every pending microtask (and queued statement) move on. */
export const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
