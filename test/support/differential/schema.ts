/**
 * The differential tester's fixed schema and seed rows: NULLs, negative numbers, empty strings and
 * duplicates in every column, so three-valued logic and ties are exercised. The rows are written
 * once and restored (in the same transaction or batch) after every UPDATE or DELETE.
 */
import type { Gino } from '../../../src/index.js';
import type { Data, Row } from './evaluate.js';

/** The models of the schema, defined on a suite's db. */
export function defineTables(db: Gino) {
  class A extends db.Model({
    __tablename__: 'dt_a',
    id: db.Column(db.Integer(), { primaryKey: true, autoincrement: false }),
    x: db.Column(db.Integer()),
    y: db.Column(db.Integer()),
    s: db.Column(db.Text()),
    b: db.Column(db.Boolean()),
    f: db.Column(db.Float()),
  }) {}
  class B extends db.Model({
    __tablename__: 'dt_b',
    id: db.Column(db.Integer(), { primaryKey: true, autoincrement: false }),
    a_id: db.Column(db.Integer(), { references: db.ForeignKey('dt_a.id', { onDelete: 'SET NULL' }) }),
    x: db.Column(db.Integer()),
    s: db.Column(db.Text()),
  }) {}
  class J extends db.Model({
    __tablename__: 'dt_j',
    id: db.Column(db.Integer(), { primaryKey: true, autoincrement: false }),
    p: db.Column(db.JSONB()),
    pn: db.IntegerProperty(),
    pt: db.StringProperty(),
  }) {}
  return { A, B, J };
}

export type Tables = ReturnType<typeof defineTables>;

const X = [0, 1, -1, 2, 7, null, 10, -5, 3, 3, null, 1000, -1000, 2, 0, 5, null, -2, 7, 1];
const Y = [1, null, 0, 3, -1, 2, 2, null, 10, -7, 4, 0, 6];
const S = ['', 'a', 'ab', null, 'abc', 'b', 'ba', 'a1', '1', '10', '9', 'zz', 'a', null, 'b0', ''];
const BOOLS = [true, false, null, true, false];
const F = [0, 1.5, -2.25, null, 3, 1e10, 0.1, -0.5, 2.5, null, 7, -1];

const pick = <T>(list: readonly T[], i: number): T => list[i % list.length] as T;

/** dt_a: 30 rows; dt_b: 24 rows pointing at some of them (or at none). */
export const SEED = {
  dt_a: Array.from({ length: 30 }, (_, n) => {
    const i = n + 1;
    return { id: i, x: pick(X, i), y: pick(Y, i), s: pick(S, i), b: pick(BOOLS, i), f: pick(F, i) };
  }),
  dt_b: Array.from({ length: 24 }, (_, n) => {
    const i = n + 1;
    return {
      id: i,
      a_id: pick([1, 2, 2, null, 5, 30, 7, 3, 11, null, 12], i),
      x: pick([3, null, -1, 7, 0, 2, 1000, 5, -5], i),
      s: pick(['a', 'b', '', null, 'ab', '10', 'zz'], i),
    };
  }),
} as const;

/** dt_j's JSONB documents: SQL NULL, JSON null, objects with and without the properties. */
export const JSON_SEED: readonly { id: number; p: unknown; sqlNull?: true }[] = [
  { id: 1, p: null, sqlNull: true },
  { id: 2, p: null },
  { id: 3, p: {} },
  { id: 4, p: { pn: 3 } },
  { id: 5, p: { pt: 'x', other: 1 } },
  { id: 6, p: { pn: null, pt: 'y' } },
];

/** The seed rows as the JS oracle reads them (integers as bigints). */
export function seedData(): Data {
  const conv = (row: Record<string, unknown>, ints: readonly string[]): Row =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => [k, v === null ? null : ints.includes(k) ? BigInt(v as number) : v]),
    ) as Row;
  return {
    dt_a: SEED.dt_a.map((r) => conv(r, ['id', 'x', 'y'])),
    dt_b: SEED.dt_b.map((r) => conv(r, ['id', 'a_id', 'x'])),
  };
}

function sqlValue(v: unknown): string {
  if (v === null) return 'NULL';
  if (typeof v === 'string') return `'${v.replace(/'/g, "''")}'`;
  return String(v);
}

function upsert(table: string, rows: readonly Record<string, unknown>[], casts: Record<string, string> = {}): string {
  const cols = Object.keys(rows[0] as object);
  const values = rows.map((r) => `(${cols.map((c) => `${sqlValue(r[c])}${casts[c] ?? ''}`).join(', ')})`).join(', ');
  const set = cols
    .filter((c) => c !== 'id')
    .map((c) => `${c} = EXCLUDED.${c}`)
    .join(', ');
  return `INSERT INTO ${table} (${cols.join(', ')}) VALUES ${values} ON CONFLICT (id) DO UPDATE SET ${set}`;
}

/** Statements that put every seed row back as it was (rows deleted, values changed); run in order. */
export const RESTORE: readonly string[] = [
  upsert('dt_a', SEED.dt_a, { f: '::float8' }),
  upsert('dt_b', SEED.dt_b),
  upsert(
    'dt_j',
    JSON_SEED.map((r) => ({ id: r.id, p: r.sqlNull ? null : JSON.stringify(r.p) })),
    { p: '::jsonb' },
  ),
];
