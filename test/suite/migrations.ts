/**
 * Migrations on every adapter: apply / roll back / re-apply, a failure in the middle of a
 * migration, two migrators racing, an edited applied migration, `transaction: false`, and the
 * autogenerate round trip (models → generate → apply → `check()` reports no drift) over a schema
 * with every column type, constraint kind, enum and index.
 */
import { describe, expect, vi } from 'vitest';
import { Gino, type Migration, MigrationError, UnsupportedError } from '../../src/index.js';
import { renderChanges, renderMigrations } from '../../src/migrate/diff.js';
import { type SuiteContext, suiteTest } from './harness.js';

const S = 'gino_mig';

export function migrationsSuite(ctx: SuiteContext): void {
  const { db } = ctx;
  const sessions = () => ctx.capabilities().sessions;

  /** A clean slate: no test schema, no ledger. */
  const reset = async () => {
    await db.status(`DROP SCHEMA IF EXISTS ${S} CASCADE`);
    await db.status('DROP TABLE IF EXISTS gino_migrations');
  };
  const ledger = async () =>
    (await db.all<{ id: string }>('SELECT id FROM gino_migrations ORDER BY id')).map((r) => r.id);
  const exists = async (name: string) => (await db.scalar<string>('SELECT to_regclass($1)::text', [name])) !== null;
  /** Another Gino on the same engine (a second migrator, or other models). */
  const other = async () => {
    const g = new Gino();
    await g.setBind(ctx.engine());
    return g;
  };

  const base: Migration[] = [
    {
      id: '0001_schema',
      up: `CREATE SCHEMA ${S};\nCREATE TABLE ${S}.authors (id serial PRIMARY KEY, name text NOT NULL); -- the first table`,
      down: `DROP SCHEMA ${S} CASCADE`,
    },
    {
      id: '0002_posts',
      // A semicolon in a string, a dollar-quoted body with semicolons, a comment: one script.
      up: `CREATE TABLE ${S}.posts (id serial PRIMARY KEY, author_id int REFERENCES ${S}.authors, title text);
INSERT INTO ${S}.authors (name) VALUES ('semi;colon');
/* a block comment; with a semicolon */
CREATE FUNCTION ${S}.post_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM ${S}.posts; $$;`,
      down: `DROP FUNCTION ${S}.post_count();\nDROP TABLE ${S}.posts;\nDELETE FROM ${S}.authors`,
    },
    {
      id: '0003_tags',
      up: `CREATE TABLE ${S}.tags (id serial PRIMARY KEY, label text UNIQUE)`,
      down: `DROP TABLE ${S}.tags`,
    },
  ];

  describe('migrations', () => {
    suiteTest(ctx, 'apply, roll back and re-apply, with the ledger and status in step', async () => {
      await reset();
      expect((await db.migrationStatus(base)).map((s) => s.state)).toEqual(['pending', 'pending', 'pending']);
      expect(await db.migrate(base, { dryRun: true })).toEqual({
        applied: ['0001_schema', '0002_posts', '0003_tags'],
        reverted: [],
      });
      expect(await exists('gino_migrations')).toBe(false);

      expect(await db.migrate(base, { to: '0002_posts' })).toEqual({
        applied: ['0001_schema', '0002_posts'],
        reverted: [],
      });
      expect(await ledger()).toEqual(['0001_schema', '0002_posts']);
      expect(await db.scalar(`SELECT name FROM ${S}.authors`)).toBe('semi;colon');
      expect(await db.scalar(`SELECT ${S}.post_count()`)).toBe(0n);
      expect(await exists(`${S}.tags`)).toBe(false);

      expect(await db.migrate(base)).toEqual({ applied: ['0003_tags'], reverted: [] });
      expect(await db.migrate(base)).toEqual({ applied: [], reverted: [] });
      const status = await db.migrationStatus(base);
      expect(status.map((s) => s.state)).toEqual(['applied', 'applied', 'applied']);
      expect(status[0]?.appliedAt).toBeInstanceOf(Date);
      expect(typeof status[0]?.durationMs).toBe('number');
      const row = await db.one<{ checksum: string; duration: unknown }>(
        "SELECT checksum, duration FROM gino_migrations WHERE id = '0001_schema'",
      );
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);

      expect(await db.migrate(base, { to: '0001_schema' })).toEqual({
        applied: [],
        reverted: ['0003_tags', '0002_posts'],
      });
      expect(await exists(`${S}.posts`)).toBe(false);
      expect(await exists(`${S}.authors`)).toBe(true);
      expect(await ledger()).toEqual(['0001_schema']);

      expect(await db.migrate(base, { to: 'base' })).toEqual({ applied: [], reverted: ['0001_schema'] });
      expect(await db.scalar(`SELECT count(*)::int FROM pg_namespace WHERE nspname = '${S}'`)).toBe(0);
      expect(await ledger()).toEqual([]);

      expect(await db.migrate(base)).toEqual({ applied: ['0001_schema', '0002_posts', '0003_tags'], reverted: [] });
      expect(await db.scalar(`SELECT count(*)::int FROM ${S}.authors`)).toBe(1);
      await db.migrate(base, { to: 'base' });
    });

    suiteTest(
      ctx,
      'a failure in the middle of a migration leaves the database and the ledger as before it',
      async () => {
        await reset();
        const broken: Migration[] = [
          base[0] as Migration,
          {
            id: '0002_broken',
            up: `CREATE TABLE ${S}.half (id int);\nINSERT INTO ${S}.authors (name) VALUES ('kept?');\nINSERT INTO ${S}.nowhere VALUES (1);\nCREATE TABLE ${S}.never (id int)`,
            down: `DROP TABLE ${S}.half`,
          },
          { id: '0003_after', up: `CREATE TABLE ${S}.after (id int)` },
        ];
        const error = await db.migrate(broken).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(MigrationError);
        const e = error as MigrationError;
        expect(e.id).toBe('0002_broken');
        expect(e.applied).toEqual(['0001_schema']);
        expect(e.message).toMatch(/applying migration '0002_broken' failed: .*nowhere/);
        expect(e.message).toContain('rolled back: the database and the ledger are as they were before it');
        expect(e.cause).toMatchObject({ code: '42P01' });
        expect(await ledger()).toEqual(['0001_schema']);
        expect(await exists(`${S}.half`)).toBe(false);
        expect(await exists(`${S}.after`)).toBe(false);
        expect(await db.scalar(`SELECT count(*)::int FROM ${S}.authors`)).toBe(0);
        // Fixed, it applies.
        const fixed = broken.map((m) =>
          m.id === '0002_broken' ? { ...m, up: (m.up as string).replace(`${S}.nowhere`, `${S}.half`) } : m,
        );
        expect(await db.migrate(fixed)).toEqual({ applied: ['0002_broken', '0003_after'], reverted: [] });
        // A failing down is undone the same way.
        const badDown = fixed.map((m) =>
          m.id === '0003_after' ? { ...m, down: `DROP TABLE ${S}.after; SELECT 1/0` } : m,
        );
        const downError = await db.migrate(badDown, { to: '0001_schema' }).catch((x: unknown) => x);
        expect(downError).toBeInstanceOf(MigrationError);
        expect((downError as Error).message).toMatch(/reverting migration '0003_after' failed: .*division by zero/);
        expect(await exists(`${S}.after`)).toBe(true);
        expect(await ledger()).toEqual(['0001_schema', '0002_broken', '0003_after']);
        await reset();
      },
    );

    suiteTest(ctx, 'two migrators racing: each migration is applied exactly once', async () => {
      await reset();
      const slow: Migration[] = [
        { id: '0001_slow', up: `CREATE SCHEMA ${S}; SELECT pg_sleep(0.3); CREATE TABLE ${S}.once (id int)` },
        { id: '0002_rows', up: `INSERT INTO ${S}.once VALUES (1)` },
        { id: '0003_more', up: `INSERT INTO ${S}.once VALUES (2)` },
      ];
      const second = await other();
      const events: string[] = [];
      try {
        const results = await Promise.all([
          db.migrate(slow, { progress: (e) => events.push(`a:${e.kind}`) }),
          second.migrate(slow, { progress: (e) => events.push(`b:${e.kind}`) }),
        ]);
        const applied = results.flatMap((r) => r.applied).sort();
        expect(applied).toEqual(['0001_slow', '0002_rows', '0003_more']);
        expect(await db.scalar(`SELECT count(*)::int FROM ${S}.once`)).toBe(2);
        expect(await ledger()).toEqual(['0001_slow', '0002_rows', '0003_more']);
        if (sessions() && ctx.adapter.concurrentSessions !== false) {
          // A pool: the second migrator found the lock taken and waited for it.
          expect(events.filter((e) => e.endsWith(':waiting'))).toHaveLength(1);
        }
        if (!sessions()) {
          // neon-http: the second found each migration applied under the lock, and said so.
          expect(events.filter((e) => e.endsWith(':skipped')).length).toBeGreaterThan(0);
        }
      } finally {
        second.popBind();
      }
      await reset();
    });

    suiteTest(
      ctx,
      'an applied migration that was edited is reported as changed, and migrate refuses to run',
      async () => {
        await reset();
        await db.migrate(base.slice(0, 2));
        const edited = base.map((m) => (m.id === '0002_posts' ? { ...m, up: `${m.up as string}\nSELECT 1;` } : m));
        expect((await db.migrationStatus(edited)).map((s) => [s.id, s.state])).toEqual([
          ['0001_schema', 'applied'],
          ['0002_posts', 'changed'],
          ['0003_tags', 'pending'],
        ]);
        // White space and line endings alone are not a change.
        const reformatted = base.map((m) =>
          m.id === '0002_posts' ? { ...m, up: `\n${(m.up as string).replace(/\n/g, '\r\n')}  \n` } : m,
        );
        expect((await db.migrationStatus(reformatted)).map((s) => s.state)).toEqual(['applied', 'applied', 'pending']);
        const error = await db.migrate(edited).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(MigrationError);
        expect((error as Error).message).toMatch(
          /'0002_posts' changed since it was applied .*UPDATE gino_migrations SET checksum/,
        );
        expect(await exists(`${S}.tags`)).toBe(false);
        await reset();
      },
    );

    suiteTest(ctx, 'function migrations run in the migration transaction (refused on neon-http)', async () => {
      await reset();
      const withFunction: Migration[] = [
        base[0] as Migration,
        {
          id: '0002_fn',
          up: async (g) => {
            await g.status(`INSERT INTO ${S}.authors (name) VALUES ('from a function')`);
            if ((await g.scalar<number>(`SELECT count(*)::int FROM ${S}.authors`)) === 1) throw new Error('undo me');
          },
          down: async (g) => {
            await g.status(`DELETE FROM ${S}.authors`);
          },
        },
      ];
      if (!sessions()) {
        const error = await db.migrate(withFunction).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(UnsupportedError);
        expect((error as Error).message).toMatch(/'0001_schema'|function up.*SQL string/);
        expect(await exists('gino_migrations')).toBe(false);
        return;
      }
      const error = await db.migrate(withFunction).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationError);
      expect((error as Error).message).toContain('undo me');
      expect(await db.scalar(`SELECT count(*)::int FROM ${S}.authors`)).toBe(0);
      expect(await ledger()).toEqual(['0001_schema']);
      await reset();
    });

    suiteTest(
      ctx,
      'transaction: false runs CREATE INDEX CONCURRENTLY on session adapters; neon-http refuses it',
      async () => {
        await reset();
        const concurrent: Migration[] = [
          base[0] as Migration,
          {
            id: '0002_concurrently',
            up: `CREATE INDEX CONCURRENTLY authors_name_idx ON ${S}.authors (name)`,
            down: `DROP INDEX CONCURRENTLY ${S}.authors_name_idx`,
            transaction: false,
          },
        ];
        if (!sessions()) {
          const error = await db.migrate(concurrent).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(UnsupportedError);
          expect((error as Error).message).toMatch(/transaction: false.*session adapter \(pg, pglite, neon-ws\)/);
          expect(await exists('gino_migrations')).toBe(false);
          return;
        }
        expect(await db.migrate(concurrent)).toEqual({ applied: ['0001_schema', '0002_concurrently'], reverted: [] });
        expect(
          await db.scalar(`SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('${S}.authors_name_idx')`),
        ).toBe(true);
        expect(await ledger()).toEqual(['0001_schema', '0002_concurrently']);
        expect(await db.migrate(concurrent, { to: '0001_schema' })).toEqual({
          applied: [],
          reverted: ['0002_concurrently'],
        });
        expect(await exists(`${S}.authors_name_idx`)).toBe(false);
        // A failing non-transactional migration says what it left.
        const failing = [
          base[0] as Migration,
          { id: '0002_fails', up: `CREATE TABLE ${S}.stays (id int); SELECT 1/0`, transaction: false },
        ];
        const error = await db.migrate(failing).catch((e: unknown) => e);
        expect((error as Error).message).toMatch(/statement 2 of 2 failed, the 1 before it stay done/);
        expect(await exists(`${S}.stays`)).toBe(true);
        expect(await ledger()).toEqual(['0001_schema']);
        await reset();
      },
    );

    suiteTest(ctx, 'bad input is refused before anything runs', async () => {
      await reset();
      await expect(db.migrate([base[0] as Migration, base[0] as Migration])).rejects.toThrow(
        /two migrations have the id/,
      );
      await expect(db.migrate([{ id: 'a b', up: 'SELECT 1' }])).rejects.toThrow(/an id is letters, digits/);
      await expect(db.migrate([{ id: 'x', up: 42 as never }])).rejects.toThrow(/up must be a SQL string/);
      await expect(db.migrate(base, { to: 'nope' })).rejects.toThrow(/'nope' is not the id of one of the 3 migrations/);
      await db.migrate(base.slice(0, 1));
      await expect(db.migrate([{ id: '0001_schema', up: base[0]?.up as string }], { to: 'base' })).rejects.toThrow(
        /has no down/,
      );
      await db.migrate(base.slice(0, 2));
      await expect(db.migrate([base[1] as Migration], { to: 'base' })).rejects.toThrow(
        /the ledger has applied migrations this list does not have \('0001_schema'\)/,
      );
      expect(await ledger()).toEqual(['0001_schema', '0002_posts']);
      await reset();
    });

    suiteTest(ctx, 'autogenerate round trip: every column type, constraint kind, enum and index', async () => {
      await reset();
      const v1 = await other();
      const v2 = await other();
      try {
        const mood = v1.Enum('mig_mood', ['happy', 'sad'] as const);
        class Team extends v1.Model({
          __tablename__: 'teams',
          __table_args__: { schema: S },
          id: v1.Column(v1.Integer(), { primaryKey: true }),
          name: v1.Column(v1.String(40), { nullable: false, unique: true, comment: "the team's name" }),
        }) {}
        class Everything extends v1.Model({
          __tablename__: 'everything',
          __table_args__: { schema: S },
          id: v1.Column(v1.BigInteger(), { primaryKey: true }),
          small: v1.Column(v1.SmallInteger(), { serverDefault: 4 }),
          int: v1.Column(v1.Integer(), { nullable: false, serverDefault: -1 }),
          num: v1.Column(v1.Numeric(10, 2), { serverDefault: '1.50' }),
          num2: v1.Column(v1.Numeric()),
          flt: v1.Column(v1.Float()),
          real: v1.Column(v1.Real()),
          flag: v1.Column(v1.Boolean(), { serverDefault: true }),
          str: v1.Column(v1.String(20), { serverDefault: 'x' }),
          uni: v1.Column(v1.Unicode()),
          txt: v1.Column(v1.Text(), { index: true }),
          day: v1.Column(v1.Date()),
          ts: v1.Column(v1.DateTime(), { serverDefault: v1.func.now() }),
          tstz: v1.Column(v1.DateTime({ timezone: true })),
          time: v1.Column(v1.Time()),
          span: v1.Column(v1.Interval()),
          js: v1.Column(v1.JSON()),
          jsb: v1.Column(v1.JSONB(), { serverDefault: '{"a":1}' }),
          uid: v1.Column(v1.UUID()),
          bin: v1.Column(v1.LargeBinary()),
          ints: v1.Column(v1.ARRAY(v1.Integer())),
          grid: v1.Column(v1.ARRAY(v1.ARRAY(v1.Text()))),
          mood: v1.Column(mood, { serverDefault: 'happy' }),
          moods: v1.Column(v1.ARRAY(mood)),
          teamId: v1.Column(v1.Integer(), {
            name: 'team_id',
            references: v1.ForeignKey(`${S}.teams.id`, { onDelete: 'CASCADE' }),
          }),
          _uq: v1.UniqueConstraint('small', 'int', { name: 'everything_small_int_uq' }),
          _check: v1.CheckConstraint('small >= 0', { name: 'everything_small_check' }),
          _unnamedCheck: v1.CheckConstraint('int <> 0 AND int > -100'),
          _idx: v1.Index('everything_str_day_idx', 'str', 'day', { unique: true }),
          _expr: v1.Index('everything_lower_str_idx', v1.func.lower(v1.text('str'))),
        }) {}
        class Pair extends v1.Model({
          __tablename__: 'pairs',
          __table_args__: { schema: S },
          a: v1.Column(v1.Integer()),
          b: v1.Column(v1.Integer()),
          _pk: v1.PrimaryKeyConstraint('a', 'b'),
          _fk: v1.ForeignKeyConstraint(['a'], [`${S}.teams.id`], { onUpdate: 'CASCADE' }),
        }) {}
        void Team;
        void Everything;
        void Pair;

        const initial = await v1.gino.check();
        expect(initial.map((c) => c.kind)).toEqual(['addSchema', 'addEnum', 'addTable', 'addTable', 'addTable']);
        const first = renderChanges(initial);
        const m1: Migration = { id: '0001_initial', up: first.up, down: first.down };
        expect(await v1.migrate([m1])).toEqual({ applied: ['0001_initial'], reverted: [] });
        expect(await v1.gino.check()).toEqual([]);

        // The same tables as the database now has them, evolved.
        const mood2 = v2.Enum('mig_mood', ['happy', 'meh', 'sad'] as const);
        class Team2 extends v2.Model({
          __tablename__: 'teams',
          __table_args__: { schema: S },
          id: v2.Column(v2.Integer(), { primaryKey: true }),
          name: v2.Column(v2.String(80), { nullable: false, unique: true }),
          motto: v2.Column(v2.Text(), { serverDefault: 'go', comment: 'new' }),
        }) {}
        class Everything2 extends v2.Model({
          __tablename__: 'everything',
          __table_args__: { schema: S },
          id: v2.Column(v2.BigInteger(), { primaryKey: true }),
          small: v2.Column(v2.SmallInteger(), { serverDefault: 5 }),
          int: v2.Column(v2.Integer(), { serverDefault: -1 }),
          num: v2.Column(v2.Numeric(12, 2), { serverDefault: '1.50' }),
          num2: v2.Column(v2.Numeric()),
          flt: v2.Column(v2.Float()),
          real: v2.Column(v2.Real()),
          flag: v2.Column(v2.Boolean(), { serverDefault: true }),
          str: v2.Column(v2.String(20), { serverDefault: 'x' }),
          uni: v2.Column(v2.Unicode()),
          body: v2.Column(v2.Text(), { name: 'body', index: false }),
          day: v2.Column(v2.Date(), { index: true }),
          ts: v2.Column(v2.DateTime(), { serverDefault: v2.func.now() }),
          tstz: v2.Column(v2.DateTime({ timezone: true })),
          time: v2.Column(v2.Time()),
          span: v2.Column(v2.Interval()),
          js: v2.Column(v2.JSON()),
          jsb: v2.Column(v2.JSONB(), { serverDefault: '{"a": 1}' }),
          uid: v2.Column(v2.UUID()),
          ints: v2.Column(v2.ARRAY(v2.BigInteger())),
          grid: v2.Column(v2.ARRAY(v2.ARRAY(v2.Text()))),
          mood: v2.Column(mood2, { serverDefault: 'meh' }),
          moods: v2.Column(v2.ARRAY(mood2)),
          teamId: v2.Column(v2.Integer(), {
            name: 'team_id',
            references: v2.ForeignKey(`${S}.teams.id`, { onDelete: 'SET NULL' }),
          }),
          _uq: v2.UniqueConstraint('small', 'int', { name: 'everything_small_int_uq' }),
          _unnamedCheck: v2.CheckConstraint('int <> 0 AND int > -100'),
          _idx: v2.Index('everything_str_day_idx', 'str', 'day', { unique: true }),
          _expr: v2.Index('everything_lower_str_idx', v2.func.lower(v2.text('str'))),
        }) {}
        class Note extends v2.Model({
          __tablename__: 'notes',
          __table_args__: { schema: S },
          id: v2.Column(v2.Integer(), { primaryKey: true }),
          teamId: v2.Column(v2.Integer(), { name: 'team_id', references: v2.ForeignKey(`${S}.teams.id`) }),
        }) {}
        void Team2;
        void Everything2;
        void Note;

        const drift = await v2.gino.check();
        const summary = drift.map((c) => `${c.kind} ${c.object}`).sort();
        expect(summary).toEqual(
          [
            `addEnumValue type ${S}.mig_mood`,
            `addTable table ${S}.notes`,
            `dropTable table ${S}.pairs`,
            `addColumn column ${S}.teams.motto`,
            `alterColumnType column ${S}.teams.name`,
            `alterColumnComment column ${S}.teams.name`,
            `alterColumnDefault column ${S}.everything.small`,
            `alterColumnNullable column ${S}.everything.int`,
            `alterColumnType column ${S}.everything.num`,
            `renameColumn column ${S}.everything.txt`,
            `dropIndex index ix_everything_txt`,
            `addIndex index ix_everything_day`,
            `alterColumnDefault column ${S}.everything.mood`,
            `dropColumn column ${S}.everything.bin`,
            `alterColumnType column ${S}.everything.ints`,
            `dropCheck constraint everything_small_check`,
            `dropForeignKey constraint everything_team_id_fkey`,
            `addForeignKey table ${S}.everything`,
          ].sort(),
        );
        expect(
          drift
            .filter((c) => c.destructive)
            .map((c) => c.kind)
            .sort(),
        ).toEqual(['dropColumn', 'dropTable']);
        // The new enum value comes in a migration of its own: PostgreSQL uses it only once committed.
        const [values, second] = renderMigrations(drift);
        expect(values?.up).toBe(`ALTER TYPE ${S}.mig_mood ADD VALUE 'meh' AFTER 'happy';`);
        expect(second?.up).toContain(`-- gino-edge: destructive: column ${S}.everything.bin is in the database`);
        const m2: Migration = { id: '0002_values', up: values?.up as string, down: values?.down as string };
        const m3: Migration = { id: '0003_evolve', up: second?.up as string, down: second?.down as string };
        await v1.status(`INSERT INTO ${S}.teams (name) VALUES ('kept')`);
        expect(await v2.migrate([m1, m2, m3])).toEqual({ applied: ['0002_values', '0003_evolve'], reverted: [] });
        expect(await v2.gino.check()).toEqual([]);
        expect(await v1.scalar(`SELECT motto FROM ${S}.teams`)).toBe('go');
        // And back: v1's models match again (the enum keeps its new value: PostgreSQL cannot drop one).
        expect(await v2.migrate([m1, m2, m3], { to: '0001_initial' })).toEqual({
          applied: [],
          reverted: ['0003_evolve', '0002_values'],
        });
        expect((await v1.gino.check()).map((c) => c.kind)).toEqual(['enumChanged']);
        expect(await v1.migrate([m1], { to: 'base' })).toEqual({ applied: [], reverted: ['0001_initial'] });
        expect((await v1.gino.check()).map((c) => c.kind)).toEqual(initial.map((c) => c.kind));
      } finally {
        v1.popBind();
        v2.popBind();
      }
      await reset();
    });

    suiteTest(ctx, 'createAll() warns when an existing table differs from its model', async () => {
      await reset();
      await db.status(`CREATE SCHEMA ${S}`);
      await db.status(`CREATE TABLE ${S}.posts (id serial PRIMARY KEY, title text)`);
      const g = await other();
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      try {
        g.Model({
          __tablename__: 'posts',
          __table_args__: { schema: S },
          id: g.Column(g.Integer(), { primaryKey: true }),
          title: g.Column(g.Text()),
          updatedAt: g.Column(g.DateTime(), { name: 'updated_at' }),
        });
        await g.gino.createAll();
        expect(warn).toHaveBeenCalledTimes(1);
        expect(String(warn.mock.calls[0]?.[0])).toMatch(
          /createAll\(\) skipped existing tables .*\n.*posts\.updated_at is missing/,
        );
        await g.status(`ALTER TABLE ${S}.posts ADD COLUMN updated_at timestamp`);
        await g.gino.createAll();
        expect(warn).toHaveBeenCalledTimes(1);
      } finally {
        warn.mockRestore();
        g.popBind();
      }
      await reset();
    });
  });
}
