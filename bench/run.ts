/**
 * `npm run bench`: gino-edge side by side with the raw drivers, Drizzle and Kysely. Prints one
 * Markdown table per measurement and writes bench/RESULTS.md. Run from the project root: the
 * script bundles this file with esbuild first (no keep-names helpers, as a build would ship it;
 * the libraries compared come prebuilt from node_modules), then runs it with node.
 *
 *   npm run bench                         everything (PostgreSQL parts skipped when no server answers)
 *   npm run bench -- --only compile,e2e   some sections (compile, e2e, bundle, workerd)
 *   npm run bench -- --quick              fewer rounds (a smoke run)
 *   npm run bench -- --entry name=path    another Worker to bundle (e.g. the example Worker)
 *
 * BENCH_DATABASE_URL (else DATABASE_URL, else postgres://postgres@127.0.0.1:5432/gino_bench) is
 * the PostgreSQL used (the database is created when the server answers without it); the benchmark
 * drops and recreates its `users` table there.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { PGlite } from '@electric-sql/pglite';
import pgModule from 'pg';
import { type NeonProxy, startNeonProxy } from '../src/dev/index.js';
import { type Bundled, DEFAULT_ENTRIES, type Entry, measureBundles } from './bundle.js';
import { measureCompile } from './compile.js';
import { describeRounds, measurePg, measurePglite, pgAvailable } from './e2e.js';
import { type Op, RESET_SQL } from './ops.js';
import { measureOverhead } from './overhead.js';
import { measureColdStart, measureRoundTrips, type WorkerTarget } from './workerd.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only'));
const only = onlyArg
  ? new Set((onlyArg.includes('=') ? onlyArg.split('=')[1] : args[args.indexOf(onlyArg) + 1])?.split(','))
  : undefined;
const extraEntries: Entry[] = args.flatMap((a, i) => {
  if (a !== '--entry' && !a.startsWith('--entry=')) return [];
  const spec = a.startsWith('--entry=') ? a.slice(8) : (args[i + 1] ?? '');
  const [name, path] = spec.includes('=') ? (spec.split('=') as [string, string]) : [spec, spec];
  return [{ name, path, baseline: 'empty', note: 'given with --entry' }];
});
const wanted = (section: string) => !only || only.has(section);

const databaseUrl =
  process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/gino_bench';

const sections: string[] = [];
function emit(title: string, body: string): void {
  const text = `## ${title}\n\n${body}\n`;
  console.log(`\n${text}`);
  sections.push(text);
}

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

const started = performance.now();
const startLoad = loadavg()[0]?.toFixed(2) ?? 'n/a';
const hasPg = await pgAvailable(databaseUrl);
const redacted = databaseUrl.replace(/:[^:@/]*@/, ':***@');

if (wanted('compile')) {
  const rounds = quick ? 5 : 21;
  const result = measureCompile({ rounds, batch: quick ? 500 : 2000 });
  emit(
    'Compile: build and compile each operation, no database',
    `Median ns per operation over ${rounds} alternating rounds; the ratio is how many times longer the other library takes than gino-edge (higher is better for gino-edge). gino-edge compiles a call of one column (\`db.func.count(User.id)\`, the count row) once and reuses it, as it does \`Model.get()\`'s statement: that row times a cache lookup, the others a full build and compile.\n\n${result.markdown}\n\nThe SQL each library produces:\n\n${result.sql}`,
  );
}

if (wanted('e2e')) {
  const options = quick ? { rounds: 8, warmup: 2, batch: 10 } : { rounds: 40, warmup: 4, batch: 20 };
  const how = describeRounds(options);
  if (hasPg) {
    const pg = await measurePg(databaseUrl, options);
    emit(`End to end on PostgreSQL through pg, one connection (${redacted})`, `${how}\n\n${pg.markdown}`);
    const overhead = await measureOverhead(
      databaseUrl,
      { rounds: quick ? 5 : 25, batch: quick ? 100 : 400 },
      pg.us.pg as Record<Op, number>,
    );
    emit(
      'Library overhead per call (pg driver replaying recorded results, no I/O)',
      `Each library runs the workload on a pg Client double that replays the server's recorded results, so the time is the library's own work per call (build, compile, call the driver, shape rows), not the driver's or the server's. The double is not a \`pg.Client\`, so gino-edge takes its config-object path here (a real \`pg.Client\` gets pg's own \`Query\`, which skips pg's copy of the config). Medians over alternating rounds. The last columns divide it by the raw driver's end-to-end time above: the overhead an otherwise idle machine would see.\n\n${overhead.markdown}`,
    );
  } else {
    emit(
      'End to end on PostgreSQL through pg',
      `Skipped: no PostgreSQL answered at ${redacted} (set BENCH_DATABASE_URL).`,
    );
  }
  const lite = await measurePglite(options);
  emit(
    'End to end on PGlite (in process)',
    `${how} Each library has its own in-memory PGlite with the same rows; gino-edge owns its instance (\`pglite(db, { own: true })\`, as \`pglite://memory\` does), so its type parsers are installed once: on a borrowed instance, \`pglite(db)\` passes them per query and PGlite 0.5 merges them into its ~300-entry parser table on every call (about +130 µs).\n\n${lite.markdown}`,
  );
}

let bundles: Bundled[] | undefined;
if (wanted('bundle') || wanted('workerd')) {
  const result = await measureBundles([...DEFAULT_ENTRIES, ...extraEntries]);
  bundles = result.bundles;
  if (wanted('bundle')) {
    emit(
      'Bundle: a minimal CRUD Worker per library (esbuild, minified, gzip -9)',
      `${result.markdown}\n\nDrizzle's and Kysely's share is their Worker minus the raw \`neon()\` Worker (both run on that driver). gino-edge's neon-http adapter speaks Neon's HTTP protocol itself and imports no driver, so its Worker holds no \`neon()\` at all: its share is its Worker minus the empty handler, and it *includes* its own HTTP client (which the others get from the driver). Compare totals for what a user ships, shares for what each library adds.`,
    );
  }
}

if (wanted('workerd') && bundles) {
  let proxy: NeonProxy | undefined;
  let pglite: PGlite | undefined;
  try {
    let target: string | PGlite = databaseUrl;
    if (hasPg) {
      const client = new pgModule.Client({ connectionString: databaseUrl });
      await client.connect();
      for (const sql of RESET_SQL) await client.query(sql);
      await client.end();
    } else {
      pglite = new PGlite();
      for (const sql of RESET_SQL) await pglite.exec(sql);
      target = pglite;
    }
    proxy = await startNeonProxy({ target: target as never, port: 0 });
    const plainUrl = new URL(hasPg ? databaseUrl : 'postgresql://postgres@127.0.0.1/postgres');
    // Neon (and the proxy) require a password; a trust-auth server takes any.
    if (plainUrl.password === '') plainUrl.password = 'neon-dev';
    const neonUrl = plainUrl.toString().replace(/^[a-z0-9+.-]+:\/\//i, 'postgresql://');
    const byName = new Map(bundles.map((b) => [b.entry.name, b]));
    const targets: WorkerTarget[] = [
      { bundled: byName.get('neon() raw') as Bundled, databaseUrl: neonUrl },
      {
        bundled: byName.get('gino-edge') as Bundled,
        databaseUrl: neonUrl.replace(/^postgresql:/, 'postgresql+neon-http:'),
      },
      { bundled: byName.get('Drizzle') as Bundled, databaseUrl: neonUrl },
      { bundled: byName.get('Kysely') as Bundled, databaseUrl: neonUrl },
    ];
    const where = hasPg ? 'PostgreSQL' : 'PGlite (no PostgreSQL server answered)';
    const rounds = quick ? 2 : 8;
    const cold = await measureColdStart(targets, proxy, rounds);
    emit(
      'Cold start in workerd (Miniflare)',
      `Each round starts a fresh Miniflare (workerd) whose entry imports the Worker's bundle on the first request; that request runs one query (get by primary key) through the local Neon proxy (HTTP) in front of ${where}. So "module load → first result" is the bundle's load and evaluation plus its first query, timed from outside; the next request is the same query, warm. Medians over ${rounds} alternating rounds (after one uncounted); ratios to the raw \`neon()\` Worker.\n\n${cold.markdown}`,
    );
    const trips = await measureRoundTrips(targets, proxy);
    emit(
      'Round trips per operation on Neon HTTP',
      `HTTP requests counted at the local Neon proxy for one call of each operation, inside workerd.\n\n${trips.markdown}`,
    );
  } finally {
    await proxy?.close();
    await pglite?.close();
    if (hasPg) {
      const client = new pgModule.Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query('DROP TABLE IF EXISTS users');
      await client.end();
    }
  }
}

const header = `# gino-edge benchmark results

Generated by \`npm run bench\`${quick ? ' (--quick)' : ''} at commit ${commit()} on Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}; ${((performance.now() - started) / 1000).toFixed(0)} s. Load average at the start ${startLoad}: read ratios, not absolute times.
`;
if (!only) writeFileSync('bench/RESULTS.md', `${header}\n${sections.join('\n')}`);
else console.log('\n(--only: bench/RESULTS.md left as it was)');
