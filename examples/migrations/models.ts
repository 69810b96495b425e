/**
 * The blog's models, third version: posts have a status (an enum) and tags, `body` is now
 * `content`, and authors lost their `bio`. `migrations/` holds the three migrations
 * `gino-edge migrate generate` wrote as the models evolved to this.
 */
import { Gino } from 'gino-edge';

export const db = new Gino();

export class Author extends db.Model({
  __tablename__: 'authors',
  id: db.Column(db.Integer(), { primaryKey: true }),
  name: db.Column(db.Unicode(80), { nullable: false }),
  email: db.Column(db.Unicode(200), { unique: true }),
}) {}

export class Post extends db.Model({
  __tablename__: 'posts',
  id: db.Column(db.Integer(), { primaryKey: true }),
  authorId: db.Column(db.Integer(), { name: 'author_id', nullable: false, references: db.ForeignKey('authors.id') }),
  title: db.Column(db.Unicode(200), { nullable: false }),
  content: db.Column(db.Text()),
  publishedAt: db.Column(db.DateTime({ timezone: true }), { name: 'published_at', index: true }),
  status: db.Column(db.Enum('post_status', ['draft', 'published'] as const), {
    nullable: false,
    serverDefault: 'draft',
  }),
}) {}

export class Tag extends db.Model({
  __tablename__: 'tags',
  id: db.Column(db.Integer(), { primaryKey: true }),
  label: db.Column(db.Unicode(40), { nullable: false, unique: true }),
}) {}

export class PostTag extends db.Model({
  __tablename__: 'post_tags',
  postId: db.Column(db.Integer(), {
    name: 'post_id',
    primaryKey: true,
    references: db.ForeignKey('posts.id', { onDelete: 'CASCADE' }),
  }),
  tagId: db.Column(db.Integer(), {
    name: 'tag_id',
    primaryKey: true,
    references: db.ForeignKey('tags.id', { onDelete: 'CASCADE' }),
  }),
}) {}
