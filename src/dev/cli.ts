#!/usr/bin/env node
/**
 * `gino-edge neon-proxy --target <url> [--port <n>] [--host <addr>] [--allow-origin <origin>]`:
 * the local Neon-compatible proxy from a shell. `--target pglite://memory` (or `pglite://<dir>`)
 * serves an embedded PGlite instead of a PostgreSQL server.
 * `gino-edge migrate ...`: migrations (see migrate-cli.ts).
 */
import { parseArgs } from 'node:util';
import { dataDirOf } from '../../adapters/pglite/index.js';
import { MIGRATE_USAGE, runMigrate } from './migrate-cli.js';
import { startNeonProxy } from './proxy.js';

const USAGE = `usage: gino-edge neon-proxy --target <postgres://user@host:port/db | pglite://memory | pglite://<dir>>
                             [--port <n>] [--host <address>] [--allow-origin <origin>]...
                             [--max-request-bytes <n>] [--max-response-bytes <n>]

Serves Neon's WebSocket (/v1) and HTTP (POST /sql) protocols in front of the target, for developing
against the neon-ws and neon-http adapters offline. Listens on 127.0.0.1 unless --host says otherwise.
POST /sql takes 10 MiB requests and sends 10 MiB replies at most, as Neon does, unless told otherwise.

${MIGRATE_USAGE.replace(/^usage: /, '   or: ')}`;

async function openPGlite(url: string) {
  const { PGlite } = await import('@electric-sql/pglite');
  return PGlite.create(dataDirOf(url));
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'migrate') {
    process.exitCode = await runMigrate(rest);
    return;
  }
  if (command !== 'neon-proxy') {
    const asked = command === '--help' || command === '-h';
    (asked ? console.log : console.error)(USAGE);
    process.exitCode = asked ? 0 : 2;
    return;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      target: { type: 'string' },
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      'allow-origin': { type: 'string', multiple: true },
      'max-request-bytes': { type: 'string' },
      'max-response-bytes': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.target) {
    (values.help ? console.log : console.error)(USAGE);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0-65535, got ${values.port}`);
  const bytes = (flag: 'max-request-bytes' | 'max-response-bytes') => {
    const value = values[flag];
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 1)
      throw new Error(`--${flag} takes a positive whole number of bytes, got ${value}`);
    return n;
  };
  const maxRequestBytes = bytes('max-request-bytes');
  const maxResponseBytes = bytes('max-response-bytes');
  const pglite = /^pglite:\/\//i.test(values.target) ? await openPGlite(values.target) : undefined;
  const origins = values['allow-origin'];
  const proxy = await startNeonProxy({
    target: pglite ?? values.target,
    port,
    host: values.host,
    ...(origins ? { allowOrigins: origins.includes('*') ? '*' : origins } : {}),
    limits: {
      ...(maxRequestBytes === undefined ? {} : { maxRequestBytes }),
      ...(maxResponseBytes === undefined ? {} : { maxResponseBytes }),
    },
    log: (line) => console.log(line),
  });
  console.log(
    `spread into setBind options: ${JSON.stringify({ ...proxy.neonOptions, webSocketConstructor: undefined })}`,
  );
  const stop = async () => {
    await proxy.close();
    await pglite?.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(`gino-edge: ${error.message}`);
  process.exit(1);
});
