/** The models the shared suite uses, defined on the suite's own Gino instance. */
import type { Gino } from '../../src/index.js';

export function defineModels(db: Gino) {
  class User extends db.Model({
    __tablename__: 'users',
    id: db.Column(db.Integer(), { primaryKey: true }),
    nickname: db.Column(db.Unicode(), { default: 'noname' }),
  }) {
    /** A subclass method: rows must be instances of this class. */
    greet(): string {
      return `hi ${this.nickname}`;
    }
  }

  class Booking extends db.Model({
    __tablename__: 'bookings',
    day: db.Column(db.Date()),
    booker: db.Column(db.String()),
    room: db.Column(db.String()),
    _pk: db.PrimaryKeyConstraint('day', 'booker', { name: 'bookings_pkey' }),
    _idx1: db.Index('bookings_idx_day_room', 'day', 'room', { unique: true }),
    _idx2: db.Index('bookings_idx_booker_room', 'booker', 'room'),
  }) {}

  const timestamps = {
    created: db.Column(db.DateTime({ timezone: true }), { serverDefault: db.func.now(), nullable: false }),
  };

  class Team extends db.Model({
    __tablename__: 'teams',
    id: db.Column(db.Integer(), { primaryKey: true }),
    name: db.Column(db.String(50), { nullable: false, unique: true }),
    ...timestamps,
  }) {}

  class Member extends db.Model({
    __tablename__: 'members',
    id: db.Column(db.Integer(), { primaryKey: true }),
    fullName: db.Column(db.Text(), { name: 'full_name', nullable: false }),
    teamId: db.Column(db.Integer(), {
      name: 'team_id',
      references: db.ForeignKey('teams.id', { onDelete: 'CASCADE' }),
    }),
    mentorId: db.Column(db.Integer(), { name: 'mentor_id', references: db.ForeignKey('members.id') }),
    score: db.Column(db.Integer(), { serverDefault: 0, nullable: false }),
    active: db.Column(db.Boolean(), { default: () => true }),
    ...timestamps,
  }) {}

  class Note extends db.Model({
    __tablename__: 'notes',
    __table_args__: { schema: 'gino_suite' },
    id: db.Column(db.BigInteger({ mode: 'number' }), { primaryKey: true }),
    body: db.Column(db.Text(), { comment: "what's noted" }),
    mood: db.Column(db.Enum('note_mood', ['happy', 'sad'] as const), { nullable: false, serverDefault: 'happy' }),
  }) {}

  return { User, Booking, Team, Member, Note };
}

export type SuiteModels = ReturnType<typeof defineModels>;
