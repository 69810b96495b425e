/**
 * The docs site builds (`npm run docs`: TypeDoc's API reference from the TSDoc comments, and
 * docs/check.ts): no broken link in the guides or the README, every TypeScript block type-checks,
 * the blocks marked to run run. The link checker itself is shown to catch a broken link.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import {
  anchors,
  brokenLinks,
  checkIncludes,
  missingReferences,
  README_MAX_LINES,
  slug,
  tsBlocks,
} from '../../docs/check.js';

const run = promisify(execFile);

test('npm run docs builds the API reference and the guides check out', async () => {
  const { stdout } = await run('npm', ['run', '--silent', 'docs'], { timeout: 240_000 });
  expect(stdout).toMatch(/docs: \d+ pages with no broken link; \d+ TypeScript blocks type-check, [1-9]\d* ran/);
  expect(existsSync('.tmp/docs/api/index.html')).toBe(true);
}, 300_000);

test('the link checker finds a missing file and a missing heading', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gino-docs-'));
  const page = join(dir, 'page.md');
  await writeFile(join(dir, 'other.md'), '# The other page\n\n## A `code` heading, too\n');
  await writeFile(
    page,
    '[ok](other.md) [ok](other.md#a-code-heading-too) [gone](missing.md) [no heading](other.md#nowhere) [web](https://x.y/z)\n',
  );
  expect(brokenLinks([page]).map((b) => b.replace(/^.*: /, ''))).toEqual([
    'missing.md (no such file)',
    'other.md#nowhere (no such heading)',
  ]);
  expect(slug('Transactions, batches, cursors, loaders, JSON properties')).toBe(
    'transactions-batches-cursors-loaders-json-properties',
  );
});

test('headings repeated on a page get GitHub’s numbered anchors; link text in a heading counts as text', () => {
  expect([
    ...anchors('# A\n\n## Notes\n\n```sh\n# not a heading\n```\n\n## Notes\n\n## See [the guide](x.md)\n'),
  ]).toEqual(['a', 'notes', 'notes-1', 'see-the-guide']);
});

test('a block’s info string says how it is checked; an unknown option is refused', () => {
  const page = [
    '```ts',
    'const a = 1;',
    '```',
    '```ts run',
    'const b = 2;',
    '```',
    '```ts with=models,blog run',
    'User.query;',
    '```',
    '```ts nocheck',
    'partial(',
    '```',
    '```sh',
    'npm test',
    '```',
  ].join('\n');
  expect(
    tsBlocks('page.md', page).map(({ line, runs, checked, with: w }) => ({ line, runs, checked, with: w })),
  ).toEqual([
    { line: 1, runs: false, checked: true, with: [] },
    { line: 4, runs: true, checked: true, with: [] },
    { line: 7, runs: true, checked: true, with: ['models', 'blog'] },
    { line: 10, runs: false, checked: false, with: [] },
  ]);
  expect(() => tsBlocks('page.md', '```ts runs\n```\n')).toThrow(/unknown block option runs/);
});

test('a block indented in a list item is checked, its indent taken off', () => {
  const page = '- A note:\n\n  ```ts with=models\n  const a = 1;\n    const b = 2;\n  ```\n';
  expect(tsBlocks('page.md', page).map(({ line, code, with: w }) => ({ line, code, with: w }))).toEqual([
    { line: 3, code: 'const a = 1;\n  const b = 2;\n', with: ['models'] },
  ]);
});

test('included generated text must be the file’s; --write brings it back', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gino-docs-'));
  const source = join(dir, 'sizes.md');
  const page = join(dir, 'page.md');
  await writeFile(source, '| a | 1 KiB |\n');
  await writeFile(page, `Sizes:\n\n<!-- include ${source} -->\n| a | 9 KiB |\n<!-- /include -->\n\nAfter.\n`);
  expect(checkIncludes([page], false)).toEqual([expect.stringMatching(/is not that file's/)]);
  expect(checkIncludes([page], true)).toEqual([]);
  expect(readFileSync(page, 'utf8')).toBe(
    `Sizes:\n\n<!-- include ${source} -->\n| a | 1 KiB |\n<!-- /include -->\n\nAfter.\n`,
  );
  expect(checkIncludes([page], false)).toEqual([]);
});

test(`the README stays the front door: under ${README_MAX_LINES} lines, each slot for another guide at most 12`, () => {
  const readme = readFileSync('README.md', 'utf8');
  expect(readme.split('\n').length - 1).toBeLessThan(README_MAX_LINES);
  for (const slot of ['TypeScript', 'Relationships', 'Performance']) {
    const body = readme.split(new RegExp(`^## ${slot}\\n`, 'm'))[1]?.split(/^## /m)[0] ?? '';
    expect(body, `## ${slot}`).toMatch(/\]\(/);
    expect(body.trim().split('\n').length, `## ${slot}`).toBeLessThanOrEqual(12);
  }
});

test('a page may name only paths, npm scripts and JSON that exist and parse', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gino-docs-'));
  const page = join(dir, 'page.md');
  await writeFile(
    page,
    'See `src/gino.ts`, `examples/hono/`, `src/**/x.ts`, `src/nowhere.ts` and `test/<file>`.\n\n' +
      'Run `npm run docs`, then `npm run nope`.\n\n```json\n{ "ok": true }\n```\n\n```json\n{ nope }\n```\n',
  );
  expect(missingReferences([page], ['docs']).map((p) => p.replace(/^.*?: /, ''))).toEqual([
    'names src/nowhere.ts, which does not exist',
    'npm run nope: package.json has no such script',
    expect.stringMatching(/^a JSON block does not parse/),
  ]);
});
