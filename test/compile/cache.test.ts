/**
 * One explicit cache: what the compiler keeps lives in a `QueryCache` it is handed, and only
 * lists their builders marked shared (a table's columns, an alias's, a model's `select(...)`,
 * `apply()`'s RETURNING lists) are rendered once; freezing a list says nothing.
 */
import { describe, expect, test } from 'vitest';
import { CACHE_LIMITS, CappedMap, QueryCache } from '../../src/compiler/cache.js';
import { compile } from '../../src/compiler/compiler.js';
import { type Expr, Select } from '../../src/index.js';
import { isSharedList, shareList } from '../../src/sql/shared.js';
import { db, Team, User } from './models.js';

describe('shared lists are marked by the code that builds them', () => {
  test("a table's, an alias's and a model's select lists are shared; the lists a caller makes are not", () => {
    expect(isSharedList(User.__table__.columns)).toBe(true);
    expect(isSharedList(User.alias('u').columns)).toBe(true);
    expect(isSharedList(User.select('nickname').state.columns)).toBe(true);
    expect(isSharedList(User.query.state.columns)).toBe(true);
    expect(isSharedList(db.select([User.id]).state.columns)).toBe(false);
    expect(isSharedList(Object.freeze([User.id]))).toBe(false);
    const marked = shareList([User.id]);
    expect(isSharedList(marked)).toBe(true);
    expect(Object.isFrozen(marked)).toBe(true);
  });

  test('a shared list is rendered once per cache: its result columns are the same object every compile', () => {
    const cache = new QueryCache();
    const a = compile(User.query.where(User.id.eq(1)), cache);
    const b = compile(User.query.where(User.id.eq(2)), cache);
    expect(a.sql).toBe('SELECT users.id, users.nickname, users.team_id FROM users WHERE users.id = $1');
    expect(b.columns).toBe(a.columns);
    expect(cache.isShared(a.columns)).toBe(true);
    expect(cache.heads.get(User.__table__.columns)?.list).toBe('users.id, users.nickname, users.team_id');
    // Another cache knows nothing of it; no cache keeps nothing.
    expect(compile(User.query, new QueryCache()).columns).not.toBe(a.columns);
    expect(compile(User.query).columns).not.toBe(compile(User.query).columns);
  });

  test('a frozen list the caller made is compiled in full every time (freezing is no contract)', () => {
    const cache = new QueryCache();
    const list: readonly Expr[] = Object.freeze([User.id, Team.c.name]);
    const first = compile(new Select({ columns: list }), cache);
    const second = compile(new Select({ columns: list }), cache);
    expect(second.sql).toBe(first.sql);
    expect(second.columns).not.toBe(first.columns);
    expect(cache.isShared(first.columns)).toBe(false);
  });

  test('a shared list holding a value or a subquery is not kept (its rendering depends on the compile)', () => {
    const cache = new QueryCache();
    const valued = shareList([User.id, db.literal(1).label('one')]);
    const a = compile(new Select({ columns: valued }), cache);
    const b = compile(new Select({ columns: valued }), cache);
    expect(a.params).toEqual([1]);
    expect(b.columns).not.toBe(a.columns);
    expect(cache.heads.get(valued)).toBeUndefined();
    const sub = shareList([
      User.id,
      db
        .select([db.func.count(Team.id)])
        .asScalar()
        .label('n'),
    ]);
    compile(new Select({ columns: sub }), cache);
    expect(cache.heads.get(sub)).toBeUndefined();
  });

  test("apply()'s RETURNING lists: one shared list per table and set of columns", () => {
    const cache = new QueryCache();
    const one = cache.returningList(User.__table__, [User.nickname]);
    expect(cache.returningList(User.__table__, [User.nickname])).toBe(one);
    expect(cache.returningList(User.__table__, [User.nickname, User.id])).not.toBe(one);
    expect(isSharedList(one)).toBe(true);
    // Columns of the same key on another table or alias are other columns.
    expect(cache.returningList(User.__table__, [User.alias('x').c.nickname as never])).not.toBe(one);
  });

  test('a baked statement is frozen, its result columns shared, and found again under its owner and name', () => {
    const cache = new QueryCache();
    const baked = cache.bake(User.__table__, 'get', compile(User.query.where(User.id.eq(1)), cache));
    expect(Object.isFrozen(baked)).toBe(true);
    expect(Object.isFrozen(baked.params)).toBe(true);
    expect(cache.isShared(baked.columns)).toBe(true);
    expect(cache.bakedQuery(User.__table__, 'get')).toBe(baked);
    expect(cache.bakedQuery(Team.__table__, 'get')).toBeUndefined();
  });
});

describe('every section is bounded', () => {
  test('a capped section keeps what it has once full, and still answers', () => {
    const map = new CappedMap<number>(2);
    expect(map.set('a', 1)).toBe(1);
    map.set('b', 2);
    expect(map.set('c', 3)).toBe(3);
    expect(map.has('c')).toBe(false);
    expect(map.size).toBe(2);
    map.set('a', 10);
    expect(map.get('a')).toBe(10);
  });

  test('function names are capped; what is not kept is rendered again, the same', () => {
    const cache = new QueryCache();
    for (let i = 0; i < CACHE_LIMITS.functionNames + 10; i++)
      compile(db.select([db.func[`f${i}`]?.() as never]), cache);
    expect(cache.functionNames.size).toBe(CACHE_LIMITS.functionNames);
    expect(compile(db.select([db.func['My Func']?.() as never]), cache).sql).toBe('SELECT "My Func"() AS "My Func_1"');
  });
});
