/**
 * Shared lists: a result list built once and used by every statement built from it — a table's
 * columns, an alias's, a model's `select(...)` lists, `apply()`'s RETURNING lists. The code that
 * builds such a list marks it, explicitly; the compiler renders a shared list once for all the
 * statements using it, and nothing else is ever taken for shared (a list the caller froze is not).
 */

/** The mark a shared list carries. */
const SHARED: unique symbol = Symbol('gino-edge.shared');

/** A frozen list marked shared (see `shareList`). */
export type SharedList<T> = readonly T[] & { readonly [SHARED]: true };

/**
 * `items`, frozen and marked shared: the list is then never changed, and its rendering (keys, SQL,
 * the FROM items it names) may be kept by the compiler's cache for every statement that uses it.
 */
export function shareList<T>(items: T[]): SharedList<T> {
  Object.defineProperty(items, SHARED, { value: true });
  return Object.freeze(items) as SharedList<T>;
}

/** Whether `list` was marked shared by the code that built it. */
export function isSharedList<T>(list: readonly T[]): list is SharedList<T> {
  return (list as Partial<SharedList<T>>)[SHARED] === true;
}
