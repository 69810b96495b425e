/**
 * Dates and timestamps across the whole calendar PostgreSQL keeps (4714 BC to 294276 AD, dates to
 * 5874897 AD) and JavaScript's Dates hold (±8.64e15 ms): BC and five- and six-digit years written
 * and read as Dates, as strings and in arrays and JSON properties; strings with UTC offsets for a
 * column without a time zone. The server's own text (`stamp::text`) is the oracle.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect } from 'vitest';
import { InvalidRequestError } from '../../src/index.js';
import { type SuiteContext, suiteTest } from './harness.js';

/** The instant of a proleptic Gregorian UTC time; `year` is astronomical (0 is 1 BC, -43 is 44 BC). */
export function utcMs(year: number, month: number, day: number, h = 0, mi = 0, s = 0, ms = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(h, mi, s, ms);
  return d.getTime();
}

/** PostgreSQL's text of a timestamp (DateStyle ISO, UTC) and the instant it names. */
const INSTANTS: readonly (readonly [string, number])[] = [
  ['4714-11-24 00:00:00 BC', utcMs(-4713, 11, 24)],
  ['4713-01-01 00:00:00.001 BC', utcMs(-4712, 1, 1, 0, 0, 0, 1)],
  ['0044-03-15 12:34:56.789 BC', utcMs(-43, 3, 15, 12, 34, 56, 789)],
  ['0001-12-31 23:59:59.999 BC', utcMs(0, 12, 31, 23, 59, 59, 999)],
  ['0001-01-01 00:00:00', utcMs(1, 1, 1)],
  ['1970-01-01 00:00:00.001', 1],
  ['9999-12-31 23:59:59.999', utcMs(9999, 12, 31, 23, 59, 59, 999)],
  ['10000-01-01 00:00:00', utcMs(10000, 1, 1)],
  ['275759-12-31 23:59:59.999', utcMs(275759, 12, 31, 23, 59, 59, 999)],
  // The latest Date short of +8.64e15 ms, which stands for 'infinity'.
  ['275760-09-12 23:59:59.999', 8.64e15 - 1],
];

/** PostgreSQL's text of a date and its UTC midnight (undefined: beyond what a Date holds). */
const DAYS: readonly (readonly [string, number | undefined])[] = [
  ['4714-11-24 BC', utcMs(-4713, 11, 24)],
  ['4713-01-01 BC', utcMs(-4712, 1, 1)],
  ['0044-03-15 BC', utcMs(-43, 3, 15)],
  ['0001-12-31 BC', utcMs(0, 12, 31)],
  ['0001-01-01', utcMs(1, 1, 1)],
  ['9999-12-31', utcMs(9999, 12, 31)],
  ['10000-01-01', utcMs(10000, 1, 1)],
  ['275759-12-31', utcMs(275759, 12, 31)],
  ['5874897-12-31', undefined],
];

export function datetimesSuite(ctx: SuiteContext): void {
  describe('dates and timestamps of every year, and strings with offsets', () => {
    const { db } = ctx;
    class Moment extends db.Model({
      __tablename__: 'dt_moments',
      id: db.Column(db.Integer(), { primaryKey: true }),
      label: db.Column(db.Text()),
      day: db.Column(db.Date()),
      stamp: db.Column(db.DateTime()),
      stamptz: db.Column(db.DateTime({ timezone: true })),
      days: db.Column(db.ARRAY(db.Date())),
      stamps: db.Column(db.ARRAY(db.DateTime())),
      stamptzs: db.Column(db.ARRAY(db.DateTime({ timezone: true }))),
      profile: db.Column(db.JSONB(), { nullable: false, serverDefault: '{}' }),
      born: db.DateTimeProperty(),
    }) {}

    beforeAll(async () => {
      await db.gino.dropAll();
      await db.gino.createAll();
    });

    /** The server's text of `expr` for the given rows, in id order. */
    const serverText = async (expr: string, ids: readonly number[]): Promise<(string | null)[]> =>
      (
        await db.all<{ t: string | null }>(
          `SELECT ${expr} AS t FROM dt_moments WHERE id = ANY($1::int[]) ORDER BY id`,
          [ids],
        )
      ).map((r) => r.t);

    suiteTest(ctx, 'DateTime Dates of BC and five- and six-digit years round-trip to the millisecond', async () => {
      const rows = await Moment.insert()
        .values(INSTANTS.map(([, ms]) => ({ stamp: new Date(ms), stamptz: new Date(ms) })))
        .returning()
        .gino.all();
      const ids = rows.map((r) => r.id);
      const texts = INSTANTS.map(([text]) => text);
      expect(await serverText('stamp::text', ids)).toEqual(texts);
      expect(await serverText("(stamptz AT TIME ZONE 'UTC')::text", ids)).toEqual(texts);
      const back = await Moment.query.where(Moment.id.in(ids)).orderBy(Moment.id).gino.all();
      expect(back.map((r) => r.stamp?.getTime())).toEqual(INSTANTS.map(([, ms]) => ms));
      expect(back.map((r) => r.stamptz?.getTime())).toEqual(INSTANTS.map(([, ms]) => ms));
      // What was just read can be written back, and compared with, unchanged.
      const again = await Moment.insert()
        .values(back.map((r) => ({ stamp: r.stamp, stamptz: r.stamptz })))
        .returning()
        .gino.all();
      expect(
        await serverText(
          'stamp::text',
          again.map((r) => r.id),
        ),
      ).toEqual(texts);
      for (const r of back) {
        const found = await Moment.select('id')
          .where(Moment.id.eq(r.id), Moment.stamp.eq(r.stamp as Date), Moment.stamptz.eq(r.stamptz as Date))
          .gino.scalar();
        expect(found).toBe(r.id);
      }
    });

    suiteTest(
      ctx,
      'any instant from 4714 BC to the last Date round-trips as timestamp, timestamptz and date',
      async () => {
        // The oracle is the server's count of milliseconds (and days) since 1970, not its text.
        const instant = fc.integer({ min: utcMs(-4713, 11, 24), max: 8.64e15 - 1 }).map((ms) => new Date(ms));
        await fc.assert(
          fc.asyncProperty(fc.array(instant, { minLength: 1, maxLength: 20 }), async (dates) => {
            const rows = await Moment.insert()
              .values(dates.map((d) => ({ stamp: d, stamptz: d, day: d as unknown as string })))
              .returning()
              .gino.all();
            const held = await db.all<{ ms: string; mstz: string; days: number }>(
              `SELECT (extract(epoch FROM stamp) * 1000)::text AS ms, (extract(epoch FROM stamptz) * 1000)::text AS mstz,
               (day - DATE '1970-01-01') AS days FROM dt_moments WHERE id = ANY($1::int[]) ORDER BY id`,
              [rows.map((r) => r.id)],
            );
            const ms = dates.map((d) => d.getTime());
            expect(held.map((r) => Number(r.ms))).toEqual(ms);
            expect(held.map((r) => Number(r.mstz))).toEqual(ms);
            expect(held.map((r) => r.days)).toEqual(ms.map((t) => Math.floor(t / 86_400_000)));
            expect(rows.map((r) => r.stamp?.getTime())).toEqual(ms);
            expect(rows.map((r) => r.stamptz?.getTime())).toEqual(ms);
          }),
          { numRuns: 15 },
        );
      },
    );

    suiteTest(
      ctx,
      "PostgreSQL's own text of those timestamps reads as the same instants in any session zone",
      async () => {
        const texts = INSTANTS.map(([text]) => text);
        const ids = (
          await db.all<{ id: number }>(
            `INSERT INTO dt_moments (label, stamp, stamptz)
           SELECT 'raw', t::timestamp, t::timestamp AT TIME ZONE 'UTC' FROM unnest($1::text[]) WITH ORDINALITY AS u(t, n)
           ORDER BY n RETURNING id`,
            [texts],
          )
        ).map((r) => r.id);
        // Kolkata's offset before 1854 is its local mean time, +05:53:28: offsets with seconds.
        const [, read] = (await db.batch([
          "SET LOCAL TIME ZONE 'Asia/Kolkata'",
          Moment.query.where(Moment.id.in(ids)).orderBy(Moment.id),
        ])) as [unknown, InstanceType<typeof Moment>[]];
        expect(read.map((r) => r.stamp?.getTime())).toEqual(INSTANTS.map(([, ms]) => ms));
        expect(read.map((r) => r.stamptz?.getTime())).toEqual(INSTANTS.map(([, ms]) => ms));
      },
    );

    suiteTest(ctx, "Date columns take BC and five-digit years as 'YYYY-MM-DD BC' strings and as Dates", async () => {
      const asText = await Moment.insert()
        .values(DAYS.map(([day]) => ({ day })))
        .returning()
        .gino.all();
      expect(asText.map((r) => r.day)).toEqual(DAYS.map(([day]) => day));
      expect(
        await serverText(
          'day::text',
          asText.map((r) => r.id),
        ),
      ).toEqual(DAYS.map(([day]) => day));
      const readable = DAYS.filter(([, ms]) => ms !== undefined) as [string, number][];
      // A Date is its UTC day, whatever its time of day.
      const asDate = await Moment.insert()
        .values(readable.map(([, ms]) => ({ day: new Date(ms + 86_399_999) as unknown as string })))
        .returning()
        .gino.all();
      expect(asDate.map((r) => r.day)).toEqual(readable.map(([day]) => day));
      const back = await Moment.query
        .where(Moment.id.in(asDate.map((r) => r.id)))
        .orderBy(Moment.id)
        .gino.all();
      expect(back.map((r) => r.day)).toEqual(readable.map(([day]) => day));
      // What was read is written back unchanged.
      const again = await Moment.insert()
        .values(back.map((r) => ({ day: r.day })))
        .returning()
        .gino.all();
      expect(
        await serverText(
          'day::text',
          again.map((r) => r.id),
        ),
      ).toEqual(readable.map(([day]) => day));
    });

    suiteTest(ctx, 'ARRAY(Date()) and ARRAY(DateTime()) hold those dates and instants', async () => {
      const dates = INSTANTS.map(([, ms]) => new Date(ms));
      const row = await Moment.create({ days: DAYS.map(([day]) => day), stamps: dates, stamptzs: dates });
      const back = await Moment.get(row.id);
      expect(back?.days).toEqual(DAYS.map(([day]) => day));
      expect(back?.stamps?.map((d) => d.getTime())).toEqual(INSTANTS.map(([, ms]) => ms));
      expect(back?.stamptzs?.map((d) => d.getTime())).toEqual(INSTANTS.map(([, ms]) => ms));
      const [days, stamps, stamptzs] = await Promise.all([
        serverText("array_to_string(days, '|')", [row.id]),
        serverText("array_to_string(stamps, '|')", [row.id]),
        serverText(
          "(SELECT string_agg((x AT TIME ZONE 'UTC')::text, '|' ORDER BY n) FROM unnest(stamptzs) WITH ORDINALITY AS u(x, n))",
          [row.id],
        ),
      ]);
      expect(days).toEqual([DAYS.map(([day]) => day).join('|')]);
      expect(stamps).toEqual([INSTANTS.map(([text]) => text).join('|')]);
      expect(stamptzs).toEqual([INSTANTS.map(([text]) => text).join('|')]);
    });

    suiteTest(ctx, 'DateTimeProperty values of BC and five-digit years round-trip and compare in SQL', async () => {
      const bc = new Date(utcMs(-43, 3, 15, 12, 0, 0, 5));
      const far = new Date(utcMs(10000, 1, 1, 0, 0, 0, 250));
      const usual = new Date(utcMs(2020, 2, 29, 1, 2, 3, 4));
      const made: InstanceType<typeof Moment>[] = [];
      for (const born of [bc, far, usual]) made.push(await Moment.create({ label: 'born', born }));
      const back = await Moment.query
        .where(Moment.id.in(made.map((m) => m.id)), Moment.label.eq('born'))
        .orderBy(Moment.id)
        .gino.all();
      expect(back.map((m) => m.born?.getTime())).toEqual([bc, far, usual].map((d) => d.getTime()));
      // The class-level property is `CAST(profile ->> 'born' AS timestamptz)`: the server reads the stored text.
      const before = await Moment.select('id')
        .where(Moment.id.in(made.map((m) => m.id)), Moment.born.lt(new Date(utcMs(1, 1, 1))))
        .gino.all();
      expect(before.map((r) => r.id)).toEqual([made[0]?.id]);
      const stored = await db.all<{ t: string }>(
        "SELECT ((profile ->> 'born')::timestamptz AT TIME ZONE 'UTC')::text AS t FROM dt_moments WHERE id = ANY($1::int[]) ORDER BY id",
        [made.map((m) => m.id)],
      );
      expect(stored.map((r) => r.t)).toEqual([
        '0044-03-15 12:00:00.005 BC',
        '10000-01-01 00:00:00.25',
        '2020-02-29 01:02:03.004',
      ]);
      // Dates between 0001 and 9999 keep their ISO 8601 form in JSON.
      const usualRaw = await db.scalar("SELECT profile ->> 'born' FROM dt_moments WHERE id = $1", [made[2]?.id]);
      expect(usualRaw).toBe('2020-02-29T01:02:03.004Z');
    });

    suiteTest(ctx, 'timestamps beyond what a Date holds are a clear error on read, and refused on write', async () => {
      for (const text of ['294276-12-31 23:59:59.999999', '275760-09-13 00:00:00']) {
        for (const type of ['timestamp', 'timestamptz']) {
          const error = await db.scalar(`SELECT '${text}'::${type}`).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error, `${text}::${type}`).toBeInstanceOf(InvalidRequestError);
          expect((error as Error).message).toMatch(/JavaScript Date/);
          expect((error as Error).message).toMatch(/db\.cast/);
        }
        // The connection goes on working after the refused value.
        expect(await db.scalar(`SELECT '${text}'::timestamp::text`)).toBe(text);
      }
      // The way out the message names.
      const far = await Moment.create({ label: 'far' });
      await db.status("UPDATE dt_moments SET stamp = '294276-12-31 23:59:59.999999' WHERE id = $1", [far.id]);
      await expect(Moment.get(far.id)).rejects.toThrow(/JavaScript Date/);
      expect(
        await db
          .select([db.cast(Moment.stamp, db.Text())])
          .where(Moment.id.eq(far.id))
          .gino.scalar(),
      ).toBe('294276-12-31 23:59:59.999999');
      await Moment.delete.where(Moment.id.eq(far.id)).gino.status();
      // 'infinity' keeps its Dates; PostgreSQL's first instant is the earliest Date that can be written.
      expect((await db.scalar<Date>("SELECT 'infinity'::timestamp"))?.getTime()).toBe(8.64e15);
      ctx.clearLog();
      const first = utcMs(-4713, 11, 24);
      for (const value of [new Date(first - 1), new Date(-8.64e15 + 1)]) {
        await expect(Moment.create({ stamp: value })).rejects.toThrow(InvalidRequestError);
        await expect(Moment.create({ stamptz: value })).rejects.toThrow(/4714-11-24 00:00:00 BC/);
        await expect(Moment.create({ day: value as unknown as string })).rejects.toThrow(/4714-11-24 BC/);
        await expect(Moment.create({ stamps: [value] })).rejects.toThrow(InvalidRequestError);
      }
      for (const day of ['4714-11-23 BC', '5874898-01-01', '2020-02-30', '0000-01-01', '2019-02-29', '0044-13-01 BC']) {
        await expect(Moment.create({ day }), day).rejects.toThrow(/dt_moments\.day/);
      }
      expect(ctx.log).toEqual([]);
      const ends = await Moment.insert()
        .values([
          { stamp: new Date(-8.64e15), day: new Date(8.64e15) as unknown as string },
          { stamp: new Date(first), day: new Date(first) as unknown as string },
        ])
        .returning()
        .gino.all();
      expect(await serverText('stamp::text', [ends[0]?.id as number])).toEqual(['-infinity']);
      expect(await serverText('day::text', [ends[0]?.id as number])).toEqual(['infinity']);
      expect(ends.map((r) => r.day)).toEqual(['infinity', '4714-11-24 BC']);
    });

    suiteTest(ctx, 'a timestamp written in another DateStyle is a clear error, never an invalid Date', async () => {
      const row = await Moment.create({ stamp: new Date(utcMs(2020, 1, 2)) });
      const error = await db.batch(["SET LOCAL DateStyle = 'SQL, DMY'", Moment.query.where(Moment.id.eq(row.id))]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as Error).message).toMatch(/DateStyle = 'ISO'/);
    });

    describe('strings with offsets', () => {
      /** A string given, and the UTC wall-clock text PostgreSQL must hold for it. */
      const OFFSETS: readonly (readonly [string, string])[] = [
        ['2020-01-01T00:00:00+05:00', '2019-12-31 19:00:00'],
        ['2020-01-01T00:00:00Z', '2020-01-01 00:00:00'],
        ['2020-01-01 00:00:00.123456-08', '2020-01-01 08:00:00.123456'],
        ['2020-01-01T05:30:00+0530', '2020-01-01 00:00:00'],
        ['2020-03-01T01:00:00.5+02:00', '2020-02-29 23:00:00.5'],
        ['2020-01-01T00:00:00-00:30', '2020-01-01 00:30:00'],
        ['0001-01-01T00:00:00+01:00', '0001-12-31 23:00:00 BC'],
        ['0044-03-15 12:00:00+02 BC', '0044-03-15 10:00:00 BC'],
        ['+010000-01-01T00:00:00.000Z', '10000-01-01 00:00:00'],
        ['-000043-03-15T12:00:00.000Z', '0044-03-15 12:00:00 BC'],
        ['10000-01-01 01:00:00+01', '10000-01-01 00:00:00'],
      ];
      /** Strings without an offset: a timestamp holds them as written; timestamptz reads them as UTC. */
      const PLAIN: readonly (readonly [string, string])[] = [
        ['2020-01-01T00:00:00', '2020-01-01 00:00:00'],
        ['2020-01-01 23:59', '2020-01-01 23:59:00'],
        ['2020-01-01', '2020-01-01 00:00:00'],
        ['2020-06-30T12:34:56.789012', '2020-06-30 12:34:56.789012'],
        ['0044-03-15 12:00:00 BC', '0044-03-15 12:00:00 BC'],
        ['200000-02-29 00:00:00', '200000-02-29 00:00:00'],
      ];

      suiteTest(ctx, 'DateTime() converts a string with an offset to UTC wall-clock time', async () => {
        const rows = await Moment.insert()
          .values([...OFFSETS, ...PLAIN].map(([text]) => ({ stamp: text, stamptz: text }) as never))
          .returning(Moment.id)
          .gino.all();
        const ids = rows.map((r) => (r as { id: number }).id);
        const expected = [...OFFSETS, ...PLAIN].map(([, utc]) => utc);
        expect(await serverText('stamp::text', ids)).toEqual(expected);
        expect(await serverText("(stamptz AT TIME ZONE 'UTC')::text", ids)).toEqual(expected);
        // The same conversion applies where the string is compared.
        const first = ids[0] as number;
        const found = await Moment.select('id')
          .where(
            Moment.id.eq(first),
            Moment.stamp.eq('2019-12-31T09:00:00-10:00' as never),
            Moment.stamptz.eq('2020-01-01T00:00:00+05:00' as never),
          )
          .gino.scalar();
        expect(found).toBe(first);
      });

      suiteTest(ctx, 'any local time with any offset is the instant the server reads in it (property)', async () => {
        const DAY = 86_400_000;
        const p = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
        /** `d` as local time at `offset` minutes east, in one of the offset spellings. */
        const spell = (d: Date, offset: number, form: number): string => {
          const local = new Date(d.getTime() + offset * 60_000);
          const year = local.getUTCFullYear();
          const day = `${p(year <= 0 ? 1 - year : year, 4)}-${p(local.getUTCMonth() + 1)}-${p(local.getUTCDate())}`;
          const time = `${p(local.getUTCHours())}:${p(local.getUTCMinutes())}:${p(local.getUTCSeconds())}.${p(local.getUTCMilliseconds(), 3)}`;
          const sign = offset < 0 ? '-' : '+';
          const [h, m] = [Math.floor(Math.abs(offset) / 60), Math.abs(offset) % 60];
          const zone = [
            `${sign}${p(h)}:${p(m)}`,
            `${sign}${p(h)}${p(m)}`,
            m === 0 ? `${sign}${p(h)}` : `${sign}${p(h)}:${p(m)}`,
          ][form];
          return `${day}${form === 1 ? 'T' : ' '}${time}${zone}${year <= 0 ? ' BC' : ''}`;
        };
        const sample = fc.record({
          d: fc.integer({ min: utcMs(-4713, 11, 24) + DAY, max: 8.64e15 - DAY }).map((ms) => new Date(ms)),
          offset: fc.integer({ min: -(15 * 60 + 59), max: 15 * 60 + 59 }),
          form: fc.integer({ min: 0, max: 2 }),
        });
        await fc.assert(
          fc.asyncProperty(fc.array(sample, { minLength: 1, maxLength: 10 }), async (samples) => {
            const texts = samples.map(({ d, offset, form }) => spell(d, offset, form));
            const rows = await Moment.insert()
              .values(texts.map((t) => ({ stamp: t, stamptz: t }) as never))
              .returning()
              .gino.all();
            expect(rows.map((r) => r.stamp?.getTime())).toEqual(samples.map(({ d }) => d.getTime()));
            expect(rows.map((r) => r.stamptz?.getTime())).toEqual(samples.map(({ d }) => d.getTime()));
            // The server's own reading of each string, sent untyped, is the oracle.
            const agree = await db.all<{ ok: boolean }>(
              `SELECT m.stamp = (u.t::timestamptz AT TIME ZONE 'UTC') AND m.stamptz = u.t::timestamptz AS ok
               FROM dt_moments m JOIN unnest($1::int[], $2::text[]) AS u(id, t) ON u.id = m.id ORDER BY m.id`,
              [rows.map((r) => r.id), texts],
            );
            expect(agree.map((r) => r.ok)).toEqual(texts.map(() => true));
          }),
          { numRuns: 15 },
        );
      });

      suiteTest(ctx, "timestamptz reads a string without an offset as UTC, whatever the session's zone", async () => {
        const [, rows] = (await db.batch([
          "SET LOCAL TIME ZONE 'Asia/Kolkata'",
          Moment.insert()
            .values(PLAIN.map(([text]) => ({ label: 'plain tz', stamptz: text }) as never))
            .returning(),
        ])) as [unknown, InstanceType<typeof Moment>[]];
        expect(
          await serverText(
            "(stamptz AT TIME ZONE 'UTC')::text",
            rows.map((r) => r.id),
          ),
        ).toEqual(PLAIN.map(([, utc]) => utc));
        expect(rows[0]?.stamptz?.getTime()).toBe(utcMs(2020, 1, 1));
      });

      suiteTest(
        ctx,
        'a DateTime string that is not ISO 8601 or PostgreSQL ISO text is refused before any I/O',
        async () => {
          ctx.clearLog();
          for (const text of [
            'Jan 1 2020',
            '1/2/2020',
            '2020',
            '2020-02-30T00:00:00Z',
            '2020-01-01T25:00:00',
            '2020-01-01T00:60:00',
            '2020-01-01T00:00:00 Europe/Paris',
            '2020-01-01T00:00:00+16:00',
            '0000-01-01 00:00:00',
            '-000000-01-01T00:00:00Z',
            '+000001-01-01T00:00:00Z BC',
            '4714-11-23 23:59:59 BC',
            '2020-01-01T00:00:00+05:00garbage',
          ]) {
            await expect(Moment.create({ stamp: text as never }), text).rejects.toThrow(
              /dt_moments\.stamp \(TIMESTAMP WITHOUT TIME ZONE\).*ISO 8601/,
            );
            await expect(Moment.create({ stamptz: text as never }), text).rejects.toThrow(InvalidRequestError);
          }
          expect(ctx.log).toEqual([]);
          // PostgreSQL's infinities are strings it takes as they are.
          const inf = await Moment.create({ stamp: 'infinity' as never, stamptz: '-infinity' as never });
          expect(inf.stamp?.getTime()).toBe(8.64e15);
          expect(inf.stamptz?.getTime()).toBe(-8.64e15);
        },
      );
    });
  });
}
