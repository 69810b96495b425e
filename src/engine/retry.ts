/**
 * Retries that are safe. A whole transaction may be run again when PostgreSQL aborted it for a
 * reason that running it again can cure: a serialization failure (40001) or a deadlock (40P01);
 * nothing of it was committed. A single plain read may be sent once more when its connection was
 * lost before any result (it changes nothing). A write outside a transaction is never retried by
 * itself: whether it ran is unknown.
 */
import type { CompiledQuery } from '../compiler/compiler.js';
import { ConnectionError, InvalidRequestError } from '../errors.js';

/** SQLSTATEs after which the aborted transaction may simply be run again. */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set(['40001', '40P01']);

/** Whether `error` (or what it was caused by, e.g. a COMMIT answered with ROLLBACK) is a 40001 or 40P01. */
export function isRetryable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && RETRYABLE_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Whether a statement failed because its connection was lost (so it returned nothing). */
export function isConnectionLost(error: unknown): boolean {
  return error instanceof ConnectionError;
}

/** `retries` checked: a whole number of extra attempts, 0 by default. */
export function retriesOf(retries: unknown): number {
  if (retries === undefined) return 0;
  if (typeof retries !== 'number' || !Number.isInteger(retries) || retries < 0 || retries > 100) {
    throw new InvalidRequestError(
      `retries takes a whole number of extra attempts (0 to 100) after a serialization failure or a deadlock, got ${String(retries)}`,
    );
  }
  return retries;
}

/**
 * The wait before attempt `n + 1` (n ≥ 1): exponential from 25 ms, at most 1 s, with jitter
 * (between half and all of it), so that the transactions that collided do not collide again.
 */
export function backoffMs(n: number): number {
  const full = Math.min(1000, 25 * 2 ** (n - 1));
  return full / 2 + Math.random() * (full / 2);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * `attempt()`, run again up to `retries` times while it fails with a serialization failure or a
 * deadlock, waiting `backoffMs` between attempts. Any other error, or the last one, is thrown.
 */
export async function retrying<R>(retries: number, attempt: (n: number) => Promise<R>): Promise<R> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n > retries || !isRetryable(error)) throw error;
    }
    await sleep(backoffMs(n));
  }
}

/**
 * Whether a compiled statement only reads: a SELECT that takes no row lock and writes nothing (as
 * the compiler says). SQL text and `db.text()` do not say what they do, so they never count.
 * Such a statement may go to a replica, and may be sent again after a lost connection.
 */
export function isPlainRead(compiled: CompiledQuery): boolean {
  return compiled.kind === 'select' && !compiled.locks && !compiled.writes;
}

/**
 * `send()`, sent once more when its connection was lost before any result (a single plain read
 * outside a transaction: it changed nothing, and a new connection serves it).
 */
export async function readAgainIfLost<R>(send: () => Promise<R>): Promise<R> {
  try {
    return await send();
  } catch (error) {
    if (!isConnectionLost(error)) throw error;
    return send();
  }
}
