/**
 * The SQL a join loader that folds rows runs with LIMIT or OFFSET: the page is of parents, picked
 * by their primary key in a grouped subquery, and the outer statement keeps their joined rows
 * (GINO applies LIMIT to the joined rows). Loaders that do not fold keep GINO's SQL exactly.
 */
import { describe, expect, test } from 'vitest';
import { pageQuery } from '../../src/engine/paginate.js';
import { Gino, InvalidRequestError } from '../../src/index.js';

const db = new Gino();
class Author extends db.Model({
  __tablename__: 'authors',
  id: db.Column(db.Integer(), { primaryKey: true }),
  name: db.Column(db.Unicode()),
}) {}
class Post extends db.Model({
  __tablename__: 'posts',
  id: db.Column(db.Integer(), { primaryKey: true }),
  authorId: db.Column(db.Integer(), { name: 'author_id', references: db.ForeignKey('authors.id') }),
  title: db.Column(db.Unicode()),
}) {}
class Shelf extends db.Model({
  __tablename__: 'shelves',
  library: db.Column(db.String(10), { primaryKey: true }),
  code: db.Column(db.Integer(), { primaryKey: true }),
}) {}
class Book extends db.Model({
  __tablename__: 'books',
  id: db.Column(db.Integer(), { primaryKey: true }),
  library: db.Column(db.String(10)),
  shelfCode: db.Column(db.Integer(), { name: 'shelf_code' }),
  _fk: db.ForeignKeyConstraint(['library', 'shelf_code'], ['shelves.library', 'shelves.code']),
}) {}
class Note extends db.Model({
  __tablename__: 'notes',
  body: db.Column(db.Text()),
}) {}

const folding = () => Author.distinct(Author.id).load({ addPost: Post.distinct(Post.id) });
const COLUMNS = 'SELECT authors.id, authors.name, posts.id, posts.author_id, posts.title';
const FROM = 'FROM authors LEFT OUTER JOIN posts ON authors.id = posts.author_id';

describe('join loaders that fold rows: LIMIT and OFFSET count parents', () => {
  test('the page is of parents, picked by primary key in a grouped subquery', () => {
    expect(db.compile(folding().query.orderBy(Author.id).limit(1))).toEqual({
      sql: `${COLUMNS} ${FROM} WHERE authors.id IN (SELECT authors.id ${FROM} GROUP BY authors.id ORDER BY authors.id LIMIT $1) ORDER BY authors.id`,
      params: [1],
    });
  });

  test('WHERE in both, OFFSET alone, DESC, and child columns ordering rows within a parent after its key', () => {
    const q = folding()
      .query.where(Post.title.like('a%'))
      .orderBy(Author.c.name.desc(), Author.id, Post.id.desc())
      .offset(2);
    expect(db.compile(q)).toEqual({
      sql:
        `${COLUMNS} ${FROM} WHERE posts.title LIKE $1 AND authors.id IN (SELECT authors.id ${FROM} WHERE posts.title LIKE $2 ` +
        'GROUP BY authors.id ORDER BY authors.name DESC, authors.id OFFSET $3) ORDER BY authors.name DESC, authors.id, posts.id DESC',
      params: ['a%', 'a%', 2],
    });
  });

  test('paginate() pages parents, its total a count of their keys in the same statement', () => {
    const { query, all } = pageQuery(folding().query.orderBy(Author.id), folding(), { page: 3, perPage: 2 });
    const keys = `SELECT authors.id ${FROM} GROUP BY authors.id`;
    expect(db.compile(query)).toEqual({
      sql:
        `${COLUMNS}, CAST((SELECT count(*) AS count_1 FROM (${keys}) AS anon_1) AS INTEGER) AS gino_total ${FROM} ` +
        `WHERE authors.id IN (${keys} ORDER BY authors.id LIMIT $1 OFFSET $2) ORDER BY authors.id`,
      params: [2, 4],
    });
    // A page past the last has no rows to carry the total: this counts it.
    expect(db.compile(all).sql).toBe(`SELECT count(*) AS count_1 FROM (${keys}) AS anon_1`);
  });

  test('a composite key is a row value; FOR UPDATE locks in the outer statement', () => {
    const q = Shelf.distinct(Shelf.library, Shelf.code)
      .load({ addBook: Book.distinct(Book.id) })
      .query.orderBy(Shelf.library, Shelf.code)
      .limit(2)
      .forUpdate({ of: Shelf });
    const from =
      'FROM shelves LEFT OUTER JOIN books ON shelves.library = books.library AND shelves.code = books.shelf_code';
    expect(db.compile(q).sql).toBe(
      `SELECT shelves.library, shelves.code, books.id, books.library, books.shelf_code ${from} ` +
        `WHERE (shelves.library, shelves.code) IN (SELECT shelves.library, shelves.code ${from} GROUP BY shelves.library, shelves.code ` +
        'ORDER BY shelves.library, shelves.code LIMIT $1) ORDER BY shelves.library, shelves.code FOR UPDATE OF shelves',
    );
  });

  test('a statement without a folding loader compiles as written', () => {
    const q = db
      .select([...Author.__table__.columns, ...Post.__table__.columns])
      .selectFrom(Author.outerjoin(Post))
      .limit(3);
    // Plain rows are rows: compiled as written.
    expect(db.compile(q).sql).toBe(`${COLUMNS} ${FROM} LIMIT $1`);
  });

  test('loaders that do not fold keep GINO SQL exactly', () => {
    expect(db.compile(Author.load({ addPost: Post }).query.orderBy(Author.id).limit(1)).sql).toBe(
      `${COLUMNS} ${FROM} ORDER BY authors.id LIMIT $1`,
    );
    // A many-to-one whose related instances are shared: each row is still one result.
    expect(db.compile(Post.load({ author: Author.distinct(Author.id) }).query.limit(1)).sql).toBe(
      'SELECT posts.id, posts.author_id, posts.title, authors.id, authors.name FROM posts LEFT OUTER JOIN authors ON authors.id = posts.author_id LIMIT $1',
    );
    expect(db.compile(folding().query.orderBy(Author.id)).sql).toBe(`${COLUMNS} ${FROM} ORDER BY authors.id`);
  });

  test('an order no parent has, a parent without a key, GROUP BY: refused at compile, saying what to do', () => {
    expect(() => db.compile(folding().query.orderBy(Post.id).limit(1))).toThrow(InvalidRequestError);
    expect(() => db.compile(folding().query.orderBy(Post.id).limit(1))).toThrow(
      /order by the columns of authors.*declared relationship/,
    );
    expect(() => db.compile(folding().query.orderBy(Author.c.name, Post.id).limit(1))).toThrow(/primary key/);
    expect(() => db.compile(Note.distinct(Note.body).query.limit(1))).toThrow(/notes has none: declare a primary key/);
    expect(() => db.compile(folding().query.groupBy(Author.id, Post.id).limit(1))).toThrow(/GROUP BY or HAVING/);
  });
});
