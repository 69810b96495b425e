/**
 * The only place gino-edge reaches past `@neondatabase/serverless`'s documented API, quarantined
 * here with the driver version it was checked against. `test/neon/quirks.test.ts` fails the day
 * the driver changes what either quirk relies on, or is upgraded past `CHECKED_AGAINST`.
 *
 * 1. The driver's SCRAM step (`Client#_handleAuthSASLContinue`, a private method) is `async` and
 *    registered as an event listener: when it throws (a server-first message the exchange cannot
 *    continue from), the rejection is unhandled and `connect()` never settles. No public hook sees
 *    it; the guard routes the rejection to the connection's `error` event, which fails
 *    `connect()`. (A missing password never gets this far: the adapter gives the driver a password
 *    callback, its documented `password` option, that fails cleanly when the server asks.)
 * 2. Neon's `Pool` sets its own `Client` class after pg-pool has read the `Client` option that
 *    pg-pool documents for custom clients, so a pool's clients would miss their per-client
 *    settings: the pool's public `Client` property is set instead, only when the option was lost.
 *
 * The driver does not expose its version at run time, so each quirk checks the shape it relies
 * on and does nothing when it is not there.
 */

/** The driver release these quirks were read from and tested against. */
export const CHECKED_AGAINST = '1.2.0';

/** The private member quirk 1 wraps. */
const SCRAM_STEP = '_handleAuthSASLContinue';

// biome-ignore lint/suspicious/noExplicitAny: a mixin's base class must take any constructor arguments
type ClientClass = abstract new (...args: any[]) => object;

/** Whether the driver's SCRAM step is still the own async method of its Client that quirk 1 guards. */
export function scramStepGuardable(Client: ClientClass): boolean {
  const step = Object.getOwnPropertyDescriptor(Client.prototype, SCRAM_STEP)?.value as unknown;
  return typeof step === 'function' && step.constructor?.name === 'AsyncFunction';
}

/**
 * `Client` with quirk 1 applied: a failure of its SCRAM step reaches `connect()` as an error.
 * `Client` itself when its SCRAM step is not the shape checked (see `scramStepGuardable`).
 */
export function withScramGuard<C extends ClientClass>(Client: C): C {
  if (!scramStepGuardable(Client)) return Client;
  const step = (Client.prototype as unknown as Record<string, (message: unknown) => Promise<void>>)[SCRAM_STEP];
  abstract class Guarded extends Client {
    [SCRAM_STEP](message: unknown): Promise<void> {
      const { connection } = this as { connection?: { emit?(event: 'error', error: unknown): void } };
      return (step as (message: unknown) => Promise<void>).call(this, message).then(undefined, (error: unknown) => {
        connection?.emit?.('error', error);
      });
    }
  }
  return Guarded as unknown as C;
}

/** What quirk 2 needs of Neon's `Pool`. */
export interface PoolWithClient {
  Client: unknown;
}

/**
 * A pool whose clients are `Client`: given as pg-pool's documented `Client` option, and set on the
 * pool (quirk 2) when the driver's `Pool` replaced it with its own.
 */
export function poolOf<P extends PoolWithClient>(
  Pool: new (config: Record<string, unknown>) => P,
  config: Record<string, unknown>,
  Client: unknown,
): P {
  const pool = new Pool({ ...config, Client });
  if (pool.Client !== Client) pool.Client = Client;
  return pool;
}

/** Whether the driver's `Pool` still drops the `Client` option (quirk 2 applies). */
export function poolDropsClientOption(Pool: new (config: Record<string, unknown>) => PoolWithClient): boolean {
  class Probe {}
  return new Pool({ Client: Probe }).Client !== Probe;
}
