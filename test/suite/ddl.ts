/** createAll / dropAll with checkfirst, per-model create/drop, enums and comments. */
import { describe, expect } from 'vitest';
import { type SuiteContext, suiteTest } from './harness.js';

export function ddlSuite(ctx: SuiteContext): void {
  describe('schema DDL', () => {
    const { db } = ctx;
    class Pet extends db.Model({
      __tablename__: 'ddl_pets',
      id: db.Column(db.Integer(), { primaryKey: true }),
      kind: db.Column(db.Enum('ddl_pet_kind', ['cat', 'dog'] as const), { nullable: false }),
      name: db.Column(db.String(30), { index: true, comment: 'the pet\'s "name"' }),
      born: db.Column(db.DateTime({ timezone: true }), { serverDefault: db.func.now() }),
      legs: db.Column(db.SmallInteger(), { serverDefault: 4 }),
      _check: db.CheckConstraint('legs >= 0', { name: 'ddl_pets_legs_check' }),
    }) {}
    class Toy extends db.Model({
      __tablename__: 'ddl_toys',
      id: db.Column(db.Integer(), { primaryKey: true }),
      petId: db.Column(db.Integer(), { name: 'pet_id', references: db.ForeignKey('ddl_pets.id') }),
      _uq: db.UniqueConstraint('pet_id', 'id', { name: 'ddl_toys_pet_uq' }),
    }) {}

    const exists = async (name: string) => (await db.scalar<string>('SELECT to_regclass($1)::text', [name])) !== null;
    const typeExists = async (name: string) =>
      (await db.scalar<string>('SELECT to_regtype($1)::text', [name])) !== null;

    suiteTest(
      ctx,
      'createAll creates enums first, then tables in dependency order; checkfirst skips existing ones',
      async () => {
        await db.gino.dropAll();
        expect(await exists('ddl_pets')).toBe(false);
        expect(await typeExists('ddl_pet_kind')).toBe(false);
        ctx.clearLog();
        await db.gino.createAll();
        const ddl = ctx.sql().filter((s) => /^CREATE/.test(s));
        expect(ddl[0]).toBe("CREATE TYPE ddl_pet_kind AS ENUM ('cat', 'dog')");
        expect(ddl.findIndex((s) => s.startsWith('CREATE TABLE ddl_pets'))).toBeLessThan(
          ddl.findIndex((s) => s.startsWith('CREATE TABLE ddl_toys')),
        );
        expect(await exists('ddl_pets')).toBe(true);
        expect(await exists('ix_ddl_pets_name')).toBe(true);
        const comment = await db.scalar(
          "SELECT col_description('ddl_pets'::regclass, (SELECT attnum FROM pg_attribute WHERE attrelid = 'ddl_pets'::regclass AND attname = 'name'))",
        );
        expect(comment).toBe('the pet\'s "name"');
        await db.gino.createAll();
        await expect(db.gino.createAll({ checkfirst: false })).rejects.toMatchObject({ name: 'DatabaseError' });
      },
    );

    suiteTest(ctx, 'server defaults and check constraints apply', async () => {
      await db.gino.createAll();
      const p = await Pet.create({ kind: 'cat', name: 'Tom' });
      expect(p.legs).toBe(4);
      expect(p.born).toBeInstanceOf(Date);
      await expect(Pet.create({ kind: 'dog', legs: -1 })).rejects.toMatchObject({ code: '23514' });
      await Toy.create({ petId: p.id });
    });

    suiteTest(ctx, 'Model.gino.create / drop act on one table', async () => {
      await db.gino.dropAll();
      await Pet.gino.create();
      expect(await exists('ddl_pets')).toBe(true);
      expect(await exists('ddl_toys')).toBe(false);
      await Toy.gino.create();
      await Toy.gino.drop();
      expect(await exists('ddl_toys')).toBe(false);
      await Toy.gino.drop();
      await db.gino.dropAll();
      expect(await exists('ddl_pets')).toBe(false);
      expect(await typeExists('ddl_pet_kind')).toBe(false);
      await db.gino.dropAll();
    });
  });
}
