/**
 * `db.copyInto` (COPY ... FROM STDIN): for every type, rows at the edges copied into one table
 * and inserted with `insert().values()` into its twin, then the two compared by the server (raw
 * SQL, row text both ways): what COPY stores is what INSERT stores. Then atomicity (a bad value
 * late, a unique violation, an iterator that throws, a transaction rolled back), the mistakes
 * refused before any I/O, defaults, volume, and the refusal where the adapter has no COPY.
 */
import { afterAll, beforeAll, beforeEach, describe, expect } from 'vitest';
import { DatabaseError, InvalidRequestError, UnsupportedError } from '../../src/index.js';
import { type SuiteContext, suiteTest } from './harness.js';

const STRINGS = [
  'tab\there',
  'line\nbreak',
  'carriage\rreturn',
  'back\\slash',
  '\\N',
  '\\.',
  '\\\\.',
  'end\\',
  `quotes ' and "`,
  '🐢 ünïcödé 中文',
  '',
  ' ',
  'NULL',
  '\\x00',
  'a\tb\nc\rd\\e',
  null,
];

const ALL_BYTES = new Uint8Array(256).map((_, i) => i);

/** `n` rows of `{ id, name }` from an async generator, `fail(i)` thrown at row i when given. */
async function* generated(n: number, from = 1, fail?: number): AsyncGenerator<{ id: number; name: string }> {
  for (let i = 0; i < n; i++) {
    if (i === fail) throw new Error(`the source failed at row ${i}`);
    yield { id: from + i, name: `row ${from + i}` };
  }
}

export function copySuite(ctx: SuiteContext): void {
  describe('COPY FROM STDIN (db.copyInto)', () => {
    const { db } = ctx;
    const mood = db.Enum('copy_mood', ['happy', 'sad', "it's \\ odd"] as const);
    const columns = {
      id: db.Column(db.Integer(), { primaryKey: true }),
      small: db.Column(db.SmallInteger()),
      int: db.Column(db.Integer()),
      big: db.Column(db.BigInteger()),
      bigNumber: db.Column(db.BigInteger({ mode: 'number' })),
      bigString: db.Column(db.BigInteger({ mode: 'string' })),
      dbl: db.Column(db.Float()),
      real: db.Column(db.Real()),
      num: db.Column(db.Numeric()),
      scaled: db.Column(db.Numeric(40, 20)),
      bool: db.Column(db.Boolean()),
      str: db.Column(db.String(60)),
      uni: db.Column(db.Unicode()),
      text: db.Column(db.Text()),
      day: db.Column(db.Date()),
      stamp: db.Column(db.DateTime()),
      stamptz: db.Column(db.DateTime({ timezone: true })),
      time: db.Column(db.Time()),
      interval: db.Column(db.Interval()),
      json: db.Column(db.JSON()),
      jsonb: db.Column(db.JSONB()),
      uuid: db.Column(db.UUID()),
      bytes: db.Column(db.LargeBinary()),
      ints: db.Column(db.ARRAY(db.Integer())),
      texts: db.Column(db.ARRAY(db.Text())),
      grid: db.Column(db.ARRAY(db.ARRAY(db.Integer()))),
      jsons: db.Column(db.ARRAY(db.JSONB())),
      mood: db.Column(mood),
      moods: db.Column(db.ARRAY(mood)),
      label: db.Column(db.Text(), { default: 'client value' }),
      serverSide: db.Column(db.Text(), { name: 'server side', serverDefault: 'from the server' }),
    };
    /** The copied table: a schema and a name that need quoting. */
    class Copied extends db.Model({
      __tablename__: 'copy Types',
      __table_args__: { schema: 'gino_suite' },
      ...columns,
    }) {}
    /** Its twin, written with insert().values(). */
    class Inserted extends db.Model({ __tablename__: 'copy_types_inserted', ...columns }) {}

    let seq = 0;
    class Item extends db.Model({
      __tablename__: 'copy_items',
      id: db.Column(db.Integer(), { primaryKey: true }),
      name: db.Column(db.Text()),
      code: db.Column(db.UUID()),
      drawn: db.Column(db.Integer(), { default: () => ++seq }),
      made: db.Column(db.Text(), { serverDefault: 'server' }),
    }) {}

    const copyable = () => ctx.capabilities().copy === true;
    const count = async (table = 'copy_items') => Number(await db.scalar(`SELECT count(*) FROM ${table}`));

    beforeAll(async () => {
      if (!copyable()) return;
      await db.gino.dropAll();
      await db.gino.createAll();
    });
    afterAll(async () => {
      if (copyable()) await db.gino.dropAll();
    });
    beforeEach(async () => {
      if (copyable()) await db.status('DELETE FROM copy_items');
    });

    /** Every edge value of every type, cycled so each row mixes them. */
    function edgeRows() {
      const edges: Record<string, readonly unknown[]> = {
        small: [-32768, 32767, 0, null],
        int: [-2147483648, 2147483647, 0, null],
        big: [-(2n ** 63n), 2n ** 63n - 1n, 2n ** 53n + 1n, 0n, null],
        bigNumber: [Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 0, null],
        bigString: ['9223372036854775807', '-9223372036854775808', '0', null],
        dbl: [
          Number.POSITIVE_INFINITY,
          Number.NEGATIVE_INFINITY,
          Number.NaN,
          -0,
          0.1 + 0.2,
          Number.MAX_VALUE,
          Number.MIN_VALUE,
          null,
        ],
        real: [1.5, -0, Number.POSITIVE_INFINITY, Number.NaN, 3.4e38, null],
        num: ['0', '-1.5', '123456789012345678901234567890.123456789012345678901234567890', 'NaN', '1e-30', null],
        scaled: ['1.12345678901234567890', '-99999999999999999999.99999999999999999999', '0', null],
        bool: [true, false, null],
        str: STRINGS,
        uni: [...STRINGS].reverse(),
        text: [...STRINGS.slice(5), ...STRINGS.slice(0, 5)],
        day: ['2020-02-29', 'infinity', '-infinity', '0044-03-15 BC', '10000-01-01', null],
        stamp: [new Date('2020-01-01T00:00:00.123Z'), 'infinity', '-infinity', new Date('0001-01-01T00:00:00Z'), null],
        stamptz: [new Date('2024-02-29T23:59:58.123Z'), '-infinity', 'infinity', '2020-06-01 12:00:00+05:30', null],
        time: ['00:00:00', '23:59:59.999999', '12:34:56', null],
        interval: ['1 year 2 mons', '-3 days 04:05:06', '00:00:00', null],
        json: [
          { tab: 'a\tb', nl: 'x\ny', slash: '\\', quote: '"', list: [1, null, 'x'] },
          'a "string" with \\ and \u0001',
          null,
          '🐢 é',
          [],
          db.null,
        ],
        jsonb: [{ nested: { deep: ['\\N', '\\.', '\r'] } }, 12.5, db.null, null, 'ünï', true],
        uuid: ['00000000-0000-0000-0000-000000000000', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', null],
        bytes: [new Uint8Array(0), ALL_BYTES, new Uint8Array([92, 9, 10, 13, 0]), null],
        ints: [[1, null, 3], [], null, [-2147483648, 2147483647]],
        texts: [
          ['a', null, 'NULL', 'q"uote', 'back\\slash', 'tab\t', 'nl\n', 'cr\r', '', '{}', ',', '\\N'],
          [],
          null,
          [null],
        ],
        grid: [
          [
            [1, 2],
            [3, null],
          ],
          null,
          [],
        ],
        jsons: [[{ a: '\\' }, null, 'x\ty'], null, []],
        mood: ['happy', 'sad', "it's \\ odd", null],
        moods: [['happy', null, "it's \\ odd"], null, []],
      };
      const n = Math.max(...Object.values(edges).map((v) => v.length));
      return Array.from({ length: n * 2 }, (_, i) => {
        const row: Record<string, unknown> = { id: i + 1 };
        for (const [key, values] of Object.entries(edges)) row[key] = values[(i + key.length) % values.length];
        return row;
      });
    }

    suiteTest(
      ctx,
      'every type at its edges: COPY stores exactly what insert().values() stores (the server compares the tables)',
      async () => {
        const rows = edgeRows();
        ctx.clearLog();
        const { rowCount } = await db.copyInto(Copied, rows as never);
        expect(rowCount).toBe(rows.length);
        expect(ctx.sql().filter((s) => s.startsWith('COPY '))).toEqual([
          expect.stringMatching(/^COPY gino_suite\."copy Types" \(id, small, .*, label\) FROM STDIN$/),
        ]);
        await Inserted.insert()
          .values(rows as never)
          .gino.status();
        const differ = await db.scalar(
          `SELECT (SELECT count(*) FROM (SELECT t::text FROM gino_suite."copy Types" t EXCEPT ALL SELECT t::text FROM copy_types_inserted t) a)
                + (SELECT count(*) FROM (SELECT t::text FROM copy_types_inserted t EXCEPT ALL SELECT t::text FROM gino_suite."copy Types" t) b)`,
        );
        expect(Number(differ)).toBe(0);
        expect(await count('gino_suite."copy Types"')).toBe(rows.length);
        // A few values against literals the server parses itself, not our writer.
        const oracle = await db.first<Record<string, unknown>>(
          `SELECT bool_and(str IS NOT DISTINCT FROM uni) AS never,
                  count(*) FILTER (WHERE bytes = '\\x${Buffer.from(ALL_BYTES).toString('hex')}'::bytea) AS all_bytes,
                  count(*) FILTER (WHERE big = 9223372036854775807) AS big_max,
                  count(*) FILTER (WHERE str = E'a\\tb\\nc\\rd\\\\e') AS escaped,
                  count(*) FILTER (WHERE str = E'\\\\N') AS backslash_n,
                  count(*) FILTER (WHERE str IS NULL) AS nulls,
                  count(*) FILTER (WHERE json IS NULL) AS sql_null_json,
                  count(*) FILTER (WHERE json::text = 'null') AS json_null,
                  count(*) FILTER (WHERE day = '-infinity') AS minus_infinity,
                  count(*) FILTER (WHERE texts = ARRAY['a', NULL, 'NULL', 'q"uote', E'back\\\\slash', E'tab\\t', E'nl\\n', E'cr\\r', '', '{}', ',', E'\\\\N']) AS texts,
                  count(*) FILTER (WHERE label = 'client value' AND "server side" = 'from the server') AS defaults
             FROM gino_suite."copy Types"`,
        );
        expect(oracle).toMatchObject({ never: false });
        for (const key of [
          'all_bytes',
          'big_max',
          'escaped',
          'backslash_n',
          'nulls',
          'sql_null_json',
          'json_null',
          'minus_infinity',
          'texts',
        ]) {
          expect(Number(oracle?.[key]), key).toBeGreaterThan(0);
        }
        expect(Number(oracle?.defaults)).toBe(rows.length);
      },
      'copy',
    );

    suiteTest(
      ctx,
      'client defaults (a value, a function drawn per row) and server defaults of the columns left out',
      async () => {
        seq = 0;
        const { rowCount } = await db.copyInto(Item, [
          { id: 1, name: 'a' },
          { id: 2, name: 'b', drawn: 100 },
          { id: 3, name: null },
        ]);
        expect(rowCount).toBe(3);
        const rows = await db.all<{ id: number; name: string | null; drawn: number; made: string }>(
          'SELECT id, name, drawn, made FROM copy_items ORDER BY id',
        );
        expect(rows).toEqual([
          { id: 1, name: 'a', drawn: 1, made: 'server' },
          { id: 2, name: 'b', drawn: 100, made: 'server' },
          { id: 3, name: null, drawn: 2, made: 'server' },
        ]);
      },
      'copy',
    );

    suiteTest(
      ctx,
      'mistakes in the first row are refused before any I/O: unknown key, key not copied, missing key, expression',
      async () => {
        const attempts: [() => Promise<unknown>, RegExp][] = [
          [() => db.copyInto(Item, [{ id: 1, nope: 1 } as never]), /row 0.*no column 'nope'/],
          [() => db.copyInto(Item, [{ id: 1, name: 'x' }], { columns: ['id'] }), /row 0 gives 'name'.*columns/],
          [
            () => db.copyInto(Item, [{ id: 1 }], { columns: ['id', 'name'] }),
            /row 0 has no value for 'name'.*insert\(\)/,
          ],
          [
            () => db.copyInto(Item, [{ id: 1, name: db.func.lower('X') }]),
            /COPY takes values; use insert\(\)\.values\(\)/,
          ],
          [() => db.copyInto(Item, [{ id: 1, name: Item.id as never }]), /COPY takes values/],
          [
            () => db.copyInto(Item, [{ id: 'one' as never }]),
            /copyInto\(\) row 0: copy_items\.id \(INTEGER\) cannot take/,
          ],
          [() => db.copyInto(Item, [{ id: 1 }], { columns: ['id', 'id'] }), /twice/],
        ];
        for (const [attempt, message] of attempts) {
          ctx.clearLog();
          const error = await attempt().then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(InvalidRequestError);
          expect((error as Error).message).toMatch(message);
          expect(ctx.log).toEqual([]);
        }
        expect(await count()).toBe(0);
      },
      'copy',
    );

    suiteTest(
      ctx,
      'mistakes in a later row: refused naming the row, nothing stored, the pool still usable',
      async () => {
        const rows = (bad: Record<string, unknown>) =>
          Array.from({ length: 3000 }, (_, i) => (i === 2500 ? { id: i + 1, ...bad } : { id: i + 1, name: `n${i}` }));
        const cases: [Record<string, unknown>, RegExp][] = [
          [{}, /row 2500 has no value for 'name'.*give the key.*insert\(\)\.values\(rows\), which sends DEFAULT/],
          [{ name: 'x', code: null, made: 'no' }, /row 2500 gives 'code', which is not among the columns copied/],
          [{ name: 'x', other: 1 }, /row 2500.*no column 'other'/],
          [{ name: db.func.now() }, /row 2500, copy_items\.name: COPY takes values/],
          [{ name: 42 }, /copyInto\(\) row 2500: copy_items\.name \(TEXT\) cannot take/],
        ];
        for (const [bad, message] of cases) {
          const error = await db.copyInto(Item, rows(bad) as never).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(InvalidRequestError);
          expect((error as Error).message).toMatch(message);
          expect(await count()).toBe(0);
        }
        expect(await db.scalar('SELECT 1')).toBe(1);
      },
      'copy',
    );

    suiteTest(
      ctx,
      'a value the server refuses in a late row (past a PGlite chunk): DatabaseError with its SQLSTATE, nothing stored',
      async () => {
        // About 6 MB of COPY text: more than one statement's chunk where the adapter bounds it.
        const long = 'x'.repeat(1000);
        const rows = Array.from({ length: 6000 }, (_, i) => ({
          id: i + 1,
          name: long,
          code: i === 5900 ? 'not-a-uuid' : null,
        }));
        const error = await db.copyInto(Item, rows).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(DatabaseError);
        expect((error as DatabaseError).code).toBe('22P02');
        expect(await count()).toBe(0);
        const { rowCount } = await db.copyInto(Item, [{ id: 1, name: 'after' }]);
        expect(rowCount).toBe(1);
        expect(await count()).toBe(1);
      },
      'copy',
    );

    suiteTest(
      ctx,
      'a unique violation: DatabaseError 23505, nothing of the copy stored',
      async () => {
        await Item.create({ id: 500, name: 'there before' });
        const error = await db.copyInto(Item, generated(1000, 1)).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(DatabaseError);
        expect((error as DatabaseError).code).toBe('23505');
        expect(await db.all('SELECT id, name FROM copy_items')).toEqual([{ id: 500, name: 'there before' }]);
      },
      'copy',
    );

    suiteTest(
      ctx,
      'an iterator that throws mid-way: its own error, nothing stored, the connection usable',
      async () => {
        const error = await db.copyInto(Item, generated(3000, 1, 2000)).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect((error as Error).message).toBe('the source failed at row 2000');
        expect(await count()).toBe(0);
        // Past the first statement's chunk where the adapter bounds it (PGlite): the chunks sent are undone.
        const long = 'y'.repeat(1000);
        async function* big() {
          for (let i = 1; i <= 6000; i++) {
            if (i === 5900) throw new Error('the source failed late');
            yield { id: i, name: long };
          }
        }
        const late = await db.copyInto(Item, big()).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect((late as Error).message).toBe('the source failed late');
        expect(await count()).toBe(0);
        // The first row itself failing to arrive: before any I/O.
        ctx.clearLog();
        const early = await db.copyInto(Item, generated(10, 1, 0)).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect((early as Error).message).toBe('the source failed at row 0');
        expect(ctx.log).toEqual([]);
        expect((await db.copyInto(Item, generated(5))).rowCount).toBe(5);
      },
      'copy',
    );

    suiteTest(
      ctx,
      'inside db.transaction(): rolled back with it, kept when it commits; a failed copy leaves the transaction usable',
      async () => {
        await db.transaction(async (tx) => {
          await db.copyInto(Item, generated(10, 1));
          expect(await count()).toBe(10);
          tx.raiseRollback();
        });
        expect(await count()).toBe(0);
        await db.transaction(async () => {
          await db.copyInto(Item, generated(10, 1));
          const failed = await db.copyInto(Item, generated(10, 5)).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect((failed as DatabaseError).code).toBe('23505');
          await db.copyInto(Item, generated(5, 100));
        });
        expect(await count()).toBe(15);
        // With an explicit { bind: tx } as well.
        await db.transaction(async (tx) => {
          await db.copyInto(Item, generated(3, 200), { bind: tx });
          tx.raiseRollback();
        });
        expect(await count()).toBe(15);
      },
      'transactions',
    );

    suiteTest(
      ctx,
      "rows whose own code queries through the copy's transaction: refused at once, not a wait for itself",
      async () => {
        // Each row looks something up in the transaction the copy runs in. The first row is read
        // before the copy starts; the next one's statement would queue behind (or inside) the COPY.
        async function* lookedUp() {
          for (let i = 1; i <= 3; i++) {
            const id = await db.scalar('SELECT $1::int', [i]);
            yield { id: Number(id), name: `row ${i}` };
          }
        }
        await db.transaction(async () => {
          const error = await db.copyInto(Item, lookedUp()).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(InvalidRequestError);
          expect((error as Error).message).toMatch(/reading its rows.*Read what the rows need before the copy/);
          expect(await count()).toBe(0);
          // The transaction goes on.
          expect(await db.scalar('SELECT 1')).toBe(1);
          await db.copyInto(Item, generated(2));
        });
        expect(await count()).toBe(2);
        // On a held connection too.
        await db.acquire(async () => {
          const error = await db.copyInto(Item, lookedUp()).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(InvalidRequestError);
        });
        expect(await count()).toBe(2);
      },
      'copy',
    );

    suiteTest(
      ctx,
      'inside db.withClaims(): in a transaction of its own that starts with the claims',
      async () => {
        ctx.clearLog();
        await db.withClaims({ sub: 'copier' }, () => db.copyInto(Item, [{ id: 1, name: 'claimed' }]));
        const sqls = ctx.sql();
        expect(sqls[0]).toMatch(/^BEGIN/);
        expect(sqls.slice(1, -2).join('\n')).toMatch(/request\.jwt\.claims/);
        expect(sqls.slice(-2)).toEqual(['COPY copy_items (id, name, drawn) FROM STDIN', 'COMMIT']);
        expect(await count()).toBe(1);
      },
      'copy',
    );

    suiteTest(
      ctx,
      '100k rows: the count and a checksum match raw SQL',
      async () => {
        const n = 100_000;
        let expected = 0;
        function* rows() {
          for (let i = 1; i <= n; i++) {
            const name = `name ${i}\t${'é'.repeat(i % 7)}`;
            expected += name.length * (i % 13);
            yield { id: i, name };
          }
        }
        const { rowCount } = await db.copyInto(Item, rows());
        expect(rowCount).toBe(n);
        const check = await db.first<{ n: bigint; ids: bigint; sum: bigint }>(
          'SELECT count(*) AS n, sum(id) AS ids, sum(char_length(name) * (id % 13)) AS sum FROM copy_items',
        );
        expect(check).toEqual({ n: BigInt(n), ids: BigInt((n * (n + 1)) / 2), sum: BigInt(expected) });
      },
      'copy',
    );

    // A server-side stall is only seen through a driver socket that reports its buffer (pg's);
    // neon-ws goes through the dev proxy, PgBouncer through its own buffers.
    if (ctx.adapter.name === 'pg') {
      suiteTest(
        ctx,
        'back-pressure: while the server stalls, rows are read no further ahead than the socket holds',
        async () => {
          const n = 300_000;
          const pad = 'p'.repeat(200);
          let produced = 0;
          async function* rows() {
            for (let i = 1; i <= n; i++) {
              produced = i;
              yield { id: i, name: pad };
            }
          }
          let unblock!: () => void;
          const held = new Promise<void>((resolve) => {
            unblock = resolve;
          });
          let ready!: () => void;
          const inserted = new Promise<void>((resolve) => {
            ready = resolve;
          });
          // An uncommitted row with the copy's id 1000: the COPY waits on it (the unique check).
          const blocker = db.transaction(async (tx) => {
            await Item.create({ id: 1000, name: 'blocker' });
            ready();
            await held;
            tx.raiseRollback();
          });
          await inserted;
          const copying = db.copyInto(Item, rows());
          let last = -1;
          for (let k = 0; k < 50 && produced !== last; k++) {
            last = produced;
            await new Promise((r) => setTimeout(r, 100));
          }
          const ahead = produced;
          unblock();
          await blocker;
          expect((await copying).rowCount).toBe(n);
          expect(ahead).toBeLessThan(n / 2);
        },
      );
    }

    suiteTest(ctx, 'where the adapter has no COPY: UnsupportedError before any I/O, naming the way out', async () => {
      let pulled = false;
      function* rows() {
        pulled = true;
        yield { id: 1, name: 'x' };
      }
      ctx.clearLog();
      const attempt = db.copyInto(Item, rows());
      if (copyable()) {
        expect((await attempt).rowCount).toBe(1);
        return;
      }
      const error = await attempt.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(UnsupportedError);
      expect((error as Error).message).toMatch(/no copy/);
      expect((error as Error).message).toMatch(
        /Model\.insert\(\)\.values\(rows\) in chunks of under 65,535 parameters/,
      );
      expect((error as Error).message).toMatch(/db\.batch/);
      expect((error as Error).message).toMatch(/pg, pglite, neon-ws/);
      expect(pulled).toBe(false);
      expect(ctx.log).toEqual([]);
    });
  });
}
