/**
 * `db.copyInto(target, rows)`: a model's rows are its insert values (what `insert().values()`
 * takes: required columns, known keys, each column's value type), from an array, an iterable or
 * an async iterable; `columns` names the model's keys; a table takes values by key.
 */
import { describe, expectTypeOf, test } from 'vitest';
import type { CopyResult, CopyRowOf } from '../../src/index.js';
import { Author, db, Post } from './schema.js';

describe('copyInto', () => {
  test("a model's rows are its insert values", () => {
    type InsertRow = Exclude<Parameters<ReturnType<typeof Author.insert>['values']>[0], readonly unknown[]>;
    expectTypeOf<CopyRowOf<typeof Author>>().toEqualTypeOf<InsertRow>();
    void db.copyInto(Author, [{ name: 'a', email: 'a@x' }]);
    // @ts-expect-error email is NOT NULL without a default
    void db.copyInto(Author, [{ name: 'a' }]);
    // @ts-expect-error a key that is no column
    void db.copyInto(Author, [{ name: 'a', email: 'a@x', nope: 1 }]);
    // @ts-expect-error a value of the wrong type
    void db.copyInto(Post, [{ title: 1, state: 'draft' }]);
    // @ts-expect-error not one of the enum's values
    void db.copyInto(Post, [{ title: 't', state: 'gone' }]);
    expectTypeOf(db.copyInto(Post, [{ title: 't', state: 'draft', views: 1 }])).resolves.toEqualTypeOf<CopyResult>();
  });

  test('rows from an iterable or an async iterable', () => {
    function* rows() {
      yield { title: 't', state: 'draft' as const };
    }
    async function* later() {
      yield { title: 't', state: 'published' as const, tags: ['a'] };
    }
    void db.copyInto(Post, rows());
    void db.copyInto(Post, later());
    void db.copyInto(Post, new Set([{ title: 't', state: 'draft' as const }]));
  });

  test("columns names the model's keys; a table takes values by key", () => {
    void db.copyInto(Post, [{ title: 't', state: 'draft' }], { columns: ['title', 'state'] });
    // @ts-expect-error not a key of the model
    void db.copyInto(Post, [{ title: 't', state: 'draft' }], { columns: ['title', 'nope'] });
    void db.copyInto(Post.__table__, [{ title: 't', anything: 1 }]);
  });
});
