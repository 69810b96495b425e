/**
 * Telling a lost connection from other driver failures. The core maps server errors by SQLSTATE
 * only; a connection that fails without one (a refused socket, a dropped WebSocket, a driver's
 * "connection terminated") is reported by the adapter, which knows what its driver says: each
 * adapter hands `connectionFailure` the messages of its own driver.
 */
import { ConnectionError, GinoError, pgErrorFields } from '../../src/errors.js';

/** Node's (and undici's) error codes for a socket that could not be opened or was lost. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Whether a driver error means the connection failed: a socket error code, an aborted or
 * timed-out request, or a message of the driver's own (`messages`); its `cause` chain too.
 */
export function connectionFailure(error: unknown, messages: RegExp): boolean {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 8; depth++) {
    const { code, name, message, cause } = e as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    if (name === 'AbortError' || name === 'TimeoutError') return true;
    if (typeof message === 'string' && messages.test(message)) return true;
    if (cause === e) return false;
    e = cause;
  }
  return false;
}

/** The message of a lost connection, with what to check when the server refused it. */
function connectionMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if ((error as { code?: unknown } | null)?.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message)) {
    return `${message}: is the database server running, and are the URL's host and port right?`;
  }
  return message;
}

/**
 * What an adapter throws for a driver error: a gino-edge error or a server error (it has a
 * SQLSTATE, which the core maps) as it is; a failed connection (`connectionFailure` with the
 * driver's `messages`) as `ConnectionError`; anything else as it is.
 */
export function driverFailure(error: unknown, messages: RegExp): unknown {
  if (error instanceof GinoError || pgErrorFields(error)) return error;
  if (!connectionFailure(error, messages)) return error;
  return new ConnectionError(connectionMessage(error), { cause: error });
}
