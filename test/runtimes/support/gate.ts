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
  /** Client connections accepted since the gate started. */
  readonly accepted: number;
  /** `url` with its host and port replaced by the gate's. */
  route(url: string): string;
  close(): Promise<void>;
}

/** PostgreSQL's Terminate message: 'X' and a length of 4. */
const TERMINATE = Buffer.from([0x58, 0, 0, 0, 4]);

export async function startGate(target: { host: string; port: number }, max: number): Promise<Gate> {
  let open = 0;
  let peakOpen = 0;
  let forwarded = 0;
  let peakForwarded = 0;
  let abrupt = 0;
  let accepted = 0;
  const waiting: (() => void)[] = [];
  const sockets = new Set<net.Socket>();

  const release = () => {
    forwarded--;
    waiting.shift()?.();
  };

  const server = net.createServer((client) => {
    accepted++;
    open++;
    peakOpen = Math.max(peakOpen, open);
    sockets.add(client);
    client.pause();
    let upstream: net.Socket | undefined;
    let closed = false;
    let tail = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      tail = Buffer.concat([tail, chunk]).subarray(-TERMINATE.length);
    });
    client.once('close', () => {
      closed = true;
      if (!tail.equals(TERMINATE)) abrupt++;
      open--;
      sockets.delete(client);
      upstream?.destroy();
    });
    client.on('error', () => client.destroy());
    const forward = () => {
      if (closed) {
        waiting.shift()?.();
        return;
      }
      forwarded++;
      peakForwarded = Math.max(peakForwarded, forwarded);
      const up = net.connect(target);
      upstream = up;
      sockets.add(up);
      up.once('close', () => {
        sockets.delete(up);
        release();
        client.destroy();
      });
      up.on('error', () => up.destroy());
      client.pipe(up);
      up.pipe(client);
      client.resume();
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
