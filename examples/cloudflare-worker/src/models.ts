/** The tutorial's model (as the README and the getting-started guide show it): one `db` per Worker, shared by every request. */
import { Gino } from 'gino-edge';

export const db = new Gino();

export class User extends db.Model({
  __tablename__: 'users',
  id: db.Column(db.Integer(), { primaryKey: true }),
  nickname: db.Column(db.Unicode(), { default: 'noname' }),
}) {}
