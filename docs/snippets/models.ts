/**
 * The models the guides' examples use, as a guide defines them before its first example (docs/check.ts
 * puts these names in scope of the blocks marked `with=models`): the GINO tutorial's users, with teams.
 */
import { Gino } from 'gino-edge';

export const db = new Gino();

export class Team extends db.Model({
  __tablename__: 'teams',
  id: db.Column(db.Integer(), { primaryKey: true }),
  title: db.Column(db.Unicode(), { nullable: false }),
}) {
  members: User[] = [];
  /** A loader key names this method: it receives each member (see the loaders guide). */
  addMember(user: User): void {
    this.members.push(user);
  }
}

export class User extends db.Model({
  __tablename__: 'users',
  id: db.Column(db.Integer(), { primaryKey: true }),
  nickname: db.Column(db.Unicode(), { default: 'noname' }),
  teamId: db.Column(db.Integer(), { name: 'team_id', references: db.ForeignKey('teams.id') }),
  createdAt: db.Column(db.DateTime({ timezone: true }), { name: 'created_at', serverDefault: db.text('now()') }),
}) {
  declare team?: Team;
}
