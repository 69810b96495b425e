/**
 * PostgreSQL's lexical rules for raw SQL text (`db.text`, SQL strings): what is code, and what is
 * a string literal (`'…'`, `E'…'`), a quoted identifier, a dollar-quoted body or a comment (`--`,
 * and nested block comments), whose content is never code. One scanner serves `:name` filling
 * (`mapSqlCode`) and statement splitting (`splitStatements`), so both read text the way the
 * server does. It assumes `standard_conforming_strings = on` (PostgreSQL's default since 9.1):
 * a backslash escapes only inside `E'…'`.
 */
import { InvalidRequestError } from '../errors.js';

/** What a span of SQL text is. */
export type SqlSpanKind = 'code' | 'string' | 'identifier' | 'dollar' | 'comment';

/** A character that continues an identifier or keyword (PostgreSQL's `ident_cont`). */
const IDENT_CHAR = /[A-Za-z0-9_$\u0080-\uFFFF]/;
/** A character that starts an identifier or keyword (PostgreSQL's `ident_start`). */
const IDENT_START = /[A-Za-z_\u0080-\uFFFF]/;
/** A dollar-quote tag (`$$`, `$body$`) where the scan stands (sticky: no copy of the rest). */
const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uFFFF][A-Za-z0-9_\u0080-\uFFFF]*)?\$/y;

const identChar = (ch: string | undefined): boolean => ch !== undefined && IDENT_CHAR.test(ch);

/** The end of a quoted string or identifier opened at `i`: doubled quotes stay inside, as do `\` escapes in `E'…'`. */
function endOfQuoted(sql: string, i: number, quote: string, escapes: boolean): number {
  let j = i + 1;
  while (j < sql.length) {
    const ch = sql[j];
    if (escapes && ch === '\\') j += 2;
    else if (ch === quote && sql[j + 1] === quote) j += 2;
    else if (ch === quote) return j + 1;
    else j++;
  }
  return sql.length;
}

/** The end of a block comment opened at `i`; block comments nest in PostgreSQL. */
function endOfBlockComment(sql: string, i: number): number {
  let depth = 1;
  let j = i + 2;
  while (j < sql.length) {
    if (sql[j] === '/' && sql[j + 1] === '*') {
      depth++;
      j += 2;
    } else if (sql[j] === '*' && sql[j + 1] === '/') {
      depth--;
      j += 2;
      if (depth === 0) return j;
    } else j++;
  }
  return sql.length;
}

/** The end of a `--` comment: the end of its line (the newline is not part of it). */
function endOfLineComment(sql: string, i: number): number {
  for (let j = i + 2; j < sql.length; j++) if (sql[j] === '\n' || sql[j] === '\r') return j;
  return sql.length;
}

/**
 * Walk SQL text once, handing each span to `span` in order: code, and the spans whose content is
 * not code. Unterminated literals and comments run to the end of the text (the server will report
 * them).
 */
export function scanSql(sql: string, span: (kind: SqlSpanKind, start: number, end: number) => void): void {
  let codeStart = 0;
  let i = 0;
  const other = (kind: SqlSpanKind, end: number) => {
    if (i > codeStart) span('code', codeStart, i);
    span(kind, i, end);
    codeStart = end;
    i = end;
  };
  while (i < sql.length) {
    const ch = sql[i] as string;
    const next = sql[i + 1];
    if (ch === "'") {
      // E'…' takes backslash escapes; the E must start a token (not end an identifier).
      const escapes = (sql[i - 1] === 'e' || sql[i - 1] === 'E') && !identChar(sql[i - 2]);
      other('string', endOfQuoted(sql, i, "'", escapes));
    } else if (ch === '"') {
      other('identifier', endOfQuoted(sql, i, '"', false));
    } else if (ch === '-' && next === '-') {
      other('comment', endOfLineComment(sql, i));
    } else if (ch === '/' && next === '*') {
      other('comment', endOfBlockComment(sql, i));
    } else if (ch === '$' && !identChar(sql[i - 1]) && dollarTagAt(sql, i)) {
      const tag = dollarTagAt(sql, i) as string;
      const close = sql.indexOf(tag, i + tag.length);
      other('dollar', close === -1 ? sql.length : close + tag.length);
    } else {
      i++;
    }
  }
  if (sql.length > codeStart) span('code', codeStart, sql.length);
}

function dollarTagAt(sql: string, i: number): string | undefined {
  DOLLAR_TAG.lastIndex = i;
  return DOLLAR_TAG.exec(sql)?.[0];
}

/**
 * Raw SQL text (`db.text`) with only its code handed to `code` (to fill `:name` or renumber `$n`
 * placeholders); literals, quoted identifiers, dollar-quoted bodies and comments are kept as they are.
 */
export function mapSqlCode(sql: string, code: (chunk: string) => string): string {
  let out = '';
  scanSql(sql, (kind, start, end) => {
    out += kind === 'code' ? code(sql.slice(start, end)) : sql.slice(start, end);
  });
  return out;
}

/** `CREATE [OR REPLACE] FUNCTION|PROCEDURE`: a statement whose `BEGIN ATOMIC … END` body holds `;`. */
function startsRoutine(words: readonly string[]): boolean {
  const routine = (w: string | undefined) => w === 'function' || w === 'procedure';
  return (
    words[0] === 'create' && (routine(words[1]) || (words[1] === 'or' && words[2] === 'replace' && routine(words[3])))
  );
}

/** What `walkCode` hands on, in order: each word of the code, each other character, each non-code span. */
interface CodeVisitor {
  /** An identifier or keyword, lower-cased (quoted identifiers are spans, not words). */
  word(word: string): void;
  /** A character of code outside words (numbers and `$n` parameters included), at `index`. */
  char(ch: string, index: number): void;
  span(kind: Exclude<SqlSpanKind, 'code'>): void;
}

/** Walk SQL text token by token: its code as words and characters, the rest as spans. */
function walkCode(sql: string, visit: CodeVisitor): void {
  scanSql(sql, (kind, from, to) => {
    if (kind !== 'code') {
      visit.span(kind);
      return;
    }
    let i = from;
    while (i < to) {
      const ch = sql[i] as string;
      if (IDENT_START.test(ch)) {
        let j = i + 1;
        while (j < to && identChar(sql[j])) j++;
        visit.word(sql.slice(i, j).toLowerCase());
        i = j;
      } else {
        visit.char(ch, i);
        i++;
      }
    }
  });
}

/**
 * The statements of a SQL script, each without its terminating `;`, trimmed; empty statements
 * (nothing but whitespace and comments) are left out. A `;` ends a statement only in code, outside
 * parentheses (`CREATE RULE … DO (…; …)`) and outside the `BEGIN ATOMIC … END` body of a
 * `CREATE FUNCTION` / `CREATE PROCEDURE` (the heuristic psql uses).
 *
 * The building block for multi-statement (migration) scripts: the engine's script runner uses it
 * where an adapter has no multi-statement path of its own, and `classifySql` reads each statement.
 *
 * @example
 * splitStatements("INSERT INTO t VALUES ('a;b'); -- done\nSELECT 1;") // ["INSERT INTO t VALUES ('a;b')", '-- done\nSELECT 1']
 * for (const statement of splitStatements(script)) await db.status(statement);
 */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let start = 0;
  let content = false;
  let parens = 0;
  let blocks = 0;
  let words: string[] = [];
  let routine = false;
  const end = (at: number) => {
    if (content) out.push(sql.slice(start, at).trim());
    start = at + 1;
    content = false;
    parens = 0;
    blocks = 0;
    words = [];
    routine = false;
  };
  walkCode(sql, {
    word: (w) => {
      content = true;
      if (words.length < 4) {
        words.push(w);
        routine = startsRoutine(words);
      }
      if (!routine || parens > 0) return;
      if (w === 'begin') blocks++;
      else if (w === 'case' && blocks > 0) blocks++;
      else if (w === 'end' && blocks > 0) blocks--;
    },
    char: (ch, index) => {
      if (ch === ';' && parens === 0 && blocks === 0) end(index);
      else if (ch === '(') parens++;
      else if (ch === ')') parens = Math.max(0, parens - 1);
      if (ch !== ';' && ch.trim() !== '') content = true;
    },
    span: (kind) => {
      if (kind !== 'comment') content = true;
    },
  });
  end(sql.length);
  return out;
}

/** The words of a statement's code outside parentheses, in order. */
export function topLevelWords(sql: string): string[] {
  const words: string[] = [];
  let parens = 0;
  walkCode(sql, {
    word: (w) => {
      if (parens === 0) words.push(w);
    },
    char: (ch) => {
      if (ch === '(') parens++;
      else if (ch === ')') parens = Math.max(0, parens - 1);
    },
    span: () => undefined,
  });
  return words;
}

/** `COPY … FROM STDIN`: the statement waits for data the client streams to it. */
function copiesFromStdin(statement: string): boolean {
  const words = topLevelWords(statement);
  return words[0] === 'copy' && words.some((w, i) => w === 'from' && words[i + 1] === 'stdin');
}

/**
 * Refuse, before any I/O, raw SQL text gino-edge cannot run as one statement: text holding more
 * than one statement (every adapter sends one statement at a time, over PostgreSQL's extended
 * protocol, so a script would fail at the server on some adapters and, on others, run part of the
 * way), and `COPY … FROM STDIN`, which waits for a data stream a SQL string does not carry (PGlite
 * would wait forever; `db.copyInto` is the way to stream rows). `what` names the text in the message.
 */
export function checkRawStatement(sql: string, what = 'this SQL string'): void {
  // Most statements have no `;` and no STDIN at all: no scan needed.
  const several = sql.includes(';');
  const copy = /stdin/i.test(sql);
  if (!several && !copy) return;
  const statements = several ? splitStatements(sql) : [sql];
  if (statements.length > 1) {
    throw new InvalidRequestError(
      `${what} holds ${statements.length} statements; gino-edge sends one statement at a time: run them one by one ` +
        "(splitStatements(sql) from 'gino-edge' splits a script), or atomically with db.batch([...])",
    );
  }
  if (copy && statements[0] !== undefined && copiesFromStdin(statements[0])) {
    throw new InvalidRequestError(
      `${what} is a COPY ... FROM STDIN, which streams data from the client, and a SQL string has no stream to give it: ` +
        'copy rows with db.copyInto(Model, rows), insert them with Model.insert().values([...]) (a few thousand at a time), or COPY from a file or PROGRAM on the server',
    );
  }
}

/** What raw SQL text is, as far as routing and migrations need to know (see `classifySql`). */
export interface SqlClass {
  /** `'ddl'` for a schema change (CREATE, ALTER, DROP, COMMENT, GRANT, REVOKE, TRUNCATE, ...), else `'raw'`. */
  readonly kind: 'ddl' | 'raw';
  /** May change data or schema: false only for what is recognisably read-only. */
  readonly writes: boolean;
  /** Takes row locks (FOR UPDATE / NO KEY UPDATE / SHARE / KEY SHARE, UPDATE, DELETE, MERGE, ...). */
  readonly locks: boolean;
}

/** A token of code: a word (lower-cased) or a parenthesis, with the depth of parentheses it stands at. */
interface Token {
  readonly word: string | undefined;
  readonly paren: '(' | ')' | undefined;
  readonly depth: number;
}

function tokensOf(sql: string): Token[] {
  const out: Token[] = [];
  let depth = 0;
  walkCode(sql, {
    word: (word) => {
      out.push({ word, paren: undefined, depth });
    },
    char: (ch) => {
      if (ch === '(') out.push({ word: undefined, paren: '(', depth: depth++ });
      else if (ch === ')') {
        depth = Math.max(0, depth - 1);
        out.push({ word: undefined, paren: ')', depth });
      }
    },
    span: () => undefined,
  });
  return out;
}

/** Statements whose first word makes them schema changes. */
const DDL_WORDS: ReadonlySet<string> = new Set([
  'create',
  'alter',
  'drop',
  'comment',
  'grant',
  'revoke',
  'truncate',
  'reindex',
  'security',
  'import',
]);

/** The words that start the main statement of a WITH query. */
const MAIN_WORDS: ReadonlySet<string> = new Set(['select', 'insert', 'update', 'delete', 'merge', 'values', 'table']);

/** Statements that change rows. */
const DML_WORDS: ReadonlySet<string> = new Set(['insert', 'update', 'delete', 'merge']);

/** Statements that run code the text does not show (a DO block, a procedure, a prepared statement). */
const OPAQUE_WORDS: ReadonlySet<string> = new Set(['do', 'call', 'execute']);

const READ = Object.freeze({ kind: 'raw', writes: false, locks: false } as const);

/** Whether the tokens from `from` hold a row-locking clause: FOR UPDATE, NO KEY UPDATE, SHARE, KEY SHARE. */
function locksRows(t: readonly Token[], from: number): boolean {
  for (let i = from; i < t.length - 1; i++) {
    if (t[i]?.word !== 'for') continue;
    const a = t[i + 1]?.word;
    const b = t[i + 2]?.word;
    if (a === 'update' || a === 'share') return true;
    if (a === 'no' && b === 'key' && t[i + 3]?.word === 'update') return true;
    if (a === 'key' && b === 'share') return true;
  }
  return false;
}

/** Whether a parenthesised part from `from` starts with INSERT, UPDATE, DELETE or MERGE (a data-modifying WITH query, `COPY (DELETE ...)`). */
function modifiesInside(t: readonly Token[], from: number): boolean {
  for (let i = from; i < t.length - 1; i++) {
    if (t[i]?.paren === '(' && DML_WORDS.has(t[i + 1]?.word ?? '')) return true;
  }
  return false;
}

/** `ON CONFLICT ... DO UPDATE` in the tokens from `from`. */
function updatesOnConflict(t: readonly Token[], from: number): boolean {
  let conflict = false;
  for (let i = from; i < t.length - 1; i++) {
    if (t[i]?.word === 'conflict') conflict = true;
    else if (conflict && t[i]?.word === 'do' && t[i + 1]?.word === 'update') return true;
  }
  return false;
}

/** One statement's class, from its tokens starting at `from`. */
function classifyTokens(t: readonly Token[], from: number): SqlClass {
  let i = from;
  // `(SELECT ...) UNION (SELECT ...)` is a statement too.
  while (t[i]?.paren === '(') i++;
  const start = t[i];
  if (start?.word === undefined) return READ;
  let main = start.word;
  let mainAt = i;
  if (main === 'with') {
    // The main statement: the first top-level word that starts one, after the WITH list.
    for (let j = i + 1; j < t.length; j++) {
      const tok = t[j] as Token;
      if (tok.depth === start.depth && tok.word !== undefined && MAIN_WORDS.has(tok.word)) {
        main = tok.word;
        mainAt = j;
        break;
      }
    }
  }
  const modifies = modifiesInside(t, i);
  const locking = locksRows(t, i);
  if (main === 'select' || main === 'values' || main === 'table' || main === 'show') {
    // SELECT ... INTO makes a table.
    const into =
      main === 'select' && t.some((tok, j) => j > mainAt && tok.depth === start.depth && tok.word === 'into');
    return { kind: 'raw', writes: modifies || into, locks: locking || modifies };
  }
  if (main === 'explain') {
    // EXPLAIN only plans its statement; EXPLAIN ANALYZE runs it.
    let j = i + 1;
    let analyze = false;
    if (t[j]?.paren === '(') {
      const depth = (t[j] as Token).depth;
      for (j++; j < t.length && !(t[j]?.paren === ')' && t[j]?.depth === depth); j++) {
        const w = t[j]?.word;
        if (w === 'analyze' || w === 'analyse') analyze = true;
      }
      j++;
    } else {
      for (; t[j]?.word === 'analyze' || t[j]?.word === 'analyse' || t[j]?.word === 'verbose'; j++) {
        if (t[j]?.word !== 'verbose') analyze = true;
      }
    }
    if (!analyze) return READ;
    const inner = classifyTokens(t, j);
    return { kind: 'raw', writes: inner.writes, locks: inner.locks };
  }
  if (DML_WORDS.has(main)) {
    // An INSERT locks existing rows only to update them on conflict (or through a locking SELECT).
    const upsert = main === 'insert' && updatesOnConflict(t, mainAt);
    return { kind: 'raw', writes: true, locks: main !== 'insert' || upsert || locking };
  }
  if (DDL_WORDS.has(main)) return { kind: 'ddl', writes: true, locks: locking };
  if (OPAQUE_WORDS.has(main)) return { kind: 'raw', writes: true, locks: true };
  // Anything else (SET, BEGIN, LOCK, COPY, VACUUM, NOTIFY, ...) is taken to write.
  return { kind: 'raw', writes: true, locks: locking || modifies };
}

/**
 * What raw SQL text is (`db.text()`, SQL strings, scripts), read with the same scanner as the
 * server's lexer, so that literals, quoted names, dollar-quoted bodies and comments are never
 * taken for code. Conservative: text `writes` unless it is recognisably read-only — a SELECT
 * (without INTO), VALUES, TABLE or SHOW, a WITH query of those with no INSERT, UPDATE, DELETE or
 * MERGE inside, or an EXPLAIN without ANALYZE (with ANALYZE, what its statement is). A statement
 * of code the text does not show (DO, CALL, EXECUTE) writes and locks. A function called in a
 * SELECT (`nextval()`, a user function) is not looked into: such a SELECT reads, as far as this
 * says. Several statements: what any of them does, and `'ddl'` only when all of them are.
 *
 * @example
 * classifySql('SELECT * FROM t FOR UPDATE') // { kind: 'raw', writes: false, locks: true }
 * classifySql('WITH d AS (DELETE FROM t RETURNING *) SELECT count(*) FROM d') // writes: true, locks: true
 */
export function classifySql(sql: string): SqlClass {
  if (!sql.includes(';')) return classifyTokens(tokensOf(sql), 0);
  const parts = splitStatements(sql).map((s) => classifyTokens(tokensOf(s), 0));
  if (parts.length <= 1) return parts[0] ?? READ;
  return {
    kind: parts.every((p) => p.kind === 'ddl') ? 'ddl' : 'raw',
    writes: parts.some((p) => p.writes),
    locks: parts.some((p) => p.locks),
  };
}

/** Whether a fragment of raw SQL (a `db.text()` inside a statement) holds a row-locking clause. */
export function fragmentLocksRows(sql: string): boolean {
  return /\bfor\b/i.test(sql) && locksRows(tokensOf(sql), 0);
}
