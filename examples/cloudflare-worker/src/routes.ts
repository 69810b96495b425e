/**
 * The REST API over `User`. Every query here runs on the current request's binding: no `bind`
 * argument anywhere, because `db.worker()` gave the request its own scope.
 */
import { DatabaseError, InvalidRequestError } from 'gino-edge';
import { db, User } from './models.js';

const USER_PATH = /^\/users\/(\d{1,9})$/;

/** A response for a client mistake, with the reason. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function route(request: Request): Promise<Response> {
  const { pathname, searchParams } = new URL(request.url);
  const method = request.method;
  if (pathname === '/users' && method === 'GET') return list(searchParams);
  if (pathname === '/users' && method === 'POST') return create(await nicknameOf(request, false));
  if (pathname === '/users/count' && method === 'GET') return count();
  if (pathname === '/setup' && method === 'POST') return setup();
  const id = USER_PATH.exec(pathname)?.[1];
  if (id !== undefined) {
    if (method === 'GET') return get(Number(id));
    if (method === 'PATCH') return update(Number(id), await nicknameOf(request, true));
    if (method === 'DELETE') return remove(Number(id));
  }
  throw new HttpError(404, `no route for ${method} ${pathname}`);
}

/** A query parameter that must be a whole number ≥ 0 (a client's mistake otherwise: 400). */
function whole(params: URLSearchParams, name: string, fallback: number): number {
  const given = params.get(name);
  if (given === null || given === '') return fallback;
  const n = Number(given);
  if (!Number.isInteger(n) || n < 0) throw new HttpError(400, `${name} must be a whole number ≥ 0, got '${given}'`);
  return n;
}

/** `GET /users?limit=&offset=`: the users by id. */
async function list(params: URLSearchParams): Promise<Response> {
  const limit = whole(params, 'limit', 100);
  const offset = whole(params, 'offset', 0);
  if (limit > 1000) throw new HttpError(400, 'limit is at most 1000');
  const users = await User.query.orderBy(User.id).limit(limit).offset(offset).gino.all();
  return Response.json(users.map((u) => u.toDict()));
}

async function get(id: number): Promise<Response> {
  const user = await User.get(id);
  if (!user) throw new HttpError(404, `no user ${id}`);
  return Response.json(user.toDict());
}

async function create(nickname: string | undefined): Promise<Response> {
  const user = await User.create(nickname === undefined ? {} : { nickname });
  return Response.json(user.toDict(), { status: 201 });
}

async function update(id: number, nickname: string | undefined): Promise<Response> {
  const user = await User.get(id);
  if (!user) throw new HttpError(404, `no user ${id}`);
  await user.update({ nickname }).apply();
  return Response.json(user.toDict());
}

async function remove(id: number): Promise<Response> {
  const { rowCount } = await User.delete.where(User.id.eq(id)).gino.status();
  if (rowCount === 0) throw new HttpError(404, `no user ${id}`);
  return new Response(null, { status: 204 });
}

async function count(): Promise<Response> {
  // gino-edge types count() as Integer: a number, checked to be exact.
  return Response.json({ count: await db.func.count(User.id).gino.scalar() });
}

/** `POST /setup`: create the table if it is missing (for the demo; use migrations in production). */
async function setup(): Promise<Response> {
  await db.gino.createAll();
  return Response.json({ ok: true });
}

/** The body's `nickname`: a string, required when `required`. */
async function nicknameOf(request: Request, required: boolean): Promise<string | undefined> {
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    throw new HttpError(400, 'the body must be JSON, e.g. {"nickname": "fantix"}');
  }
  const nickname = (body as { nickname?: unknown } | null)?.nickname;
  if (nickname === undefined && !required) return undefined;
  if (typeof nickname !== 'string') throw new HttpError(400, 'nickname must be a string');
  return nickname;
}

/** Client mistakes as 4xx JSON; database errors as 500 with their SQLSTATE; anything else rethrown. */
export function errorResponse(error: unknown): Response {
  if (error instanceof HttpError) return Response.json({ error: error.message }, { status: error.status });
  if (error instanceof InvalidRequestError) return Response.json({ error: error.message }, { status: 400 });
  if (error instanceof DatabaseError) return Response.json({ error: error.message, code: error.code }, { status: 500 });
  throw error;
}
