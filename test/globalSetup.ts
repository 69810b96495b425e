/**
 * Vitest global set-up: one database server for the whole run (see support/server.ts), reached
 * through one connection budget: a gate that lets at most GINO_TEST_CONNECTIONS (default 40) of the
 * run's connections reach the server at once and queues the rest, so the suite never takes more
 * than that of the shared server's ~100 slots, however many connections its tests open. When the
 * server itself has no free slot (others use it), the gate holds the new connection and tries
 * again for up to a minute, saying so each time on stderr and in the run's summary: nothing is
 * retried silently, and no test is retried.
 */
import type { TestProject } from 'vitest/node';
import { type Gate, startGate } from './runtimes/support/gate.js';
import { type TestServer, testServer } from './support/server.js';

let server: TestServer | undefined;
let budget: Gate | undefined;

/** The most server connections the run holds at once. */
export const CONNECTION_BUDGET = Number(process.env.GINO_TEST_CONNECTIONS || 40);
const SLOT_WAIT_MS = 60_000;

export async function setup(project: TestProject): Promise<void> {
  server = await testServer();
  let url = server.url;
  // GINO_TEST_CONNECTIONS=0: no gate (to measure what it costs; the run's use is then unbounded).
  if (server.kind !== 'pglite' && CONNECTION_BUDGET > 0) {
    const u = new URL(server.url);
    budget = await startGate({ host: u.hostname, port: Number(u.port || 5432) }, CONNECTION_BUDGET, {
      waitForServerSlot: {
        maxWaitMs: SLOT_WAIT_MS,
        onWait: (ms, attempt) =>
          console.warn(
            `[gino-edge tests] the server had no free connection slot (53300 too many clients): a connection waits, ${ms} ms so far (try ${attempt})`,
          ),
      },
    });
    url = budget.route(server.url);
  }
  console.log(
    `[gino-edge tests] database: ${server.kind} (${server.url.replace(/:[^:@/]*@/, ':***@')})` +
      (budget ? `, at most ${CONNECTION_BUDGET} connections at once (GINO_TEST_CONNECTIONS)` : ''),
  );
  project.provide('databaseUrl', url);
  project.provide('databaseKind', server.kind);
}

export async function teardown(): Promise<void> {
  if (budget) {
    console.log(
      `[gino-edge tests] server connections: peak ${budget.peakForwarded} of a budget of ${CONNECTION_BUDGET} ` +
        `(${budget.peakOpen} opened at once by the tests); waited for a free server slot ${budget.waits} times (${budget.waitedMs} ms)`,
    );
    await budget.close();
  }
  await server?.close();
}

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    databaseKind: 'env' | 'local' | 'pglite';
  }
}
