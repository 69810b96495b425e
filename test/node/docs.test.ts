/**
 * The docs site builds (`npm run docs`: TypeDoc's API reference from the TSDoc comments, then
 * docs/check.ts): no broken link in the guides or the README, every TypeScript block type-checks,
 * the blocks marked to run run. The link checker itself is shown to catch a broken link.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { brokenLinks, slug } from '../../docs/check.js';

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
