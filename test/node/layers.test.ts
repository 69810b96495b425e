/**
 * The layers point one way: types → sql → compiler → engine → orm → migrate → gino (the facade) → index,
 * with the adapters beside the engine. A file may import its own layer and the layers below it,
 * never one above. Read from the source's own import statements, so it cannot drift.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Layer of a repository path (relative, with `/`), lowest first; undefined for what is not layered. */
function layerOf(path: string): number | undefined {
  if (path === 'src/errors.ts') return 0;
  if (path.startsWith('src/types/')) return 1;
  if (path.startsWith('src/sql/')) return 2;
  if (path.startsWith('src/compiler/')) return 3;
  if (path.startsWith('src/engine/')) return 4;
  // Adapters stand beside the engine: they see it, it never sees them (they register themselves).
  if (path.startsWith('adapters/')) return 4.5;
  if (path.startsWith('src/orm/')) return 5;
  // Migrations: the ledger, the migrator and autogenerate, over the engine and the tables.
  if (path.startsWith('src/migrate/')) return 5.5;
  if (path === 'src/gino.ts') return 6;
  if (path === 'src/index.ts') return 7;
  // Development tools stand on top of everything.
  if (path.startsWith('src/dev/')) return 8;
  return undefined;
}

const NAMES = ['errors', 'types', 'sql', 'compiler', 'engine', 'adapters', 'orm', 'migrate', 'gino', 'index', 'dev'];
const nameOf = (layer: number): string => NAMES[[0, 1, 2, 3, 4, 4.5, 5, 5.5, 6, 7, 8].indexOf(layer)] ?? String(layer);

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, dir))) {
    const path = `${dir}/${entry}`;
    if (statSync(join(root, path)).isDirectory()) out.push(...sources(path));
    else if (path.endsWith('.ts') && !path.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Relative module specifiers of `import ... from`, `export ... from`, `import '...'` and `import('...')`. */
function importsOf(text: string): string[] {
  const found: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(?\s*)(['"])(\.{1,2}\/[^'"]+)\1/g;
  for (const m of text.matchAll(re)) found.push(m[2] as string);
  return found;
}

function target(from: string, specifier: string): string {
  const path = relative(root, resolve(root, dirname(from), specifier))
    .split('\\')
    .join('/');
  return path.replace(/\.js$/, '.ts');
}

const files = [...sources('src'), ...sources('adapters')];

describe('layers', () => {
  it('finds the layered files', () => {
    expect(files.length).toBeGreaterThan(30);
    for (const f of files) expect(layerOf(f), f).not.toBeUndefined();
  });

  it('every import points down (or within its own layer)', () => {
    const wrong: string[] = [];
    for (const file of files) {
      const from = layerOf(file) as number;
      for (const spec of importsOf(readFileSync(join(root, file), 'utf8'))) {
        const to = target(file, spec);
        const layer = layerOf(to);
        if (layer === undefined) wrong.push(`${file} imports ${to}, which is outside the layers`);
        else if (layer > from) wrong.push(`${file} (${nameOf(from)}) imports ${to} (${nameOf(layer)})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('the rule would catch an upward import', () => {
    // The checker itself: an engine file importing the ORM is refused.
    const spec = importsOf("import { ModelLoader } from '../orm/loader.js';")[0] as string;
    expect(layerOf(target('src/engine/execute.ts', spec))).toBeGreaterThan(layerOf('src/engine/execute.ts') as number);
    // The migrations layer sees the engine and the ORM, never the facade.
    const facade = importsOf("import type { Gino } from '../gino.js';")[0] as string;
    expect(layerOf(target('src/migrate/migrator.ts', facade))).toBeGreaterThan(
      layerOf('src/migrate/migrator.ts') as number,
    );
    expect(layerOf('src/migrate/migrator.ts')).toBeGreaterThan(layerOf('src/orm/model.ts') as number);
  });
});
