/**
 * Real servers the scaling tests start for themselves, each in a temporary directory on a free
 * port, run as the `postgres` user (PostgreSQL and PgBouncer refuse to run as root), stopped and
 * removed afterwards, also when a test fails or the process exits early:
 *
 * - `startReplicaPair()`: a primary made with `initdb` that allows replication, and a streaming
 *   replica made from it with `pg_basebackup -R`, with `recovery_min_apply_delay` adjustable so
 *   that lag can be made visible. The machine's own server is left as it is.
 * - `startPgBouncer(serverUrl)`: Debian's PgBouncer in transaction mode in front of a server.
 *
 * Where PostgreSQL's server binaries (or PgBouncer) are absent, they return `{ skip: reason }`.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, reachable } from './server.js';

const run = promisify(execFile);

/** Something to stop when the process exits before the test's own clean-up ran. */
const atExit = new Set<() => void>();
let hooked = false;
function onExit(stop: () => void): () => void {
  atExit.add(stop);
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const s of atExit) {
        try {
          s();
        } catch {
          // best effort: the process is ending
        }
      }
    });
  }
  return () => atExit.delete(stop);
}

/** PostgreSQL's server binaries: `PG_BIN`, else the newest /usr/lib/postgresql/<n>/bin with initdb. */
export function postgresBin(): string | undefined {
  const given = process.env.PG_BIN;
  if (given && existsSync(join(given, 'initdb'))) return given;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'initdb')) && existsSync(join(base, v, 'bin', 'pg_basebackup')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(base, versions[0], 'bin');
}

/** The account the servers run as: `postgres` when we are root, else ourselves. */
function account(): { uid: number; gid: number } | undefined | 'missing' {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (id.status !== 0 || gid.status !== 0) return 'missing';
  return { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** A temporary directory the server account owns. */
async function serverDir(prefix: string, owner: { uid: number; gid: number } | undefined): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  if (owner) await chown(dir, owner.uid, owner.gid);
  await chmod(dir, 0o700);
  return dir;
}

async function runAs(owner: { uid: number; gid: number } | undefined, file: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(file, args, { ...(owner ?? {}), env: { ...process.env, LC_ALL: 'C' } });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')} failed: ${e.stderr || e.message}`);
  }
}

/** One PostgreSQL server in its own data directory, started with `pg_ctl`. */
export interface ClusterProcess {
  readonly port: number;
  readonly dir: string;
  readonly url: string;
  /** Write settings into the server's own include file and reload them. */
  configure(settings: Record<string, string>): Promise<void>;
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  readonly running: boolean;
}

function cluster(bin: string, owner: { uid: number; gid: number } | undefined, dir: string, port: number) {
  const data = join(dir, 'data');
  const pgCtl = join(bin, 'pg_ctl');
  let running = false;
  const stopNow = () => {
    if (running) spawnSync(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop'], { ...(owner ?? {}) });
  };
  let unhook = (): void => undefined;
  const proc: ClusterProcess = {
    port,
    dir,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    get running() {
      return running;
    },
    async configure(settings) {
      const lines = Object.entries(settings).map(([k, v]) => `${k} = '${v.replace(/'/g, "''")}'`);
      const file = join(data, 'gino_test.conf');
      await writeFile(file, `${lines.join('\n')}\n`);
      if (owner) await chown(file, owner.uid, owner.gid);
      if (running) await runAs(owner, pgCtl, ['-D', data, 'reload']);
    },
    async start() {
      await runAs(owner, pgCtl, ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
      running = true;
      unhook = onExit(stopNow);
    },
    async stop(mode = 'fast') {
      if (!running) return;
      await runAs(owner, pgCtl, ['-D', data, '-m', mode, '-w', 'stop']);
      running = false;
      unhook();
    },
  };
  return proc;
}

/** Settings both servers share: small, loopback only, no fsync (test data). */
function baseSettings(port: number, dir: string): string {
  return [
    `port = ${port}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${dir}'`,
    'max_connections = 40',
    'shared_buffers = 16MB',
    'fsync = off',
    'synchronous_commit = on',
    'full_page_writes = off',
    'wal_level = replica',
    'max_wal_senders = 4',
    'hot_standby = on',
    'wal_receiver_status_interval = 1s',
    "include_if_exists = 'gino_test.conf'",
    '',
  ].join('\n');
}

export interface ReplicaPair {
  readonly primary: ClusterProcess;
  readonly replica: ClusterProcess;
  /** `recovery_min_apply_delay` on the replica (0: replay at once); waits until it is in effect. */
  setApplyDelay(ms: number): Promise<void>;
  /** Stop both servers and remove their directories. Safe to call twice. */
  close(): Promise<void>;
}

export type Skipped = { skip: string };

/** Why server-starting tests cannot run here, or undefined when they can. */
export function clusterSkipReason(): string | undefined {
  if (!postgresBin())
    return "PostgreSQL's server binaries (initdb, pg_ctl, pg_basebackup) are not installed (set PG_BIN to their directory)";
  if (account() === 'missing') return 'running as root, and there is no postgres account to run PostgreSQL as';
  return undefined;
}

/**
 * A primary and its streaming replica, each in a temporary directory on a free loopback port.
 * Trust authentication for the `postgres` user (replication included), loopback only.
 */
export async function startReplicaPair(options: { applyDelayMs?: number } = {}): Promise<ReplicaPair | Skipped> {
  const reason = clusterSkipReason();
  if (reason) return { skip: reason };
  const bin = postgresBin() as string;
  const owner = account() as { uid: number; gid: number } | undefined;
  const dirs: string[] = [];
  const started: ClusterProcess[] = [];
  const close = async () => {
    for (const c of started.reverse()) await c.stop('immediate').catch(() => undefined);
    started.length = 0;
    for (const d of dirs) await rm(d, { recursive: true, force: true });
    dirs.length = 0;
  };
  try {
    const primaryDir = await serverDir('gino-primary-', owner);
    dirs.push(primaryDir);
    const primaryPort = await freePort();
    await runAs(owner, join(bin, 'initdb'), [
      '-D',
      join(primaryDir, 'data'),
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    await writeFile(join(primaryDir, 'data', 'postgresql.conf'), baseSettings(primaryPort, primaryDir), { flag: 'a' });
    const primary = cluster(bin, owner, primaryDir, primaryPort);
    await primary.start();
    started.push(primary);

    const replicaDir = await serverDir('gino-replica-', owner);
    dirs.push(replicaDir);
    const replicaPort = await freePort();
    await runAs(owner, join(bin, 'pg_basebackup'), [
      '-h',
      '127.0.0.1',
      '-p',
      String(primaryPort),
      '-U',
      'postgres',
      '-D',
      join(replicaDir, 'data'),
      '-R',
      '-X',
      'stream',
      '-c',
      'fast',
      '--no-sync',
    ]);
    // The copied configuration names the primary's port and directory: the replica's own go last.
    await writeFile(join(replicaDir, 'data', 'postgresql.conf'), baseSettings(replicaPort, replicaDir), {
      flag: 'a',
    });
    const replica = cluster(bin, owner, replicaDir, replicaPort);
    await replica.configure({ recovery_min_apply_delay: `${options.applyDelayMs ?? 0}ms` });
    await replica.start();
    started.push(replica);
    await waitStreaming(primary.url);
    return {
      primary,
      replica,
      async setApplyDelay(ms: number) {
        await replica.configure({ recovery_min_apply_delay: `${ms}ms` });
        await waitSetting(replica.url, 'recovery_min_apply_delay', ms);
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** One statement on a fresh connection (node-postgres, loaded on demand). */
export async function sql<T = Record<string, unknown>>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}

async function waitFor(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function waitStreaming(primaryUrl: string): Promise<void> {
  await waitFor('the replica to stream from the primary', 30_000, async () => {
    const rows = await sql<{ n: number }>(
      primaryUrl,
      "SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming'",
    );
    return rows[0]?.n === 1;
  });
}

async function waitSetting(url: string, name: string, ms: number): Promise<void> {
  await waitFor(`${name} = ${ms}ms`, 10_000, async () => {
    const rows = await sql<{ v: string }>(url, `SELECT setting AS v FROM pg_settings WHERE name = $1`, [name]);
    return Number(rows[0]?.v) === ms;
  });
}

export interface PgBouncer {
  /** `postgres://user@127.0.0.1:<port>/<db>`: `serverUrl` with PgBouncer's address. */
  readonly url: string;
  readonly port: number;
  /** PgBouncer's admin console (`SHOW POOLS`, `SHOW SERVERS`). */
  admin(command: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** Where Debian's pgbouncer package puts the binary, or `PGBOUNCER`. */
export function pgbouncerBin(): string | undefined {
  for (const candidate of [process.env.PGBOUNCER, '/usr/sbin/pgbouncer', '/usr/bin/pgbouncer']) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * PgBouncer in transaction mode, in front of `serverUrl`'s server, on a free loopback port: every
 * database name maps to the same name there; trust authentication for the URL's user.
 */
export async function startPgBouncer(
  serverUrl: string,
  options: { poolSize?: number } = {},
): Promise<PgBouncer | Skipped> {
  const bin = pgbouncerBin();
  if (!bin) return { skip: 'PgBouncer is not installed (apt-get install pgbouncer; .ci/run installs it)' };
  const owner = account();
  if (owner === 'missing') return { skip: 'running as root, and there is no postgres account to run PgBouncer as' };
  const target = new URL(serverUrl);
  const user = decodeURIComponent(target.username || 'postgres');
  const password = decodeURIComponent(target.password);
  const dir = await serverDir('gino-pgbouncer-', owner);
  const port = await freePort();
  const quoted = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const server = `host=${target.hostname} port=${target.port || 5432}${password ? ` password=${password}` : ''}`;
  await writeFile(join(dir, 'userlist.txt'), `${quoted(user)} ${quoted(password)}\n`);
  await writeFile(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = ${server}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      `unix_socket_dir = ${dir}`,
      'auth_type = trust',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      'pool_mode = transaction',
      'max_client_conn = 1000',
      `default_pool_size = ${options.poolSize ?? 10}`,
      'max_db_connections = 0',
      `admin_users = ${user}`,
      'ignore_startup_parameters = extra_float_digits',
      'server_lifetime = 3600',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      '',
    ].join('\n'),
  );
  if (owner) {
    for (const f of ['userlist.txt', 'pgbouncer.ini']) await chown(join(dir, f), owner.uid, owner.gid);
  }
  const child = spawn(bin, [join(dir, 'pgbouncer.ini')], { ...(owner ?? {}), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += String(d);
  });
  let exited = false;
  const ended = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const unhook = onExit(() => child.kill('SIGKILL'));
  const close = async () => {
    unhook();
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await ended;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor('PgBouncer to listen', 15_000, async () => {
      if (exited) throw new Error(`pgbouncer exited: ${stderr}`);
      return reachable('127.0.0.1', port, 200);
    });
  } catch (error) {
    await close();
    throw error;
  }
  const url = new URL(serverUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  const adminUrl = new URL(url);
  adminUrl.pathname = '/pgbouncer';
  return {
    url: url.toString(),
    port,
    async admin(command) {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: adminUrl.toString() });
      await client.connect();
      try {
        // The admin console speaks only the simple protocol.
        return (await client.query(command)).rows as Record<string, unknown>[];
      } finally {
        await client.end();
      }
    },
    close,
  };
}
