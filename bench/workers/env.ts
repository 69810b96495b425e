/** What each benchmark Worker is given: the database URL and the local proxy's SQL endpoint. */
export interface Env {
  DATABASE_URL: string;
  NEON_ENDPOINT: string;
}

/** `?op=<operation>&id=<n>` → the operation and the row it names. */
export function requestOf(request: Request): { op: string; id: number } {
  const url = new URL(request.url);
  return { op: url.searchParams.get('op') ?? 'get by primary key', id: Number(url.searchParams.get('id') ?? 1) };
}
