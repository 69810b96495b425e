/**
 * A stand-in for a PostgreSQL server's log-in only: it answers any start-up message by asking for
 * SCRAM-SHA-256 (AuthenticationSASL), then sends a server-first message whose nonce does not
 * extend the client's. No database behind it: it exists to test how the Neon adapters fail when a
 * server asks for a password, which the trust-auth test servers never do.
 */
import net from 'node:net';

function authMessage(code: number, payload: Buffer): Buffer {
  const out = Buffer.alloc(9 + payload.length);
  out.write('R', 0);
  out.writeInt32BE(8 + payload.length, 1);
  out.writeInt32BE(code, 5);
  payload.copy(out, 9);
  return out;
}

export interface ScramServer {
  url: string;
  port: number;
  /** Start-up messages received (one per connection attempt). */
  readonly logins: number;
  close(): Promise<void>;
}

export async function startScramServer(): Promise<ScramServer> {
  let logins = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let stage = 0;
    socket.on('data', () => {
      if (stage === 0) {
        logins += 1;
        socket.write(authMessage(10, Buffer.from('SCRAM-SHA-256\0\0')));
      } else if (stage === 1) {
        socket.write(authMessage(11, Buffer.from('r=not-the-client-nonce,s=c2FsdA==,i=4096')));
      }
      stage += 1;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `postgres://scram@127.0.0.1:${port}/scram`,
    port,
    get logins() {
      return logins;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
