/**
 * A foreign key whose target names no schema references the table of that name in the referencing
 * table's schema: its DDL says `REFERENCES <the table's schema>.<target>`, and the join inferred
 * from it, the DDL order and relationships all read it the same way.
 */
import { expect, test } from 'vitest';
import { createTableSql } from '../../src/compiler/ddl.js';
import { Gino, InvalidRequestError } from '../../src/index.js';

const db = new Gino();

class AppAuthor extends db.Model({
  __tablename__: 'authors',
  __table_args__: { schema: 'app' },
  id: db.Column(db.Integer(), { primaryKey: true }),
}) {}
class PublicAuthor extends db.Model({
  __tablename__: 'authors',
  id: db.Column(db.Integer(), { primaryKey: true }),
}) {}
class AppPost extends db.Model({
  __tablename__: 'posts',
  __table_args__: { schema: 'app' },
  id: db.Column(db.Integer(), { primaryKey: true }),
  authorId: db.Column(db.Integer(), { name: 'author_id', references: db.ForeignKey('authors.id') }),
}) {}

test("an unqualified target is the referencing table's schema, in DDL", () => {
  expect(createTableSql(AppPost.__table__)).toContain('REFERENCES app.authors (id)');
});

test('a join is inferred only to the table the foreign key references', () => {
  expect(db.select([AppPost.id]).selectFrom(AppPost.join(AppAuthor)).compile().sql).toBe(
    'SELECT app.posts.id FROM app.posts JOIN app.authors ON app.authors.id = app.posts.author_id',
  );
  // public.authors has the target's name, but the key references app.authors.
  expect(() => AppPost.join(PublicAuthor)).toThrow(InvalidRequestError);
  expect(() => PublicAuthor.join(AppPost)).toThrow(InvalidRequestError);
});
