/**
 * JSON property updates, differentially: `instance.update({ pn: v }).apply()` on documents that are
 * SQL NULL, JSON null, or objects, against a raw `jsonb` merge and a JS merge. The expected value of
 * a property update on anything but an object is an object holding just the changed properties.
 */
import fc from 'fast-check';
import type { Gino } from '../../../src/index.js';
import { STRING_UNITS } from './generate.js';
import { show } from './run.js';
import { JSON_SEED, RESTORE, type Tables } from './schema.js';

export interface JsonCase {
  readonly id: number;
  readonly changes: readonly { readonly prop: 'pn' | 'pt'; readonly value: number | string | null }[];
}

export const jsonCases: fc.Arbitrary<JsonCase> = fc.record({
  id: fc.integer({ min: 1, max: JSON_SEED.length }),
  changes: fc.array(
    fc.oneof(
      fc.record({
        prop: fc.constant('pn' as const),
        value: fc.option(fc.integer({ min: -5, max: 5 }), { nil: null }),
      }),
      fc.record({
        prop: fc.constant('pt' as const),
        value: fc.option(fc.string({ unit: fc.constantFrom(...STRING_UNITS), maxLength: 2 }), { nil: null }),
      }),
    ),
    { minLength: 1, maxLength: 2 },
  ),
});

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A JSON value with its object keys sorted, for comparison. */
function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (!isObject(v)) return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sorted(v[k])]),
  );
}

/** Run one case three ways; throws the report on a disagreement. */
export async function checkJsonCase(db: Gino, { J }: Tables, c: JsonCase): Promise<void> {
  const seed = JSON_SEED.find((r) => r.id === c.id)?.p ?? null;
  const patch: Record<string, unknown> = {};
  for (const ch of c.changes) patch[ch.prop] = ch.value;
  const expected = sorted({ ...(isObject(seed) ? seed : {}), ...patch });

  const [rawRows] = await db.batch([
    db.text(
      "UPDATE dt_j SET p = (CASE WHEN jsonb_typeof(p) = 'object' THEN p ELSE '{}'::jsonb END) || $1::jsonb WHERE id = $2::int4 RETURNING p",
      [JSON.stringify(patch), c.id],
    ),
    ...RESTORE,
  ]);
  const raw = sorted((rawRows as { p: unknown }[])[0]?.p);

  const code = `await new J({ id: ${c.id}, p: ${show(seed)} })${c.changes
    .map((ch) => `.update({ ${ch.prop}: ${show(ch.value)} })`)
    .join('')}.apply()`;
  let gino: unknown;
  try {
    const instance = new J({ id: c.id, p: seed as Record<string, unknown> | null });
    let request = instance.update({ [c.changes[0]?.prop as string]: c.changes[0]?.value });
    for (const ch of c.changes.slice(1)) request = request.update({ [ch.prop]: ch.value });
    await request.apply();
    gino = sorted(await db.scalar('SELECT p FROM dt_j WHERE id = $1::int4', [c.id]));
  } catch (error) {
    gino = `ERROR ${(error as Error).constructor.name}: ${(error as Error).message}`;
  } finally {
    for (const sql of RESTORE) await db.status(sql);
  }
  if (show(raw) === show(expected) && show(gino) === show(expected)) return;
  throw new Error(
    [
      `differential mismatch (JSON property update of dt_j row ${c.id}, seeded ${show(seed)})`,
      `gino-edge code: ${code}`,
      `expected (JS merge): ${show(expected)}`,
      `raw SQL oracle:      ${show(raw)}`,
      `gino-edge:           ${show(gino)}`,
    ].join('\n'),
  );
}
