/**
 * `db.func.<name>` is typed for every function PostgreSQL ships (src/sql/pg-functions.ts), so
 * that `db.func.currval('s')` needs no `!` under `noUncheckedIndexedAccess`. The list is read
 * from the server's catalogue; this test checks each name is a function the server has, callable
 * from SQL (no type I/O, operator or aggregate support functions, no `internal` arguments): the
 * same list whatever types the database holds.
 * `GINO_WRITE_PG_FUNCTIONS=1` writes the list again from the server.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { expect, inject, test } from 'vitest';
import { PG_FUNCTIONS } from '../../src/sql/pg-functions.js';

const CALLABLE = `
with support as (
  select typinput::oid as f from pg_type union select typoutput from pg_type
  union select typreceive from pg_type union select typsend from pg_type
  union select typmodin from pg_type union select typmodout from pg_type
  union select typanalyze from pg_type union select typsubscript from pg_type
  union select oprcode from pg_operator union select oprrest from pg_operator union select oprjoin from pg_operator
  union select aggtransfn from pg_aggregate union select aggfinalfn from pg_aggregate
  union select aggcombinefn from pg_aggregate union select aggserialfn from pg_aggregate
  union select aggdeserialfn from pg_aggregate union select aggmtransfn from pg_aggregate
  union select aggminvtransfn from pg_aggregate union select aggmfinalfn from pg_aggregate
  union select amproc from pg_amproc union select amhandler from pg_am
  union select lanplcallfoid from pg_language union select laninline from pg_language
  union select lanvalidator from pg_language union select fdwhandler from pg_foreign_data_wrapper
)
select distinct p.proname as name
from pg_proc p
where p.pronamespace = 'pg_catalog'::regnamespace
  and p.oid not in (select f from support where f <> 0)
  and p.prorettype not in ('internal'::regtype, 'trigger'::regtype, 'event_trigger'::regtype,
    'language_handler'::regtype, 'fdw_handler'::regtype, 'index_am_handler'::regtype,
    'table_am_handler'::regtype, 'tsm_handler'::regtype)
  and not ('internal'::regtype = any (p.proargtypes::oid[]))
  -- type I/O (also of types made later, as enums are): cstring in or out, *_in/_out/_recv/_send
  and p.prorettype <> 'cstring'::regtype
  and not ('cstring'::regtype = any (p.proargtypes::oid[]))
  and p.proname !~ '_(in|out|recv|send)$'
  and p.proname ~ '^[a-z][a-z0-9_]*$'
order by 1`;

async function callableNames(): Promise<string[]> {
  const client = new pg.Client({ connectionString: inject('databaseUrl') });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(CALLABLE);
    return rows.map((r) => r.name);
  } finally {
    await client.end();
  }
}

test('every function name db.func declares is one PostgreSQL has, callable from SQL', async () => {
  const names = await callableNames();
  if (process.env.GINO_WRITE_PG_FUNCTIONS === '1') {
    const file = new URL('../../src/sql/pg-functions.ts', import.meta.url);
    const head = readFileSync(file, 'utf8').split('export const PG_FUNCTIONS')[0] as string;
    const list = names.map((n) => `  '${n}',`).join('\n');
    writeFileSync(file, `${head}export const PG_FUNCTIONS = [\n${list}\n] as const;\n`);
    return;
  }
  expect(PG_FUNCTIONS.length).toBeGreaterThan(500);
  const server = new Set(names);
  expect(PG_FUNCTIONS.filter((n) => !server.has(n))).toEqual([]);
  expect([...PG_FUNCTIONS].sort()).toEqual([...PG_FUNCTIONS]);
  for (const common of ['count', 'currval', 'nextval', 'now', 'jsonb_build_object', 'to_tsvector']) {
    expect(PG_FUNCTIONS).toContain(common);
  }
});
