/**
 * The migrations folder on disk (Node, Deno): `migrations/<id>.sql` files with `-- migrate:up` /
 * `-- migrate:down` sections, or `<id>.ts` / `.js` modules exporting `up`, `down` and
 * `transaction`, and the generated `index.ts` that embeds them for bundles. Bundled code (a
 * Worker) imports that index instead: it has no file system.
 *
 * @example
 * import { loadMigrations } from 'gino-edge/dev';
 * await db.migrate(await loadMigrations('./migrations'));
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidRequestError } from '../errors.js';
import type { Migration } from '../gino.js';
import {
  idOfFile,
  type MigrationFile,
  parseMigrationSql,
  renderIndexModule,
  renderMigrationSql,
} from '../migrate/migration.js';

/** The migration files of `dir` (sorted by id); none when the folder does not exist. */
export async function migrationFiles(dir: string): Promise<MigrationFile[]> {
  if (!existsSync(dir)) return [];
  const names = (await readdir(dir)).filter((n) => idOfFile(n) !== undefined).sort();
  const seen = new Map<string, string>();
  const files: MigrationFile[] = [];
  for (const name of names) {
    const id = idOfFile(name) as string;
    const other = seen.get(id);
    if (other) throw new InvalidRequestError(`${dir} has two migrations with the id '${id}': ${other} and ${name}`);
    seen.set(id, name);
    files.push(name.endsWith('.sql') ? { name, text: await readFile(join(dir, name), 'utf8') } : { name });
  }
  return files;
}

/** The migrations of a folder, in id order: `.sql` files parsed, modules imported. */
export async function loadMigrations(dir: string): Promise<Migration[]> {
  const out: Migration[] = [];
  for (const file of await migrationFiles(dir)) {
    const id = idOfFile(file.name) as string;
    if (file.text !== undefined) {
      out.push(parseMigrationSql(id, file.text) as Migration);
      continue;
    }
    // A computed import, in the Node-only dev tools: bundles never see it.
    const mod = (await import(pathToFileURL(resolve(dir, file.name)).href)) as Record<string, unknown>;
    const body = (mod.default ?? mod) as Omit<Migration, 'id'>;
    out.push({ id, ...pick(body) });
  }
  return out;
}

function pick(body: Omit<Migration, 'id'>): Omit<Migration, 'id'> {
  const out: Omit<Migration, 'id'> = { up: body.up };
  if (body.down !== undefined) out.down = body.down;
  if (body.transaction !== undefined) out.transaction = body.transaction;
  return out;
}

/** `20250102030405`: a UTC timestamp for new migration ids, which sort by it. */
export function timestampId(date = new Date()): string {
  return date
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, '');
}

/** A migration name as an id part: lower case letters, digits and `_`. */
export function slug(name: string): string {
  const s = name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (!s) throw new InvalidRequestError(`'${name}' is no migration name; use letters and digits, e.g. add_posts`);
  return s;
}

/** Ids for `count` new migrations named `name`, after every id the folder has. */
export async function newIds(dir: string, name: string, count = 1, now = new Date()): Promise<string[]> {
  const existing = (await migrationFiles(dir)).map((f) => idOfFile(f.name) as string);
  const last = existing[existing.length - 1];
  let t = now.getTime();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    let id = `${timestampId(new Date(t))}_${slug(name)}${count > 1 ? `_${i + 1}` : ''}`;
    while ((last !== undefined && id <= last) || ids.some((x) => x >= id)) {
      t += 1000;
      id = `${timestampId(new Date(t))}_${slug(name)}${count > 1 ? `_${i + 1}` : ''}`;
    }
    ids.push(id);
    t += 1000;
  }
  return ids;
}

/** Write `<dir>/<id>.sql` and rewrite the index; returns the file's path. */
export async function writeMigration(
  dir: string,
  id: string,
  up: string,
  down: string | undefined,
  options: IndexOptions = {},
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${id}.sql`);
  if (existsSync(path)) throw new InvalidRequestError(`${path} exists already`);
  await writeFile(path, renderMigrationSql(up, down));
  await writeIndex(dir, options);
  return path;
}

export interface IndexOptions {
  /** The package the index imports the Migration type from (`gino-edge`). */
  importFrom?: string;
  /** How imports of `.ts` migration modules end: `.js` (TypeScript, bundlers; the default) or `.ts` (Deno). */
  importExtension?: string;
}

/** Rewrite `<dir>/index.ts`, the module a bundle imports the folder's migrations from. */
export async function writeIndex(dir: string, options: IndexOptions = {}): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'index.ts');
  await writeFile(path, renderIndexModule(await migrationFiles(dir), options));
  return path;
}
