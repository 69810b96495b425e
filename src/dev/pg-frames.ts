/**
 * Just enough of PostgreSQL's frontend framing to see a client's Terminate message ('X') go past
 * in the byte stream the proxy pipes. PostgreSQL closes the connection after Terminate, and Neon's
 * driver waits for that close (its socket shim never closes on its own), so the proxy ends the
 * TCP connection itself: otherwise a target that keeps the socket open (pglite-socket) would
 * leave `client.end()` pending forever.
 */

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const TERMINATE = 0x58; // 'X'

/** Feed it the client's bytes in order; it answers whether a Terminate message has been sent. */
export class FrontendFrames {
  /** Start-up messages have no type byte: a length, then a code. */
  private startup = true;
  /** Bytes still to skip of the message being read. */
  private skip = 0;
  /** A partial header carried over from the previous chunk. */
  private header: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): boolean {
    let data = this.header.length > 0 ? Buffer.concat([this.header, chunk]) : chunk;
    this.header = Buffer.alloc(0);
    for (;;) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, data.length);
        this.skip -= n;
        data = data.subarray(n);
      }
      if (data.length === 0) return false;
      if (this.startup) {
        if (data.length < 8) {
          this.header = Buffer.from(data);
          return false;
        }
        const length = data.readInt32BE(0);
        const code = data.readInt32BE(4);
        if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) this.startup = false;
        this.skip = length;
        continue;
      }
      if (data.length < 5) {
        this.header = Buffer.from(data);
        return false;
      }
      if (data[0] === TERMINATE) return true;
      this.skip = 1 + data.readInt32BE(1);
    }
  }
}

export const PROTOCOL_3 = 196608;
export const CANCEL_REQUEST = 80877102;
export { GSSENC_REQUEST, SSL_REQUEST };

/** One typed message: its type byte and its body (without the length). */
export interface PgMessage {
  type: number;
  body: Buffer;
}

/**
 * Cuts a byte stream into PostgreSQL messages: start-up messages (a length, then the rest) until
 * `typed` is set, typed messages (a type byte, a length, the body) after.
 */
export class MessageReader {
  private data: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    this.data = this.data.length === 0 ? chunk : Buffer.concat([this.data, chunk]);
  }

  /** The next start-up message (length included), or undefined until it has all arrived. */
  nextStartup(): Buffer | undefined {
    if (this.data.length < 4) return undefined;
    const length = this.data.readInt32BE(0);
    if (length < 8 || length > 10_000) throw new Error(`a start-up message of ${length} bytes is not PostgreSQL's`);
    if (this.data.length < length) return undefined;
    const message = this.data.subarray(0, length);
    this.data = this.data.subarray(length);
    return message;
  }

  /** The next typed message, or undefined until it has all arrived. */
  next(): PgMessage | undefined {
    if (this.data.length < 5) return undefined;
    const length = this.data.readInt32BE(1);
    if (length < 4) throw new Error(`a message length of ${length} is not PostgreSQL's`);
    if (this.data.length < 1 + length) return undefined;
    const message = { type: this.data[0] as number, body: this.data.subarray(5, 1 + length) };
    this.data = this.data.subarray(1 + length);
    return message;
  }

  /** Whatever has arrived past the messages read so far. */
  rest(): Buffer {
    const rest = this.data;
    this.data = Buffer.alloc(0);
    return rest;
  }
}

/** A typed message: `type`, a length, `body`. */
export function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
}

/** Zero-terminated strings, one after another. */
export function cstrings(...values: string[]): Buffer {
  return Buffer.concat(values.map((v) => Buffer.from(`${v}\0`, 'utf8')));
}

/** The start-up message's parameters (`user`, `database`, ...), from the whole message. */
export function startupParams(startup: Buffer): Map<string, string> {
  const params = new Map<string, string>();
  const parts = startup.subarray(8).toString('utf8').split('\0');
  for (let i = 0; i + 1 < parts.length && parts[i] !== ''; i += 2)
    params.set(parts[i] as string, parts[i + 1] as string);
  return params;
}

/** A protocol 3.0 start-up message with these parameters. */
export function startupMessage(params: ReadonlyMap<string, string>): Buffer {
  const body = Buffer.concat([...[...params].map(([k, v]) => cstrings(k, v)), Buffer.from([0])]);
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + body.length, 0);
  head.writeInt32BE(PROTOCOL_3, 4);
  return Buffer.concat([head, body]);
}

/** An authentication request (`R`): 0 ok, 3 cleartext password, 5 MD5, 10-12 SASL. */
export function authMessage(code: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const body = Buffer.alloc(4 + payload.length);
  body.writeInt32BE(code, 0);
  payload.copy(body, 4);
  return message('R', body);
}

/** An ErrorResponse, FATAL unless told otherwise. */
export function errorResponse(code: string, text: string, severity = 'FATAL'): Buffer {
  return message(
    'E',
    Buffer.concat([cstrings(`S${severity}`, `V${severity}`, `C${code}`, `M${text}`), Buffer.from([0])]),
  );
}

/** An ErrorResponse's fields by their one-letter codes (`C` SQLSTATE, `M` message, ...). */
export function errorFields(body: Buffer): Map<string, string> {
  const fields = new Map<string, string>();
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const end = body.indexOf(0, at + 1);
    fields.set(String.fromCharCode(body[at] as number), body.subarray(at + 1, end).toString('utf8'));
    at = end + 1;
  }
  return fields;
}
