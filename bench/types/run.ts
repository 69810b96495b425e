/**
 * `npm run bench:types`: how much type-checking costs with gino-edge, Drizzle and Kysely, the same
 * 50-table schema and 200 queries in each (see generate.ts), measured by `tsc --extendedDiagnostics`
 * with TypeScript 5 (this repository's) and TypeScript 7 (installed with npm into .tmp/ts7 when it
 * is missing; run single-threaded so its figures are one checker's, as TypeScript 5's are).
 * gino-edge is checked through its built declarations, as users get it from npm. Writes
 * bench/results/types.md.
 *
 *   npm run bench:types               five runs per project (the median time and memory)
 *   npm run bench:types -- --quick    one run per project
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { LIBRARIES, type Library, QUERIES, TABLES, writeProjects } from './generate.js';

const ROOT = resolve('.tmp/bench-types');
const TS7_DIR = resolve('.tmp/ts7');
const GINO_DTS = 'gino-dts';
const runs = process.argv.includes('--quick') ? 1 : 5;

interface Compiler {
  name: string;
  version: string;
  bin: string;
  flags: string[];
}

function compilers(): Compiler[] {
  const ts5 = resolve('node_modules/typescript/bin/tsc');
  const ts7 = join(TS7_DIR, 'node_modules/typescript/bin/tsc');
  if (!existsSync(ts7)) {
    mkdirSync(TS7_DIR, { recursive: true });
    if (!existsSync(join(TS7_DIR, 'package.json'))) writeFileSync(join(TS7_DIR, 'package.json'), '{"private":true}\n');
    execFileSync('npm', ['install', '--no-save', 'typescript@7'], { cwd: TS7_DIR, stdio: 'inherit' });
  }
  const version = (bin: string) => execFileSync('node', [bin, '--version'], { encoding: 'utf8' }).trim();
  return [
    { name: 'TypeScript 5', version: version(ts5), bin: ts5, flags: [] },
    { name: 'TypeScript 7', version: version(ts7), bin: ts7, flags: ['--singleThreaded'] },
  ];
}

interface Figures {
  instantiations: number;
  types: number;
  checkTime: number;
  memoryK: number;
  /** CPU seconds (user + system) of the whole tsc run: less disturbed by other work than wall time. */
  cpu: number;
  errors: number;
  tooDeep: number;
  firstError: string | undefined;
}

function diagnostic(out: string, label: string): number {
  const m = new RegExp(`^${label}:\\s+([\\d.]+)`, 'm').exec(out);
  if (!m) throw new Error(`no "${label}" in tsc's diagnostics:\n${out.slice(-2000)}`);
  return Number(m[1]);
}

function check(compiler: Compiler, dir: string): Figures {
  const samples: Figures[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(
      '/usr/bin/time',
      ['-f', 'cpu %U %S', 'node', compiler.bin, '-p', dir, '--extendedDiagnostics', ...compiler.flags],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    const out = `${r.stdout}\n${r.stderr}`;
    const cpu = /^cpu ([\d.]+) ([\d.]+)$/m.exec(r.stderr);
    if (!cpu) throw new Error(`no CPU time from /usr/bin/time:\n${r.stderr.slice(-2000)}`);
    const errors = out.split('\n').filter((l) => /error TS\d+/.test(l));
    samples.push({
      instantiations: diagnostic(out, 'Instantiations'),
      types: diagnostic(out, 'Types'),
      checkTime: diagnostic(out, 'Check time'),
      memoryK: diagnostic(out, 'Memory used'),
      cpu: Number(cpu[1]) + Number(cpu[2]),
      errors: errors.length,
      tooDeep: errors.filter((l) => l.includes('TS2589')).length,
      firstError: errors[0],
    });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const first = samples[0] as Figures;
  return {
    ...first,
    checkTime: median(samples.map((s) => s.checkTime)),
    memoryK: median(samples.map((s) => s.memoryK)),
    cpu: Math.min(...samples.map((s) => s.cpu)),
  };
}

function buildGinoDeclarations(): void {
  const out = join(ROOT, GINO_DTS);
  rmSync(out, { recursive: true, force: true });
  execFileSync(
    'node',
    [
      resolve('node_modules/typescript/bin/tsc'),
      '-p',
      'tsconfig.build.json',
      '--emitDeclarationOnly',
      '--declaration',
      '--outDir',
      out,
    ],
    { stdio: 'inherit' },
  );
  writeFileSync(join(out, 'package.json'), '{"type":"module"}\n');
}

const fmt = (n: number) => n.toLocaleString('en-US');
const ratio = (a: number, b: number) => (b === 0 ? 'n/a' : `${(a / b).toFixed(2)}×`);

function main(): void {
  mkdirSync(ROOT, { recursive: true });
  buildGinoDeclarations();
  const dirs = writeProjects(ROOT, GINO_DTS);
  const results: { compiler: Compiler; lib: Library; phase: 'schema' | 'full'; f: Figures }[] = [];
  for (const compiler of compilers()) {
    for (const lib of LIBRARIES) {
      for (const phase of ['schema', 'full'] as const) {
        const f = check(compiler, dirs[lib][phase]);
        console.log(
          `${compiler.name} ${lib} ${phase}: ${fmt(f.instantiations)} instantiations, ${fmt(f.types)} types, ${f.checkTime}s check, ${f.cpu.toFixed(2)}s CPU, ${fmt(f.memoryK)}K, ${f.errors} errors`,
        );
        if (f.firstError) console.log(`  first error: ${f.firstError}`);
        results.push({ compiler, lib, phase, f });
      }
    }
  }
  const [l1, l5, l15] = loadavg().map((x) => x.toFixed(2));
  const lines = [
    '## Type-checking cost (gino-edge, Drizzle, Kysely)',
    '',
    `Measured ${new Date().toISOString()} by \`npm run bench:types\` (bench/types/): load average ${l1} / ${l5} / ${l15} on ` +
      `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GB, shared with other work, so ` +
      "tsc's check time (wall clock) is noisy: the median of " +
      `${runs} run${runs === 1 ? '' : 's'}, beside the CPU time of the whole run (parse, bind, check; the least of the runs), ` +
      'which other work disturbs less. Instantiation and type counts are exact.',
    '',
    `The same schema (${TABLES} tables, 11 to 15 columns each: foreign keys, five enums, a JSONB column ` +
      `with typed keys) and the same ${QUERIES} queries (per table: a row by key, a join to the parent table or ` +
      "loading it with the library's related-rows API, an insert returning the row, an update with an " +
      'expression or a grouped count), each written as its users write it. Every result is read ' +
      '(`row.title`), so its type is computed. `tsc --extendedDiagnostics`, `strict`, `skipLibCheck`; ' +
      'gino-edge through its built declarations, as npm ships it; TypeScript 7 with `--singleThreaded`. ' +
      '"schema" type-checks the tables alone, "full" the tables and the queries; "queries alone" is the ' +
      'difference (n/a where the difference of two noisy wall-clock medians came out below zero).',
    '',
  ];
  for (const compiler of compilers()) {
    lines.push(`### ${compiler.name} (${compiler.version})`, '');
    lines.push(
      '| library | phase | instantiations | types | check time | CPU, whole run | memory | errors | "excessively deep" |',
    );
    lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of results.filter((x) => x.compiler.name === compiler.name)) {
      lines.push(
        `| ${r.lib} | ${r.phase} | ${fmt(r.f.instantiations)} | ${fmt(r.f.types)} | ${r.f.checkTime.toFixed(2)} s | ${r.f.cpu.toFixed(2)} s | ` +
          `${fmt(Math.round(r.f.memoryK / 1024))} MB | ${r.f.errors} | ${r.f.tooDeep} |`,
      );
    }
    lines.push('');
    const get = (lib: Library, phase: 'schema' | 'full') =>
      (
        results.find(
          (x) => x.compiler.name === compiler.name && x.lib === lib && x.phase === phase,
        ) as (typeof results)[number]
      ).f;
    lines.push('| gino-edge against | what | instantiations | types | check time | CPU | memory |');
    lines.push('|---|---|---:|---:|---:|---:|---:|');
    for (const peer of ['drizzle', 'kysely'] as const) {
      for (const what of ['full', 'queries'] as const) {
        const g =
          what === 'full' ? get('gino-edge', 'full') : diff(get('gino-edge', 'full'), get('gino-edge', 'schema'));
        const p = what === 'full' ? get(peer, 'full') : diff(get(peer, 'full'), get(peer, 'schema'));
        lines.push(
          `| ${peer} | ${what === 'full' ? 'schema + queries' : 'queries alone'} | ${ratio(g.instantiations, p.instantiations)} | ` +
            `${ratio(g.types, p.types)} | ${ratio(g.checkTime, p.checkTime)} | ${ratio(g.cpu, p.cpu)} | ${ratio(g.memoryK, p.memoryK)} |`,
        );
      }
    }
    lines.push('', 'Below 1× gino-edge costs less than the peer, above 1× more.', '');
    lines.push(...worse(get, compiler.name), '');
  }
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/types.md', `${lines.join('\n')}\n`);
  console.log('wrote bench/results/types.md');
}

/** Where gino-edge costs more than a peer, said in so many words, and where its cost is. */
function worse(get: (lib: Library, phase: 'schema' | 'full') => Figures, compiler: string): string[] {
  const out: string[] = [];
  const figures = [
    ['instantiations', (f: Figures) => f.instantiations, fmt],
    ['types', (f: Figures) => f.types, fmt],
    ['check time', (f: Figures) => f.checkTime, (n: number) => `${n.toFixed(2)} s`],
    ['CPU', (f: Figures) => f.cpu, (n: number) => `${n.toFixed(2)} s`],
    ['memory', (f: Figures) => f.memoryK, (n: number) => `${fmt(Math.round(n / 1024))} MB`],
  ] as const;
  for (const peer of ['drizzle', 'kysely'] as const) {
    for (const phase of ['schema', 'full'] as const) {
      const over = figures.filter(([, of]) => of(get('gino-edge', phase)) > of(get(peer, phase)));
      if (over.length === 0) continue;
      out.push(
        `- ${compiler}: gino-edge costs more than ${peer} on the ${phase === 'schema' ? 'schema alone' : 'schema and queries'}: ` +
          over
            .map(
              ([name, of, show]) =>
                `${name} ${show(of(get('gino-edge', phase)))} against ${show(of(get(peer, phase)))}`,
            )
            .join(', ') +
          '.',
      );
    }
  }
  const schema = get('gino-edge', 'schema');
  const queries = diff(get('gino-edge', 'full'), schema);
  out.push(
    `- Where gino-edge's cost is: the models, ${fmt(Math.round(schema.instantiations / TABLES))} instantiations a model ` +
      `(its instance, insert, update and column types are computed from the definition object, and each \`class ... extends db.Model()\` ` +
      `is checked against them), against ${fmt(Math.round(queries.instantiations / QUERIES))} a query. A Kysely schema is ` +
      'interfaces written out by hand (or generated), which cost nothing until a query uses them.',
  );
  return out;
}

function diff(a: Figures, b: Figures): Figures {
  return {
    instantiations: a.instantiations - b.instantiations,
    types: a.types - b.types,
    checkTime: Math.max(0, a.checkTime - b.checkTime),
    memoryK: Math.max(0, a.memoryK - b.memoryK),
    cpu: Math.max(0, a.cpu - b.cpu),
    errors: a.errors,
    tooDeep: a.tooDeep,
    firstError: a.firstError,
  };
}

main();
