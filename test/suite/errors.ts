/** Server errors are the same `DatabaseError`, with the same fields, on every adapter. */
import { beforeAll, describe, expect } from 'vitest';
import { DatabaseError, Gino, UninitializedError } from '../../src/index.js';
import { type SuiteContext, suiteTest } from './harness.js';

export function errorsSuite(ctx: SuiteContext): void {
  describe('errors', () => {
    const { db } = ctx;
    class Parent extends db.Model({
      __tablename__: 'err_parents',
      id: db.Column(db.Integer(), { primaryKey: true }),
      code: db.Column(db.String(10), { unique: true, nullable: false }),
    }) {}
    class Child extends db.Model({
      __tablename__: 'err_children',
      id: db.Column(db.Integer(), { primaryKey: true }),
      parentId: db.Column(db.Integer(), { name: 'parent_id', references: db.ForeignKey('err_parents.id') }),
    }) {}

    beforeAll(async () => {
      await db.gino.dropAll();
      await db.gino.createAll();
      await Parent.create({ code: 'taken' });
    });

    const expectDbError = async (p: Promise<unknown>, fields: Partial<DatabaseError>) => {
      const error = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DatabaseError);
      expect(error).toMatchObject(fields);
    };

    suiteTest(ctx, 'unique violation: 23505 with the constraint and detail', async () => {
      await expectDbError(Parent.create({ code: 'taken' }), {
        code: '23505',
        constraint: 'err_parents_code_key',
        table: 'err_parents',
        detail: 'Key (code)=(taken) already exists.',
      });
    });

    suiteTest(ctx, 'not-null violation: 23502 with the column', async () => {
      await expectDbError(Parent.create({}), { code: '23502', column: 'code', table: 'err_parents' });
    });

    suiteTest(ctx, 'foreign key violation: 23503', async () => {
      await expectDbError(Child.create({ parentId: 424242 }), {
        code: '23503',
        constraint: 'err_children_parent_id_fkey',
      });
    });

    suiteTest(ctx, 'syntax error: 42601, with the SQL', async () => {
      await expectDbError(db.all('SELEC 1'), { code: '42601', sql: 'SELEC 1' });
    });

    suiteTest(ctx, 'an error raised in a function: where (its call stack) and routine, with the hint', async () => {
      const raise = `DO $$ BEGIN RAISE EXCEPTION 'gino raised' USING ERRCODE = 'P0001', HINT = 'look here'; END $$`;
      await expectDbError(db.status(raise), {
        code: 'P0001',
        message: 'gino raised',
        hint: 'look here',
        where: expect.stringMatching(/^PL\/pgSQL function inline_code_block line 1 at RAISE/),
        routine: 'exec_stmt_raise',
        severity: 'ERROR',
      });
    });

    suiteTest(ctx, 'the binding still works after errors', async () => {
      expect(await db.scalar('SELECT 1')).toBe(1);
    });

    suiteTest(ctx, 'an unbound db says what to do', async () => {
      const lonely = new Gino();
      const M = lonely.Model({ __tablename__: 'x', id: lonely.Column(lonely.Integer(), { primaryKey: true }) });
      expect(() => lonely.bind).toThrow(UninitializedError);
      await expect(M.get(1)).rejects.toThrow(/setBind/);
      // Every running method rejects (never throws synchronously), so .catch() sees the error.
      const q = M.query;
      for (const p of [q.gino.all(), q.gino.first(), q.gino.scalar(), lonely.all(q), lonely.status('SELECT 1')]) {
        await expect(p).rejects.toBeInstanceOf(UninitializedError);
      }
    });
  });
}
