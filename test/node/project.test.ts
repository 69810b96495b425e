/** The project's promises: the demo runs on a machine with no server; the core stays portable. */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

const run = promisify(execFile);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('the core', () => {
  const core = files('src').filter((f) => !f.startsWith(join('src', 'dev')));

  test('imports no driver and nothing from node: at top level', () => {
    const offenders = core.filter((f) =>
      /^\s*(import|export)\s[^;]*from\s+['"](node:|pg['"]|@neondatabase|@electric-sql|ws['"])/m.test(
        readFileSync(f, 'utf8'),
      ),
    );
    expect(offenders).toEqual([]);
  });
});

describe('npm run demo', () => {
  test('runs the whole GINO tutorial on embedded PGlite when DATABASE_URL is unset', async () => {
    const env = { ...process.env };
    delete env.DATABASE_URL;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/tutorial.ts'], {
      env,
      timeout: 120_000,
    });
    expect(stdout).toContain('db.setBind(pglite://memory)');
    expect(stdout).toContain('SQL: INSERT INTO users (nickname) VALUES ($1) RETURNING users.id, users.nickname');
    expect(stdout).toContain('SQL: SELECT count(users.id) AS count_1 FROM users');
    expect(stdout).toContain('SQL: UPDATE users SET nickname=($1 || users.nickname) WHERE users.id < $2');
    expect(stdout).toContain('user 1 is now: Founding Member fantix');
    expect(stdout).toContain('Done.');
  }, 120_000);
});
