/**
 * The workloads users feel: big reads (time and peak memory, a process per library and size),
 * bulk writes (multi-row INSERT chunked under the parameter limit, executemany, COPY) and cursors
 * over a million rows (a process per library). Libraries alternate (A B C D, then B C D A, ...).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/node-postgres';
import { Kysely, PostgresDialect } from 'kysely';
import pgModule from 'pg';
import { pg as ginoPg } from '../adapters/pg/index.js';
import type { CursorResult, Lib, ReadResult, Task } from './child.js';
import { singleClientPool } from './pool.js';
import { markdownTable, median, ratio, rotate } from './stats.js';
import {
  chunks,
  fillSql,
  ginoWide,
  multiInsertSql,
  rawCopy,
  rawParams,
  rowsPerStatement,
  WIDE_COLUMNS,
  WIDE_DDL,
  type WideRow,
  wideRows,
} from './wide.js';
import { drizzleWide, type KyselyWide } from './wide-peers.js';

const CHILD = new URL('./child.mjs', import.meta.url).pathname;
const LIBS: Lib[] = ['raw', 'gino-edge', 'Drizzle', 'Kysely'];

/** Run one task in a fresh process (`--expose-gc`, so the child can settle its heap before measuring). */
export function runChild<R>(task: Task, nodeArgs: readonly string[] = []): Promise<R> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', '--max-old-space-size=4096', ...nodeArgs, CHILD, JSON.stringify(task)],
      { maxBuffer: 1 << 24 },
      (error, stdout, stderr) => {
        const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
        if (error || !line) {
          reject(new Error(`child ${JSON.stringify(task)} failed: ${error?.message ?? ''}\n${stderr}`));
          return;
        }
        resolve(JSON.parse(line.slice(7)) as R);
      },
    );
  });
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** Whose code a profile's frame is: a package from node_modules, Node itself, or gino-edge and the bench (bundled together). */
function ownerOf(url: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1] as string;
  if (url.startsWith('wasm://')) return 'WebAssembly (PGlite)';
  if (url.startsWith('node:') || url === '') return 'Node / V8';
  return 'gino-edge or the bench';
}

/**
 * Run `task` in a process under \`--cpu-prof\` and summarise where its time went: the functions with
 * the most self time, and each owner's share (gino-edge, the driver, Node and V8, the GC).
 */
export async function profileChild(task: Task, top = 10): Promise<string> {
  mkdirSync('.tmp/bench', { recursive: true });
  const dir = mkdtempSync('.tmp/bench/prof-');
  try {
    await runChild(task, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) return '(no profile was written)';
    const profile = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')) as CpuProfile;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const self = new Map<string, number>();
    const owners = new Map<string, number>();
    let total = 0;
    profile.samples.forEach((id, i) => {
      const frame = byId.get(id)?.callFrame;
      const dt = profile.timeDeltas[i] ?? 0;
      if (!frame || frame.functionName === '(idle)') return;
      const special = frame.functionName.startsWith('(');
      const owner = special ? frame.functionName : ownerOf(frame.url);
      const key = special ? frame.functionName : `\`${frame.functionName || '(anonymous)'}\` (${owner})`;
      self.set(key, (self.get(key) ?? 0) + dt);
      owners.set(owner, (owners.get(owner) ?? 0) + dt);
      total += dt;
    });
    const pct = (v: number) => `${((v / total) * 100).toFixed(1)} %`;
    const rows = [...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => [k, pct(v)]);
    const shares = [...owners.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${pct(v)}`)
      .join(', ');
    return `Busy time by owner: ${shares}.\n\n${markdownTable(['function (self time)', 'share of busy time'], rows)}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withClient<T>(url: string, fn: (c: pgModule.Client) => Promise<T>): Promise<T> {
  const client = new pgModule.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function fillPg(url: string, size: number): Promise<void> {
  await withClient(url, async (c) => {
    for (const sql of WIDE_DDL) await c.query(sql);
    await c.query(fillSql(size));
    await c.query('VACUUM ANALYZE wide');
  });
}

/**
 * The wide table made once in memory and dumped: each process loads the dump into an in-memory
 * instance (as \`pglite://memory\` runs), so no read goes to the disk.
 */
async function makePgliteDump(size: number, path: string): Promise<void> {
  mkdirSync('.tmp/bench', { recursive: true });
  const lite = new PGlite();
  for (const sql of WIDE_DDL) await lite.exec(sql);
  await lite.exec(fillSql(size));
  await lite.exec('VACUUM ANALYZE wide');
  writeFileSync(path, Buffer.from(await (await lite.dumpDataDir('none')).arrayBuffer()));
  await lite.close();
}

const READS_NOTE = `The profiles below split each process's busy time between the driver (pg's protocol parser, or PGlite's WebAssembly and its message parser), the type parsers (gino-edge's own, which raw pg is handed too), gino-edge's row shaping (\`Wide.query.gino.all()\` makes a model instance per row and sets its eight values) and the GC. **Fixed in this milestone:** a result with a column whose type finishes its values (any array column, BigInteger modes, enums) was copied whole before it was shaped (a \`row.slice()\` per row, and a new array per array value), so a big read held the driver's rows and their copies at once; rows are now finished one at a time as they are shaped, copying only when a value changes (an \`int[]\` of numbers stays the driver's array). **PGlite's memory** is mostly its own: the database is in the process (in memory here, as with \`pglite://memory\`), PGlite's WebAssembly memory grows with the work it does and never shrinks, and PGlite hands a whole result over at once (no rows before the last); what gino-edge adds is the JS heap of the rows it returns, shown above beside raw PGlite's. **Left:** a model instance per row costs more than raw's plain row object; for the biggest reads \`iterate()\` (the cursors part) keeps memory flat, and a select of columns (\`db.select([...]).gino.all()\`) returns plain rows, no instances.`;

const WRITES_NOTE = `Most of a bulk write's time is the server's (parsing, checking and storing the rows: "(idle)" in a profile, left out of the busy time below); the client's share is building the statement text and serialising every value. **Fixed in this milestone:** JSON values were serialised through a replacer (it refuses functions, symbols, Maps and Sets, turns bigints to numbers), whose call per key cost more than the serialising itself; plain JSON data (strings, numbers, booleans, null, arrays and plain objects of them) is now checked by a walk and serialised without it, the same text. **Left:** gino-edge sends every value as text, bytea as hex (raw pg sends a Buffer as a binary parameter), and checks each value against its column's type; executemany is one statement per row by definition (one round trip each), for a bulk write use one multi-row INSERT per chunk. **COPY:** \`db.copyInto(Model, rows)\` streams the rows with COPY FROM STDIN through a submittable of gino-edge's own (no pg-copy-streams), each value serialised and checked by its column's type exactly as an INSERT parameter is (so it stores what \`insert().values()\` stores), then escaped for COPY's text format; the raw row above builds its lines by hand, with no checks. What is left between them is that serialising and checking, the same work a gino-edge INSERT does: the last two profiles below (a COPY of the same rows by each) show where, gino-edge's column serialisers and its COPY line encoding (\`encodeRow\`, \`copyText\`) against raw's hand-built lines, beside the same socket writes.`;

const CURSORS_NOTE = `gino-edge's \`iterate()\` is a server-side cursor (\`DECLARE ... CURSOR\`, then \`FETCH FORWARD n\` statements in a transaction), the portable form every adapter with cursors runs; pg-cursor fetches from the extended protocol's portal (\`Execute\` with a row limit), which only node-postgres offers. Both wait for each page before asking for the next, one round trip per page, and both hand rows to the loop one at a time from an async generator. Memory stays flat in both: one page of rows at a time.`;

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`;

interface ReadCell {
  ms: number[];
  peak: number[];
  growth: number[];
  heap: number[];
  before: number[];
}

export interface ReadsOptions {
  sizes: number[];
  rounds: number;
  drivers: ('pg' | 'pglite')[];
}

/** Big reads: the whole wide table, a process per (library, size, round). */
export async function measureReads(url: string, hasPg: boolean, options: ReadsOptions): Promise<string[]> {
  const sections: string[] = [];
  const summaries: string[] = [];
  const dirRoot = '.tmp/bench/pglite-wide';
  for (const driver of options.drivers) {
    if (driver === 'pg' && !hasPg) {
      sections.push('### On pg\n\nSkipped: no PostgreSQL answered.\n');
      continue;
    }
    const cells = new Map<string, ReadCell>();
    let resetWorked = true;
    for (const size of options.sizes) {
      const dir = `${dirRoot}-${size}.tar`;
      if (driver === 'pg') await fillPg(url, size);
      else await makePgliteDump(size, dir);
      const reps = size >= 100_000 ? 3 : size >= 10_000 ? 10 : 40;
      for (let r = 0; r < options.rounds; r++) {
        for (const lib of rotate(LIBS, r)) {
          const res = await runChild<ReadResult>({ kind: 'read', driver, lib, size, reps, url, dir });
          if (res.rows !== size) throw new Error(`${lib} read ${res.rows} rows of ${size}`);
          resetWorked &&= res.resetWorked;
          const key = `${lib}\u0000${size}`;
          const cell = cells.get(key) ?? { ms: [], peak: [], growth: [], heap: [], before: [] };
          cell.ms.push(res.ms);
          cell.peak.push(res.peak);
          cell.growth.push(res.peak - res.before);
          cell.heap.push(res.heapGrowth);
          cell.before.push(res.before);
          cells.set(key, cell);
        }
      }
      if (driver === 'pglite') rmSync(dir, { force: true });
    }
    const get = (lib: Lib, size: number) => cells.get(`${lib}\u0000${size}`) as ReadCell;
    const timeRows = options.sizes.map((size) => {
      const raw = median(get('raw', size).ms);
      const g = median(get('gino-edge', size).ms);
      return [
        `${size.toLocaleString('en')} rows`,
        `${raw.toFixed(1)} ms`,
        ...LIBS.slice(1).map((lib) => ratio(raw, median(get(lib, size).ms))),
        ratio(median(get('Drizzle', size).ms), g),
        ratio(median(get('Kysely', size).ms), g),
      ];
    });
    const memRows = options.sizes.map((size) => {
      const rawPeak = median(get('raw', size).peak);
      const rawGrowth = median(get('raw', size).growth);
      return [
        `${size.toLocaleString('en')} rows`,
        `${mb(rawPeak)} (+${mb(rawGrowth)})`,
        ...LIBS.slice(1).map((lib) => `${mb(median(get(lib, size).peak))} (+${mb(median(get(lib, size).growth))})`),
        ...LIBS.slice(1).map((lib) => ratio(median(get(lib, size).peak), rawPeak)),
        ...LIBS.slice(1).map((lib) => ratio(median(get(lib, size).growth), rawGrowth)),
        ...LIBS.map((lib) => mb(median(get(lib, size).heap))),
      ];
    });
    const rawName = driver === 'pg' ? 'raw pg' : 'raw PGlite';
    const top = options.sizes[options.sizes.length - 1] as number;
    const thr = (lib: Lib) => ratio(median(get('raw', top).ms), median(get(lib, top).ms));
    const peakRatio = (lib: Lib) => ratio(median(get(lib, top).peak), median(get('raw', top).peak));
    summaries.push(
      `on ${driver === 'pg' ? 'pg' : 'PGlite'} gino-edge at ${thr('gino-edge')} ${rawName}'s throughput (Drizzle ${thr('Drizzle')}, Kysely ${thr('Kysely')}) and ${peakRatio('gino-edge')} its peak RSS (Drizzle ${peakRatio('Drizzle')}, Kysely ${peakRatio('Kysely')})`,
    );
    sections.push(
      `### On ${driver === 'pg' ? 'pg (node-postgres, one connection)' : 'PGlite (in process, in memory, loaded from a dump of the table)'}

Time: median of each process's median read (${options.rounds} processes per library and size, alternating), as throughput relative to ${rawName} (rows per second ÷ ${rawName}'s: 1.00× = as fast, higher is faster); the last columns are gino-edge's throughput ÷ each peer's.

${markdownTable(
  [
    'read',
    `${rawName} (median)`,
    `gino-edge ÷ ${rawName}`,
    `Drizzle ÷ ${rawName}`,
    `Kysely ÷ ${rawName}`,
    'gino-edge ÷ Drizzle',
    'gino-edge ÷ Kysely',
  ],
  timeRows,
)}

Memory: peak RSS of the process during one read holding its result (VmHWM${resetWorked ? ', reset just before the read' : ', not resettable here: since the process started'}), with the growth over the RSS just before the read in brackets; ratios to ${rawName} (lower is better), and the JS heap the held result takes.

${markdownTable(
  [
    'read',
    `${rawName} peak (+growth)`,
    ...LIBS.slice(1).map((l) => `${l} peak (+growth)`),
    ...LIBS.slice(1).map((l) => `${l} ÷ raw, peak`),
    ...LIBS.slice(1).map((l) => `${l} ÷ raw, growth`),
    ...LIBS.map((l) => `${l === 'raw' ? rawName : l} heap held`),
  ],
  memRows,
)}
`,
    );
  }
  const top = options.sizes[options.sizes.length - 1] as number;
  const profiles: string[] = [];
  for (const driver of options.drivers) {
    if (driver === 'pg' && !hasPg) continue;
    const dir = `${dirRoot}-profile.tar`;
    if (driver === 'pglite') await makePgliteDump(top, dir);
    else await fillPg(url, top);
    for (const lib of ['gino-edge', 'raw'] as const) {
      const profile = await profileChild({ kind: 'read', driver, lib, size: top, reps: 3, url, dir });
      profiles.push(
        `#### ${lib === 'raw' ? `raw ${driver === 'pg' ? 'pg' : 'PGlite'}` : 'gino-edge'} reading ${top.toLocaleString('en')} rows on ${driver === 'pg' ? 'pg' : 'PGlite'} (one process under \`--cpu-prof\`: four reads)\n\n${profile}\n`,
      );
    }
    if (driver === 'pglite') rmSync(dir, { force: true });
  }
  sections.push(`### Where the time and memory go\n\n${READS_NOTE}\n\n${profiles.join('\n')}`);
  if (summaries.length) {
    sections.unshift(`<!-- summary: Reading ${top.toLocaleString('en')} wide rows: ${summaries.join('; ')}. -->\n`);
  }
  return sections;
}

type Writer = (rows: readonly WideRow[]) => Promise<void>;

interface WriteMethod {
  method: string;
  lib: string;
  sizes: number[];
  run: Writer;
}

export interface WritesOptions {
  sizes: number[];
  rounds: number;
  /** Sizes executemany (one statement per row) is run at. */
  manySizes: number[];
}

/** Bulk writes on pg: every method and library inserting the same rows, alternating. */
export async function measureWrites(url: string, options: WritesOptions): Promise<string[]> {
  const client = new pgModule.Client({ connectionString: url });
  await client.connect();
  const per = rowsPerStatement(WIDE_COLUMNS.length);
  const { db, Wide } = ginoWide();
  const engine = await db.setBind(ginoPg({ pool: singleClientPool(client) as never }));
  const d = drizzle({ client });
  const k = new Kysely<KyselyWide>({ dialect: new PostgresDialect({ pool: singleClientPool(client) as never }) });
  const inTx = async (fn: () => Promise<void>) => {
    await client.query('BEGIN');
    try {
      await fn();
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
  };
  const all = options.sizes;
  const many = options.manySizes;
  const methods: WriteMethod[] = [
    {
      method: 'multi-row INSERT',
      lib: 'raw',
      sizes: all,
      run: (rows) =>
        inTx(async () => {
          for (const chunk of chunks(rows, per))
            await client.query(multiInsertSql(chunk.length), chunk.flatMap(rawParams));
        }),
    },
    {
      method: 'multi-row INSERT',
      lib: 'gino-edge',
      sizes: all,
      run: (rows) =>
        db.transaction(async () => {
          for (const chunk of chunks(rows, per))
            await Wide.insert()
              .values(chunk as never)
              .gino.status();
        }),
    },
    {
      method: 'multi-row INSERT',
      lib: 'Drizzle',
      sizes: all,
      run: (rows) =>
        d.transaction(async (tx) => {
          for (const chunk of chunks(rows, per)) await tx.insert(drizzleWide).values(chunk);
        }),
    },
    {
      method: 'multi-row INSERT',
      lib: 'Kysely',
      sizes: all,
      run: (rows) =>
        k.transaction().execute(async (trx) => {
          for (const chunk of chunks(rows, per)) {
            await trx
              .insertInto('wide')
              .values(chunk.map((r) => ({ ...r, doc: JSON.stringify(r.doc) })))
              .execute();
          }
        }),
    },
    {
      method: 'executemany (a statement per row, one transaction)',
      lib: 'raw',
      sizes: many,
      run: (rows) =>
        inTx(async () => {
          const text = multiInsertSql(1);
          for (const row of rows) await client.query(text, rawParams(row));
        }),
    },
    {
      method: 'executemany (a statement per row, one transaction)',
      lib: 'gino-edge',
      sizes: many,
      run: async (rows) => {
        await Wide.insert().gino.status(rows as never);
      },
    },
    {
      method: 'executemany (a statement per row, one transaction)',
      lib: 'Drizzle',
      sizes: many,
      run: (rows) =>
        d.transaction(async (tx) => {
          for (const row of rows) await tx.insert(drizzleWide).values(row);
        }),
    },
    {
      method: 'executemany (a statement per row, one transaction)',
      lib: 'Kysely',
      sizes: many,
      run: (rows) =>
        k.transaction().execute(async (trx) => {
          for (const row of rows)
            await trx
              .insertInto('wide')
              .values({ ...row, doc: JSON.stringify(row.doc) })
              .execute();
        }),
    },
    {
      method: 'COPY FROM STDIN (text format)',
      lib: 'raw',
      sizes: all,
      run: (rows) => rawCopy(client, rows as WideRow[]),
    },
    {
      method: 'COPY FROM STDIN (text format)',
      lib: 'gino-edge',
      sizes: all,
      run: async (rows) => {
        await db.copyInto(Wide, rows as never);
      },
    },
  ];
  const times = new Map<string, number[]>();
  try {
    for (const sql of WIDE_DDL) await client.query(sql);
    for (const size of [...new Set([...all, ...many])].sort((a, b) => a - b)) {
      const rows = wideRows(size);
      const here = methods.filter((m) => m.sizes.includes(size));
      // One uncounted round: the JIT, the table's first pages.
      for (let r = -1; r < options.rounds; r++) {
        for (const m of rotate(here, Math.max(r, 0))) {
          await client.query('TRUNCATE wide');
          const t0 = performance.now();
          await m.run(rows);
          const ms = performance.now() - t0;
          const count = Number((await client.query('SELECT count(*) AS n FROM wide')).rows[0].n);
          if (count !== size) throw new Error(`${m.lib} ${m.method} wrote ${count} rows of ${size}`);
          if (r >= 0) {
            const key = `${m.method}\u0000${m.lib}\u0000${size}`;
            times.set(key, [...(times.get(key) ?? []), ms]);
          }
        }
      }
    }
    // The values read back are the values written (checked once, on the last method's rows).
    const back = await client.query({ text: 'SELECT * FROM wide WHERE id = 2', rowMode: 'array' });
    if (back.rows.length !== 1) throw new Error('the rows written could not be read back');
  } finally {
    await client.query('DROP TABLE IF EXISTS wide').catch(() => undefined);
    db.popBind();
    await engine.close();
    await client.end();
  }
  const t = (method: string, lib: string, size: number) =>
    median(times.get(`${method}\u0000${lib}\u0000${size}`) ?? []);
  const insert = 'multi-row INSERT';
  const manyName = 'executemany (a statement per row, one transaction)';
  const copy = 'COPY FROM STDIN (text format)';
  const rowsOf = (method: string, sizes: number[]) =>
    sizes.map((size) => {
      const raw = t(method, 'raw', size);
      const g = t(method, 'gino-edge', size);
      return [
        `${size.toLocaleString('en')} rows`,
        `${raw.toFixed(0)} ms`,
        ...['gino-edge', 'Drizzle', 'Kysely'].map((lib) => ratio(raw, t(method, lib, size))),
        ratio(t(method, 'Drizzle', size), g),
        ratio(t(method, 'Kysely', size), g),
      ];
    });
  const headers = (what: string) => [
    what,
    'raw pg (median)',
    'gino-edge ÷ raw',
    'Drizzle ÷ raw',
    'Kysely ÷ raw',
    'gino-edge ÷ Drizzle',
    'gino-edge ÷ Kysely',
  ];
  const copyRows = all.map((size) => [
    `${size.toLocaleString('en')} rows`,
    `${t(copy, 'raw', size).toFixed(0)} ms`,
    `${t(copy, 'gino-edge', size).toFixed(0)} ms`,
    ratio(t(copy, 'raw', size), t(copy, 'gino-edge', size)),
    ratio(t(insert, 'raw', size), t(copy, 'raw', size)),
    ratio(t(insert, 'raw', size), t(copy, 'gino-edge', size)),
    ratio(t(insert, 'gino-edge', size), t(copy, 'gino-edge', size)),
    ratio(t(insert, 'Drizzle', size), t(copy, 'gino-edge', size)),
    ratio(t(insert, 'Kysely', size), t(copy, 'gino-edge', size)),
  ]);
  const big = all[all.length - 1] as number;
  const profiles: string[] = [];
  for (const method of ['insert', 'copy'] as const) {
    for (const lib of ['gino-edge', 'raw'] as const) {
      const profile = await profileChild({ kind: 'write', method, lib, size: big, url, reps: 3 });
      const what =
        method === 'insert' ? 'multi-row INSERT' : lib === 'raw' ? 'COPY (pg-copy-streams)' : 'COPY (`db.copyInto`)';
      profiles.push(
        `#### ${lib === 'raw' ? 'raw pg' : 'gino-edge'}: ${what} of ${big.toLocaleString('en')} rows, three times (one process under \`--cpu-prof\`)\n\n${profile}\n`,
      );
    }
  }
  const w = (lib: string) => ratio(t(insert, 'raw', big), t(insert, lib, big));
  return [
    `<!-- summary: Inserting ${big.toLocaleString('en')} rows (multi-row INSERT, ${per.toLocaleString('en')} rows a statement): gino-edge at ${w('gino-edge')} raw pg's throughput (Drizzle ${w('Drizzle')}, Kysely ${w('Kysely')}); raw COPY is ${ratio(t(insert, 'raw', big), t(copy, 'raw', big))} as fast as raw multi-row INSERT, gino-edge's db.copyInto ${ratio(t(insert, 'gino-edge', big), t(copy, 'gino-edge', big))} as fast as its multi-row INSERT (${ratio(t(copy, 'raw', big), t(copy, 'gino-edge', big))} raw COPY's throughput). -->`,
    `Every library inserts the same rows of the wide table (the 8 columns above) into an emptied table, in one transaction; ${options.rounds} rounds after an uncounted one, the methods and libraries alternating; medians. Throughput relative to raw pg's same method (1.00× = as fast, higher is faster), and gino-edge's ÷ each peer's. Each run's row count is checked.

### Multi-row INSERT, ${per.toLocaleString('en')} rows per statement (${WIDE_COLUMNS.length} parameters a row, under PostgreSQL's 65,535)

${markdownTable(headers('insert'), rowsOf(insert, all))}

### executemany: one INSERT per row (gino-edge: \`Wide.insert().gino.status(rows)\`; the others: a loop in a transaction)

${markdownTable(headers('insert'), rowsOf(manyName, many))}

### COPY FROM STDIN, text format: raw pg with pg-copy-streams, and gino-edge's \`db.copyInto(Wide, rows)\`

${markdownTable(['insert', 'raw COPY (median)', 'gino-edge copyInto (median)', 'gino-edge COPY ÷ raw COPY', 'raw COPY over raw INSERT', 'gino-edge COPY over raw INSERT', 'gino-edge COPY over gino-edge INSERT', 'gino-edge COPY over Drizzle INSERT', 'gino-edge COPY over Kysely INSERT'], copyRows)}

Drizzle and Kysely have no COPY: their fastest bulk write is the multi-row INSERT above, which the last two columns compare gino-edge's COPY with.

### Where the time goes

${WRITES_NOTE}

${profiles.join('\n')}
`,
  ];
}

export interface CursorsOptions {
  size: number;
  rounds: number;
  batch: number;
}

/**
 * A cursor's time as a cost per page plus a cost per row, from two runs with the same number of
 * pages (`size` rows `batch` a page, and a tenth of the rows a tenth a page), with what was fixed
 * and what is left.
 */
function cursorsSplit(
  options: CursorsOptions,
  smallSize: number,
  smallBatch: number,
  big: (lib: Lib) => number,
  few: (lib: Lib) => number,
): string {
  const pages = Math.ceil(options.size / options.batch);
  const rowsApart = options.size - smallSize;
  const perRow = (lib: Lib) => ((big(lib) - few(lib)) / rowsApart) * 1e6;
  const perPage = (lib: Lib) => ((few(lib) - (smallSize * perRow(lib)) / 1e6) / pages) * 1000;
  const gap = big('gino-edge') - big('raw');
  const pageShare = ((perPage('gino-edge') - perPage('raw')) * pages) / 1000;
  return `**The split, from this run.** Each library also ran ${smallSize.toLocaleString('en')} rows ${smallBatch} a page (the same ${pages.toLocaleString('en')} pages, a tenth of the rows), in processes of its own alternating with the main ones; the difference between the two runs is the cost of ${rowsApart.toLocaleString('en')} rows. Per row (receive, parse, shape, hand to the loop): gino-edge ${perRow('gino-edge').toFixed(0)} ns, raw pg-cursor ${perRow('raw').toFixed(0)} ns; per page (a FETCH statement sent, run and answered, versus pg-cursor's \`Execute\`; what a run pays once, opening the cursor and warming up, is spread over its pages): gino-edge ${perPage('gino-edge').toFixed(0)} µs, raw ${perPage('raw').toFixed(0)} µs. Of gino-edge's ${gap.toFixed(0)} ms more than raw over the ${options.size.toLocaleString('en')} rows, the pages account for ${pageShare.toFixed(0)} ms and the rows for the rest (these are differences of medians, so on a busy machine either can come out negative). The type parsers are the same on both sides (gino-edge's, which raw is handed) and dominate the profiles below; the page size is the same (${options.batch}). A FETCH is a SQL statement: the server parses it and runs it as a utility command, which stores the page's rows before it sends them, where pg-cursor's \`Execute\` streams them from the portal. **Fixed:** rows shaped by a plain loader (raw SQL, \`db.select([...])\`) no longer allocate a \`[value, isNew]\` pair each; the FETCH was already compiled once per cursor. **Not done, and why:** sending the next FETCH while the loop handles the current page would hide the round trip, but it is not safe in general: the loop may run its own statements on the cursor's connection, and they would then run after the next page was computed instead of before, which changes what a query with volatile functions returns (\`nextval()\`, \`clock_timestamp()\`, a function that writes) and, when the next page fails, makes the loop's statements fail as part of an aborted transaction instead of running first. A plain cursor is insensitive to later changes to the tables, but not to that. **Left:** a FETCH per page is the cost of the portable form; a protocol-level portal (as pg-cursor's) would need a cursor path per driver.`;
}

/** A cursor over a million generated rows: a process per library and round. */
export async function measureCursors(url: string, options: CursorsOptions): Promise<string[]> {
  const libs: Lib[] = ['raw', 'gino-edge', 'Kysely'];
  const got = new Map<Lib, CursorResult[]>();
  // The same number of pages with a tenth of the rows each: the difference is the rows' cost.
  const small = new Map<Lib, CursorResult[]>();
  const smallSize = Math.floor(options.size / 10);
  const smallBatch = Math.max(1, Math.floor(options.batch / 10));
  for (let r = 0; r < options.rounds; r++) {
    for (const lib of rotate(libs, r)) {
      const res = await runChild<CursorResult>({ kind: 'cursor', lib, size: options.size, url, batch: options.batch });
      got.set(lib, [...(got.get(lib) ?? []), res]);
      if (lib === 'Kysely') continue;
      const few = await runChild<CursorResult>({ kind: 'cursor', lib, size: smallSize, url, batch: smallBatch });
      small.set(lib, [...(small.get(lib) ?? []), few]);
    }
  }
  const profiles: string[] = [];
  for (const lib of ['gino-edge', 'raw'] as const) {
    const profile = await profileChild({ kind: 'cursor', lib, size: options.size, url, batch: options.batch });
    profiles.push(
      `#### ${lib === 'raw' ? 'raw pg-cursor' : 'gino-edge'} (one process under \`--cpu-prof\`)\n\n${profile}\n`,
    );
  }
  const ms = (lib: Lib) => median((got.get(lib) ?? []).map((x) => x.ms));
  const steady = (lib: Lib) => median((got.get(lib) ?? []).map((x) => x.peak - x.settled));
  const settled = (lib: Lib) => median((got.get(lib) ?? []).map((x) => x.settled - x.before));
  const rows = libs.map((lib) => [
    lib === 'raw' ? 'raw pg-cursor' : lib,
    `${ms(lib).toFixed(0)} ms`,
    `${((options.size / ms(lib)) * 1000).toFixed(0)} rows/s`,
    ratio(ms('raw'), ms(lib)),
    ratio(ms(lib), ms('gino-edge')),
    mb(settled(lib)),
    mb(Math.max(0, steady(lib))),
  ]);
  return [
    `<!-- summary: \`iterate()\` over ${options.size.toLocaleString('en')} rows: gino-edge at ${ratio(ms('raw'), ms('gino-edge'))} raw pg-cursor's throughput (Kysely ${ratio(ms('raw'), ms('Kysely'))}), memory flat after the first tenth (+${mb(Math.max(0, steady('gino-edge')))} over the rest). -->`,
    `Each library iterates a query of ${options.size.toLocaleString('en')} generated rows (int, bigint, text, timestamptz) ${options.batch} rows per fetch, in a process of its own (${options.rounds} processes per library, alternating; medians). gino-edge: \`db.iterate(db.text(sql), { prefetch: ${options.batch} })\` (DECLARE ... CURSOR and FETCH in a transaction); raw: pg-cursor's \`read(${options.batch})\` (the extended protocol's portal) with the same type parsers; Kysely: \`executor.stream()\` on pg-cursor. Drizzle has no cursor or streaming API for node-postgres, so it has no row. Memory: RSS growth over the first tenth of the rows (the working set), then the further peak over the other nine tenths (steady: 0 MB = flat).

${markdownTable(
  [
    'library',
    'time (median)',
    'throughput',
    'throughput ÷ raw',
    'gino-edge throughput ÷ this',
    'RSS growth, first 10 %',
    'further peak, last 90 %',
  ],
  rows,
)}

### Where the time goes

${CURSORS_NOTE}

${cursorsSplit(options, smallSize, smallBatch, ms, (lib) => median((small.get(lib) ?? []).map((x) => x.ms)))}

${profiles.join('\n')}
`,
  ];
}
