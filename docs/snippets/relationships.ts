/**
 * The blog of the relationships guide (docs/guides/relationships.md), for the blocks marked
 * `with=relationships`: authors, their posts, and the posts' tags.
 */
import { Gino } from 'gino-edge';

export const db = new Gino();

export class Author extends db.Model({
  __tablename__: 'authors',
  id: db.Column(db.Integer(), { primaryKey: true }),
  name: db.Column(db.Unicode(), { nullable: false }),
  posts: db.relationship<Post[]>(() => Post, { many: true }),
}) {}

export class Post extends db.Model({
  __tablename__: 'posts',
  id: db.Column(db.Integer(), { primaryKey: true }),
  authorId: db.Column(db.Integer(), { name: 'author_id', references: db.ForeignKey('authors.id') }),
  title: db.Column(db.Unicode(), { nullable: false }),
  author: db.relationship(() => Author),
  tags: db.relationship(() => Tag, { secondary: () => PostTag, many: true }),
}) {}

export class Tag extends db.Model({
  __tablename__: 'tags',
  id: db.Column(db.Integer(), { primaryKey: true }),
  name: db.Column(db.Unicode(), { nullable: false }),
}) {}

export class PostTag extends db.Model({
  __tablename__: 'post_tags',
  postId: db.Column(db.Integer(), { name: 'post_id', primaryKey: true, references: db.ForeignKey('posts.id') }),
  tagId: db.Column(db.Integer(), { name: 'tag_id', primaryKey: true, references: db.ForeignKey('tags.id') }),
}) {}
