/**
 * `npm run docs` (TypeDoc builds the API reference, then this; `--typedoc` runs TypeDoc alongside): the
 * README and the pages under docs/ hold no broken relative link or anchor, every TypeScript block
 * type-checks against the package's own sources, the blocks marked
 * `run` run (on embedded PGlite), generated figures included in a page match the file they come from,
 * the paths, npm scripts and JSON a page names exist and parse, and the README stays short. Exits
 * non-zero listing every problem.
 *
 * A block's info string says how it is checked:
 *
 *   ```ts                 a module of its own, type-checked
 *   ```ts run             type-checked, then run with tsx (it must exit 0)
 *   ```ts with=models     type-checked with the names docs/snippets/models.ts exports in scope (what the
 *                         page defined before; `run` may be added)
 *   ```ts nocheck         not checked: for the few fragments that cannot stand alone (keep them rare)
 *
 * Generated text is included between `<!-- include <path> -->` and `<!-- /include -->`: what stands
 * between them must be the file's content. `tsx docs/check.ts --write` rewrites it from the files.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, '.tmp', 'docs-check');
const SNIPPETS = join(ROOT, 'docs', 'snippets');
/** The front door stays a front door. */
export const README_MAX_LINES = 200;

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? markdownFiles(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : [],
  );
}

/** Fenced blocks removed (their `#` lines are no headings, their `](x)` no links). */
function prose(text: string): string {
  return text.replace(/^( *)```[\s\S]*?^\1```/gm, '');
}

/** GitHub's anchor for a heading. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_~]/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-');
}

/** Every anchor of a page, repeated headings numbered as GitHub numbers them (`-1`, `-2`). */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of prose(text).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1] as string);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}

/** Relative links that point at no file, or at no heading of the file. */
export function brokenLinks(files: readonly string[]): string[] {
  const broken: string[] = [];
  for (const file of files) {
    const text = prose(readFileSync(file, 'utf8'));
    for (const m of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const link = m[1] as string;
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue;
      const [path, anchor] = link.split('#') as [string, string | undefined];
      const target = path ? resolve(dirname(file), path) : file;
      const where = `${relative(ROOT, file)}: ${link}`;
      if (!existsSync(target)) broken.push(`${where} (no such file)`);
      else if (anchor && target.endsWith('.md') && !anchors(readFileSync(target, 'utf8')).has(anchor))
        broken.push(`${where} (no such heading)`);
    }
  }
  return broken;
}

export interface Block {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
  runs: boolean;
  checked: boolean;
  /** Snippet modules whose exports the block sees. */
  with: string[];
}

/** The ```ts blocks of a page, with what their info strings ask. */
export function tsBlocks(file: string, text = readFileSync(file, 'utf8')): Block[] {
  const blocks: Block[] = [];
  // A block may be indented (inside a list item): its closing fence has the same indent, which
  // is taken off every line of its code.
  for (const m of text.matchAll(/^( *)```(?:ts|typescript)([^\n]*)\n([\s\S]*?)^\1```/gm)) {
    const indent = m[1] as string;
    const words = (m[2] as string).trim().split(/\s+/).filter(Boolean);
    const unknown = words.filter((w) => !/^(run|nocheck|with=[\w,-]+)$/.test(w));
    const line = text.slice(0, m.index).split('\n').length;
    if (unknown.length) throw new Error(`${relative(ROOT, file)}:${line}: unknown block option ${unknown.join(' ')}`);
    blocks.push({
      file,
      line,
      code: (m[3] as string)
        .split('\n')
        .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))
        .join('\n'),
      runs: words.includes('run'),
      checked: !words.includes('nocheck'),
      with: words.flatMap((w) => (w.startsWith('with=') ? w.slice(5).split(',') : [])),
    });
  }
  return blocks;
}

/** The names a snippet module exports. */
function exportedNames(snippet: string): string[] {
  const text = readFileSync(join(SNIPPETS, `${snippet}.ts`), 'utf8');
  const declared = [
    ...text.matchAll(
      /^export\s+(?:declare\s+)?(?:const|let|class|function|async function|type|interface|enum)\s+(\w+)/gm,
    ),
  ].map((m) => m[1] as string);
  const reexported = [...text.matchAll(/^export\s+\{([^}]*)\}\s+from/gm)].flatMap((m) =>
    (m[1] as string).split(',').map(
      (n) =>
        n
          .trim()
          .split(/\s+as\s+/)
          .pop() ?? '',
    ),
  );
  return [...declared, ...reexported].filter(Boolean);
}

/** The block as a module: the snippets' names it does not declare itself imported first. */
function moduleText(block: Block, outDir: string): string {
  const declared = new Set(
    [
      ...block.code.matchAll(/\b(?:const|let|var|class|function|type|interface|enum)\s+(\w+)/g),
      ...block.code.matchAll(/^import\s+(?:type\s+)?\{([^}]*)\}/gm),
    ].flatMap((m) =>
      (m[1] as string).split(',').map(
        (n) =>
          n
            .trim()
            .split(/\s+as\s+/)
            .pop() ?? '',
      ),
    ),
  );
  const imports = block.with.map((snippet) => {
    if (!existsSync(join(SNIPPETS, `${snippet}.ts`)))
      throw new Error(`${relative(ROOT, block.file)}:${block.line}: no docs/snippets/${snippet}.ts`);
    const names = exportedNames(snippet).filter((n) => !declared.has(n));
    const from = relative(outDir, join(SNIPPETS, `${snippet}.js`));
    return names.length ? `import { ${names.join(', ')} } from '${from}';\n` : '';
  });
  return `${imports.join('')}${block.code}\nexport {};\n`;
}

interface Include {
  file: string;
  path: string;
  start: number;
  end: number;
  body: string;
}

const INCLUDE = /<!-- include (\S+) -->\n([\s\S]*?)<!-- \/include -->/g;

function includes(file: string, text: string): Include[] {
  return [...text.matchAll(INCLUDE)].map((m) => ({
    file,
    path: m[1] as string,
    start: m.index,
    end: m.index + m[0].length,
    body: m[2] as string,
  }));
}

/** Included text that differs from its file (or `--write`: rewrite it). */
export function checkIncludes(files: readonly string[], write: boolean): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    let out = '';
    let at = 0;
    for (const inc of includes(file, text)) {
      const source = resolve(ROOT, inc.path);
      if (!existsSync(source)) {
        problems.push(`${relative(ROOT, file)}: includes ${inc.path}, which does not exist (generate it)`);
        continue;
      }
      const want = `${readFileSync(source, 'utf8').trim()}\n`;
      if (inc.body !== want && !write)
        problems.push(
          `${relative(ROOT, file)}: the text included from ${inc.path} is not that file's (run \`npx tsx docs/check.ts --write\`)`,
        );
      out += `${text.slice(at, inc.start)}<!-- include ${inc.path} -->\n${want}<!-- /include -->`;
      at = inc.end;
    }
    if (write && at) writeFileSync(file, out + text.slice(at));
  }
  return problems;
}

/**
 * What a page names that must exist: a repository path in inline code (`src/...`, `test/...`,
 * `examples/...`; globs and `<placeholders>` aside), an `npm run <script>`, and JSON blocks that parse.
 */
export function missingReferences(files: readonly string[], scripts: readonly string[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const where = relative(ROOT, file);
    for (const m of prose(text).matchAll(/`((?:src|test|adapters|examples|bench|docs|\.ci)\/[^`\s]*)`/g)) {
      const path = (m[1] as string).replace(/[,.:;)]$/, '').replace(/\/$/, '');
      if (/[*<{]/.test(path)) continue;
      if (!existsSync(join(ROOT, path))) problems.push(`${where}: names ${path}, which does not exist`);
    }
    for (const m of text.matchAll(/\bnpm run (?:--silent )?([a-z][\w:-]*)/g))
      if (!scripts.includes(m[1] as string))
        problems.push(`${where}: npm run ${m[1]}: package.json has no such script`);
    for (const m of text.matchAll(/^```json\n([\s\S]*?)^```/gm)) {
      try {
        JSON.parse(m[1] as string);
      } catch (error) {
        problems.push(`${where}: a JSON block does not parse (${(error as Error).message})`);
      }
    }
  }
  return problems;
}

async function main(): Promise<void> {
  const write = process.argv.includes('--write');
  // `--typedoc`: TypeDoc builds the API reference meanwhile (its warnings are errors: typedoc.json).
  const apiReference = process.argv.includes('--typedoc')
    ? run(process.execPath, [join(ROOT, 'node_modules/typedoc/bin/typedoc')], { cwd: ROOT }).then(
        () => [],
        (error: { stdout?: string; stderr?: string; message: string }) => [
          `TypeDoc failed: ${[error.stdout, error.stderr].filter(Boolean).join('\n') || error.message}`,
        ],
      )
    : Promise.resolve([]);
  const problems: string[] = [];
  const readme = join(ROOT, 'README.md');
  const pages = [readme, ...markdownFiles(join(ROOT, 'docs'))];
  problems.push(...checkIncludes(pages, write));
  problems.push(...brokenLinks(pages));
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  problems.push(...missingReferences(pages, Object.keys(scripts)));
  const readmeLines = readFileSync(readme, 'utf8').split('\n').length - 1;
  if (readmeLines >= README_MAX_LINES)
    problems.push(
      `README.md has ${readmeLines} lines: keep it under ${README_MAX_LINES}, move detail into docs/guides/`,
    );

  const blocks = pages.flatMap((p) => tsBlocks(p));
  const checked = blocks.filter((b) => b.checked);
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
  const names = new Map<string, Block>();
  for (const b of checked) {
    const name = `${relative(ROOT, b.file).replace(/[/.]/g, '_')}_L${b.line}.ts`;
    names.set(name, b);
    await writeFile(join(OUT, name), moduleText(b, OUT));
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
          'gino-edge/dev': ['../../src/dev/index.ts'],
          'gino-edge/adapters/*': ['../../adapters/*/index.ts'],
        },
      },
      include: ['./*.ts', '../../docs/snippets/*.ts', '../../examples/hono/worker-configuration.d.ts'],
    }),
  );
  // The type check and the runs are independent: they go side by side, the runs two at a time.
  const typeCheck = run(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(OUT, 'tsconfig.json')],
    { cwd: ROOT },
  ).then(
    () => [],
    (error: { stdout?: string }) =>
      (error.stdout ?? String(error))
        .split('\n')
        .filter((l) => l.includes('error TS'))
        .map((line) => {
          const block = names.get((line.split('(')[0] ?? '').replace(/^.*\//, ''));
          return block ? `${relative(ROOT, block.file)}:${block.line}: ${line}` : line;
        }),
  );
  const queue = [...names].filter(([, b]) => b.runs);
  const failures: string[] = [];
  const runner = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [name, b] = next;
      try {
        await run(process.execPath, ['--import', 'tsx', join(OUT, name)], {
          cwd: ROOT,
          timeout: 120_000,
          env: { ...process.env, NODE_OPTIONS: '', TSX_TSCONFIG_PATH: join(OUT, 'tsconfig.json') },
        });
      } catch (error) {
        const e = error as { stderr?: string; message: string };
        failures.push(`${relative(ROOT, b.file)}:${b.line}: the block failed to run: ${e.stderr || e.message}`);
      }
    }
  };
  const [typeErrors, typedocErrors] = await Promise.all([typeCheck, apiReference, runner(), runner()]);
  problems.push(...typeErrors, ...failures, ...typedocErrors);
  const ran = checked.filter((b) => b.runs).length;
  if (problems.length) {
    console.error(`docs: ${problems.length} problem(s)\n${problems.join('\n')}`);
    process.exit(1);
  }
  console.log(
    `docs: ${pages.length} pages with no broken link; ${checked.length} TypeScript blocks type-check, ${ran} ran` +
      ` (${blocks.length - checked.length} marked nocheck); README.md ${readmeLines} lines` +
      (write ? '; included files rewritten' : ''),
  );
}

// Run as the npm script; imported by the suite for its link checker.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
