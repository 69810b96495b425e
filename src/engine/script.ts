/**
 * Scripts: several statements in one text (a migration file), run atomically. Where the engine's
 * adapter has a multi-statement path of its own (`Adapter.script`: PostgreSQL's simple query
 * protocol) the script goes in one request; elsewhere, and inside a held connection or a
 * transaction, it is split with `splitStatements` (dollar quotes, comments and `BEGIN ATOMIC`
 * bodies respected) and the statements run in order, in one transaction. Either way all of them
 * run or none does, and a statement that cannot run in a transaction (CREATE INDEX CONCURRENTLY,
 * VACUUM) fails.
 */
import { checkRawStatement, splitStatements, topLevelWords } from '../compiler/sqltext.js';
import { GinoError, InvalidRequestError, toGinoError } from '../errors.js';
import { Connection, Engine, type QueryRunner, Transaction } from './engine.js';

/** The words that start a transaction control statement. */
const TRANSACTION_CONTROL: ReadonlySet<string> = new Set([
  'begin',
  'start',
  'commit',
  'end',
  'rollback',
  'abort',
  'savepoint',
  'release',
]);

/** Refuse a statement that would end or nest the script's own transaction, before any I/O. */
function checkStatement(statement: string, index: number): void {
  checkRawStatement(statement, `statement ${index + 1} of the script`);
  const [first, second] = topLevelWords(statement);
  if (first !== undefined && (TRANSACTION_CONTROL.has(first) || (first === 'prepare' && second === 'transaction'))) {
    throw new InvalidRequestError(
      `statement ${index + 1} of the script is ${first.toUpperCase()}: a script runs in one transaction of its own ` +
        '(all of its statements or none), so it cannot begin, end or nest one; remove the transaction control statements',
    );
  }
}

const clock = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** The script in one request on the adapter's own multi-statement path: logged and error-mapped like any statement. */
async function nativeScript(engine: Engine, script: (sql: string) => Promise<void>, sql: string): Promise<void> {
  if (engine.isClosed) throw new GinoError('this engine is closed; bind a new one with db.setBind()');
  const logger = engine.logger;
  const start = logger ? clock() : 0;
  try {
    await script.call(engine.adapter, sql);
  } catch (error) {
    throw toGinoError(error, sql);
  } finally {
    if (logger) logger({ sql, params: [], ms: clock() - start });
  }
}

/**
 * Run a script of several statements on `runner`, atomically: on an Engine whose adapter has a
 * multi-statement path, as one request; otherwise statement by statement in one transaction (a
 * native batch on neon-http; inside a transaction, in it). Statements that begin or end a
 * transaction, and COPY ... FROM STDIN, are refused before anything is sent.
 *
 * @example
 * await runScript(db.bind, readFileSync('migrations/001_init.sql', 'utf8'));
 */
export async function runScript(runner: QueryRunner, sql: string): Promise<void> {
  if (typeof sql !== 'string') throw new InvalidRequestError('a script is SQL text (a string)');
  const statements = splitStatements(sql);
  statements.forEach(checkStatement);
  if (statements.length === 0) return;
  if (runner instanceof Engine) {
    const script = runner.adapter.script;
    if (script) return nativeScript(runner, script, sql);
    await runner.batch(statements);
    return;
  }
  const runAll = async (level: QueryRunner) => {
    for (const statement of statements) await level.status(statement);
  };
  if (runner instanceof Connection) {
    await runner.transaction(runAll);
    return;
  }
  if (runner instanceof Transaction) return runAll(runner);
  throw new InvalidRequestError('runScript() runs on an Engine, a Connection or a Transaction');
}
