/** Vitest global set-up: one database server for the whole run (see support/server.ts). */
import type { TestProject } from 'vitest/node';
import { type TestServer, testServer } from './support/server.js';

let server: TestServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  server = await testServer();
  console.log(`[gino-edge tests] database: ${server.kind} (${server.url.replace(/:[^:@/]*@/, ':***@')})`);
  project.provide('databaseUrl', server.url);
  project.provide('databaseKind', server.kind);
}

export async function teardown(): Promise<void> {
  await server?.close();
}

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    databaseKind: 'env' | 'local' | 'pglite';
  }
}
