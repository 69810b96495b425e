import { InvalidRequestError } from '../errors.js';
import { daysFromCivil, MAX_DATE_MS } from './datetime.js';
import { ARRAY_ELEMENT, OID } from './oids.js';

/**
 * PostgreSQL text-format values → JavaScript, by type OID: the one place every adapter parses
 * values (the value table in docs/guides/models-and-types.md). Adapters hand this to their driver per query or per instance,
 * never by changing a driver's global parsers.
 */
export type TextParser = (text: string) => unknown;

const identity: TextParser = (text) => text;
const parseBool: TextParser = (text) => text === 't' || text === 'true';
const parseInt4: TextParser = (text) => Number(text);
const parseInt8: TextParser = (text) => BigInt(text);
const parseFloat8: TextParser = (text) => Number(text);
const parseJson: TextParser = (text) => JSON.parse(text);

/** `\x0a0b` (hex) or the old escape format → bytes. */
export function parseBytea(text: string): Uint8Array {
  if (text.startsWith('\\x')) {
    const n = (text.length - 2) >> 1;
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Number.parseInt(text.substr(2 + i * 2, 2), 16);
    return out;
  }
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92 /* \ */) {
      if (text[i + 1] === '\\') {
        bytes.push(92);
        i += 1;
      } else {
        bytes.push(Number.parseInt(text.substr(i + 1, 3), 8));
        i += 3;
      }
    } else {
      bytes.push(c);
    }
  }
  return Uint8Array.from(bytes);
}

const TS = /^(\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(\.\d+)?(?:([+-])(\d\d)(?::?(\d\d))?(?::(\d\d))?)?( BC)?$/;

/** The latest instant a timestamp can read as: 8.64e15 ms itself stands for 'infinity'. */
const LATEST_MS = MAX_DATE_MS - 1;

function beyondDate(text: string): InvalidRequestError {
  return new InvalidRequestError(
    `the timestamp '${text}' is beyond what a JavaScript Date holds (up to 275760-09-12 23:59:59.999 UTC; the Date at 8.64e15 ms stands for 'infinity'): select it as text, e.g. db.cast(column, db.Text())`,
  );
}

function notIso(text: string): InvalidRequestError {
  return new InvalidRequestError(
    `the timestamp '${text}' is not in PostgreSQL's ISO form: gino-edge reads timestamps with DateStyle ISO (the default); run SET DateStyle = 'ISO'`,
  );
}

function parseTimestampWith(text: string, forceUtc: boolean): Date {
  // PostgreSQL's ±infinity are the latest and earliest Dates JavaScript has (and are written back as such).
  if (text === 'infinity') return new Date(MAX_DATE_MS);
  if (text === '-infinity') return new Date(-MAX_DATE_MS);
  const m = TS.exec(text);
  if (!m) throw notIso(text);
  let year = Number(m[1]);
  if (m[12]) year = 1 - year;
  // Whole seconds first, then the offset, then milliseconds: no step builds a Date out of range
  // (the local time of an instant near the end can be past it).
  let seconds =
    daysFromCivil(year, Number(m[2]), Number(m[3])) * 86_400 + Number(m[4]) * 3600 + Number(m[5]) * 60 + Number(m[6]);
  if (m[8] && !forceUtc) {
    const offset = Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0);
    seconds -= m[8] === '-' ? -offset : offset;
  }
  const ms = seconds * 1000 + (m[7] ? Math.floor(Number(m[7]) * 1000 + 1e-6) : 0);
  // PostgreSQL's first timestamp (4714 BC) is far inside the earliest Date; only the end is near.
  if (ms > LATEST_MS) throw beyondDate(text);
  return new Date(ms);
}

/** `timestamp without time zone`: the wall-clock value is read as UTC, whatever the process zone. */
export const parseTimestamp: TextParser = (text) => parseTimestampWith(text, true);
/**
 * `timestamp with time zone`: an instant; the server's offset is applied. A timestamp later than
 * a Date holds (PostgreSQL's go to 294276 AD) is an `InvalidRequestError`, never an invalid Date.
 */
export const parseTimestamptz: TextParser = (text) => parseTimestampWith(text, false);

/** Parse a PostgreSQL array literal (`{1,2,NULL}`, `{{"a","b"},{"c","d"}}`) with an element parser. */
export function parseArray(text: string, element: TextParser): unknown[] {
  let i = 0;
  // Optional dimension decoration: [1:2]={...}
  if (text[0] === '[') {
    const eq = text.indexOf('=');
    i = eq + 1;
  }
  const parse = (): unknown[] => {
    const out: unknown[] = [];
    i += 1; // {
    while (i < text.length) {
      const c = text[i];
      if (c === '}') {
        i += 1;
        return out;
      }
      if (c === ',') {
        i += 1;
        continue;
      }
      if (c === '{') {
        out.push(parse());
        continue;
      }
      if (c === '"') {
        let value = '';
        i += 1;
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\') i += 1;
          value += text[i];
          i += 1;
        }
        i += 1;
        out.push(element(value));
        continue;
      }
      let end = i;
      while (end < text.length && text[end] !== ',' && text[end] !== '}') end += 1;
      const raw = text.slice(i, end);
      out.push(raw === 'NULL' ? null : element(raw));
      i = end;
    }
    return out;
  };
  return parse();
}

const SCALAR: Record<number, TextParser> = {
  [OID.bool]: parseBool,
  [OID.bytea]: parseBytea,
  [OID.int8]: parseInt8,
  [OID.int2]: parseInt4,
  [OID.int4]: parseInt4,
  [OID.oid]: parseInt4,
  [OID.float4]: parseFloat8,
  [OID.float8]: parseFloat8,
  [OID.json]: parseJson,
  [OID.jsonb]: parseJson,
  [OID.timestamp]: parseTimestamp,
  [OID.timestamptz]: parseTimestamptz,
};

const cache = new Map<number, TextParser>();

/** The parser for a type OID; unknown OIDs (enums, domains, text-like types) stay strings. */
export function parserFor(oid: number): TextParser {
  const known = cache.get(oid);
  if (known) return known;
  let parser = SCALAR[oid];
  if (!parser) {
    const elementOid = ARRAY_ELEMENT[oid];
    if (elementOid !== undefined) {
      const element = SCALAR[elementOid] ?? identity;
      parser = (text) => parseArray(text, element);
    } else {
      parser = identity;
    }
  }
  cache.set(oid, parser);
  return parser;
}

/** Parse one text value of a given OID (null stays null). */
export function parseText(oid: number, text: string | null): unknown {
  return text === null ? null : parserFor(oid)(text);
}

/** Every OID with a specific parser, for drivers that need an explicit table (PGlite). */
export const KNOWN_OIDS: readonly number[] = [...Object.values(OID), ...Object.keys(ARRAY_ELEMENT).map(Number)];
