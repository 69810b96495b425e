/** The models the type tests share: a blog, as a new user would write it. */
import { Gino } from '../../src/index.js';

export const db = new Gino();

export class Author extends db.Model({
  __tablename__: 'authors',
  id: db.Column(db.Integer(), { primaryKey: true }),
  name: db.Column(db.Unicode(), { nullable: false }),
  email: db.Column(db.Unicode(), { nullable: false }),
  bio: db.Column(db.Text()),
  joined: db.Column(db.DateTime({ timezone: true }), { nullable: false, serverDefault: db.func.now() }),
  karma: db.Column(db.Integer(), { nullable: false, default: 0 }),
  profile: db.Column(db.JSONB(), { nullable: false, serverDefault: '{}' }),
  age: db.IntegerProperty(),
  title: db.StringProperty({ default: 'writer' }),
  _email: db.UniqueConstraint('email'),
  _idx: db.Index('authors_name', 'name'),
}) {}

export class Post extends db.Model({
  __tablename__: 'posts',
  id: db.Column(db.BigInteger(), { primaryKey: true }),
  authorId: db.Column(db.Integer(), { name: 'author_id', references: db.ForeignKey('authors.id') }),
  title: db.Column(db.Unicode(), { nullable: false }),
  views: db.Column(db.BigInteger({ mode: 'number' }), { nullable: false, default: 0 }),
  state: db.Column(db.Enum('post_state', ['draft', 'published'] as const), { nullable: false }),
  tags: db.Column(db.ARRAY(db.Text())),
}) {}

/** A key that is not SERIAL: a text primary key must be given. */
export class Slug extends db.Model({
  __tablename__: 'slugs',
  slug: db.Column(db.Text(), { primaryKey: true }),
  postId: db.Column(db.BigInteger(), { nullable: false }),
  counter: db.Column(db.Integer(), { primaryKey: true, autoincrement: false }),
}) {}
