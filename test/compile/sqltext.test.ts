/**
 * Raw SQL text, scanned the way PostgreSQL's lexer reads it: statements split where the server
 * would split them, `:name` filled only in code, nested block comments, `\:name` as a literal.
 * No database here; test/engine/statements-oracle.test.ts asks a real server the same questions.
 */
import { describe, expect, test } from 'vitest';
import { Gino, InvalidRequestError, splitStatements } from '../../src/index.js';

const db = new Gino();

describe('splitStatements', () => {
  test.each([
    ['', []],
    ['  ;; ; ', []],
    ['-- only a comment', []],
    ['/* only /* nested */ comment */ ;', []],
    ['SELECT 1', ['SELECT 1']],
    ['SELECT 1;', ['SELECT 1']],
    ['SELECT 1;;', ['SELECT 1']],
    ['SELECT 1; SELECT 2', ['SELECT 1', 'SELECT 2']],
    ['SELECT 1;\n-- trailing; comment\n/* ; */', ['SELECT 1']],
    ["SELECT 'a;b'; SELECT 'it''s;'", ["SELECT 'a;b'", "SELECT 'it''s;'"]],
    ["SELECT E'\\';'; SELECT 2", ["SELECT E'\\';'", 'SELECT 2']],
    ["SELECT e'\\\\'; SELECT 2", ["SELECT e'\\\\'", 'SELECT 2']],
    // Only an E that starts a token opens an escape string: here `\` is an ordinary character.
    ["SELECT 1 AS some'\\'; SELECT 2", ["SELECT 1 AS some'\\'", 'SELECT 2']],
    ['SELECT 1 AS "a;b"; SELECT 2', ['SELECT 1 AS "a;b"', 'SELECT 2']],
    ['SELECT 1 AS "a"";b"; SELECT 2', ['SELECT 1 AS "a"";b"', 'SELECT 2']],
    ['SELECT $$;$$; SELECT 2', ['SELECT $$;$$', 'SELECT 2']],
    ['SELECT $a$ $$; $b$ ; $a$; SELECT 2', ['SELECT $a$ $$; $b$ ; $a$', 'SELECT 2']],
    ['SELECT $é$;$é$; SELECT 2', ['SELECT $é$;$é$', 'SELECT 2']],
    // `$` inside an identifier starts no dollar quote; `$1` is a parameter.
    ['SELECT 1 AS a$b$; SELECT 2$b$', ['SELECT 1 AS a$b$', 'SELECT 2$b$']],
    ['SELECT $1; SELECT $2', ['SELECT $1', 'SELECT $2']],
    ['SELECT 1 -- ; not here\n; SELECT 2', ['SELECT 1 -- ; not here', 'SELECT 2']],
    ['SELECT 1 -- ; not here\r; SELECT 2', ['SELECT 1 -- ; not here', 'SELECT 2']],
    ['SELECT /* ; /* ; */ ; */ 1; SELECT 2', ['SELECT /* ; /* ; */ ; */ 1', 'SELECT 2']],
    ["SELECT 'unterminated; SELECT 2", ["SELECT 'unterminated; SELECT 2"]],
    ['SELECT 1 /* unterminated; SELECT 2', ['SELECT 1 /* unterminated; SELECT 2']],
    [
      'CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO u VALUES (1); INSERT INTO u VALUES (2)); SELECT 1',
      ['CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO u VALUES (1); INSERT INTO u VALUES (2))', 'SELECT 1'],
    ],
    [
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END; SELECT f()',
      [
        'CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END',
        'SELECT f()',
      ],
    ],
    [
      'create or replace procedure p() language sql begin atomic insert into t values (1); end; call p()',
      ['create or replace procedure p() language sql begin atomic insert into t values (1); end', 'call p()'],
    ],
    // BEGIN outside a routine body is a transaction command, ended by its `;`.
    ['BEGIN; SELECT 1; END;', ['BEGIN', 'SELECT 1', 'END']],
    [
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql RETURN 1; SELECT 2',
      ['CREATE FUNCTION f() RETURNS int LANGUAGE sql RETURN 1', 'SELECT 2'],
    ],
    [
      "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql; SELECT 'begin'",
      ['CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql', "SELECT 'begin'"],
    ],
    // A migration script: dollar-quoted PL/pgSQL with its own BEGIN/END and `;`, a tagged body
    // holding `$$`, a SQL-standard body with nested CASE, comments between statements.
    [
      [
        '-- 001_init.sql',
        "CREATE TABLE a (id int PRIMARY KEY, note text DEFAULT 'x;y');",
        '/* the trigger function */',
        'CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $fn$',
        'BEGIN',
        "  IF NEW.note = '$$' THEN NEW.note := 'z;'; END IF;",
        '  RETURN NEW;',
        'END $fn$;',
        'Create Or Replace Function g(x int) Returns int Language sql',
        'Begin Atomic',
        '  Select Case When x > 0 Then (Case When x > 9 Then 2 Else 1 End) Else 0 End;',
        'End;',
        'INSERT INTO a VALUES (1); -- done',
      ].join('\n'),
      [
        "-- 001_init.sql\nCREATE TABLE a (id int PRIMARY KEY, note text DEFAULT 'x;y')",
        "/* the trigger function */\nCREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $fn$\nBEGIN\n  IF NEW.note = '$$' THEN NEW.note := 'z;'; END IF;\n  RETURN NEW;\nEND $fn$",
        'Create Or Replace Function g(x int) Returns int Language sql\nBegin Atomic\n  Select Case When x > 0 Then (Case When x > 9 Then 2 Else 1 End) Else 0 End;\nEnd',
        'INSERT INTO a VALUES (1)',
      ],
    ],
    // A dollar tag may hold digits after its first character; `$1$` is a parameter and a `$`.
    ['SELECT $a1$;$a1$; SELECT $1$', ['SELECT $a1$;$a1$', 'SELECT $1$']],
  ])('%j', (sql, statements) => {
    expect(splitStatements(sql)).toEqual(statements);
  });
});

describe('raw SQL given to run methods', () => {
  test('db.compile of a db.text() holding two statements refuses it, saying how many and what to do', () => {
    expect(() => db.compile(db.text('SELECT 1; SELECT 2; SELECT 3'))).toThrow(InvalidRequestError);
    expect(() => db.compile(db.text('SELECT 1; SELECT 2; SELECT 3'))).toThrow(/3 statements.*one by one.*db\.batch/);
    expect(db.compile(db.text("SELECT ';' AS v;")).sql).toBe("SELECT ';' AS v;");
  });

  test('COPY ... FROM STDIN is refused (no stream to give it); other COPYs and other stdins are not', () => {
    for (const sql of ['COPY t FROM STDIN', 'copy t (a, b) from stdin with (format csv);', 'COPY s.t FROM  stdin']) {
      expect(() => db.compile(db.text(sql))).toThrow(/COPY \.\.\. FROM STDIN.*insert\(\)\.values/);
    }
    for (const sql of [
      "COPY t FROM '/tmp/stdin'",
      'COPY (SELECT a FROM stdin) TO STDOUT',
      "SELECT 'copy t from stdin'",
      'SELECT 1 AS stdin',
      'COPY t TO STDOUT',
    ]) {
      expect(db.compile(db.text(sql)).sql).toBe(sql);
    }
  });
});

describe('db.text placeholders', () => {
  test('nested block comments hide :names, as PostgreSQL nests them', () => {
    expect(db.compile(db.text('SELECT /* a /* b */ :x */ :y', { y: 1 }))).toEqual({
      sql: 'SELECT /* a /* b */ :x */ $1',
      params: [1],
    });
    expect(db.compile(db.text('SELECT /* /* */ */ :y, /* :z */ 1', { y: 2 }))).toEqual({
      sql: 'SELECT /* /* */ */ $1, /* :z */ 1',
      params: [2],
    });
  });

  test('\\:name is a literal :name (as in SQLAlchemy); :: stays a cast', () => {
    expect(db.compile(db.text('SELECT a[lo\\:hi], :n::int', { n: 3 }))).toEqual({
      sql: 'SELECT a[lo:hi], $1::int',
      params: [3],
    });
    expect(db.compile(db.text('SELECT \\:a, \\:b'))).toEqual({ sql: 'SELECT :a, :b', params: [] });
    // Inside a literal a backslash is the literal's own.
    expect(db.compile(db.text("SELECT '\\:a', :b", { b: 1 }))).toEqual({ sql: "SELECT '\\:a', $1", params: [1] });
  });

  test('a line comment ends at a carriage return too', () => {
    expect(db.compile(db.text('SELECT 1 -- :x\r, :y', { y: 4 }))).toEqual({ sql: 'SELECT 1 -- :x\r, $1', params: [4] });
  });

  test('a $ inside an identifier opens no dollar quote, so the :name after it is filled', () => {
    expect(db.compile(db.text('SELECT a$b$ AS c, :y AS d, $x$ :z $x$ AS e', { y: 5 }))).toEqual({
      sql: 'SELECT a$b$ AS c, $1 AS d, $x$ :z $x$ AS e',
      params: [5],
    });
  });
});
