/**
 * A bare WebSocket-to-TCP relay, like the `wsproxy` of Neon's local-development recipes: frames
 * piped to a server and back, nothing answered on its own. Unlike the dev proxy, it lets the
 * server's own log-in (SCRAM) reach the driver, to test how the neon-ws adapter survives it.
 */
import { createServer } from 'node:http';
import { connect, type Socket } from 'node:net';
import { WebSocketServer } from 'ws';

export interface WsRelay {
  /** `127.0.0.1:<port>/v1`, for the `wsProxy` option. */
  wsProxy: string;
  close(): Promise<void>;
}

export async function startWsRelay(target: { host: string; port: number }): Promise<WsRelay> {
  const sockets = new Set<Socket>();
  const http = createServer();
  const wss = new WebSocketServer({ server: http });
  wss.on('connection', (ws) => {
    const tcp = connect(target);
    sockets.add(tcp);
    const pending: Buffer[] = [];
    tcp.on('connect', () => {
      for (const chunk of pending.splice(0)) tcp.write(chunk);
    });
    tcp.on('data', (data) => ws.readyState === ws.OPEN && ws.send(data));
    tcp.on('error', () => undefined);
    tcp.on('close', () => {
      sockets.delete(tcp);
      ws.close();
    });
    ws.on('message', (data: Buffer) => {
      if (tcp.connecting) pending.push(data);
      else tcp.write(data);
    });
    ws.on('close', () => tcp.destroy());
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as { port: number }).port;
  return {
    wsProxy: `127.0.0.1:${port}/v1`,
    close: async () => {
      for (const s of sockets) s.destroy();
      for (const c of wss.clients) c.terminate();
      wss.close();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}
