/** The same handler with no database at all: the bundle every Worker starts from. */
import { type Env, requestOf } from './env.js';

export default {
  async fetch(request: Request, _env: Env): Promise<Response> {
    return Response.json(requestOf(request));
  },
};
