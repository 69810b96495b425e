/** DDL for every column type of the value table in docs/guides/models-and-types.md, constraints, indexes, enums and comments. */
import { describe, expect, test } from 'vitest';
import { commentSqls, createEnumSql, createIndexSqls, createTableSql, dropTableSql } from '../../src/compiler/ddl.js';
import { quoteIdentifier, renderLiteral } from '../../src/compiler/quote.js';
import { Gino } from '../../src/index.js';

const db = new Gino();

class Everything extends db.Model({
  __tablename__: 'everything',
  id: db.Column(db.Integer(), { primaryKey: true }),
  small: db.Column(db.SmallInteger(), { serverDefault: 0 }),
  big: db.Column(db.BigInteger()),
  num: db.Column(db.Numeric(10, 2)),
  num2: db.Column(db.Numeric()),
  f: db.Column(db.Float()),
  r: db.Column(db.Real()),
  b: db.Column(db.Boolean(), { serverDefault: false, nullable: false }),
  s: db.Column(db.String(20), { unique: true }),
  u: db.Column(db.Unicode()),
  t: db.Column(db.Text(), { serverDefault: "it's" }),
  d: db.Column(db.Date()),
  dt: db.Column(db.DateTime()),
  dtz: db.Column(db.DateTime({ timezone: true }), { serverDefault: db.func.now() }),
  tm: db.Column(db.Time()),
  iv: db.Column(db.Interval()),
  j: db.Column(db.JSON()),
  jb: db.Column(db.JSONB(), { serverDefault: db.text("'{}'::jsonb") }),
  uid: db.Column(db.UUID(), { serverDefault: db.func.gen_random_uuid() }),
  bin: db.Column(db.LargeBinary()),
  arr: db.Column(db.ARRAY(db.Integer())),
  en: db.Column(db.Enum('mood', ['happy', 'sad'] as const), { index: true, comment: 'how it feels' }),
}) {}

class Child extends db.Model({
  __tablename__: 'children',
  __table_args__: { schema: 'app' },
  a: db.Column(db.BigInteger(), { primaryKey: true }),
  b: db.Column(db.Integer(), { primaryKey: true }),
  parent: db.Column(db.Integer(), {
    references: db.ForeignKey('everything.id', { onDelete: 'CASCADE', onUpdate: 'SET NULL' }),
  }),
  _fk: db.ForeignKeyConstraint(['b'], ['everything.id'], { name: 'children_b_fk' }),
  _check: db.CheckConstraint('a > 0', { name: 'positive_a' }),
  _uq: db.UniqueConstraint('a', 'parent'),
  _ix: db.Index('children_expr', db.func.lower(db.cast(db.text('parent'), db.Text())), { unique: true }),
}) {}

describe('CREATE TABLE', () => {
  test('every column type, serial primary key, defaults, NOT NULL, UNIQUE', () => {
    expect(createTableSql(Everything.__table__)).toBe(
      [
        'CREATE TABLE everything (',
        '\tid SERIAL NOT NULL,',
        '\tsmall SMALLINT DEFAULT 0,',
        '\tbig BIGINT,',
        '\tnum NUMERIC(10, 2),',
        '\tnum2 NUMERIC,',
        '\tf DOUBLE PRECISION,',
        '\tr REAL,',
        '\tb BOOLEAN DEFAULT false NOT NULL,',
        '\ts VARCHAR(20),',
        '\tu VARCHAR,',
        "\tt TEXT DEFAULT 'it''s',",
        '\td DATE,',
        '\tdt TIMESTAMP WITHOUT TIME ZONE,',
        '\tdtz TIMESTAMP WITH TIME ZONE DEFAULT now(),',
        '\ttm TIME WITHOUT TIME ZONE,',
        '\tiv INTERVAL,',
        '\tj JSON,',
        "\tjb JSONB DEFAULT '{}'::jsonb,",
        '\tuid UUID DEFAULT gen_random_uuid(),',
        '\tbin BYTEA,',
        '\tarr INTEGER[],',
        '\ten mood,',
        '\tPRIMARY KEY (id),',
        '\tUNIQUE (s)',
        ')',
      ].join('\n'),
    );
  });

  test('composite keys are not SERIAL; foreign keys, checks, unique constraints, schemas', () => {
    expect(createTableSql(Child.__table__)).toBe(
      [
        'CREATE TABLE app.children (',
        '\ta BIGINT NOT NULL,',
        '\tb INTEGER NOT NULL,',
        '\tparent INTEGER,',
        '\tPRIMARY KEY (a, b),',
        '\tFOREIGN KEY(parent) REFERENCES app.everything (id) ON DELETE CASCADE ON UPDATE SET NULL,',
        '\tCONSTRAINT children_b_fk FOREIGN KEY(b) REFERENCES app.everything (id),',
        '\tCONSTRAINT positive_a CHECK (a > 0),',
        '\tUNIQUE (a, parent)',
        ')',
      ].join('\n'),
    );
    expect(createTableSql(Child.__table__, true)).toMatch(/^CREATE TABLE IF NOT EXISTS app.children/);
  });

  test('indexes (column and expression), comments, enums, drops', () => {
    expect(createIndexSqls(Everything.__table__)).toEqual(['CREATE INDEX ix_everything_en ON everything (en)']);
    expect(createIndexSqls(Child.__table__)).toEqual([
      'CREATE UNIQUE INDEX children_expr ON app.children ((lower(CAST(parent AS TEXT))))',
    ]);
    expect(commentSqls(Everything.__table__)).toEqual(["COMMENT ON COLUMN everything.en IS 'how it feels'"]);
    expect(createEnumSql(db.Enum('mood', ['happy', "it's"]))).toBe("CREATE TYPE mood AS ENUM ('happy', 'it''s')");
    expect(dropTableSql(Child.__table__, true)).toBe('DROP TABLE IF EXISTS app.children');
  });
});

describe('quoting and literals', () => {
  test('identifiers', () => {
    expect(quoteIdentifier('users')).toBe('users');
    expect(quoteIdentifier('user')).toBe('"user"');
    expect(quoteIdentifier('Users')).toBe('"Users"');
    expect(quoteIdentifier('a b')).toBe('"a b"');
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
    expect(quoteIdentifier('żółw')).toBe('"żółw"');
    expect(() => quoteIdentifier('')).toThrow();
    expect(() => quoteIdentifier('a\0b')).toThrow();
  });

  test('literals render only what is safe', () => {
    expect(renderLiteral("o'neil")).toBe("'o''neil'");
    expect(renderLiteral('back\\slash')).toBe("E'back\\\\slash'");
    expect(renderLiteral(3)).toBe('3');
    expect(renderLiteral(Number.NaN)).toBe("'NaN'::float8");
    expect(renderLiteral(true)).toBe('true');
    expect(renderLiteral(null)).toBe('NULL');
    expect(renderLiteral({ a: 1 })).toBe('\'{"a":1}\'');
    expect(() => renderLiteral(Symbol('x'))).toThrow();
    expect(() => renderLiteral(() => 1)).toThrow();
  });
});

describe('model definition guards', () => {
  test('a column key that clashes with a model method is refused, naming the way out', () => {
    expect(() => db.Model({ __tablename__: 'x', query: db.Column(db.Integer()) })).toThrow(
      /column 'query' of x clashes with a model method; use another key and \{ name: 'query' \}/,
    );
    expect(() => db.Model({ __tablename__: 'x', id: db.Column(db.Integer()), oops: 42 })).toThrow(
      /'oops' is not a column, constraint or index/,
    );
  });
});
