/** The baseline Worker: Neon's own `neon()` HTTP driver with hand-written SQL. */
import { type NeonQueryFunction, neon, neonConfig } from '@neondatabase/serverless';
import { type Env, requestOf } from './env.js';

async function run(sql: NeonQueryFunction<false, false>, op: string, id: number): Promise<unknown> {
  switch (op) {
    case 'insert returning':
      return (await sql.query('INSERT INTO users (nickname) VALUES ($1) RETURNING id, nickname', ['fantix']))[0];
    case 'get by primary key':
      return (await sql.query('SELECT id, nickname FROM users WHERE id = $1', [id]))[0] ?? null;
    case 'select where id < 10':
      return sql.query('SELECT id, nickname FROM users WHERE id < $1', [10]);
    case 'select one column':
      return (await sql.query('SELECT nickname FROM users WHERE id = $1', [id]))[0]?.nickname ?? null;
    case 'count':
      return (await sql.query('SELECT count(id) AS count FROM users'))[0]?.count;
    case 'update by id returning':
      return sql.query('UPDATE users SET nickname = $1 WHERE id = $2 RETURNING nickname', ['daisy', id]);
    case 'delete by id':
      return sql.query('DELETE FROM users WHERE id = $1', [id]);
    case 'class-level update (expression)':
      return sql.query('UPDATE users SET nickname = ($1 || nickname) WHERE id < $2', ['Founding Member ', 10]);
    default:
      throw new Error(`unknown operation ${op}`);
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    neonConfig.fetchEndpoint = env.NEON_ENDPOINT;
    const { op, id } = requestOf(request);
    return Response.json(await run(neon(env.DATABASE_URL), op, id));
  },
};
