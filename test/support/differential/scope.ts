/**
 * FROM lists and column binding, as the expected semantics decide them (SQLAlchemy's implicit
 * correlation): a SELECT's FROM is the tables and aliases its own clauses name; a subquery drops
 * those an enclosing statement's FROM already has, unless that would leave it with none. A column
 * then binds to the nearest enclosing FROM that has its table (or alias). Shared by the raw SQL
 * oracle and the JS evaluator; gino-edge's own compiler is not consulted.
 */
import { type Chain, type Expr, enter, type Source, type Sub, walk } from './ast.js';

/** How a FROM item is known in SQL text (the table's name, or the alias). */
export function sourceKey(src: Source): string {
  return src.alias ?? src.table;
}

/** The sources the column references directly in `exprs` name, in order, without repeats. */
export function namedSources(exprs: readonly (Expr | null)[], chain: Chain, first: Source[] = []): Source[] {
  const out: Source[] = [...first];
  const add = (src: Source | null | undefined) => {
    if (src && !out.some((s) => sourceKey(s) === sourceKey(src))) out.push(src);
  };
  for (const e of exprs) {
    if (!e) continue;
    walk(e, (node) => {
      if (node.k === 'col') add(chain[node.up]);
    });
  }
  return out;
}

/** One FROM list being evaluated or rendered: its items, innermost scope first in a `Frame[]`. */
export interface Frame {
  readonly items: readonly Source[];
}

/** A subquery's FROM list, given the FROM lists of the statements enclosing it. */
export function subqueryFrom(sub: Sub, chain: Chain, enclosing: readonly Frame[]): Source[] {
  const inner = enter(chain, sub);
  const named = namedSources([sub.where], inner, [sub.src]);
  const enclosed = (s: Source) => enclosing.some((f) => f.items.some((i) => sourceKey(i) === sourceKey(s)));
  const own = named.filter((s) => !enclosed(s));
  return own.length ? own : named;
}

/** Where a column reference binds: the frame (0 = innermost) and the item within it. */
export function bindColumn(src: Source, frames: readonly Frame[]): { frame: number; item: number } {
  const key = sourceKey(src);
  for (let f = 0; f < frames.length; f++) {
    const item = (frames[f] as Frame).items.findIndex((i) => sourceKey(i) === key);
    if (item !== -1) return { frame: f, item };
  }
  throw new Error(`no FROM item for ${key}: the generator produced an unbound column`);
}
