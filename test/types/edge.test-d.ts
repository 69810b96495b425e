/**
 * Types of the Workers entry points with no generics written: `db.worker()` and `gino-edge/hono`
 * type `env` with the Worker's bindings (`Cloudflare.Env`, which `wrangler types` generates; here
 * examples/hono/worker-configuration.d.ts), or with what the app or the bind function names.
 */
import { Hono } from 'hono';
import { describe, expectTypeOf, test } from 'vitest';
import { gino } from '../../src/hono/index.js';
import { type Engine, Gino, type WorkerContext } from '../../src/index.js';

const db = new Gino();

interface MyEnv {
  MY_URL: string;
  LIMIT: number;
}

describe('db.worker()', () => {
  test('no generics, no annotation: env is the Worker bindings (Cloudflare.Env)', () => {
    db.worker({
      bind: (env) => {
        expectTypeOf(env).toEqualTypeOf<Cloudflare.Env>();
        expectTypeOf(env.DATABASE_URL).toEqualTypeOf<string | undefined>();
        return env.DATABASE_URL;
      },
      fetch: (request, env, ctx, engine) => {
        expectTypeOf(request).toEqualTypeOf<Request>();
        expectTypeOf(env).toEqualTypeOf<Cloudflare.Env>();
        expectTypeOf(ctx).toEqualTypeOf<WorkerContext>();
        expectTypeOf(engine).toEqualTypeOf<Engine>();
        // @ts-expect-error: not a binding of this Worker
        env.NOT_A_BINDING;
        return new Response('ok');
      },
    });
  });

  test("an annotated bind types fetch's env and the handler", () => {
    const handler = db.worker({
      bind: (env: MyEnv) => env.MY_URL,
      fetch: (_request, env) => {
        expectTypeOf(env).toEqualTypeOf<MyEnv>();
        return new Response(String(env.LIMIT));
      },
    });
    expectTypeOf(handler.fetch).parameter(1).toEqualTypeOf<MyEnv>();
  });

  test('the handler type given by the export types both callbacks (a Workers ExportedHandler shape)', () => {
    interface ExecutionContext extends WorkerContext {
      passThroughOnException(): void;
    }
    const handler: { fetch(r: Request, env: MyEnv, ctx: ExecutionContext): Promise<Response> } = db.worker({
      bind: (env) => env.MY_URL,
      fetch: (_request, env, ctx) => {
        ctx.passThroughOnException();
        return new Response(String(env.LIMIT));
      },
    });
    expectTypeOf(handler).not.toBeAny();
  });
});

describe('gino-edge/hono', () => {
  test('no generics: c.env is the Worker bindings (Cloudflare.Env)', () => {
    const app = new Hono<{ Bindings: Cloudflare.Env }>();
    app.use(
      gino(db, {
        bind: (c) => {
          expectTypeOf(c.env).toEqualTypeOf<Cloudflare.Env>();
          // @ts-expect-error: not a binding of this Worker
          c.env.NOT_A_BINDING;
          return c.env.DATABASE_URL;
        },
      }),
    );
  });

  test('an app of its own bindings: the middleware says which it needs', () => {
    const app = new Hono<{ Bindings: MyEnv }>();
    app.use(
      gino<{ Bindings: MyEnv }>(db, {
        bind: (c) => {
          expectTypeOf(c.env.MY_URL).toEqualTypeOf<string>();
          // @ts-expect-error: not a binding of this app
          c.env.DATABASE_URL;
          return c.env.MY_URL;
        },
        options: (c) => ({ max: c.env.LIMIT }),
      }),
    );
    app.get('/', (c) => c.text(c.env.MY_URL));
  });

  test('bind returns a URL, an adapter, an Engine, or a promise of one', () => {
    const app = new Hono();
    app.use(gino(db, { bind: async () => db.createEngine('pglite://memory') }));
    // @ts-expect-error: a number is no binding
    app.use(gino(db, { bind: () => 42 }));
  });
});
