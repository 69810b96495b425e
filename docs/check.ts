/**
 * `npm run docs` (after TypeDoc): the guides and the README hold no broken link, every TypeScript
 * block in docs/ type-checks against the package's own types, and the blocks marked
 * `<!-- run -->` run (on embedded PGlite). Exits non-zero listing every problem.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, '.tmp', 'docs-check');

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? markdownFiles(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : [],
  );
}

/** GitHub's anchor for a heading. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_~]/g, '')
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => slug(m[1] as string)));
}

/** Relative links that point at no file, or at no heading of the file. */
export function brokenLinks(files: readonly string[]): string[] {
  const broken: string[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const link = m[1] as string;
      if (/^[a-z]+:/i.test(link)) continue;
      const [path, anchor] = link.split('#') as [string, string | undefined];
      const target = path ? resolve(dirname(file), path) : file;
      const where = `${relative(ROOT, file)}: ${link}`;
      if (!existsSync(target)) broken.push(`${where} (no such file)`);
      else if (anchor && target.endsWith('.md') && !anchors(target).has(anchor))
        broken.push(`${where} (no such heading)`);
    }
  }
  return broken;
}

interface Block {
  file: string;
  index: number;
  code: string;
  runs: boolean;
}

function tsBlocks(file: string): Block[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(<!-- run -->\s*\n)?```ts\n([\s\S]*?)```/g)].map((m, index) => ({
    file,
    index,
    code: m[2] as string,
    runs: m[1] !== undefined,
  }));
}

async function main(): Promise<void> {
  const problems: string[] = [];
  const docs = markdownFiles(join(ROOT, 'docs'));
  problems.push(...brokenLinks([...docs, join(ROOT, 'README.md')]));

  const blocks = docs.flatMap(tsBlocks);
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
  const names = new Map<string, Block>();
  for (const b of blocks) {
    const name = `${relative(join(ROOT, 'docs'), b.file).replace(/[/.]/g, '_')}_${b.index}.ts`;
    names.set(name, b);
    // Each block is a module of its own (top-level await, no shared names).
    await writeFile(join(OUT, name), `${b.code}\nexport {};\n`);
  }
  await writeFile(
    join(OUT, 'tsconfig.json'),
    JSON.stringify({
      extends: '../../tsconfig.json',
      compilerOptions: {
        noEmit: true,
        rootDir: '../..',
        types: ['node'],
        // The package's names, from its sources: type-checked and run as users import them.
        paths: {
          'gino-edge': ['../../src/node.ts'],
          'gino-edge/hono': ['../../src/hono/index.ts'],
          'gino-edge/adapters/*': ['../../adapters/*/index.ts'],
        },
      },
      include: ['./*.ts', '../../examples/hono/worker-configuration.d.ts'],
    }),
  );
  try {
    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(OUT, 'tsconfig.json')], {
      cwd: ROOT,
    });
  } catch (error) {
    const out = (error as { stdout?: string }).stdout ?? String(error);
    for (const line of out.split('\n').filter((l) => l.includes('error TS'))) {
      const [name] = line.split('(');
      const block = names.get((name ?? '').replace(/^.*\//, ''));
      problems.push(block ? `${relative(ROOT, block.file)} block ${block.index + 1}: ${line}` : line);
    }
  }
  for (const [name, b] of names) {
    if (!b.runs) continue;
    try {
      await run(process.execPath, ['--import', 'tsx', join(OUT, name)], {
        cwd: ROOT,
        timeout: 120_000,
        env: { ...process.env, NODE_OPTIONS: '', TSX_TSCONFIG_PATH: join(OUT, 'tsconfig.json') },
      });
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      problems.push(`${relative(ROOT, b.file)} block ${b.index + 1} failed to run: ${e.stderr || e.message}`);
    }
  }
  const ran = [...names.values()].filter((b) => b.runs).length;
  if (problems.length) {
    console.error(`docs: ${problems.length} problem(s)\n${problems.join('\n')}`);
    process.exit(1);
  }
  console.log(
    `docs: ${docs.length + 1} pages with no broken link; ${blocks.length} TypeScript blocks type-check, ${ran} ran`,
  );
}

// Run as the npm script; imported by the suite for its link checker.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
