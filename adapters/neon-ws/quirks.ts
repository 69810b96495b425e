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
 * 3. A COPY's back-pressure: the driver's socket (`connection.stream`, a WebSocket behind a
 *    Node-like shim) says nothing of its buffer (its `write()` always returns true, and writes of
 *    one turn of the event loop are coalesced until a timer fires). The copy yields a timer turn
 *    after each block, so the block is handed to the WebSocket, and then waits while the
 *    WebSocket's standard `bufferedAmount` (the shim's own `ws` member) is past a limit.
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

/** How many bytes a copy lets wait in the WebSocket's buffer before it waits (quirk 3). */
const COPY_BACKLOG = 1024 * 1024;

/** The WebSocket under the driver's socket shim, if it still has the shape quirk 3 reads. */
export function socketOf(stream: unknown): { readonly bufferedAmount: number } | undefined {
  const ws = (stream as { ws?: { bufferedAmount?: unknown } } | undefined)?.ws;
  return ws && typeof ws.bufferedAmount === 'number' ? (ws as { bufferedAmount: number }) : undefined;
}

const turn = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Quirk 3: after each block of a COPY, a timer turn (the shim sends its coalesced writes on one),
 * then a wait while the WebSocket holds more than `COPY_BACKLOG` bytes, or the copy has ended.
 */
export async function neonSocketPace(connection: { readonly stream?: unknown }, stopped: Promise<void>) {
  let ended = false;
  void stopped.then(() => {
    ended = true;
  });
  await turn(0);
  const ws = socketOf(connection.stream);
  while (!ended && ws && ws.bufferedAmount > COPY_BACKLOG) await turn(5);
}
