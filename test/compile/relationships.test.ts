/**
 * The SQL relationships compile to: one statement whose LIMIT is the parents' (each relation a
 * correlated subquery in the SELECT list, no join of the parent rows), every related column as
 * its own text, self-references through aliases named per compile.
 */
import { describe, expect, test } from 'vitest';
import { Gino } from '../../src/index.js';

const db = new Gino();
class Author extends db.Model({
  __tablename__: 'authors',
  id: db.Column(db.Integer(), { primaryKey: true }),
  name: db.Column(db.Unicode()),
  posts: db.relationship<Post[]>(() => Post, { many: true }),
}) {}
class Post extends db.Model({
  __tablename__: 'posts',
  id: db.Column(db.Integer(), { primaryKey: true }),
  authorId: db.Column(db.Integer(), { name: 'author_id', references: db.ForeignKey('authors.id') }),
  author: db.relationship(() => Author),
}) {}
class Node extends db.Model({
  __tablename__: 'nodes',
  id: db.Column(db.Integer(), { primaryKey: true }),
  parentId: db.Column(db.Integer(), { name: 'parent_id', references: db.ForeignKey('nodes.id') }),
  children: db.relationship<Node[]>(() => Node, { many: true }),
}) {}

describe('relationships compile', () => {
  test('a collection is a correlated array in the SELECT list; LIMIT stays the parents', () => {
    expect(db.compile(Author.load('posts').query.orderBy(Author.id).limit(1))).toEqual({
      sql:
        'SELECT authors.id, authors.name, to_json(ARRAY((SELECT json_build_array(CAST(posts.id AS TEXT), CAST(posts.author_id AS TEXT)) AS json_build_array_1 ' +
        'FROM posts WHERE posts.author_id = authors.id ORDER BY posts.id))) AS posts FROM authors ORDER BY authors.id LIMIT $1',
      params: [1],
    });
  });

  test('a single row is a scalar subquery of one row', () => {
    expect(db.compile(Post.load('author').query).sql).toBe(
      'SELECT posts.id, posts.author_id, (SELECT json_build_array(CAST(authors.id AS TEXT), CAST(authors.name AS TEXT)) AS json_build_array_1 ' +
        'FROM authors WHERE authors.id = posts.author_id ORDER BY authors.id LIMIT $1) AS author FROM posts',
    );
  });

  test('self-references read the related rows through an alias; compiling is pure', () => {
    const query = Node.load({ children: Node.load('children') }).query;
    const sql =
      'SELECT nodes.id, nodes.parent_id, to_json(ARRAY((SELECT json_build_array(CAST(nodes_1.id AS TEXT), CAST(nodes_1.parent_id AS TEXT), ' +
      'to_json(ARRAY((SELECT json_build_array(CAST(nodes.id AS TEXT), CAST(nodes.parent_id AS TEXT)) AS json_build_array_1 FROM nodes WHERE nodes.parent_id = nodes_1.id ORDER BY nodes.id)))) AS json_build_array_1 ' +
      'FROM nodes AS nodes_1 WHERE nodes_1.parent_id = nodes.id ORDER BY nodes_1.id))) AS children FROM nodes';
    expect(db.compile(query).sql).toBe(sql);
    expect(db.compile(query).sql).toBe(sql);
  });

  test('a relation count is a correlated count(*), also in WHERE', () => {
    const count = Author.countOf('posts');
    expect(db.compile(Author.query.where(count.gt(2))).sql).toBe(
      'SELECT authors.id, authors.name FROM authors WHERE CAST((SELECT count(*) AS count_1 FROM posts WHERE posts.author_id = authors.id) AS INTEGER) > $1',
    );
  });
});
