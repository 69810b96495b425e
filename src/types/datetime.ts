/**
 * The calendar behind `date` and `timestamp` values: PostgreSQL's proleptic Gregorian days (4714
 * BC to 5874897 AD for dates, to 294276 AD for timestamps) in plain arithmetic, so that no year is
 * out of reach the way `Date.prototype.toISOString()` (`+010000-…`, `-000043-…`) and
 * `Date.parse` (the process's zone for strings without an offset) put some.
 *
 * Years here are astronomical: 0 is 1 BC, -43 is 44 BC.
 */

/** The largest time a JavaScript Date holds: `infinity` timestamps read as Dates at ± this. */
export const MAX_DATE_MS = 8.64e15;

const DAY_MS = 86_400_000;
const DAY_S = 86_400;

/** Days from 1970-01-01 to a proleptic Gregorian date (any year, any sign). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** The proleptic Gregorian date `days` after 1970-01-01: [year, month, day]. */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, doy - Math.floor((153 * mp + 2) / 5) + 1];
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** PostgreSQL's first day of dates and timestamps, 4714-11-24 BC. */
export const FIRST_DAY = daysFromCivil(-4713, 11, 24);
/** PostgreSQL's last date, 5874897-12-31. */
export const LAST_DATE_DAY = daysFromCivil(5_874_897, 12, 31);
/** The day of PostgreSQL's last timestamp, 294276-12-31. */
export const LAST_TIMESTAMP_DAY = daysFromCivil(294_276, 12, 31);
/** The earliest instant PostgreSQL's timestamps hold, 4714-11-24 00:00:00 BC, in ms. */
export const FIRST_TIMESTAMP_MS = FIRST_DAY * DAY_MS;

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** PostgreSQL's text of a day: `2020-01-01`, `10000-01-01`, `0044-03-15 BC`. */
function dayText(days: number, time = ''): string {
  const [year, month, day] = civilFromDays(days);
  const bc = year <= 0;
  const shown = String(bc ? 1 - year : year).padStart(4, '0');
  return `${shown}-${pad2(month)}-${pad2(day)}${time}${bc ? ' BC' : ''}`;
}

/** ` HH:MM:SS` of a second of the day, with `fraction` (`.5`, or empty) and `offset` appended. */
function timeText(second: number, fraction: string, offset: string): string {
  const h = Math.floor(second / 3600);
  const m = Math.floor((second % 3600) / 60);
  return ` ${pad2(h)}:${pad2(m)}:${pad2(second % 60)}${fraction}${offset}`;
}

/** A Date's UTC day as PostgreSQL's date text, or undefined before PostgreSQL's first day. */
export function dateText(value: Date): string | undefined {
  const t = value.getTime();
  if (Math.abs(t) === MAX_DATE_MS) return t > 0 ? 'infinity' : '-infinity';
  const days = Math.floor(t / DAY_MS);
  return days < FIRST_DAY ? undefined : dayText(days);
}

/**
 * A valid Date as a timestamp parameter: ISO 8601 (`2020-01-01T00:00:00.000Z`) for years 1 to
 * 9999, where that is also PostgreSQL's input; PostgreSQL's own form outside them
 * (`0044-03-15 12:00:00.000+00 BC`, `10000-01-01 00:00:00.000+00`). The Dates at ±8.64e15 ms
 * are `±infinity`. A `timestamp` column ignores the `+00`: it holds the UTC wall-clock time.
 */
export function instantText(value: Date): string {
  const t = value.getTime();
  if (Math.abs(t) === MAX_DATE_MS) return t > 0 ? 'infinity' : '-infinity';
  const year = value.getUTCFullYear();
  if (year >= 1 && year <= 9999) return value.toISOString();
  const days = Math.floor(t / DAY_MS);
  const ms = t - days * DAY_MS;
  const fraction = `.${String(ms % 1000).padStart(3, '0')}`;
  return dayText(days, timeText(Math.floor(ms / 1000), fraction, '+00'));
}

// ISO 8601 (with an expanded ±YYYYYY year) or PostgreSQL's ISO text: date, then optionally a time
// and then optionally an offset (Z, ±hh, ±hhmm, ±hh:mm, with seconds as PostgreSQL writes them).
const INPUT =
  /^(?:([+-]\d{6})|(\d{4,}))-(\d\d)-(\d\d)(?:[Tt ](\d\d):(\d\d)(?::(\d\d)(\.\d+)?)?(?:[Zz]|([+-])(\d\d)(?::?(\d\d)(?::?(\d\d))?)?)?)?( BC)?$/;

/** A date/time string read field by field: its UTC wall-clock time (the offset applied). */
interface Parsed {
  /** Days since 1970-01-01 of the UTC wall-clock time. */
  days: number;
  /** The second of that day, 0 to 86399. */
  second: number;
  /** The decimal fraction of the second as written (`.5`), or empty. */
  fraction: string;
  /** Whether the string had a time of day (a plain date has none). */
  time: boolean;
}

/** Why `text` is no date/time string gino-edge takes, or its fields. */
function parseInput(text: string): Parsed | string {
  const m = INPUT.exec(text);
  if (!m) return 'it is not ISO 8601 or PostgreSQL ISO text';
  const [, expanded, plain, mo, d, hh, mi, ss, frac, sign, oh, om, os, bc] = m;
  if (expanded !== undefined && bc !== undefined) return "an expanded ±YYYYYY year takes no ' BC'";
  if (expanded === '-000000') return 'year -000000 does not exist (ISO 8601 writes 1 BC as +000000)';
  let year = Number(expanded ?? plain);
  if (plain !== undefined) {
    if (year === 0) return 'there is no year 0 (1 BC comes before 1 AD)';
    if (bc !== undefined) year = 1 - year;
  }
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return 'there is no such day';
  let second = 0;
  if (hh !== undefined) {
    const h = Number(hh);
    const minute = Number(mi);
    const s = Number(ss ?? 0);
    const zeroFraction = !frac || Number(frac) === 0;
    // As PostgreSQL: 24:00:00 is the next midnight, and second 60 (a leap second) the next minute.
    const endOfDay = h === 24 && minute === 0 && s === 0 && zeroFraction;
    if ((h > 23 && !endOfDay) || minute > 59 || (s > 59 && !(s === 60 && zeroFraction))) {
      return 'there is no such time of day';
    }
    second = h * 3600 + minute * 60 + s;
  }
  if (oh !== undefined) {
    const h = Number(oh);
    const minute = Number(om ?? 0);
    const s = Number(os ?? 0);
    if (h > 15 || minute > 59 || s > 59) return 'its offset is beyond ±15:59:59';
    second -= (sign === '-' ? -1 : 1) * (h * 3600 + minute * 60 + s);
  }
  const carry = Math.floor(second / DAY_S);
  return {
    days: daysFromCivil(year, month, day) + carry,
    second: second - carry * DAY_S,
    fraction: frac ?? '',
    time: hh !== undefined,
  };
}

/**
 * A timestamp string as the text a `timestamp` (`timezone` false) or `timestamptz` parameter
 * takes, or why it cannot be one. A string with an offset is converted to UTC; one without is
 * UTC wall-clock time already: sent as written to a `timestamp`, and read as UTC by a
 * `timestamptz` (never in the session's or the process's zone). `±infinity` pass as they are.
 */
export function timestampInput(text: string, timezone: boolean): { text: string } | { problem: string } {
  if (text === 'infinity' || text === '-infinity') return { text };
  // `toISOString()`'s form is UTC already, and both timestamp types take it as it is.
  if (isPlainIsoUtc(text)) return { text };
  const p = parseInput(text);
  if (typeof p === 'string') return { problem: p };
  if (p.days < FIRST_DAY || p.days > LAST_TIMESTAMP_DAY) {
    return {
      problem: 'it is outside PostgreSQL timestamps (4714-11-24 00:00:00 BC to 294276-12-31 23:59:59.999999 UTC)',
    };
  }
  return { text: dayText(p.days, timeText(p.second, p.fraction, timezone ? '+00' : '')) };
}

/** Whether `text` is `YYYY-MM-DDTHH:MM:SS.sssZ` (years 1 to 9999) naming a real day and time. */
function isPlainIsoUtc(text: string): boolean {
  if (text.length !== 24 || text.charCodeAt(23) !== 90 /* Z */ || text.charCodeAt(10) !== 84 /* T */) return false;
  for (const [at, code] of SEPARATORS) if (text.charCodeAt(at) !== code) return false;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  const h = digits(text, 11, 13);
  const m = digits(text, 14, 16);
  const sec = digits(text, 17, 19);
  return (
    year > 0 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    h >= 0 &&
    h <= 23 &&
    m >= 0 &&
    m <= 59 &&
    sec >= 0 &&
    sec <= 59 &&
    digits(text, 20, 23) >= 0
  );
}

const SEPARATORS: readonly (readonly [number, number])[] = [
  [4, 45],
  [7, 45],
  [13, 58],
  [16, 58],
  [19, 46],
];

/** The number the decimal digits text[from..to) write, or -1 if one is not a digit. */
function digits(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** A date string (`2020-01-01`, `10000-01-01`, `0044-03-15 BC`, `+010000-01-01`) as PostgreSQL's date text, or why not. */
export function dateInput(text: string): { text: string } | { problem: string } {
  if (text === 'infinity' || text === '-infinity') return { text };
  // The usual 'YYYY-MM-DD' is already PostgreSQL's text: check its day and send it as it is.
  if (text.length === 10 && text.charCodeAt(4) === 45 && text.charCodeAt(7) === 45) {
    const year = digits(text, 0, 4);
    const month = digits(text, 5, 7);
    const day = digits(text, 8, 10);
    if (year > 0 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month)) return { text };
  }
  const p = parseInput(text);
  if (typeof p === 'string') return { problem: p };
  if (p.time) return { problem: 'a date has no time of day' };
  if (p.days < FIRST_DAY || p.days > LAST_DATE_DAY) {
    return { problem: 'it is outside PostgreSQL dates (4714-11-24 BC to 5874897-12-31)' };
  }
  return { text: dayText(p.days) };
}

/**
 * The instant (ms) a timestamp string names, as `timestampInput` reads it (no offset means UTC),
 * with the fraction cut to milliseconds; undefined if it names none a Date holds. `±infinity`
 * are ±8.64e15.
 */
export function instantOf(text: string): number | undefined {
  if (text === 'infinity') return MAX_DATE_MS;
  if (text === '-infinity') return -MAX_DATE_MS;
  const p = parseInput(text);
  if (typeof p === 'string') return undefined;
  const ms = (p.days * DAY_S + p.second) * 1000 + (p.fraction ? Math.floor(Number(p.fraction) * 1000 + 1e-6) : 0);
  return ms > -MAX_DATE_MS && ms < MAX_DATE_MS ? ms : undefined;
}
