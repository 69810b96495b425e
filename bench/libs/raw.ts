/** The raw drivers: hand-written SQL text through pg's Client or PGlite, the baseline. */
import type { CompileOps, RunLibrary } from '../ops.js';

/** What both pg's Client and PGlite offer: `query(text, params)` → `{ rows }` of objects. */
export type RawQuery = (text: string, params?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;

export function runLibrary(name: string, query: RawQuery): RunLibrary {
  const created: number[] = [];
  return {
    name,
    ops: {
      'insert returning': async () => {
        const { rows } = await query('INSERT INTO users (nickname) VALUES ($1) RETURNING id, nickname', ['fantix']);
        created.push((rows[0] as { id: number }).id);
      },
      'get by primary key': async (i) =>
        (await query('SELECT id, nickname FROM users WHERE id = $1', [(i % 9) + 1])).rows[0] ?? null,
      'select where id < 10': async () => (await query('SELECT id, nickname FROM users WHERE id < $1', [10])).rows,
      'select one column': async (i) =>
        (await query('SELECT nickname FROM users WHERE id = $1', [(i % 9) + 1])).rows[0]?.nickname ?? null,
      count: async () => (await query('SELECT count(id) AS count FROM users')).rows[0]?.count,
      'update by id returning': async (i) =>
        (await query('UPDATE users SET nickname = $1 WHERE id = $2 RETURNING nickname', [`daisy${i}`, (i % 9) + 1]))
          .rows,
      'delete by id': () => query('DELETE FROM users WHERE id = $1', [created.pop()]),
      'class-level update (expression)': () =>
        query('UPDATE users SET nickname = ($1 || nickname) WHERE id < $2', ['Founding Member ', 10]),
    },
  };
}

export type { CompileOps };
