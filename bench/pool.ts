/**
 * One client, shared: what a pool of one hands out, without a pool's own cost. The lease is the
 * client itself (with a no-op release), as pg-pool's leases are: handed a pg Client, gino-edge's
 * pg adapter sees a real `pg.Client`; handed a double, it sees the double.
 */
export function singleClientPool<C extends { query: unknown }>(client: C) {
  const lease = Object.assign(client, { release() {} });
  return {
    query: ((...args: unknown[]) => (client.query as (...a: unknown[]) => unknown)(...args)) as never,
    connect: async () => lease,
    end: async () => {},
    on() {},
  };
}
