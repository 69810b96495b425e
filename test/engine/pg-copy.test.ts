/**
 * The COPY submittable (`adapters/kit/pg-copy.ts`) against the installed node-postgres: the
 * undocumented connection methods it drives are still there (these fail the day pg changes them
 * or is upgraded past `CHECKED_AGAINST`: re-read pg's lib/client.js and lib/connection.js, then
 * update the file), back-pressure waits for the socket's 'drain', a connection killed mid-COPY
 * is a ConnectionError that leaves nothing stored and the pool usable, and a COPY is logged and
 * traced like a statement, with its row count.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { CHECKED_AGAINST, nodeStreamPace, type PgCopyConnection } from '../../adapters/kit/pg-copy.js';
import { ConnectionError, Gino, type QueryEvent } from '../../src/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const installed = (JSON.parse(readFileSync(join(root, 'node_modules/pg/package.json'), 'utf8')) as { version: string })
  .version;
const url = inject('databaseUrl');
const kind = inject('databaseKind');

describe('the COPY submittable, against the installed pg', () => {
  test('the installed pg is the release the submittable was read against', () => {
    expect(installed, 're-check adapters/kit/pg-copy.ts against this release, then update CHECKED_AGAINST').toBe(
      CHECKED_AGAINST,
    );
  });

  test("pg's Connection still has the copy methods the submittable drives", async () => {
    const { default: Connection } = (await import('pg/lib/connection.js' as string)) as {
      default: { prototype: Record<string, unknown> };
    };
    for (const method of ['query', 'sendCopyFromChunk', 'endCopyFrom', 'sendCopyFail']) {
      expect(typeof Connection.prototype[method], method).toBe('function');
    }
  });

  test("back-pressure: past the socket's high-water mark the copy waits for 'drain', or for the copy's end", async () => {
    let release: (() => void) | undefined;
    const stream = new Writable({
      highWaterMark: 4,
      write: (_chunk, _encoding, done) => {
        release = done;
      },
    });
    const connection = { stream } as unknown as PgCopyConnection;
    const never = new Promise<void>(() => undefined);
    expect(nodeStreamPace(connection, never)).toBeUndefined();
    stream.write(Buffer.alloc(16));
    const waiting = nodeStreamPace(connection, never);
    expect(waiting).toBeInstanceOf(Promise);
    let drained = false;
    void waiting?.then(() => {
      drained = true;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(drained).toBe(false);
    release?.();
    await waiting;
    expect(drained).toBe(true);
    // The copy's end stops the wait too (the socket may never drain once the connection is gone).
    stream.write(Buffer.alloc(16));
    let stop!: () => void;
    const stopped = new Promise<void>((r) => {
      stop = r;
    });
    const again = nodeStreamPace(connection, stopped);
    stop();
    await again;
  });
});

describe.skipIf(kind === 'pglite')('COPY on a pg connection that dies, logs and spans', () => {
  const log: QueryEvent[] = [];
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const db = new Gino({ logger: (e) => log.push(e), tracer: provider.getTracer('copy-test') });
  class Line extends db.Model({
    __tablename__: 'copy_lines',
    id: db.Column(db.Integer(), { primaryKey: true }),
    text: db.Column(db.Text()),
  }) {}

  beforeAll(async () => {
    await db.setBind(url, { max: 1 });
    await db.gino.dropAll();
    await db.gino.createAll();
  });
  afterAll(async () => {
    await db.gino.dropAll();
    await db.popBind().close();
    await provider.shutdown();
  });

  test('the backend killed mid-COPY: ConnectionError, nothing stored, the pool opens a new connection', async () => {
    const pid = await db.scalar('SELECT pg_backend_pid()');
    async function* rows() {
      for (let i = 1; i <= 50_000; i++) {
        if (i === 2000) {
          const killer = new pg.Client({ connectionString: url });
          await killer.connect();
          await killer.query('SELECT pg_terminate_backend($1)', [pid]);
          // Gone before the rest of the rows are sent, however loaded the machine.
          for (let k = 0; k < 100; k++) {
            const alive = await killer.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
            if (alive.rowCount === 0) break;
            await new Promise((r) => setTimeout(r, 20));
          }
          await killer.end();
        }
        yield { id: i, text: `line ${i} ${'x'.repeat(100)}` };
      }
    }
    const error = await db.copyInto(Line, rows()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, String(error)).toBeInstanceOf(ConnectionError);
    expect(Number(await db.scalar('SELECT count(*) FROM copy_lines'))).toBe(0);
    expect(await db.scalar('SELECT pg_backend_pid()')).not.toBe(pid);
  });

  test('logged with its SQL and row count, and traced as COPY <table>', async () => {
    log.length = 0;
    exporter.reset();
    await db.copyInto(Line, [
      { id: 1, text: 'a' },
      { id: 2, text: 'b' },
    ]);
    expect(log).toEqual([
      { sql: 'COPY copy_lines (id, text) FROM STDIN', params: [], ms: expect.any(Number), rowCount: 2 },
    ]);
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('COPY copy_lines');
    expect(span?.attributes).toMatchObject({
      'db.operation.name': 'COPY',
      'db.collection.name': 'copy_lines',
      'db.query.text': 'COPY copy_lines (id, text) FROM STDIN',
      'gino.copy.rows': 2,
    });
  });
});
