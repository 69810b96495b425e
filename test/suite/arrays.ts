/**
 * PostgreSQL arrays: multi-dimensional arrays of one base type, written by the declared
 * dimensions of the column type (`ARRAY(ARRAY(Integer()))` takes `[[1, 2], [3, 4]]`; an element
 * of `ARRAY(JSONB())` that is a JavaScript array is one JSON value), and read back from the
 * server's text whatever it holds (quotes, backslashes, NULL and "NULL", empty arrays, JSON with
 * braces and commas, bytea, enums, dates, timestamps). Written values are checked against the
 * server (`array_dims`, `x::text`, comparisons with `ARRAY[...]` built in SQL).
 */
import { beforeAll, describe, expect } from 'vitest';
import { InvalidRequestError } from '../../src/index.js';
import { utcMs } from './datetimes.js';
import { type SuiteContext, suiteTest } from './harness.js';

const ODD = ['plain', 'a,b', 'q"t', 'NULL', 'sp ace', 'back\\slash', '{brace}'] as const;

export function arraysSuite(ctx: SuiteContext): void {
  describe('arrays: dimensions, JSON elements and the server text', () => {
    const { db } = ctx;
    class Grid extends db.Model({
      __tablename__: 'ar_grids',
      id: db.Column(db.Integer(), { primaryKey: true }),
      ints: db.Column(db.ARRAY(db.Integer())),
      matrix: db.Column(db.ARRAY(db.ARRAY(db.Integer()))),
      cube: db.Column(db.ARRAY(db.ARRAY(db.ARRAY(db.Text())))),
      bigs: db.Column(db.ARRAY(db.ARRAY(db.BigInteger({ mode: 'string' })))),
      docs: db.Column(db.ARRAY(db.JSONB())),
      jsons: db.Column(db.ARRAY(db.JSON())),
      texts: db.Column(db.ARRAY(db.Text())),
      grid: db.Column(db.ARRAY(db.ARRAY(db.Text()))),
      blobs: db.Column(db.ARRAY(db.LargeBinary())),
      odd: db.Column(db.ARRAY(db.Enum('ar_odd', ODD))),
      days: db.Column(db.ARRAY(db.Date())),
      stamps: db.Column(db.ARRAY(db.DateTime())),
      stamptzs: db.Column(db.ARRAY(db.DateTime({ timezone: true }))),
    }) {}

    beforeAll(async () => {
      await db.gino.dropAll();
      await db.gino.createAll();
    });

    const server = async <T>(expr: string, id: number): Promise<T> =>
      db.scalar<T>(`SELECT ${expr} FROM ar_grids WHERE id = $1`, [id]) as Promise<T>;

    suiteTest(ctx, 'ARRAY(ARRAY(t)) takes and returns rectangular nested arrays', async () => {
      const cube = [
        [
          ['a', 'b,c'],
          ['"d"', null],
        ],
        [
          ['NULL', ''],
          ['\\', '{}'],
        ],
      ] as string[][][];
      const g = await Grid.create({
        matrix: [
          [1, 2],
          [3, 4],
        ],
        cube,
        bigs: [['1', '9007199254740993']],
      });
      expect(await server('array_dims(matrix)', g.id)).toBe('[1:2][1:2]');
      expect(await server('matrix::text', g.id)).toBe('{{1,2},{3,4}}');
      expect(await server('array_dims(cube)', g.id)).toBe('[1:2][1:2][1:2]');
      expect(await server("cube[1][2][1] = '\"d\"' AND cube[1][2][2] IS NULL AND cube[2][1][1] = 'NULL'", g.id)).toBe(
        true,
      );
      expect(await server('bigs[1][2]::text', g.id)).toBe('9007199254740993');
      const back = await Grid.get(g.id);
      expect(back?.matrix).toEqual([
        [1, 2],
        [3, 4],
      ]);
      expect(back?.cube).toEqual(cube);
      // The element type's own reading applies at the declared depth (BigInteger mode 'string').
      expect(back?.bigs).toEqual([['1', '9007199254740993']]);
      const sparse = await Grid.create({
        matrix: [
          [1, null],
          [null, 4],
        ] as number[][],
        ints: [],
        bigs: [],
      });
      expect((await Grid.get(sparse.id))?.toDict()).toMatchObject({
        matrix: [
          [1, null],
          [null, 4],
        ],
        ints: [],
        bigs: [],
      });
      // Two dimensions written by SQL read back as nested arrays.
      await db.status("UPDATE ar_grids SET matrix = '{{5,6,7},{8,9,10}}' WHERE id = $1", [sparse.id]);
      expect((await Grid.get(sparse.id))?.matrix).toEqual([
        [5, 6, 7],
        [8, 9, 10],
      ]);
      // Compared as parameters too.
      const found = await Grid.select('id')
        .where(
          Grid.matrix.eq([
            [1, 2],
            [3, 4],
          ]),
        )
        .gino.all();
      expect(found.map((r) => r.id)).toEqual([g.id]);
    });

    suiteTest(ctx, 'ragged, wrongly nested and over-deep arrays are refused before any I/O', async () => {
      ctx.clearLog();
      const refused: [string, Record<string, unknown>, RegExp][] = [
        ['a ragged matrix', { matrix: [[1, 2], [3]] }, /ar_grids\.matrix \(INTEGER\[\]\[\]\).*same length/],
        ['a ragged cube', { cube: [[['a']], [['b'], ['c']]] }, /ar_grids\.cube .*same length/],
        ['a NULL where a row belongs', { matrix: [[1, 2], null] }, /ar_grids\.matrix.*\[1\].*an array/],
        ['a number where a row belongs', { matrix: [[1], 2] }, /ar_grids\.matrix.*\[1\].*an array/],
        ['a flat array for two dimensions', { matrix: [1, 2] }, /ar_grids\.matrix.*\[0\].*an array/],
        ['empty rows', { matrix: [[], []] }, /ar_grids\.matrix.*empty/],
        ['a nested array for one dimension', { ints: [[1, 2]] }, /ar_grids\.ints\[\] \(INTEGER\) cannot take an array/],
        ['three levels for two', { matrix: [[[1]]] }, /ar_grids\.matrix\[\]\[\] \(INTEGER\) cannot take an array/],
      ];
      for (const [what, values, message] of refused) {
        const error = await Grid.create(values as never).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, what).toBeInstanceOf(InvalidRequestError);
        expect((error as Error).message, what).toMatch(message);
      }
      expect(ctx.log).toEqual([]);
    });

    suiteTest(ctx, 'an ARRAY(JSONB()) or ARRAY(JSON()) element that is an array is one JSON value', async () => {
      const docs = [[1, 2], { a: '}{,"\\', b: [null] }, 'NULL', 'with "quotes", {braces}', [], {}, null, 0, true];
      const g = await Grid.create({ docs, jsons: docs });
      for (const column of ['docs', 'jsons']) {
        expect(await server(`array_ndims(${column})`, g.id), column).toBe(1);
        expect(await server(`array_length(${column}, 1)`, g.id), column).toBe(docs.length);
        expect(await server(`${column}[1]::text`, g.id), column).toBe(column === 'docs' ? '[1, 2]' : '[1,2]');
        expect(await server(`${column}[2] ->> 'a'`, g.id), column).toBe('}{,"\\');
        expect(await server(`${column}[7] IS NULL AND ${column}[5]::text = '[]'`, g.id), column).toBe(true);
      }
      const back = await Grid.get(g.id);
      expect(back?.docs).toEqual(docs);
      expect(back?.jsons).toEqual(docs);
      // Compared as a parameter, the array finds its row.
      expect(await Grid.select('id').where(Grid.id.eq(g.id), Grid.docs.eq(docs)).gino.scalar()).toBe(g.id);
      // Written by SQL: JSON null is an element, SQL NULL is NULL, "NULL" is a string (both nulls read as null).
      await db.status(
        `UPDATE ar_grids SET docs = ARRAY['[1, 2]'::jsonb, '{"k": "a,b}"}', 'null', '"NULL"', NULL, '[[]]'] WHERE id = $1`,
        [g.id],
      );
      expect((await Grid.get(g.id))?.docs).toEqual([[1, 2], { k: 'a,b}' }, null, 'NULL', null, [[]]]);
      expect(await server("docs[3] = 'null'::jsonb AND docs[5] IS NULL AND docs[6] = '[[]]'::jsonb", g.id)).toBe(true);
    });

    suiteTest(
      ctx,
      "arrays read from the server's text: quotes, backslashes, NULLs, empties, bytea, enums, dates",
      async () => {
        const texts = ['a"b', 'c\\d', 'NULL', null, '', '{x,y}', ' lead', 'trail ', 'a,b', '\\"', 'ünï', "'", 'null'];
        const sqlTexts = `ARRAY['a"b', E'c\\\\d', 'NULL', NULL, '', '{x,y}', ' lead', 'trail ', 'a,b', E'\\\\"', 'ünï', '''', 'null']`;
        const grid = [
          ['NULL', null],
          ['', 'x y'],
        ];
        const sqlGrid = `ARRAY[ARRAY['NULL', NULL], ARRAY['', 'x y']]`;
        const blobs = [new Uint8Array([0, 255, 92, 34]), new Uint8Array([]), null];
        const sqlBlobs = `ARRAY['\\x00ff5c22'::bytea, ''::bytea, NULL]`;
        const odd = [...ODD, null];
        const sqlOdd = `ARRAY[${ODD.map((v) => `'${v}'`).join(', ')}, NULL]::ar_odd[]`;
        const days = ['0044-03-15 BC', '2020-01-01', 'infinity', null, '10000-01-01'];
        const sqlDays = `ARRAY['0044-03-15 BC'::date, '2020-01-01', 'infinity', NULL, '10000-01-01']`;
        const stampTexts = ['0044-03-15 12:00:00 BC', '2020-01-01 00:00:00.5', 'infinity', '10000-01-01 00:00:00'];
        const stamps = [utcMs(-43, 3, 15, 12), utcMs(2020, 1, 1, 0, 0, 0, 500), 8.64e15, utcMs(10000, 1, 1)].map(
          (ms) => new Date(ms),
        );
        const sqlStamps = `ARRAY[${stampTexts.map((t) => `'${t}'`).join(', ')}]::timestamp[]`;
        const sqlStamptzs = `ARRAY[${stampTexts.map((t) => (t === 'infinity' ? `'${t}'` : `'${t}+00'`)).join(', ')}]::timestamptz[]`;
        const assignments = `texts = ${sqlTexts}, grid = ${sqlGrid}, blobs = ${sqlBlobs}, odd = ${sqlOdd}, days = ${sqlDays}, stamps = ${sqlStamps}, stamptzs = ${sqlStamptzs}`;
        const expected = { texts, grid, blobs, odd, days, stamps, stamptzs: stamps };

        // Written by SQL, read by the adapter's parser.
        const bySql = await Grid.create({});
        await db.status(`UPDATE ar_grids SET ${assignments} WHERE id = $1`, [bySql.id]);
        expect((await Grid.get(bySql.id))?.toDict()).toMatchObject(expected);

        // Written by gino-edge: the server holds the same arrays as those built in SQL.
        const byGino = await Grid.create(expected as never);
        const same = `texts = ${sqlTexts} AND grid = ${sqlGrid} AND blobs = ${sqlBlobs} AND odd = ${sqlOdd} AND days = ${sqlDays} AND stamps = ${sqlStamps} AND stamptzs = ${sqlStamptzs}`;
        expect(await server(same, byGino.id)).toBe(true);
        expect((await Grid.get(byGino.id))?.toDict()).toMatchObject(expected);

        // Arrays whose lower bound is not 1 carry their bounds in the text ('[0:1]={...}').
        await db.status(
          "UPDATE ar_grids SET odd = '[0:1]={plain,NULL}', ints = '[-1:1]={1,2,3}', grid = '[0:0][2:3]={{a,NULL}}' WHERE id = $1",
          [bySql.id],
        );
        expect((await Grid.get(bySql.id))?.toDict()).toMatchObject({
          odd: ['plain', null],
          ints: [1, 2, 3],
          grid: [['a', null]],
        });

        // Empty arrays of every kind.
        const empties = { texts: [], grid: [], blobs: [], odd: [], days: [], stamps: [], docs: [], matrix: [] };
        const empty = await Grid.create(empties);
        expect(
          await server(
            "texts = '{}' AND grid = '{}' AND blobs = '{}' AND odd = '{}' AND days = '{}' AND stamps = '{}' AND docs = '{}' AND matrix = '{}'",
            empty.id,
          ),
        ).toBe(true);
        expect((await Grid.get(empty.id))?.toDict()).toMatchObject(empties);
      },
    );
  });
}
