/**
 * OpenTelemetry spans per statement, batch and transaction, following OpenTelemetry's database
 * semantic conventions. The tracer is the caller's (`new Gino({ tracer })`, from
 * `@opentelemetry/api`'s `trace.getTracer(...)`); this file imports nothing of OpenTelemetry and
 * uses no runtime API beyond the tracer's own, so it works on Workers, Deno, browsers and Node.
 * `db.query.text` is the statement with `$n` placeholders: parameter values never reach a span.
 */

/** The slice of an OpenTelemetry `Span` used here. */
export interface SpanLike {
  setAttribute(key: string, value: string | number | boolean): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  recordException(exception: Error | string): unknown;
  updateName(name: string): unknown;
  end(): void;
}

/** The slice of an OpenTelemetry `Context` used here (to make a span the parent of the next). */
export interface ContextLike {
  getValue(key: symbol): unknown;
  setValue(key: symbol, value: unknown): ContextLike;
  deleteValue(key: symbol): ContextLike;
}

/** An OpenTelemetry `Tracer` (`trace.getTracer('my-app')`): what `new Gino({ tracer })` takes. */
export interface TracerLike {
  startSpan(
    name: string,
    options?: { kind?: number; attributes?: Record<string, string | number | boolean> },
    context?: ContextLike,
  ): SpanLike;
}

/** Where the database is, for `server.address`, `server.port` and `db.namespace`. */
export interface ServerInfo {
  readonly address?: string | undefined;
  readonly port?: number | undefined;
  readonly namespace?: string | undefined;
}

/** OpenTelemetry's `SpanKind.CLIENT` and `SpanStatusCode.ERROR` (numbers, to import nothing). */
const CLIENT = 2;
const ERROR = 2;
/** The key `@opentelemetry/api` keeps the current span under in a Context (`createContextKey`). */
const SPAN_KEY = Symbol.for('OpenTelemetry Context Key SPAN');
/** Where a loaded `@opentelemetry/api` 1.x keeps its globals, including the context manager. */
const API_GLOBAL = Symbol.for('opentelemetry.js.api.1');

/** A context holding nothing but values set on it: the parent link when no context manager is registered. */
class PlainContext implements ContextLike {
  constructor(private readonly values: ReadonlyMap<symbol, unknown> = new Map()) {}
  getValue(key: symbol): unknown {
    return this.values.get(key);
  }
  setValue(key: symbol, value: unknown): ContextLike {
    return new PlainContext(new Map(this.values).set(key, value));
  }
  deleteValue(key: symbol): ContextLike {
    const values = new Map(this.values);
    values.delete(key);
    return new PlainContext(values);
  }
}

/** The application's active context (its request span), when `@opentelemetry/api` registered a context manager. */
function activeContext(): ContextLike {
  const api = (globalThis as Record<symbol, { context?: { active?: () => ContextLike } } | undefined>)[API_GLOBAL];
  try {
    const active = api?.context?.active?.();
    if (active && typeof active.setValue === 'function') return active;
  } catch {
    // a foreign or broken context manager: spans still nest under each other
  }
  return new PlainContext();
}

const KEYWORD = /^\s*(?:\/\*[\s\S]*?\*\/\s*|--[^\n]*\n\s*)*([A-Za-z]+)/;
const NAME = '("(?:[^"]|"")+"|[A-Za-z_][\\w$]*)(?:\\.("(?:[^"]|"")+"|[A-Za-z_][\\w$]*))?';
const TARGETS: Readonly<Record<string, RegExp>> = {
  INSERT: new RegExp(`^\\s*INSERT\\s+INTO\\s+${NAME}`, 'i'),
  UPDATE: new RegExp(`^\\s*UPDATE\\s+(?:ONLY\\s+)?${NAME}`, 'i'),
  DELETE: new RegExp(`^\\s*DELETE\\s+FROM\\s+(?:ONLY\\s+)?${NAME}`, 'i'),
  COPY: new RegExp(`^\\s*COPY\\s+${NAME}`, 'i'),
  SELECT: new RegExp(
    `\\sFROM\\s+${NAME}(?:\\s+AS\\s+\\S+)?\\s*(?:$|WHERE\\s|ORDER\\s|GROUP\\s|LIMIT\\s|OFFSET\\s|FOR\\s|HAVING\\s)`,
    'i',
  ),
};

function unquote(name: string): string {
  return name.startsWith('"') ? name.slice(1, -1).replaceAll('""', '"') : name;
}

/**
 * `db.operation.name` (the statement's first keyword, `SELECT`) and, where the statement names one
 * table unambiguously, `db.collection.name` (schema-qualified as written). A statement that starts
 * with WITH, selects from several tables or from a subquery gets no collection: a wrong one is worse.
 */
export function describeStatement(sql: string): { operation?: string; collection?: string } {
  const operation = KEYWORD.exec(sql)?.[1]?.toUpperCase();
  if (!operation || operation === 'WITH') return {};
  const pattern = TARGETS[operation];
  if (!pattern) return { operation };
  if (operation === 'SELECT' && (/\sJOIN\s/i.test(sql) || (sql.match(/\sFROM\s/gi) ?? []).length !== 1)) {
    return { operation };
  }
  const m = pattern.exec(sql);
  if (!m) return { operation };
  const collection = m[2] ? `${unquote(m[1] as string)}.${unquote(m[2])}` : unquote(m[1] as string);
  return { operation, collection };
}

/** A span this file started, ended once with the outcome. */
export interface TraceSpan {
  readonly span: SpanLike;
  /** Ends the span as failed: the exception recorded, `error.type` and the SQLSTATE set. */
  fail(error: unknown): void;
  /** Ends the span; `rows`, when given, is `db.response.returned_rows`. */
  end(rows?: number): void;
  /** Makes a transaction's span the span of the batch it runs (`db.batch` on a session adapter). */
  asBatch(sqls: readonly string[]): void;
}

function batchOf(sqls: readonly string[]): { name: string; attributes: Record<string, string | number> } {
  const operations = new Set(sqls.map((sql) => describeStatement(sql).operation));
  const [only] = operations;
  const name = operations.size === 1 && only ? `BATCH ${only}` : 'BATCH';
  return {
    name,
    attributes: { 'db.operation.name': name, 'db.operation.batch.size': sqls.length, 'db.query.text': sqls.join('; ') },
  };
}

/** Spans for one engine: its tracer and where its database is. */
export class Tracing {
  constructor(
    private readonly tracer: TracerLike,
    private readonly server: ServerInfo = {},
  ) {}

  private start(name: string, attributes: Record<string, string | number | boolean>, parent?: SpanLike): TraceSpan {
    const base: Record<string, string | number | boolean> = { 'db.system.name': 'postgresql' };
    if (this.server.namespace) base['db.namespace'] = this.server.namespace;
    if (this.server.address) base['server.address'] = this.server.address;
    if (this.server.port !== undefined) base['server.port'] = this.server.port;
    const context = parent ? activeContext().setValue(SPAN_KEY, parent) : undefined;
    const span = this.tracer.startSpan(name, { kind: CLIENT, attributes: { ...base, ...attributes } }, context);
    let ended = false;
    return {
      span,
      fail: (error) => {
        if (ended) return;
        ended = true;
        const e = error instanceof Error ? error : new Error(String(error));
        const code = (error as { code?: unknown }).code;
        span.recordException(e);
        if (typeof code === 'string' && code) span.setAttribute('db.response.status_code', code);
        span.setAttribute('error.type', typeof code === 'string' && code ? code : e.name);
        span.setStatus({ code: ERROR, message: e.message });
        span.end();
      },
      end: (rows) => {
        if (ended) return;
        ended = true;
        if (rows !== undefined) span.setAttribute('db.response.returned_rows', rows);
        span.end();
      },
      asBatch: (sqls) => {
        const { name, attributes } = batchOf(sqls);
        span.updateName(name);
        for (const [key, value] of Object.entries(attributes)) span.setAttribute(key, value);
      },
    };
  }

  /** One statement: named `{operation} {collection}` (`SELECT users`), else by its operation. */
  statement(sql: string, parent?: SpanLike): TraceSpan {
    const { operation, collection } = describeStatement(sql);
    const attributes: Record<string, string | number | boolean> = { 'db.query.text': sql };
    if (operation) attributes['db.operation.name'] = operation;
    if (collection) attributes['db.collection.name'] = collection;
    const name = operation ? (collection ? `${operation} ${collection}` : operation) : 'postgresql';
    return this.start(name, attributes, parent);
  }

  /**
   * Statements sent as one request (`db.batch` on neon-http): `BATCH`, or `BATCH SELECT` when they
   * share an operation. On session adapters a batch is a transaction, whose span becomes this one.
   */
  batch(sqls: readonly string[], parent?: SpanLike): TraceSpan {
    const { name, attributes } = batchOf(sqls);
    return this.start(name, attributes, parent);
  }

  /** A transaction level: `TRANSACTION`, or `NESTED TRANSACTION` (a savepoint); its statements are its children. */
  transaction(nested: boolean, parent?: SpanLike): TraceSpan {
    return this.start(nested ? 'NESTED TRANSACTION' : 'TRANSACTION', {}, parent);
  }
}

/** `server.address`, `server.port` and `db.namespace` of a database URL (none for pglite://). */
export function serverOf(url: string): ServerInfo {
  try {
    const u = new URL(url);
    if (u.protocol === 'pglite:') return {};
    const port = u.port ? Number(u.port) : 5432;
    const namespace = decodeURIComponent(u.pathname.replace(/^\//, '')) || undefined;
    return { address: u.hostname.replace(/^\[|\]$/g, '') || undefined, port, namespace };
  } catch {
    return {};
  }
}
