/**
 * `gino-edge migrate new | generate | check | up | down | status | index`: migrations from a shell
 * or a CI pipeline, against `DATABASE_URL` (any scheme gino-edge knows, `postgresql+neon-http://`
 * and `pglite://<dir>` included; `DATABASE_OPTIONS` may hold the adapter's options as JSON).
 * Node-only: `--models` is imported at run time (run the CLI with `node --import tsx` for a `.ts`
 * module).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Engine } from '../engine/engine.js';
import { GinoError } from '../errors.js';
import { Gino } from '../gino.js';
import { renderMigrations, type SchemaChange } from '../migrate/diff.js';
import { MigrationError } from '../migrate/migration.js';
import type { MigrationEvent } from '../migrate/migrator.js';
import { readLedger } from '../migrate/migrator.js';
import { loadMigrations, newIds, writeIndex, writeMigration } from './migrate-files.js';

/** Exit codes, for CI pipelines. */
export const EXIT = {
  ok: 0,
  /** A migration or the database failed. */
  failed: 1,
  /** Bad usage or input: an unknown command or option, a malformed migration file, an unknown id. */
  usage: 2,
  /** `status`: migrations are pending; `check`: the database differs from the models; `generate`: apply the pending ones first. */
  pending: 3,
  /** An applied migration was edited since (its checksum differs). */
  changed: 4,
  /** `generate`: destructive steps need `--allow-destructive`. */
  destructive: 5,
} as const;

export const MIGRATE_USAGE = `usage: gino-edge migrate <command> [options]

  new <name>                       write migrations/<timestamp>_<name>.sql (empty up and down sections)
  generate <name> --models <mod>   compare the models with the database and write the migration(s) that close the gap
           [--allow-destructive]   (steps that drop tables, columns or types are refused without it)
  check --models <mod>             report the differences between the models and the database (exit 3 if any)
  up [--to <id>] [--dry-run]       apply the pending migrations (up to <id>)
  down [--to <id>|base] [--dry-run]  revert the last applied migration (or down to <id>; base reverts all)
  status                           each migration: applied, pending or changed (exit 3 if any pending, 4 if changed)
  index                            rewrite migrations/index.ts, the module a bundle (a Worker) imports

options: --dir <folder> (default ./migrations)  --url <url> (default $DATABASE_URL; $DATABASE_OPTIONS: adapter options as JSON)
         --models <module>[#export] a module exporting the models' Gino (export 'db' or the default export)
         --import-ext <.js|.ts>      how index.ts imports .ts migration modules (.ts for Deno)

exit codes: 0 done, 1 a migration or the database failed, 2 bad usage, 3 pending migrations / drift,
            4 an applied migration was edited, 5 destructive steps need --allow-destructive`;

class UsageError extends GinoError {
  override name = 'UsageError';
}

interface Output {
  log: (line: string) => void;
  error: (line: string) => void;
}

/** Run `gino-edge migrate ...`; resolves to the exit code. */
export async function runMigrate(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
  out: Output = { log: (l) => console.log(l), error: (l) => console.error(l) },
): Promise<number> {
  try {
    return await dispatch(argv, env, out);
  } catch (error) {
    const e = error as Error;
    if (e instanceof UsageError) {
      out.error(`gino-edge migrate: ${e.message}\n\n${MIGRATE_USAGE}`);
      return EXIT.usage;
    }
    out.error(`gino-edge migrate: ${e.message}`);
    if (e instanceof MigrationError && /changed since/.test(e.message)) return EXIT.changed;
    if (e instanceof GinoError && e.name === 'InvalidRequestError') return EXIT.usage;
    return EXIT.failed;
  }
}

async function dispatch(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  out: Output,
): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...args] = positionals;
  if (values.help || command === undefined || command === 'help') {
    (values.help || command === 'help' ? out.log : out.error)(MIGRATE_USAGE);
    return values.help || command === 'help' ? EXIT.ok : EXIT.usage;
  }
  const dir = resolve(values.dir ?? 'migrations');
  const indexOptions = values['import-ext'] ? { importExtension: values['import-ext'] } : {};
  const takes = (n: number, what: string) => {
    if (args.length !== n) throw new UsageError(`${command} takes ${what}`);
  };
  switch (command) {
    case 'new': {
      takes(1, 'one name: gino-edge migrate new add_posts');
      const [id] = await newIds(dir, args[0] as string);
      out.log(`created ${await writeMigration(dir, id as string, '', '', indexOptions)}`);
      return EXIT.ok;
    }
    case 'index':
      takes(0, 'no arguments');
      out.log(`wrote ${await writeIndex(dir, indexOptions)}`);
      return EXIT.ok;
    case 'generate':
    case 'check': {
      takes(
        command === 'generate' ? 1 : 0,
        command === 'generate' ? 'one name and --models <module>' : 'only --models <module>',
      );
      if (!values.models)
        throw new UsageError(`${command} needs --models <module> (the module exporting your models' db)`);
      const models = await importModels(values.models);
      return withEngine(models, env, values.url, async (engine) => {
        const migrations = await loadMigrations(dir);
        const applied = new Set((await readLedger(models, engine)).map((r) => r.id));
        const pending = migrations.filter((m) => !applied.has(m.id)).map((m) => m.id);
        if (command === 'generate' && pending.length) {
          out.error(
            `gino-edge migrate: ${pending.length} migration${pending.length > 1 ? 's are' : ' is'} not applied yet (${pending.join(', ')}); ` +
              'apply them first (gino-edge migrate up), so the new migration starts where they end',
          );
          return EXIT.pending;
        }
        const changes = await models.gino.check({ bind: engine });
        if (command === 'check') {
          if (!changes.length) {
            out.log('the database matches the models');
            return EXIT.ok;
          }
          out.log(`the database differs from the models (${changes.length}):`);
          for (const c of changes) out.log(`  ${describe(c)}`);
          return EXIT.pending;
        }
        if (!changes.length) {
          out.log('the database matches the models: nothing to generate');
          return EXIT.ok;
        }
        const destructive = changes.filter((c) => c.destructive);
        if (destructive.length && !values['allow-destructive']) {
          out.error('gino-edge migrate: these steps lose data, and need --allow-destructive (nothing was written):');
          for (const c of destructive) out.error(`  ${c.detail}`);
          return EXIT.destructive;
        }
        const generated = renderMigrations(changes);
        const ids = await newIds(dir, args[0] as string, generated.length);
        for (const [i, m] of generated.entries()) {
          const path = await writeMigration(dir, ids[i] as string, m.up, m.down, indexOptions);
          out.log(`created ${path}`);
          for (const c of m.changes) out.log(`  ${describe(c)}`);
        }
        const manual = changes.filter((c) => c.manual);
        if (manual.length)
          out.log(
            `${manual.length} change${manual.length > 1 ? 's need' : ' needs'} a hand edit: see the gino-edge: hand edit comments`,
          );
        return EXIT.ok;
      });
    }
    case 'up':
    case 'down':
    case 'status': {
      takes(0, 'no arguments (options: --to <id>, --dry-run)');
      const migrations = await loadMigrations(dir);
      const db = new Gino();
      return withEngine(db, env, values.url, async (engine) => {
        await db.setBind(engine);
        if (command === 'status') return status(db, migrations, out);
        let to = values.to;
        if (command === 'down' && to === undefined) {
          const applied = new Set((await readLedger(db)).map((r) => r.id));
          let last = migrations.length - 1;
          while (last >= 0 && !applied.has((migrations[last] as { id: string }).id)) last--;
          if (last === -1) {
            out.log('nothing to revert: no migration of this folder is applied');
            return EXIT.ok;
          }
          to = last === 0 ? 'base' : migrations[last - 1]?.id;
        }
        if (command === 'up' && to === 'base') throw new UsageError("up --to takes a migration id; 'base' is for down");
        if (command === 'down' && to !== 'base') {
          const applied = new Set((await readLedger(db)).map((r) => r.id));
          const index = migrations.findIndex((m) => m.id === to);
          if (index !== -1 && migrations.slice(0, index + 1).some((m) => !applied.has(m.id))) {
            throw new UsageError(`down --to ${to}: it (or one before it) is not applied; use up --to ${to}`);
          }
        }
        if (command === 'up' && to !== undefined) {
          const applied = new Set((await readLedger(db)).map((r) => r.id));
          const index = migrations.findIndex((m) => m.id === to);
          if (index !== -1 && migrations.slice(index + 1).some((m) => applied.has(m.id))) {
            throw new UsageError(`up --to ${to}: later migrations are applied; use down --to ${to}`);
          }
        }
        const dryRun = values['dry-run'] === true;
        const result = await db.migrate(migrations, {
          ...(to !== undefined ? { to } : {}),
          dryRun,
          progress: (e) => progress(e, out),
        });
        const done = [...result.applied, ...result.reverted];
        if (dryRun) {
          for (const id of result.applied) out.log(`would apply ${id}`);
          for (const id of result.reverted) out.log(`would revert ${id}`);
        }
        if (!done.length) out.log(command === 'up' ? 'up to date: nothing to apply' : 'nothing to revert');
        else if (!dryRun)
          out.log(
            `${command === 'up' ? `applied ${result.applied.length}` : `reverted ${result.reverted.length}`} migration${done.length > 1 ? 's' : ''}`,
          );
        return EXIT.ok;
      });
    }
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      dir: { type: 'string' },
      url: { type: 'string' },
      models: { type: 'string' },
      to: { type: 'string' },
      'dry-run': { type: 'boolean' },
      'allow-destructive': { type: 'boolean' },
      'import-ext': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function describe(c: SchemaChange): string {
  const mark = c.destructive ? ' [destructive]' : c.manual ? ' [hand edit]' : '';
  return `${c.kind}: ${c.detail}${mark}`;
}

function progress(e: MigrationEvent, out: Output): void {
  if (e.kind === 'waiting') out.log('another migrator holds the migration lock: waiting for it');
  else if (e.kind === 'skipped') out.log(`skipped ${e.id}: ${e.reason}`);
  else out.log(`${e.kind} ${e.id} (${e.ms} ms)`);
}

async function status(db: Gino, migrations: Awaited<ReturnType<typeof loadMigrations>>, out: Output): Promise<number> {
  const entries = await db.migrationStatus(migrations);
  const known = new Set(migrations.map((m) => m.id));
  const unknown = (await readLedger(db)).filter((r) => !known.has(r.id));
  for (const e of entries) {
    const when = e.appliedAt ? `  ${e.appliedAt.toISOString()}  ${Math.round(e.durationMs ?? 0)} ms` : '';
    out.log(`${e.state.padEnd(8)} ${e.id}${when}`);
  }
  for (const r of unknown) out.log(`unknown  ${r.id}  applied ${r.appliedAt.toISOString()}, not in this folder`);
  const pending = entries.filter((e) => e.state === 'pending').length;
  const changed = entries.filter((e) => e.state === 'changed').length;
  out.log(`${entries.length - pending - changed} applied, ${pending} pending, ${changed} changed`);
  if (changed) return EXIT.changed;
  return pending ? EXIT.pending : EXIT.ok;
}

/** The models' Gino from `module[#export]`: the named export, else `db`, else the default one. */
async function importModels(spec: string): Promise<Gino> {
  const [path, name] = spec.split('#') as [string, string | undefined];
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(
      `could not import --models ${path}: ${(error as Error).message}` +
        (/\.[mc]?ts$/.test(path)
          ? ' (for a .ts module run the CLI as: node --import tsx node_modules/.bin/gino-edge ...)'
          : ''),
    );
  }
  const candidates = name ? [mod[name]] : [mod.db, mod.default];
  const db = candidates.find(
    (c): c is Gino =>
      typeof c === 'object' &&
      c !== null &&
      Array.isArray((c as Gino).tables) &&
      typeof (c as Gino).gino?.check === 'function',
  );
  if (!db) {
    throw new UsageError(
      `--models ${spec} exports no Gino ${name ? `named '${name}'` : "as 'db' or as its default export"}; export the db your models are defined on`,
    );
  }
  return db;
}

async function withEngine<R>(
  db: Gino,
  env: Readonly<Record<string, string | undefined>>,
  url: string | undefined,
  fn: (engine: Engine) => Promise<R>,
): Promise<R> {
  const target = url ?? env.DATABASE_URL;
  if (!target) throw new UsageError('set DATABASE_URL (or pass --url) to the database to migrate');
  let options: Record<string, unknown> = {};
  if (env.DATABASE_OPTIONS) {
    try {
      options = JSON.parse(env.DATABASE_OPTIONS) as Record<string, unknown>;
    } catch (error) {
      throw new UsageError(`DATABASE_OPTIONS is not JSON: ${(error as Error).message}`);
    }
  }
  const engine = await db.createEngine(target, options);
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}
