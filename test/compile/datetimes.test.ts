/**
 * The calendar behind dates and timestamps, without a database: day arithmetic against
 * JavaScript's own Dates over their whole range, the text written for every Date read back to
 * the same instant, and strings read the same in any process time zone (the suite's datetimes.ts
 * checks the same values against the server).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  civilFromDays,
  daysFromCivil,
  FIRST_TIMESTAMP_MS,
  instantOf,
  instantText,
  timestampInput,
} from '../../src/types/datetime.js';
import { parseTimestamp, parseTimestamptz } from '../../src/types/parse.js';
import { db } from './models.js';

const DAY_MS = 86_400_000;
/** Every instant a timestamp can be written from and read into. */
const instant = fc.integer({ min: FIRST_TIMESTAMP_MS, max: 8.64e15 - 1 }).map((ms) => new Date(ms));

describe('proleptic Gregorian days', () => {
  test('agree with JavaScript Dates over their whole range', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => {
        const d = new Date(ms);
        const days = Math.floor(ms / DAY_MS);
        expect(civilFromDays(days)).toEqual([d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()]);
        expect(daysFromCivil(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate())).toBe(days);
      }),
      { numRuns: 2000 },
    );
  });

  test('reach PostgreSQL’s last date, past the last Date', () => {
    expect(civilFromDays(daysFromCivil(5_874_897, 12, 31))).toEqual([5_874_897, 12, 31]);
    expect(civilFromDays(daysFromCivil(-4713, 11, 24))).toEqual([-4713, 11, 24]);
  });
});

/** PostgreSQL's text of a Date (DateStyle ISO), built from JavaScript's own UTC fields. */
function serverText(d: Date, offset: string): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const year = d.getUTCFullYear();
  const time = `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}`;
  const day = `${p(year <= 0 ? 1 - year : year, 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}`;
  return `${day} ${time}${offset}${year <= 0 ? ' BC' : ''}`;
}

describe('timestamp text', () => {
  test('every Date is written as text naming the same instant, and read back from the server text', () => {
    fc.assert(
      fc.property(instant, (d) => {
        const written = instantText(d);
        const year = d.getUTCFullYear();
        if (year >= 1 && year <= 9999) expect(written).toBe(d.toISOString());
        else expect(written).toBe(serverText(d, '+00'));
        expect(instantOf(written)).toBe(d.getTime());
        expect('text' in timestampInput(written, false) && 'text' in timestampInput(written, true)).toBe(true);
        expect(parseTimestamp(serverText(d, ''))).toEqual(d);
        expect(parseTimestamptz(serverText(d, '+00'))).toEqual(d);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('strings without an offset, in a process far from UTC', () => {
  const zone = process.env.TZ;
  beforeAll(() => {
    process.env.TZ = 'Asia/Kolkata';
  });
  afterAll(() => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });

  test('are UTC wall-clock time for DateTime columns and DateTimeProperty values', () => {
    // The zone took effect: JavaScript would read this string at 18:30 UTC the day before.
    expect(new Date('2020-01-01T00:00:00').toISOString()).toBe('2019-12-31T18:30:00.000Z');
    const born = db.DateTimeProperty();
    expect(born.encode('2020-01-01T00:00:00', 'born')).toBe('2020-01-01T00:00:00.000Z');
    expect(born.encode('2020-01-01T05:30:00+05:30', 'born')).toBe('2020-01-01T00:00:00.000Z');
    expect((born.decode('2020-01-01 00:00:00') as Date).toISOString()).toBe('2020-01-01T00:00:00.000Z');
    expect((born.decode('0044-03-15 12:00:00.000+00 BC') as Date).toISOString()).toBe('-000043-03-15T12:00:00.000Z');
    expect((born.decode('+010000-01-01T00:00:00.000Z') as Date).toISOString()).toBe('+010000-01-01T00:00:00.000Z');
    expect(db.DateTime().serialize('2020-01-01T00:00:00', 'x')).toBe('2020-01-01 00:00:00');
    expect(db.DateTime({ timezone: true }).serialize('2020-01-01T00:00:00', 'x')).toBe('2020-01-01 00:00:00+00');
  });
});
