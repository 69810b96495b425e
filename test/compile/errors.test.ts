/**
 * Driver errors → gino-edge errors, by SQLSTATE and severity (no database: the shapes drivers
 * report, as node-postgres, Neon's driver, PGlite and the neon-http reply carry them).
 */
import { describe, expect, test } from 'vitest';
import { leavesConnectionUsable, toGinoError } from '../../src/errors.js';
import { ConnectionError, DatabaseError } from '../../src/index.js';

const serverError = (code: string, severity?: string) =>
  Object.assign(new Error(`server said ${code}`), { code, ...(severity === undefined ? {} : { severity }) });

describe('protocol violations (08P01)', () => {
  test('at severity ERROR the statement failed and the connection goes on: DatabaseError', () => {
    const error = toGinoError(serverError('08P01', 'ERROR'), 'SELECT $1');
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error).toMatchObject({ code: '08P01', severity: 'ERROR', sql: 'SELECT $1' });
    expect(leavesConnectionUsable(serverError('08P01', 'ERROR'))).toBe(true);
  });

  test('FATAL, or a severity that cannot be read (none, localised), ends the connection: ConnectionError', () => {
    for (const severity of ['FATAL', 'PANIC', undefined, 'FEHLER']) {
      expect(toGinoError(serverError('08P01', severity))).toBeInstanceOf(ConnectionError);
      expect(leavesConnectionUsable(serverError('08P01', severity))).toBe(false);
    }
  });

  test('the rest of class 08 and the shutdown codes stay connection losses, whatever the severity', () => {
    for (const code of ['08000', '08003', '08006', '57P01', '57P02', '57P03']) {
      expect(toGinoError(serverError(code, 'ERROR'))).toBeInstanceOf(ConnectionError);
    }
    expect(toGinoError(serverError('42601', 'ERROR'))).toBeInstanceOf(DatabaseError);
  });
});
