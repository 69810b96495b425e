/**
 * The engine's query cache on a real database (embedded PGlite): `Model.get()` compiles once per
 * table and a function call of one column once per column and name (baked queries), their row
 * loaders are prepared once, and an Engine made per request finds what the others made.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pglite } from '../../adapters/pglite/index.js';
import { queryCache } from '../../src/engine/cache.js';
import { Gino } from '../../src/index.js';

const db = new Gino();
class Pet extends db.Model({
  __tablename__: 'cache_pets',
  id: db.Column(db.Integer(), { primaryKey: true }),
  name: db.Column(db.Unicode()),
}) {}

const adapter = pglite('pglite://memory');

beforeAll(async () => {
  await db.setBind(adapter);
  await db.gino.createAll();
  await Pet.insert()
    .values([{ name: 'rex' }, { name: 'tom' }])
    .gino.status();
});

afterAll(async () => {
  await db.popBind().close();
});

describe('baked queries in the engine cache', () => {
  test('Model.get() compiles once per table; its loader is prepared once', async () => {
    const table = Pet.__table__;
    const rex = await Pet.get(1);
    const baked = queryCache.bakedQuery(table, 'get');
    expect(baked?.sql).toBe('SELECT cache_pets.id, cache_pets.name FROM cache_pets WHERE cache_pets.id = $1');
    expect(baked?.params).toEqual([null]);
    expect(rex).toBeInstanceOf(Pet);
    expect((await Pet.get(2))?.name).toBe('tom');
    expect(await Pet.get(3)).toBeNull();
    expect(queryCache.bakedQuery(table, 'get')).toBe(baked);
    expect(queryCache.preparedLoader(baked?.columns ?? [], Pet)).toBeTypeOf('function');
    // A locking get is built and compiled in full: it is no baked query.
    await db.transaction(async () => {
      expect((await Pet.get(1, { forUpdate: true }))?.name).toBe('rex');
    });
    expect(queryCache.bakedQuery(table, 'get')).toBe(baked);
  });

  test('a function call of one column is baked per column and name', async () => {
    expect(await db.func.count(Pet.id).gino.scalar()).toBe(2);
    const count = queryCache.bakedQuery(Pet.id, 'count');
    expect(count?.sql).toBe('SELECT count(cache_pets.id) AS count_1 FROM cache_pets');
    expect(await db.func.count(Pet.id).gino.scalar()).toBe(2);
    expect(queryCache.bakedQuery(Pet.id, 'count')).toBe(count);
    expect(await db.func.max(Pet.id).gino.scalar()).toBe(2);
    expect(queryCache.bakedQuery(Pet.id, 'max')).not.toBe(count);
  });

  test('an Engine made per request finds the entries the others made', async () => {
    const baked = queryCache.bakedQuery(Pet.__table__, 'get');
    const other = await db.createEngine(adapter);
    expect((await Pet.get(1, { bind: other }))?.name).toBe('rex');
    expect(queryCache.bakedQuery(Pet.__table__, 'get')).toBe(baked);
  });
});
