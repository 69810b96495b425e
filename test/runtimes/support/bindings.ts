/**
 * The databases the runtime tests reach, one entry per adapter. Each runtime test takes a list of
 * these, so a new adapter is one more entry: `neonBinding('neon-ws')` once the proxy exists.
 */

/** How a Worker, a Deno script or a page binds through one adapter. */
export interface RuntimeBinding {
  /** The adapter under test: `pg`, `neon-ws`, `neon-http`. */
  readonly name: string;
  /** The URL to bind; its scheme picks the adapter. Its user may be replaced (role tests). */
  readonly url: string;
  /** The adapter's own options; JSON, since they travel as the `DATABASE_OPTIONS` variable. */
  readonly options: Record<string, unknown>;
  close(): Promise<void>;
}

export interface BindingSource {
  readonly name: string;
  /** Start whatever the binding needs in front of the PostgreSQL server at `serverUrl`. */
  start(serverUrl: string): Promise<RuntimeBinding>;
}

/** node-postgres straight to the server (TCP; `cloudflare:sockets` under workerd). */
export const pgBinding: BindingSource = {
  name: 'pg',
  start: async (serverUrl) => ({ name: 'pg', url: serverUrl, options: {}, close: async () => {} }),
};

import { type NeonProxy, startNeonProxy } from '../../../src/dev/index.js';
import { neonUrl } from '../../support/neon.js';

/**
 * A Neon adapter through the local Neon-compatible proxy in front of the server.
 * `allowOrigins` lets a web page reach it (the proxy refuses browser origins by default).
 */
export function neonBinding(
  adapter: 'neon-ws' | 'neon-http',
  proxyOptions: { allowOrigins?: '*' } = {},
): BindingSource {
  return {
    name: adapter,
    start: async (serverUrl) => {
      const proxy: NeonProxy = await startNeonProxy({ target: serverUrl, port: 0, ...proxyOptions });
      return {
        name: adapter,
        url: neonUrl(adapter, serverUrl),
        options: jsonOnly(proxy.neonOptions),
        close: () => proxy.close(),
      };
    },
  };
}

/**
 * The options a runtime gets as a JSON variable. Node's `webSocketConstructor` stays behind:
 * workerd, Deno and browsers have a global WebSocket.
 */
function jsonOnly(options: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).filter(([key]) => key !== 'webSocketConstructor'));
}

/** Start every binding; close them all with the returned function. */
export async function startBindings(
  sources: readonly BindingSource[],
  serverUrl: string,
): Promise<{ bindings: RuntimeBinding[]; close: () => Promise<void> }> {
  const bindings: RuntimeBinding[] = [];
  const close = async () => {
    await Promise.all(bindings.map((b) => b.close()));
  };
  try {
    for (const source of sources) bindings.push(await source.start(serverUrl));
  } catch (error) {
    await close();
    throw error;
  }
  return { bindings, close };
}
