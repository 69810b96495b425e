/**
 * Migrations as data: `{ id, up, down?, transaction? }`, where `up` and `down` are SQL scripts or
 * functions of `db`. Plain objects and strings, so they bundle into a Worker; the folder layout
 * (`migrations/<id>.sql` with `-- migrate:up` / `-- migrate:down` sections) and the generated
 * index module that embeds them are read and written here too, without any file system.
 */
import { scanSql, splitStatements } from '../compiler/sqltext.js';
import { GinoError, InvalidRequestError } from '../errors.js';

/** One step of a migration: a SQL script (split into statements), or a function of `db`. */
export type MigrationStep<DB> = string | ((db: DB) => Promise<void>);

/**
 * A migration. `id` orders and names it (the CLI makes `<UTC timestamp>_<name>`); `up` applies
 * it, `down` reverts it. Each runs in a transaction of its own with its ledger row, unless
 * `transaction: false` (for `CREATE INDEX CONCURRENTLY` and the like).
 */
export interface Migration<DB = unknown> {
  id: string;
  up: MigrationStep<DB>;
  down?: MigrationStep<DB>;
  transaction?: boolean;
}

/** A migration that failed: `id` names it, `applied` and `reverted` what this run did before it. */
export class MigrationError extends GinoError {
  override name = 'MigrationError';
  constructor(
    message: string,
    readonly id: string | undefined,
    readonly applied: readonly string[] = [],
    readonly reverted: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Refuse a malformed list before any I/O: each an object with a valid, unique id and an `up`. */
export function checkMigrations<DB>(migrations: readonly Migration<DB>[]): void {
  if (!Array.isArray(migrations)) {
    throw new InvalidRequestError('db.migrate() takes an array of migrations: [{ id, up, down? }, ...]');
  }
  const seen = new Set<string>();
  migrations.forEach((m, i) => {
    if (m === null || typeof m !== 'object') {
      throw new InvalidRequestError(`migration #${i + 1} is not an object; give { id, up, down? }`);
    }
    if (typeof m.id !== 'string' || !ID.test(m.id)) {
      throw new InvalidRequestError(
        `migration #${i + 1} has the id ${JSON.stringify(m.id)}; an id is letters, digits, '_', '.' and '-' (the CLI makes <timestamp>_<name>)`,
      );
    }
    if (seen.has(m.id)) throw new InvalidRequestError(`two migrations have the id '${m.id}'; ids must be unique`);
    seen.add(m.id);
    for (const key of ['up', 'down'] as const) {
      const step = m[key];
      if (key === 'down' && step === undefined) continue;
      if (typeof step !== 'string' && typeof step !== 'function') {
        throw new InvalidRequestError(
          `migration '${m.id}': ${key} must be a SQL string or an async function of db, got ${step === null ? 'null' : typeof step}`,
        );
      }
    }
    if (m.transaction !== undefined && typeof m.transaction !== 'boolean') {
      throw new InvalidRequestError(`migration '${m.id}': transaction must be true or false`);
    }
  });
}

/** The text a checksum is taken of: line endings made `\n`, outer white space trimmed. */
function normalized(sql: string): string {
  return sql.replace(/\r\n?/g, '\n').trim();
}

/**
 * The checksum recorded when a migration is applied: the SHA-256 of its `up` SQL, in hex. A
 * function has none that survives bundling and minifying, so function migrations record
 * `'function'` and are never reported as changed.
 */
export async function checksumOf<DB>(migration: Migration<DB>): Promise<string> {
  if (typeof migration.up !== 'string') return 'function';
  const bytes = new TextEncoder().encode(normalized(migration.up));
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The statements of a SQL step (comments and dollar quotes respected). */
export function statementsOf(sql: string): string[] {
  return splitStatements(sql);
}

// ---- the folder layout ----------------------------------------------------------------------

/** A section marker: `-- migrate:up`, `-- migrate:down`, `-- migrate:up transaction:false`. */
const MARKER = /^--\s*migrate:(up|down)\b(.*)$/;

/**
 * A migration from the text of `migrations/<id>.sql`: an `-- migrate:up` section and an optional
 * `-- migrate:down` one, each on its own line (`-- migrate:up transaction:false` runs it outside a
 * transaction). Markers inside strings, dollar quotes or block comments are not markers.
 *
 * @example
 * parseMigrationSql('20250101000000_users', '-- migrate:up\nCREATE TABLE users (id int);\n-- migrate:down\nDROP TABLE users;')
 */
export function parseMigrationSql(id: string, text: string): Migration<never> {
  const markers: { kind: 'up' | 'down'; start: number; end: number; options: string }[] = [];
  scanSql(text, (kind, start, end) => {
    if (kind !== 'comment') return;
    const m = MARKER.exec(text.slice(start, end));
    const lineStart = start === 0 || text[start - 1] === '\n' || /^[ \t]*$/.test(lineBefore(text, start));
    if (m && lineStart) markers.push({ kind: m[1] as 'up' | 'down', start, end, options: (m[2] ?? '').trim() });
  });
  const where = `migration file ${id}.sql`;
  const ups = markers.filter((m) => m.kind === 'up');
  const downs = markers.filter((m) => m.kind === 'down');
  if (ups.length !== 1 || downs.length > 1) {
    throw new InvalidRequestError(
      `${where} needs one '-- migrate:up' line (and at most one '-- migrate:down' line), found ${ups.length} and ${downs.length}`,
    );
  }
  const up = ups[0] as (typeof markers)[number];
  const down = downs[0];
  if (down && down.start < up.start)
    throw new InvalidRequestError(`${where}: '-- migrate:down' comes after '-- migrate:up'`);
  if (text.slice(0, up.start).trim() !== '' && splitStatements(text.slice(0, up.start)).length > 0) {
    throw new InvalidRequestError(`${where} has SQL before '-- migrate:up'; put it in a section`);
  }
  const options = up.options;
  if (options !== '' && !/^transaction:(true|false)$/.test(options)) {
    throw new InvalidRequestError(
      `${where}: unknown option '${options}' after '-- migrate:up' (known: transaction:false)`,
    );
  }
  const upText = text.slice(up.end, down ? down.start : text.length).trim();
  const migration: Migration<never> = { id, up: upText };
  if (down) migration.down = text.slice(down.end).trim();
  if (options === 'transaction:false') migration.transaction = false;
  return migration;
}

function lineBefore(text: string, index: number): string {
  const nl = text.lastIndexOf('\n', index - 1);
  return text.slice(nl + 1, index);
}

/** The text of a `.sql` migration file with these sections. */
export function renderMigrationSql(up: string, down: string | undefined, transaction = true): string {
  const head = transaction ? '-- migrate:up' : '-- migrate:up transaction:false';
  return `${head}\n${up.trim()}\n\n-- migrate:down\n${(down ?? '').trim()}\n`;
}

/** A file of the migrations folder: `<id>.sql`, or a `<id>.ts` / `.js` / `.mjs` module. */
export interface MigrationFile {
  /** The file name (no folder). */
  name: string;
  /** The text of a `.sql` file; modules are imported, not read. */
  text?: string;
}

/** The id of a migration file (`<id>.sql`, `<id>.ts`), or undefined for what is not one. */
export function idOfFile(name: string): string | undefined {
  const m = /^(.+)\.(sql|ts|mts|js|mjs)$/.exec(name);
  if (!m || name.endsWith('.d.ts') || m[1] === 'index') return undefined;
  return ID.test(m[1] as string) ? m[1] : undefined;
}

/** A JavaScript string literal, single-quoted unless double quotes need fewer escapes (as formatters do). */
function jsString(text: string): string {
  const quote = (text.match(/'/g)?.length ?? 0) > (text.match(/"/g)?.length ?? 0) ? '"' : "'";
  const body = text
    .replace(/\\/g, '\\\\')
    .replace(quote === "'" ? /'/g : /"/g, `\\${quote}`)
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  return `${quote}${body}${quote}`;
}

/**
 * The generated index module of a migrations folder: every `.sql` migration embedded as strings
 * (a bundler needs no loader for them), every module imported, in id order.
 * `importExtension` is how its imports of `.ts` modules end: `.js` (TypeScript, bundlers) or `.ts` (Deno).
 */
export function renderIndexModule(
  files: readonly MigrationFile[],
  options: { importFrom?: string; importExtension?: string } = {},
): string {
  const from = options.importFrom ?? 'gino-edge';
  const ext = options.importExtension ?? '.js';
  const entries = files
    .map((f) => ({ file: f, id: idOfFile(f.name) }))
    .filter((e): e is { file: MigrationFile; id: string } => e.id !== undefined)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const imports: string[] = [];
  const items: string[] = [];
  entries.forEach(({ file, id }, i) => {
    if (file.name.endsWith('.sql')) {
      const m = parseMigrationSql(id, file.text ?? '');
      const fields = [`id: ${jsString(id)}`, `up: ${jsString(m.up as string)}`];
      if (m.down !== undefined) fields.push(`down: ${jsString(m.down as string)}`);
      if (m.transaction === false) fields.push('transaction: false');
      items.push(`  {\n${fields.map((f) => `    ${f},\n`).join('')}  },`);
    } else {
      const spec = `./${file.name.replace(/\.(ts|mts)$/, ext)}`;
      imports.push(`import * as m${i} from ${jsString(spec)};`);
      items.push(`  { id: ${jsString(id)}, ...moduleMigration(m${i}) },`);
    }
  });
  const helper = imports.length
    ? `\n/** A migration module's exports: \`up\`, \`down\`, \`transaction\`, or a default export holding them. */
function moduleMigration(m: Record<string, unknown>): Omit<Migration, 'id'> {
  return (m.default ?? m) as Omit<Migration, 'id'>;
}\n`
    : '';
  return `// Generated by gino-edge migrate: the migrations of this folder, for bundles. Do not edit;
// \`gino-edge migrate new\` and \`generate\` rewrite it.
import type { Migration } from ${jsString(from)};
${imports.join('\n')}${imports.length ? '\n' : ''}${helper}
export const migrations: Migration[] = [
${items.join('\n')}
];

export default migrations;
`;
}
