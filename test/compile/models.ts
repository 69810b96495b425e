/** Models for compile-only tests (no database is ever bound). */
import { Gino } from '../../src/index.js';

export const db = new Gino();

export class User extends db.Model({
  __tablename__: 'users',
  id: db.Column(db.Integer(), { primaryKey: true }),
  nickname: db.Column(db.Unicode(), { default: 'noname' }),
  teamId: db.Column(db.Integer(), { name: 'team_id', references: db.ForeignKey('teams.id') }),
}) {}

export class Team extends db.Model({
  __tablename__: 'teams',
  id: db.Column(db.Integer(), { primaryKey: true }),
  name: db.Column(db.String(40)),
}) {}

export class Weird extends db.Model({
  __tablename__: 'Weird Table',
  __table_args__: { schema: 'My Schema' },
  sel: db.Column(db.Integer(), { primaryKey: true, name: 'select', autoincrement: false }),
  camel: db.Column(db.Text(), { name: 'CamelCase' }),
  quote: db.Column(db.Text(), { name: 'has"quote' }),
}) {}

export const c = (q: { compile(): { sql: string; params: unknown[] } }) => q.compile();
