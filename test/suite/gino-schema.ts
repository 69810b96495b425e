/**
 * GINO's `tests/test_schema.py` and `tests/test_statement.py`, translated: one test per GINO
 * test function, named after it, with GINO's expectations. GINO's dialect probes (has_schema,
 * has_table, has_sequence, has_type), sequences and SQLAlchemy's enum type objects have no
 * counterpart; the circular foreign keys between `s_blog` and `s_comment` are the heart of it.
 */
import { describe, expect } from 'vitest';
import { Gino } from '../../src/index.js';
import { ginoSkip } from './gino-models.js';
import { type SuiteContext, suiteTest } from './harness.js';

export function ginoSchemaSuite(ctx: SuiteContext): void {
  describe('GINO tests/test_schema.py', () => {
    suiteTest(ctx, 'test', async () => {
      const engine = ctx.engine();
      const db = new Gino();
      const MY_ENUM = ['one', 'two'] as const;
      class Blog extends db.Model({
        __tablename__: 's_blog',
        __table_args__: { schema: 'schema_test' },
        id: db.Column(db.BigInteger({ mode: 'number' }), { primaryKey: true }),
        title: db.Column(db.Unicode(), { index: true, comment: 'Title Comment' }),
        visits: db.Column(db.BigInteger({ mode: 'number' }), { default: 0 }),
        commentId: db.Column(db.BigInteger({ mode: 'number' }), {
          name: 'comment_id',
          references: db.ForeignKey('s_comment.id'),
        }),
        number: db.Column(db.Enum('myenum', MY_ENUM), { nullable: false, default: 'two' }),
      }) {}
      class Comment extends db.Model({
        __tablename__: 's_comment',
        __table_args__: { schema: 'schema_test' },
        id: db.Column(db.BigInteger({ mode: 'number' }), { primaryKey: true }),
        blogId: db.Column(db.BigInteger({ mode: 'number' }), {
          name: 'blog_id',
          references: db.ForeignKey('s_blog.id', { name: 'blog_id_fk' }),
        }),
      }) {}
      await engine.status('DROP SCHEMA IF EXISTS schema_test CASCADE');
      try {
        await engine.status('CREATE SCHEMA schema_test');
        db.bind = engine;
        await db.gino.createAll();
        await Blog.gino.create({ checkfirst: true });
        // The cycle holds: a comment of a blog whose comment it is.
        const blog = await Blog.create({ title: 'first' });
        const comment = await Comment.create({ blogId: blog.id });
        await blog.update({ commentId: comment.id }).apply();
        await expect(Comment.create({ blogId: blog.id + 1000 })).rejects.toMatchObject({ code: '23503' });
        await expect(blog.update({ commentId: comment.id + 1000 }).apply()).rejects.toMatchObject({ code: '23503' });
        expect(
          await engine.scalar(
            "SELECT count(*)::int FROM pg_constraint WHERE conname = 'blog_id_fk' AND conrelid = 'schema_test.s_comment'::regclass",
          ),
        ).toBe(1);
        await db.gino.dropAll();
        await db.gino.dropAll();
        await Blog.gino.drop({ checkfirst: true });

        class Comment2 extends db.Model({
          __tablename__: 's_comment_2',
          __table_args__: { schema: 'schema_test' },
          id: db.Column(db.BigInteger({ mode: 'number' }), { primaryKey: true }),
          blogId: db.Column(db.BigInteger({ mode: 'number' }), {
            name: 'blog_id',
            references: db.ForeignKey('s_blog.id'),
          }),
        }) {}
        expect(Comment2.__table__.name).toBe('s_comment_2');
        await db.gino.createAll();
        await db.gino.dropAll();
        expect(await engine.scalar("SELECT count(*)::int FROM pg_tables WHERE schemaname = 'schema_test'")).toBe(0);
      } finally {
        await engine.status('DROP SCHEMA IF EXISTS schema_test CASCADE');
      }
    });

    ginoSkip(
      'test_no_alter',
      'SQLAlchemy dialect internals (supports_alter = False, and the warning it gives); PostgreSQL always has ALTER TABLE',
    );
  });
}

export function ginoStatementSuite(_ctx: SuiteContext): void {
  describe('GINO tests/test_statement.py', () => {
    ginoSkip(
      'test_anonymous',
      "asyncpg's prepared-statement cache (statement_cache_size=0); gino-edge's adapters keep no named prepared statements",
    );
  });
}
