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

interface NeonProxy {
  neonOptions: Record<string, unknown>;
  close(): Promise<void>;
}

// Computed so the type check does not need src/dev before it exists (API.md §5).
const DEV_MODULE = ['..', '..', '..', 'src', 'dev', 'index.js'].join('/');

/** A Neon adapter through the local Neon-compatible proxy (API.md §5) in front of the server. */
export function neonBinding(adapter: 'neon-ws' | 'neon-http'): BindingSource {
  return {
    name: adapter,
    start: async (serverUrl) => {
      const { startNeonProxy } = (await import(/* @vite-ignore */ DEV_MODULE)) as {
        startNeonProxy(options: { target: string; port: number }): Promise<NeonProxy>;
      };
      const proxy = await startNeonProxy({ target: serverUrl, port: 0 });
      const url = new URL(serverUrl);
      return {
        name: adapter,
        url: `postgresql+${adapter}://${url.username}@${url.host}${url.pathname}`,
        options: jsonOnly(adapter, proxy.neonOptions),
        close: () => proxy.close(),
      };
    },
  };
}

function jsonOnly(name: string, options: Record<string, unknown>): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(options)) as Record<string, unknown>;
  const lost = Object.keys(options).filter((k) => !(k in copy));
  if (lost.length) throw new Error(`${name}: options ${lost.join(', ')} are not JSON; runtimes get them as a variable`);
  return copy;
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
