/**
 * A small HTTP relay in front of the Neon proxy's `POST /sql` that fails on demand the ways an HTTP
 * endpoint fails: a 500, no answer at all, a reply that is not JSON, a reply cut short, a reset
 * connection, headers and then silence. In `pass` mode it forwards to the real endpoint, so one
 * binding can be failed and then seen to recover. It is the failure under test, not a database mock:
 * every successful answer comes from the real proxy and server.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type HttpFault = 'pass' | 'status500' | 'hang' | 'notJson' | 'truncated' | 'reset' | 'stallBody';

export interface HttpFaults {
  readonly endpoint: string;
  mode: HttpFault;
  /** Requests seen, by mode. */
  readonly counts: Record<HttpFault, number>;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startHttpFaults(target: string): Promise<HttpFaults> {
  const counts: Record<HttpFault, number> = {
    pass: 0,
    status500: 0,
    hang: 0,
    notJson: 0,
    truncated: 0,
    reset: 0,
    stallBody: 0,
  };
  const sockets = new Set<Socket>();
  const state = { mode: 'pass' as HttpFault };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const mode = state.mode;
    counts[mode]++;
    const payload = await body(req);
    switch (mode) {
      case 'pass': {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) {
          if (typeof v === 'string' && k.toLowerCase().startsWith('neon-')) headers[k] = v;
        }
        headers['content-type'] = 'application/json';
        const reply = await fetch(target, { method: 'POST', headers, body: payload.toString('utf8') });
        const text = await reply.text();
        res.writeHead(reply.status, { 'content-type': 'application/json' }).end(text);
        return;
      }
      case 'status500':
        res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error: the endpoint fell over');
        return;
      case 'hang':
        return; // never answers; the socket stays open until the client gives up
      case 'notJson':
        res.writeHead(200, { 'content-type': 'application/json' }).end('<html>definitely not JSON</html>');
        return;
      case 'truncated':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"command":"SELECT","rowCount":1,"fi');
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'stallBody':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"command":');
        return; // the rest never comes
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    endpoint: `http://127.0.0.1:${port}/sql`,
    get mode() {
      return state.mode;
    },
    set mode(m: HttpFault) {
      state.mode = m;
    },
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
