/**
 * One WebSocket client, as Neon's WebSocket proxy serves it: the start-up is answered here
 * (SSLRequest refused, the password asked for in cleartext, as Neon asks), the proxy logs in to its
 * target with that password (target-login.ts), and from then on binary frames and the TCP
 * connection are piped both ways. Neon's driver pipelines its start-up by default: the start-up
 * message, the password and the first queries arrive before any answer, so whatever the client
 * sends during the log-in is held and passed on after it.
 */
import { type Socket, connect as tcpConnect } from 'node:net';
import {
  authMessage,
  CANCEL_REQUEST,
  errorResponse,
  FrontendFrames,
  GSSENC_REQUEST,
  MessageReader,
  PROTOCOL_3,
  SSL_REQUEST,
  startupParams,
} from './pg-frames.js';
import { logInToTarget, TargetLoginError } from './target-login.js';

/** The slice of a `ws` WebSocket this module uses. */
export interface WsSocket {
  readonly readyState: number;
  send(data: Buffer, options: { binary: boolean }): void;
  close(code?: number): void;
  terminate(): void;
  on(event: 'message', listener: (data: Buffer | ArrayBuffer | Buffer[]) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export interface WsSessionContext {
  target: { host: string; port: number };
  /** Open TCP connections, for the proxy to destroy on close. */
  sockets: Set<Socket>;
  counters: { wsMessagesIn: number; wsMessagesOut: number };
  log(line: string): void;
}

const OPEN = 1;

/** Serve one WebSocket client until either side closes. */
export function serveWebSocket(client: WsSocket, ctx: WsSessionContext): void {
  const reader = new MessageReader();
  const frames = new FrontendFrames();
  /** What the client sent after its password, while the proxy logs in. */
  const held: Buffer[] = [];
  let phase: 'startup' | 'password' | 'login' | 'open' | 'done' = 'startup';
  let params: Map<string, string> | undefined;
  let tcp: Socket | undefined;
  let terminated = false;

  const send = (data: Buffer) => {
    if (client.readyState !== OPEN) return;
    ctx.counters.wsMessagesOut += 1;
    client.send(data, { binary: true });
  };
  const refuse = (reply: Buffer) => {
    if (phase === 'done') return;
    phase = 'done';
    send(reply);
    client.close(1000);
  };
  const connectTarget = (): Socket => {
    const socket = tcpConnect({ host: ctx.target.host, port: ctx.target.port });
    ctx.sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => ctx.sockets.delete(socket));
    return socket;
  };

  const logIn = (password: string) => {
    phase = 'login';
    const socket = connectTarget();
    tcp = socket;
    let connected = false;
    socket.once('connect', () => {
      connected = true;
      logInToTarget(socket, params ?? new Map(), password).then(
        (greeting) => {
          if (phase !== 'login') return;
          phase = 'open';
          send(greeting);
          socket.on('data', send);
          socket.on('close', () => {
            if (client.readyState === 0 || client.readyState === OPEN) client.close(terminated ? 1000 : 1011);
          });
          for (const chunk of held.splice(0)) socket.write(chunk);
          if (terminated) socket.end();
        },
        (error: Error) => {
          socket.destroy();
          const reply =
            error instanceof TargetLoginError
              ? error.reply
              : errorResponse('08006', `the proxy could not log in to its target: ${error.message}`);
          refuse(reply);
        },
      );
    });
    socket.on('error', (error) => {
      ctx.log(`neon proxy: target connection failed: ${error.message}`);
      if (!connected && phase === 'login') {
        refuse(
          errorResponse(
            '08006',
            `the proxy could not reach its target at ${ctx.target.host}:${ctx.target.port}: ${error.message}`,
          ),
        );
      }
    });
  };

  /** The start-up: SSL and GSS requests refused, a cancel request passed on, then the password. */
  const startUp = () => {
    while (phase === 'startup') {
      const startup = reader.nextStartup();
      if (!startup) return;
      const code = startup.readInt32BE(4);
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
        send(Buffer.from('N'));
      } else if (code === CANCEL_REQUEST) {
        const socket = connectTarget();
        socket.on('error', () => undefined);
        socket.end(startup);
        phase = 'done';
        client.close(1000);
      } else if (code === PROTOCOL_3) {
        params = startupParams(startup);
        if (!params.get('user')) return refuse(errorResponse('28000', 'missing username'));
        phase = 'password';
        send(authMessage(3));
      } else {
        return refuse(errorResponse('0A000', `unsupported frontend protocol ${code >> 16}.${code & 0xffff}`));
      }
    }
    if (phase !== 'password') return;
    const m = reader.next();
    if (!m) return;
    if (m.type !== 0x70 /* p */) {
      return refuse(errorResponse('08P01', 'expected a password message after the start-up'));
    }
    const end = m.body.indexOf(0);
    const password = m.body.subarray(0, end < 0 ? m.body.length : end).toString('utf8');
    if (password === '') {
      return refuse(errorResponse('28P01', 'missing authentication credentials: required password'));
    }
    const rest = reader.rest();
    if (rest.length > 0) held.push(rest);
    logIn(password);
  };

  client.on('message', (data) => {
    ctx.counters.wsMessagesIn += 1;
    const chunk = Array.isArray(data)
      ? Buffer.concat(data)
      : Buffer.isBuffer(data)
        ? data
        : Buffer.from(data as ArrayBuffer);
    if (terminated || phase === 'done') return;
    terminated = frames.push(chunk);
    if (phase === 'open' && tcp) {
      tcp.write(chunk);
      if (terminated) tcp.end();
      return;
    }
    if (phase === 'login') {
      held.push(chunk);
      return;
    }
    try {
      reader.push(chunk);
      startUp();
    } catch (error) {
      refuse(errorResponse('08P01', (error as Error).message));
    }
  });
  client.on('error', () => undefined);
  client.on('close', () => {
    phase = 'done';
    tcp?.end();
    tcp?.destroy();
  });
}
