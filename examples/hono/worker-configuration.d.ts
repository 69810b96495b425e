// The Worker's bindings, as `wrangler types` generates them from wrangler.toml: gino-edge/hono types
// `c.env` with them, with no generics to write.
declare namespace Cloudflare {
  interface Env {
    /**
     * e.g. postgresql://user:password@host/db. Optional, as a secret not yet set is: gino() reports
     * a missing one to app.onError.
     */
    DATABASE_URL?: string;
    /** Optional JSON of the adapter's own options, e.g. {"max": 1}. */
    DATABASE_OPTIONS?: string;
  }
}
