/**
 * The type-checking benchmark's projects: one schema of 50 tables (a project tracker and a shop:
 * foreign keys between them, enums, a JSON column with typed keys) and the same 200 queries,
 * written three times — for gino-edge, Drizzle and Kysely — as a user of each would write them.
 * `run.ts` type-checks each with `tsc --extendedDiagnostics`.
 *
 * Every table `i > 0` references a parent table `(i - 1) >> 1` (a tree, so joins and loaders have
 * somewhere to go). Per table, four queries: a row by key, a join to the parent (on every fifth
 * table the library's way of loading related rows instead), an insert of the required columns
 * returning the row, and an update with an expression (even tables) or a grouped count (odd).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ENTITIES = [
  'organizations',
  'users',
  'teams',
  'memberships',
  'projects',
  'milestones',
  'tasks',
  'subtasks',
  'comments',
  'attachments',
  'tags',
  'labels',
  'sprints',
  'boards',
  'lanes',
  'cards',
  'invoices',
  'invoice_items',
  'payments',
  'customers',
  'contacts',
  'addresses',
  'products',
  'variants',
  'orders',
  'order_items',
  'carts',
  'cart_items',
  'reviews',
  'categories',
  'suppliers',
  'warehouses',
  'stock_levels',
  'shipments',
  'returns',
  'coupons',
  'subscriptions',
  'plans',
  'events',
  'notifications',
  'messages',
  'threads',
  'audit_logs',
  'api_keys',
  'webhooks',
  'sessions',
  'settings',
  'files',
  'folders',
  'reports',
] as const;

export const TABLES = ENTITIES.length;
export const QUERIES = TABLES * 4;

const ENUMS = [
  ['state', ['draft', 'active', 'archived']],
  ['priority', ['low', 'normal', 'high', 'urgent']],
  ['visibility', ['private', 'team', 'public']],
  ['stage', ['new', 'open', 'review', 'done', 'cancelled']],
  ['tier', ['free', 'pro', 'enterprise']],
] as const;

/** `snake_case` → `camelCase`. */
function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}
/** `order_items` → `OrderItems`. */
function pascal(name: string): string {
  const c = camel(name);
  return c.charAt(0).toUpperCase() + c.slice(1);
}

interface TableSpec {
  name: string;
  cls: string;
  varName: string;
  parent: TableSpec | undefined;
  /** The parent key is NOT NULL on even tables. */
  parentRequired: boolean;
  enumIndex: number;
  /** Extra text columns: 0 to 3, so tables have 11 to 15 columns. */
  extras: number;
}

function specs(): TableSpec[] {
  const out: TableSpec[] = [];
  ENTITIES.forEach((name, i) => {
    out.push({
      name,
      cls: pascal(name),
      varName: camel(name),
      parent: i === 0 ? undefined : out[(i - 1) >> 1],
      parentRequired: i % 2 === 0,
      enumIndex: i % ENUMS.length,
      extras: i % 4,
    });
  });
  return out;
}

// ---- gino-edge ----------------------------------------------------------------------------

function ginoSchema(tables: TableSpec[], importPath: string): string {
  const lines = [`import { Gino } from '${importPath}';`, '', 'export const db = new Gino();', ''];
  for (const t of tables) {
    const [enumName, values] = ENUMS[t.enumIndex] as (typeof ENUMS)[number];
    lines.push(`export class ${t.cls} extends db.Model({`);
    lines.push(`  __tablename__: '${t.name}',`);
    lines.push(`  id: db.Column(db.Integer(), { primaryKey: true }),`);
    if (t.parent) {
      const req = t.parentRequired ? 'nullable: false, ' : '';
      lines.push(
        `  parentId: db.Column(db.Integer(), { ${req}name: 'parent_id', references: db.ForeignKey('${t.parent.name}.id') }),`,
      );
    }
    lines.push(`  title: db.Column(db.Unicode(200), { nullable: false }),`);
    lines.push(`  description: db.Column(db.Text()),`);
    lines.push(
      `  ${enumName}: db.Column(db.Enum('${enumName}', [${values.map((v) => `'${v}'`).join(', ')}] as const), { nullable: false, default: '${values[0]}' }),`,
    );
    lines.push(`  rank: db.Column(db.Integer(), { nullable: false, default: 0 }),`);
    lines.push(`  amount: db.Column(db.Numeric(12, 2)),`);
    lines.push(`  isActive: db.Column(db.Boolean(), { name: 'is_active', nullable: false, default: true }),`);
    lines.push(
      `  createdAt: db.Column(db.DateTime({ timezone: true }), { name: 'created_at', nullable: false, serverDefault: db.func.now() }),`,
    );
    lines.push(`  updatedAt: db.Column(db.DateTime({ timezone: true }), { name: 'updated_at' }),`);
    lines.push(`  meta: db.Column(db.JSONB(), { nullable: false, serverDefault: '{}' }),`);
    for (let k = 0; k < t.extras; k++) lines.push(`  note${k}: db.Column(db.Text(), { name: 'note_${k}' }),`);
    lines.push(`  score: db.IntegerProperty({ default: 0 }),`);
    lines.push(`  label: db.StringProperty(),`);
    lines.push(`}) {}`);
    lines.push('');
  }
  return lines.join('\n');
}

function ginoQueries(tables: TableSpec[]): string {
  const lines = [
    `import { db, ${tables.map((t) => t.cls).join(', ')} } from './schema.js';`,
    '',
    'declare function use(value: unknown): void;',
    '',
  ];
  tables.forEach((t, i) => {
    const [enumName] = ENUMS[t.enumIndex] as (typeof ENUMS)[number];
    const other = t.parent ?? (tables[1] as TableSpec);
    // 1. a row by key
    lines.push(`export async function ${t.varName}ById(id: number) {`);
    lines.push(`  const row = await ${t.cls}.query.where(${t.cls}.id.eq(id)).gino.first();`);
    lines.push(`  use(row?.title);`);
    lines.push(`  use(row?.score);`);
    lines.push('}');
    // 2. a join to the parent, or loading it
    if (i % 5 === 0 && t.parent) {
      lines.push(`export async function ${t.varName}WithParent() {`);
      lines.push(
        `  const rows = await ${t.cls}.load({ parent: ${other.cls} }).query.where(${t.cls}.rank.gt(0)).limit(20).gino.all();`,
      );
      lines.push(`  use(rows[0]?.parent?.title);`);
      lines.push('}');
    } else {
      const on = t.parent ? '' : `, ${other.cls}.parentId.eq(${t.cls}.id)`;
      lines.push(`export async function ${t.varName}Joined() {`);
      lines.push(
        `  const rows = await db.select([${t.cls}.id, ${t.cls}.title, ${other.cls}.title.label('otherTitle'), ${other.cls}.${(ENUMS[other.enumIndex] as (typeof ENUMS)[number])[0]}]).selectFrom(${t.cls}.outerjoin(${other.cls}${on})).where(${t.cls}.isActive.eq(true)).orderBy(${t.cls}.createdAt.desc()).limit(50).gino.all();`,
      );
      lines.push(`  use(rows[0]?.otherTitle);`);
      lines.push('}');
    }
    // 3. an insert
    const parent = t.parent && t.parentRequired ? ', parentId: 1' : '';
    lines.push(`export async function ${t.varName}Create(title: string) {`);
    lines.push(`  const row = await ${t.cls}.create({ title${parent}, rank: 1, label: 'x' });`);
    lines.push(`  use(row.id);`);
    lines.push('}');
    // 4. an update, or an aggregate
    if (i % 2 === 0) {
      lines.push(`export async function ${t.varName}Bump(id: number) {`);
      lines.push(
        `  const result = await ${t.cls}.update.values({ rank: ${t.cls}.rank.add(1), updatedAt: db.func.now() }).where(${t.cls}.id.eq(id)).gino.status();`,
      );
      lines.push(`  use(result.rowCount);`);
      lines.push('}');
    } else {
      lines.push(`export async function ${t.varName}Counts() {`);
      lines.push(
        `  const rows = await db.select([${t.cls}.${enumName}, db.func.count(${t.cls}.id).label('n')]).groupBy(${t.cls}.${enumName}).gino.all();`,
      );
      lines.push(`  use(rows[0]?.n);`);
      lines.push('}');
    }
  });
  return lines.join('\n');
}

// ---- Drizzle ------------------------------------------------------------------------------

function drizzleSchema(tables: TableSpec[]): string {
  const lines = [
    `import { relations, sql } from 'drizzle-orm';`,
    `import { boolean, integer, jsonb, numeric, pgEnum, pgTable, serial, text, timestamp, varchar } from 'drizzle-orm/pg-core';`,
    '',
  ];
  for (const [name, values] of ENUMS) {
    lines.push(`export const ${name}Enum = pgEnum('${name}', [${values.map((v) => `'${v}'`).join(', ')}]);`);
  }
  lines.push('');
  lines.push('export interface Meta { score?: number; label?: string }');
  lines.push('');
  for (const t of tables) {
    const [enumName, values] = ENUMS[t.enumIndex] as (typeof ENUMS)[number];
    lines.push(`export const ${t.varName} = pgTable('${t.name}', {`);
    lines.push(`  id: serial('id').primaryKey(),`);
    if (t.parent) {
      const req = t.parentRequired ? '.notNull()' : '';
      lines.push(`  parentId: integer('parent_id')${req}.references(() => ${t.parent.varName}.id),`);
    }
    lines.push(`  title: varchar('title', { length: 200 }).notNull(),`);
    lines.push(`  description: text('description'),`);
    lines.push(`  ${enumName}: ${enumName}Enum('${enumName}').notNull().default('${values[0]}'),`);
    lines.push(`  rank: integer('rank').notNull().default(0),`);
    lines.push(`  amount: numeric('amount', { precision: 12, scale: 2 }),`);
    lines.push(`  isActive: boolean('is_active').notNull().default(true),`);
    lines.push(`  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),`);
    lines.push(`  updatedAt: timestamp('updated_at', { withTimezone: true }),`);
    lines.push(`  meta: jsonb('meta').$type<Meta>().notNull().default(sql\`'{}'::jsonb\`),`);
    for (let k = 0; k < t.extras; k++) lines.push(`  note${k}: text('note_${k}'),`);
    lines.push(`});`);
    lines.push('');
  }
  // Relations: each table's parent (one) and children (many).
  for (const t of tables) {
    const children = tables.filter((c) => c.parent === t);
    const parts: string[] = [];
    if (t.parent) {
      parts.push(
        `parent: one(${t.parent.varName}, { fields: [${t.varName}.parentId], references: [${t.parent.varName}.id] })`,
      );
    }
    for (const c of children) parts.push(`${c.varName}: many(${c.varName})`);
    lines.push(
      `export const ${t.varName}Relations = relations(${t.varName}, ({ ${t.parent ? 'one, ' : ''}many }) => ({ ${parts.join(', ')} }));`,
    );
  }
  return lines.join('\n');
}

function drizzleQueries(tables: TableSpec[]): string {
  const lines = [
    `import { count, desc, eq, gt, sql } from 'drizzle-orm';`,
    `import type { NodePgDatabase } from 'drizzle-orm/node-postgres';`,
    `import * as schema from './schema.js';`,
    `import { ${tables.map((t) => t.varName).join(', ')} } from './schema.js';`,
    '',
    'declare const db: NodePgDatabase<typeof schema>;',
    'declare function use(value: unknown): void;',
    '',
  ];
  tables.forEach((t, i) => {
    const [enumName] = ENUMS[t.enumIndex] as (typeof ENUMS)[number];
    const other = t.parent ?? (tables[1] as TableSpec);
    const v = t.varName;
    lines.push(`export async function ${v}ById(id: number) {`);
    lines.push(`  const [row] = await db.select().from(${v}).where(eq(${v}.id, id)).limit(1);`);
    lines.push(`  use(row?.title);`);
    lines.push(`  use(row?.meta.score);`);
    lines.push('}');
    if (i % 5 === 0 && t.parent) {
      lines.push(`export async function ${v}WithParent() {`);
      lines.push(
        `  const rows = await db.query.${v}.findMany({ with: { parent: true }, where: gt(${v}.rank, 0), limit: 20 });`,
      );
      lines.push(`  use(rows[0]?.parent?.title);`);
      lines.push('}');
    } else {
      const on = t.parent ? `eq(${v}.parentId, ${other.varName}.id)` : `eq(${other.varName}.parentId, ${v}.id)`;
      const otherEnum = (ENUMS[other.enumIndex] as (typeof ENUMS)[number])[0];
      lines.push(`export async function ${v}Joined() {`);
      lines.push(
        `  const rows = await db.select({ id: ${v}.id, title: ${v}.title, otherTitle: ${other.varName}.title, ${otherEnum}: ${other.varName}.${otherEnum} }).from(${v}).leftJoin(${other.varName}, ${on}).where(eq(${v}.isActive, true)).orderBy(desc(${v}.createdAt)).limit(50);`,
      );
      lines.push(`  use(rows[0]?.otherTitle);`);
      lines.push('}');
    }
    const parent = t.parent && t.parentRequired ? ', parentId: 1' : '';
    lines.push(`export async function ${v}Create(title: string) {`);
    lines.push(
      `  const [row] = await db.insert(${v}).values({ title${parent}, rank: 1, meta: { label: 'x' } }).returning();`,
    );
    lines.push(`  use(row?.id);`);
    lines.push('}');
    if (i % 2 === 0) {
      lines.push(`export async function ${v}Bump(id: number) {`);
      lines.push(
        `  const result = await db.update(${v}).set({ rank: sql\`\${${v}.rank} + 1\`, updatedAt: sql\`now()\` }).where(eq(${v}.id, id));`,
      );
      lines.push(`  use(result.rowCount);`);
      lines.push('}');
    } else {
      lines.push(`export async function ${v}Counts() {`);
      lines.push(
        `  const rows = await db.select({ ${enumName}: ${v}.${enumName}, n: count(${v}.id) }).from(${v}).groupBy(${v}.${enumName});`,
      );
      lines.push(`  use(rows[0]?.n);`);
      lines.push('}');
    }
  });
  return lines.join('\n');
}

// ---- Kysely -------------------------------------------------------------------------------

function kyselySchema(tables: TableSpec[]): string {
  const lines = [`import type { ColumnType, Generated, JSONColumnType } from 'kysely';`, ''];
  for (const [name, values] of ENUMS) {
    lines.push(`export type ${pascal(name)} = ${values.map((v) => `'${v}'`).join(' | ')};`);
  }
  lines.push('');
  lines.push('export interface Meta { score?: number; label?: string }');
  lines.push('type Timestamp = ColumnType<Date, Date | string, Date | string>;');
  lines.push('');
  for (const t of tables) {
    const [enumName] = ENUMS[t.enumIndex] as (typeof ENUMS)[number];
    lines.push(`export interface ${t.cls}Table {`);
    lines.push('  id: Generated<number>;');
    if (t.parent) lines.push(`  parent_id: ${t.parentRequired ? 'number' : 'number | null'};`);
    lines.push('  title: string;');
    lines.push('  description: string | null;');
    lines.push(`  ${enumName}: Generated<${pascal(enumName)}>;`);
    lines.push('  rank: Generated<number>;');
    lines.push('  amount: string | null;');
    lines.push('  is_active: Generated<boolean>;');
    lines.push('  created_at: Generated<Timestamp>;');
    lines.push('  updated_at: Timestamp | null;');
    lines.push('  meta: JSONColumnType<Meta, string | undefined, string>;');
    for (let k = 0; k < t.extras; k++) lines.push(`  note_${k}: string | null;`);
    lines.push('}');
    lines.push('');
  }
  lines.push('export interface DB {');
  for (const t of tables) lines.push(`  ${t.name}: ${t.cls}Table;`);
  lines.push('}');
  return lines.join('\n');
}

function kyselyQueries(tables: TableSpec[]): string {
  const lines = [
    `import { type Kysely, sql } from 'kysely';`,
    `import { jsonObjectFrom } from 'kysely/helpers/postgres';`,
    `import type { DB } from './schema.js';`,
    '',
    'declare const db: Kysely<DB>;',
    'declare function use(value: unknown): void;',
    '',
  ];
  tables.forEach((t, i) => {
    const [enumName] = ENUMS[t.enumIndex] as (typeof ENUMS)[number];
    const other = t.parent ?? (tables[1] as TableSpec);
    const v = t.varName;
    const n = t.name;
    const o = other.name;
    lines.push(`export async function ${v}ById(id: number) {`);
    lines.push(`  const row = await db.selectFrom('${n}').selectAll().where('id', '=', id).executeTakeFirst();`);
    lines.push(`  use(row?.title);`);
    lines.push(`  use(row?.meta.score);`);
    lines.push('}');
    if (i % 5 === 0 && t.parent) {
      lines.push(`export async function ${v}WithParent() {`);
      lines.push(
        `  const rows = await db.selectFrom('${n}').selectAll('${n}').select((eb) => [jsonObjectFrom(eb.selectFrom('${o}').selectAll('${o}').whereRef('${o}.id', '=', '${n}.parent_id')).as('parent')]).where('${n}.rank', '>', 0).limit(20).execute();`,
      );
      lines.push(`  use(rows[0]?.parent?.title);`);
      lines.push('}');
    } else {
      const on = t.parent ? [`'${o}.id'`, `'${n}.parent_id'`] : [`'${o}.parent_id'`, `'${n}.id'`];
      const otherEnum = (ENUMS[other.enumIndex] as (typeof ENUMS)[number])[0];
      lines.push(`export async function ${v}Joined() {`);
      lines.push(
        `  const rows = await db.selectFrom('${n}').leftJoin('${o}', ${on[0]}, ${on[1]}).select(['${n}.id', '${n}.title', '${o}.title as otherTitle', '${o}.${otherEnum}']).where('${n}.is_active', '=', true).orderBy('${n}.created_at', 'desc').limit(50).execute();`,
      );
      lines.push(`  use(rows[0]?.otherTitle);`);
      lines.push('}');
    }
    const parent = t.parent && t.parentRequired ? ', parent_id: 1' : '';
    lines.push(`export async function ${v}Create(title: string) {`);
    lines.push(
      `  const row = await db.insertInto('${n}').values({ title${parent}, rank: 1, meta: JSON.stringify({ label: 'x' }) }).returningAll().executeTakeFirstOrThrow();`,
    );
    lines.push(`  use(row.id);`);
    lines.push('}');
    if (i % 2 === 0) {
      lines.push(`export async function ${v}Bump(id: number) {`);
      lines.push(
        `  const result = await db.updateTable('${n}').set((eb) => ({ rank: eb('rank', '+', 1), updated_at: sql<Date>\`now()\` })).where('id', '=', id).executeTakeFirst();`,
      );
      lines.push(`  use(result.numUpdatedRows);`);
      lines.push('}');
    } else {
      lines.push(`export async function ${v}Counts() {`);
      lines.push(
        `  const rows = await db.selectFrom('${n}').select(['${enumName}', (eb) => eb.fn.count<number>('id').as('n')]).groupBy('${enumName}').execute();`,
      );
      lines.push(`  use(rows[0]?.n);`);
      lines.push('}');
    }
  });
  return lines.join('\n');
}

// ---- projects -----------------------------------------------------------------------------

export type Library = 'gino-edge' | 'drizzle' | 'kysely';
export const LIBRARIES: readonly Library[] = ['gino-edge', 'drizzle', 'kysely'];

/** The compiler options every project shares: strict, as the three libraries recommend. */
const COMPILER_OPTIONS = {
  target: 'ES2022',
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  lib: ['ES2022'],
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  types: [],
};

/**
 * Writes, under `root`, a project per library and per phase: `schema` (the 50 tables alone) and
 * `full` (the tables and the 200 queries). gino-edge's declarations must already be at `ginoDts`.
 */
export function writeProjects(root: string, ginoDts: string): Record<Library, Record<'schema' | 'full', string>> {
  const tables = specs();
  const sources: Record<Library, { schema: (importPath: string) => string; queries: string }> = {
    'gino-edge': { schema: (p) => ginoSchema(tables, p), queries: ginoQueries(tables) },
    drizzle: { schema: () => drizzleSchema(tables), queries: drizzleQueries(tables) },
    kysely: { schema: () => kyselySchema(tables), queries: kyselyQueries(tables) },
  };
  const out = {} as Record<Library, Record<'schema' | 'full', string>>;
  for (const lib of LIBRARIES) {
    out[lib] = { schema: '', full: '' };
    for (const phase of ['schema', 'full'] as const) {
      const dir = join(root, lib, phase);
      mkdirSync(dir, { recursive: true });
      const importPath = `${relativeUp(dir, root)}/${ginoDts}/src/index.js`;
      writeFileSync(join(dir, 'schema.ts'), `${sources[lib].schema(importPath)}\n`);
      const files = ['schema.ts'];
      if (phase === 'full') {
        writeFileSync(join(dir, 'queries.ts'), `${sources[lib].queries}\n`);
        files.push('queries.ts');
      }
      writeFileSync(
        join(dir, 'package.json'),
        `${JSON.stringify({ name: `types-bench-${lib}-${phase}`, private: true, type: 'module' }, null, 2)}\n`,
      );
      writeFileSync(
        join(dir, 'tsconfig.json'),
        `${JSON.stringify({ compilerOptions: COMPILER_OPTIONS, files }, null, 2)}\n`,
      );
      out[lib][phase] = dir;
    }
  }
  return out;
}

/** `../..` from `dir` up to `root` (both under the same tree). */
function relativeUp(dir: string, root: string): string {
  const depth = dir.slice(root.length).split('/').filter(Boolean).length;
  return Array.from({ length: depth }, () => '..').join('/');
}
