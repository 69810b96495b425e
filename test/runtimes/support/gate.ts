/**
 * A TCP gate in front of the test server: accepts any number of connections but forwards at most
 * `max` at a time, queueing the rest (a client's startup message waits in its socket). The server
 * is shared with other suites and has ~100 connection slots; the gate lets hundreds of concurrent
 * requests each open their own connection without exhausting them. It also counts what it saw,
 * including the clients that vanished without saying goodbye (PostgreSQL's Terminate message): a
 * runtime dropping a socket nobody closed.
 */
import net from 'node:net';

export interface Gate {
  /** `host:port` to put in URLs instead of the server's. */
  readonly address: string;
  readonly port: number;
  /** Client connections open now. */
  readonly open: number;
  /** The most client connections open at once. */
  readonly peakOpen: number;
  /** The most server connections open at once (never above `max`). */
  readonly peakForwarded: number;
  /** Client connections that closed without PostgreSQL's Terminate message. */
  readonly abrupt: number;
  /** Times a startup was held because the server had no free slot (`waitForServerSlot`), and for how long in all. */
  readonly waits: number;
  readonly waitedMs: number;
  /** Client connections accepted since the gate started. */
  readonly accepted: number;
  /** `url` with its host and port replaced by the gate's. */
  route(url: string): string;
  close(): Promise<void>;
}

/** PostgreSQL's Terminate message: 'X' and a length of 4. */
const TERMINATE = Buffer.from([0x58, 0, 0, 0, 4]);
/** SQLSTATE 53300 (too_many_connections) as an ErrorResponse field: "sorry, too many clients already". */
const TOO_MANY = Buffer.from('C53300\0');
/** The same SQLSTATE for a role's or a database's CONNECTION LIMIT: not the server's slots. */
const LIMIT = /too many connections for (role|database)/;

/**
 * What the server's answer to a startup so far says: `full` (no free slot: "too many clients", a
 * role's or the reserved slots' limit, all SQLSTATE 53300), `accepted` (ready for queries, another
 * error, or an authentication request the client must answer), or `pending` (read more).
 */
function startupAnswer(held: Buffer, alsoLimits: boolean): 'full' | 'accepted' | 'pending' {
  let at = 0;
  while (held.length - at >= 5) {
    const type = held[at] as number;
    // Not a message of the startup phase (e.g. an SSLRequest's one-byte answer): let it through.
    if (type !== 0x52 && type !== 0x45 && type !== 0x53 && type !== 0x4b && type !== 0x5a && type !== 0x4e)
      return 'accepted';
    const length = held.readUInt32BE(at + 1);
    if (held.length - at < 1 + length) return 'pending';
    const message = held.subarray(at, at + 1 + length);
    if (type === 0x45)
      return message.includes(TOO_MANY) && (alsoLimits || !LIMIT.test(String(message))) ? 'full' : 'accepted';
    if (type === 0x5a) return 'accepted';
    if (type === 0x52 && message.readUInt32BE(5) !== 0) return 'accepted';
    at += 1 + length;
  }
  return 'pending';
}

export interface GateOptions {
  /**
   * When the server answers a startup with "too many clients" or "remaining connection slots are
   * reserved" (its slots are taken by others), hold
   * the client and connect again, up to `maxWaitMs` in all, calling `onWait` each time (never
   * silently); after that the server's refusal goes through to the client.
   */
  waitForServerSlot?: {
    maxWaitMs: number;
    onWait: (waitedMs: number, attempt: number) => void;
    /** Also wait when a role's or a database's CONNECTION LIMIT refuses (same SQLSTATE; for tests). */
    alsoConnectionLimits?: boolean;
  };
}

export async function startGate(
  target: { host: string; port: number },
  max: number,
  options: GateOptions = {},
): Promise<Gate> {
  let open = 0;
  let peakOpen = 0;
  let forwarded = 0;
  let peakForwarded = 0;
  let abrupt = 0;
  let waits = 0;
  let waitedMs = 0;
  let accepted = 0;
  const waiting: (() => void)[] = [];
  const sockets = new Set<net.Socket>();
  const slotWait = options.waitForServerSlot;

  const release = () => {
    forwarded--;
    waiting.shift()?.();
  };

  const server = net.createServer((client) => {
    accepted++;
    open++;
    peakOpen = Math.max(peakOpen, open);
    sockets.add(client);
    // No Nagle delay on either hop: a relay of small protocol messages would otherwise wait on
    // delayed ACKs (tens of ms per round trip), as the drivers' own sockets never do.
    client.setNoDelay(true);
    client.pause();
    let upstream: net.Socket | undefined;
    let closed = false;
    let tail = Buffer.alloc(0);
    // What the client sent before the server's first answer: sent again on a new connection when
    // the server had no free slot. Undefined once the server has accepted.
    let early: Buffer[] | undefined = [];
    let clientWaitedMs = 0;
    client.on('data', (chunk: Buffer) => {
      tail = Buffer.concat([tail, chunk]).subarray(-TERMINATE.length);
      early?.push(chunk);
      // The server's pace reaches the client: a relay that buffered everything would hide it.
      if (upstream && !upstream.destroyed && !upstream.write(chunk)) {
        client.pause();
        upstream.once('drain', () => client.resume());
      }
    });
    client.once('close', () => {
      closed = true;
      if (!tail.equals(TERMINATE)) abrupt++;
      open--;
      sockets.delete(client);
      upstream?.end();
    });
    client.on('error', () => client.destroy());
    const connect = (attempt: number) => {
      if (closed) {
        release();
        return;
      }
      const up = net.connect(target);
      up.setNoDelay(true);
      upstream = up;
      sockets.add(up);
      // The server's startup answer, held until it says whether there was a free slot.
      let held: Buffer | undefined = slotWait ? Buffer.alloc(0) : undefined;
      let retrying = false;
      up.on('data', (chunk: Buffer) => {
        if (held) {
          held = Buffer.concat([held, chunk]);
          const answer = startupAnswer(held, slotWait?.alsoConnectionLimits === true);
          if (answer === 'pending') return;
          if (answer === 'full' && slotWait && clientWaitedMs < slotWait.maxWaitMs) {
            retrying = true;
            const delay = Math.min(1000, 50 * 2 ** Math.min(attempt, 5));
            clientWaitedMs += delay;
            waits++;
            waitedMs += delay;
            slotWait.onWait(clientWaitedMs, attempt + 1);
            up.destroy();
            setTimeout(() => connect(attempt + 1), delay);
            return;
          }
          chunk = held;
          held = undefined;
        }
        early = undefined;
        client.write(chunk);
      });
      up.once('close', () => {
        sockets.delete(up);
        if (retrying) return;
        release();
        // Flush what the server said last (a FATAL error before it hung up) before closing.
        client.end();
        setTimeout(() => client.destroy(), 1000).unref();
      });
      up.on('error', () => up.destroy());
      for (const chunk of early ?? []) up.write(chunk);
      client.resume();
    };
    const forward = () => {
      if (closed) {
        waiting.shift()?.();
        return;
      }
      forwarded++;
      peakForwarded = Math.max(peakForwarded, forwarded);
      connect(0);
    };
    if (forwarded < max) forward();
    else waiting.push(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const address = `127.0.0.1:${port}`;
  return {
    address,
    port,
    get open() {
      return open;
    },
    get peakOpen() {
      return peakOpen;
    },
    get peakForwarded() {
      return peakForwarded;
    },
    get abrupt() {
      return abrupt;
    },
    get waits() {
      return waits;
    },
    get waitedMs() {
      return waitedMs;
    },
    get accepted() {
      return accepted;
    },
    route: (url) => {
      const u = new URL(url);
      u.host = address;
      return u.href;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
