/**
 * A TCP relay between a client and the database server, for injecting network faults the client
 * cannot tell from the real thing: the relay going down and coming back is a server restart, a
 * frozen relay is a server (or network) that stops answering, a cut in the middle of a reply is a
 * connection lost mid-result. Loopback only.
 */
import net from 'node:net';

export interface Relay {
  readonly port: number;
  /** `url` with its host and port replaced by the relay's. */
  route(url: string): string;
  /** Down: drop every connection and stop listening (new connections are refused). */
  down(): Promise<void>;
  /** Back up, on the same port. */
  up(): Promise<void>;
  /**
   * Frozen: new connections are accepted but nothing is forwarded either way, and open ones stop
   * forwarding too (their sockets stay open). `false` resumes forwarding for new connections;
   * frozen ones are dropped, as a stalled connection would be once the network came back.
   */
  freeze(on: boolean): void;
  /** Drop the connection that next carries `bytes` more bytes from the server (mid-result). */
  cutAfter(bytes: number): void;
  /** How many connections `cutAfter` cut. */
  readonly cuts: number;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket | undefined;
  frozen: boolean;
  /** Bytes from the server since the last `cutAfter`. */
  down: number;
}

export async function startRelay(target: { host: string; port: number }): Promise<Relay> {
  const pairs = new Set<Pair>();
  let frozen = false;
  let cutBudget: number | undefined;
  let cuts = 0;
  let port = 0;

  const destroy = (pair: Pair) => {
    pair.client.destroy();
    pair.upstream?.destroy();
    pairs.delete(pair);
  };

  const onConnection = (client: net.Socket) => {
    const pair: Pair = { client, upstream: undefined, frozen, down: 0 };
    pairs.add(pair);
    client.on('error', () => destroy(pair));
    client.on('close', () => destroy(pair));
    if (pair.frozen) return;
    const upstream = net.connect(target);
    pair.upstream = upstream;
    upstream.setNoDelay(true);
    upstream.on('error', () => destroy(pair));
    upstream.on('close', () => destroy(pair));
    client.on('data', (chunk: Buffer) => {
      if (!pair.frozen) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (pair.frozen) return;
      pair.down += chunk.length;
      if (cutBudget !== undefined && pair.down >= cutBudget) {
        cutBudget = undefined;
        cuts++;
        destroy(pair);
        return;
      }
      client.write(chunk);
    });
  };

  let server: net.Server | undefined;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = net.createServer(onConnection);
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        s.off('error', reject);
        port = (s.address() as net.AddressInfo).port;
        server = s;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const pair of [...pairs]) destroy(pair);
      if (!server) return resolve();
      const s = server;
      server = undefined;
      s.close(() => resolve());
    });

  await listen();
  return {
    get port() {
      return port;
    },
    get cuts() {
      return cuts;
    },
    route(url) {
      const u = new URL(url);
      u.host = `127.0.0.1:${port}`;
      return u.href;
    },
    down: stop,
    up: listen,
    freeze(on) {
      frozen = on;
      if (on) for (const pair of pairs) pair.frozen = true;
      else for (const pair of [...pairs]) if (pair.frozen) destroy(pair);
    },
    cutAfter(bytes) {
      for (const pair of pairs) pair.down = 0;
      cutBudget = bytes;
    },
    close: stop,
  };
}
