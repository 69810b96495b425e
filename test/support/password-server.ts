/**
 * A log-in that checks a password in front of a trust-auth test server: it asks for the password
 * the way a real server does (cleartext, MD5 or SCRAM-SHA-256), refuses a wrong one with
 * PostgreSQL's 28P01, and on the right one hands the connection to the server behind it.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import net from 'node:net';

export type PasswordMethod = 'password' | 'md5' | 'scram-sha-256';

export interface PasswordServer {
  /** The server's URL with this user and no password. */
  url: string;
  /** Log-ins refused and accepted. */
  readonly refused: number;
  readonly accepted: number;
  close(): Promise<void>;
}

function msg(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}
function auth(code: number, payload = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(code, 0);
  return msg('R', Buffer.concat([b, payload]));
}
function fatal(code: string, text: string): Buffer {
  return msg('E', Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${text}\0\0`));
}
const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();

export async function startPasswordServer(options: {
  behind: string;
  password: string;
  method: PasswordMethod;
}): Promise<PasswordServer> {
  const behind = new URL(options.behind);
  const user = decodeURIComponent(behind.username);
  let refused = 0;
  let accepted = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    let data = Buffer.alloc(0);
    let startup: Buffer | undefined;
    const salt = randomBytes(options.method === 'md5' ? 4 : 16);
    let scramFirstBare = '';
    let serverFirst = '';
    const refuse = () => {
      refused += 1;
      client.end(fatal('28P01', `password authentication failed for user "${user}"`));
    };
    let handed = false;
    const accept = () => {
      accepted += 1;
      handed = true;
      client.removeAllListeners('data');
      const server = net.connect({ host: behind.hostname, port: Number(behind.port || 5432) });
      sockets.add(server);
      server.on('error', () => client.destroy());
      server.on('close', () => sockets.delete(server));
      server.write(startup as Buffer);
      if (data.length > 0) server.write(data);
      server.pipe(client);
      client.pipe(server);
    };
    const onMessage = (type: number, body: Buffer) => {
      if (type !== 0x70) return refuse();
      if (options.method === 'password') {
        return body.subarray(0, body.indexOf(0)).toString('utf8') === options.password ? accept() : refuse();
      }
      if (options.method === 'md5') {
        const inner = createHash('md5')
          .update(options.password + user)
          .digest('hex');
        const want = `md5${createHash('md5')
          .update(Buffer.concat([Buffer.from(inner), salt]))
          .digest('hex')}`;
        return body.subarray(0, body.indexOf(0)).toString('utf8') === want ? accept() : refuse();
      }
      const salted = pbkdf2Sync(options.password, salt, 4096, 32, 'sha256');
      if (serverFirst === '') {
        const mechEnd = body.indexOf(0);
        const first = body.subarray(mechEnd + 5).toString('utf8');
        scramFirstBare = first.replace(/^n,,/, '');
        const clientNonce = /r=([^,]*)/.exec(scramFirstBare)?.[1] ?? '';
        serverFirst = `r=${clientNonce}${randomBytes(12).toString('base64')},s=${salt.toString('base64')},i=4096`;
        client.write(auth(11, Buffer.from(serverFirst)));
        return;
      }
      const final = body.toString('utf8');
      const withoutProof = final.replace(/,p=[^,]*$/, '');
      const proof = Buffer.from(/,p=([^,]*)$/.exec(final)?.[1] ?? '', 'base64');
      const authText = `${scramFirstBare},${serverFirst},${withoutProof}`;
      const clientKey = hmac(salted, 'Client Key');
      const signature = hmac(sha256(clientKey), authText);
      const given = Buffer.from(proof.map((b, i) => b ^ (signature[i] as number)));
      if (proof.length !== 32 || !sha256(given).equals(sha256(clientKey))) return refuse();
      client.write(auth(12, Buffer.from(`v=${hmac(hmac(salted, 'Server Key'), authText).toString('base64')}`)));
      accept();
    };
    client.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      for (;;) {
        if (!startup) {
          if (data.length < 8) return;
          const length = data.readInt32BE(0);
          if (data.length < length) return;
          const code = data.readInt32BE(4);
          const message = data.subarray(0, length);
          data = data.subarray(length);
          if (code === 80877103) {
            client.write('N');
            continue;
          }
          startup = message;
          if (options.method === 'password') client.write(auth(3));
          else if (options.method === 'md5') client.write(auth(5, salt));
          else client.write(auth(10, Buffer.from('SCRAM-SHA-256\0\0')));
          continue;
        }
        if (data.length < 5) return;
        const length = data.readInt32BE(1);
        if (data.length < 1 + length) return;
        const type = data[0] as number;
        const body = data.subarray(5, 1 + length);
        data = data.subarray(1 + length);
        onMessage(type, body);
        if (handed || client.destroyed) return;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const url = new URL(options.behind);
  url.host = `127.0.0.1:${port}`;
  url.password = '';
  return {
    url: url.toString(),
    get refused() {
      return refused;
    },
    get accepted() {
      return accepted;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
