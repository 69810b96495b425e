/**
 * What the generator produces, switch by switch. Every switch is on by default; the only ones off
 * are listed in KNOWN_OPEN_BUGS, each with the FINDINGS.md entry that explains it. After a fix
 * lands, delete its entry here (or run with `FUZZ_ENABLE=all`, or `FUZZ_ENABLE=name,name`, to see
 * whether the tester still finds it).
 */

export interface Features {
  // Predicates and operators.
  comparisons: boolean;
  andOr: boolean;
  not: boolean;
  isNull: boolean;
  /** `x.eq(null)` / `x.ne(null)` spelled for IS NULL / IS NOT NULL. */
  eqNull: boolean;
  inList: boolean;
  /** `x.in([])`, `x.notIn([])`. */
  emptyIn: boolean;
  /** `x.in([sub.asScalar()])`: a list of one scalar subquery (not a subquery's rows). */
  singleScalarIn: boolean;
  between: boolean;
  like: boolean;
  ilike: boolean;
  /** Comparisons, IN, BETWEEN whose operand is itself a predicate (`a.eq(b).in([true, false])`). */
  booleanOperands: boolean;
  arithmetic: boolean;
  division: boolean;
  unaryMinus: boolean;
  concat: boolean;
  functions: boolean;
  // Literals.
  /** `db.literal(v)` where a plain value could stand, and as the receiver of a method. */
  wrappedLiterals: boolean;
  /**
   * Literals that gino-edge binds with no type: `db.literal(v)` receivers, function arguments,
   * values compared with untyped expressions (text fragments, scalar subqueries, greatest()).
   */
  untypedLiterals: boolean;
  /** Values compared with (or added to) a column that cannot store them: `int4col.lt(1.5)`. */
  outOfTypeValues: boolean;
  /** Integers beyond int4 (int8 by the expected typing). */
  bigLiterals: boolean;
  fractionLiterals: boolean;
  bigintLiterals: boolean;
  nonFiniteLiterals: boolean;
  nullLiterals: boolean;
  // Raw SQL and subqueries.
  textFragments: boolean;
  exists: boolean;
  inSubquery: boolean;
  scalarSubqueries: boolean;
  /** Subqueries over `Model.alias(...)`. */
  aliasSubqueries: boolean;
  /** Subqueries over the other table, unaliased. */
  otherTableSubqueries: boolean;
  /** Subqueries over the enclosing statement's own table, unaliased (left uncorrelated). */
  selfSubqueries: boolean;
  /** Subquery clauses naming the enclosing statements' tables (correlation). */
  correlation: boolean;
  // Statements.
  predicates: boolean;
  values: boolean;
  /** Select lists whose result keys repeat (`A.x` and `alias.x`, a label equal to a column key). */
  duplicateKeys: boolean;
  constSelects: boolean;
  queries: boolean;
  orderBy: boolean;
  /** Labels inside ORDER BY expressions, and labels not in the select list. */
  orderByLabels: boolean;
  limitOffset: boolean;
  unanchored: boolean;
  deletes: boolean;
  updates: boolean;
  /** Subqueries in DELETE and UPDATE (WHERE and SET), correlated to the target. */
  dmlSubqueries: boolean;
  jsonProperties: boolean;
}

export type FeatureName = keyof Features;

const ALL_ON: Features = {
  comparisons: true,
  andOr: true,
  not: true,
  isNull: true,
  eqNull: true,
  inList: true,
  emptyIn: true,
  singleScalarIn: true,
  between: true,
  like: true,
  ilike: true,
  booleanOperands: true,
  arithmetic: true,
  division: true,
  unaryMinus: true,
  concat: true,
  functions: true,
  wrappedLiterals: true,
  untypedLiterals: true,
  outOfTypeValues: true,
  bigLiterals: true,
  fractionLiterals: true,
  bigintLiterals: true,
  nonFiniteLiterals: true,
  nullLiterals: true,
  textFragments: true,
  exists: true,
  inSubquery: true,
  scalarSubqueries: true,
  aliasSubqueries: true,
  otherTableSubqueries: true,
  selfSubqueries: true,
  correlation: true,
  predicates: true,
  values: true,
  duplicateKeys: true,
  constSelects: true,
  queries: true,
  orderBy: true,
  orderByLabels: true,
  limitOffset: true,
  unanchored: true,
  deletes: true,
  updates: true,
  dmlSubqueries: true,
  jsonProperties: true,
};

/**
 * Switches that are off ONLY because the tester finds an open bug with them on (see test/support/differential/FINDINGS.md).
 * The lead deletes an entry once the fix is merged; nothing else is ever turned off.
 */
export const KNOWN_OPEN_BUGS: Readonly<Partial<Record<FeatureName, string>>> = {};

const names = (list: string | undefined) => new Set((list ?? '').split(',').map((s) => s.trim()));

/**
 * The switches for this run: all on, less the known open bugs (unless FUZZ_ENABLE names them, or
 * is `all`), less what FUZZ_DISABLE names (to isolate one class of mismatch while exploring).
 */
export function featuresFor(
  enable: string | undefined,
  disable?: string | undefined,
): { features: Features; off: [FeatureName, string][] } {
  const wanted = names(enable);
  const features = { ...ALL_ON };
  const off: [FeatureName, string][] = [];
  for (const name of names(disable)) {
    if (!(name in features)) {
      if (name) throw new Error(`FUZZ_DISABLE: no switch '${name}' (switches: ${Object.keys(ALL_ON).join(', ')})`);
      continue;
    }
    features[name as FeatureName] = false;
    off.push([name as FeatureName, 'FUZZ_DISABLE']);
  }
  for (const [name, reason] of Object.entries(KNOWN_OPEN_BUGS) as [FeatureName, string][]) {
    if (wanted.has('all') || wanted.has(name) || !features[name]) continue;
    features[name] = false;
    off.push([name, reason]);
  }
  return { features, off };
}
