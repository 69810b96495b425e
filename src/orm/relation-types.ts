/**
 * The types of relationships: the attribute a declaration adds to instances (`post.author:
 * Author | null`, `author.posts: Post[]`, unset until loaded) and what loading it makes of the
 * loaded rows' type (set, with nested loads' types).
 */
import type { LoadedBy } from '../sql/executor.js';
import type { Select } from '../sql/select.js';
import type { WithRelated } from './loader.js';
import type { RelationCount, RelationshipDef } from './relationship.js';

// biome-ignore lint/suspicious/noExplicitAny: matching any model class
type AnyModelClass = abstract new (...args: any) => object;

/** The attribute type of a relationship to model class `M` with options `O`. */
export type RelationValueOf<M, O> = M extends AnyModelClass
  ? O extends { many: true }
    ? InstanceType<M>[]
    : InstanceType<M> | null
  : never;

/** The keys of the relationships in a definition. */
export type RelationKeys<D> = {
  // biome-ignore lint/suspicious/noExplicitAny: matching any relationship
  [K in keyof D]: D[K] extends RelationshipDef<any> ? K : never;
}[keyof D] &
  string;

/** A relationship's attribute type. */
export type RelationValue<R> = R extends RelationshipDef<infer P> ? P : never;

/** The relationships on every instance: unset until loaded. */
export type ModelRelations<D> = { -readonly [K in RelationKeys<D>]?: RelationValue<D[K]> };

/**
 * What a relation's loader makes of each related row (`T`: the declared row type): a model, a
 * model loader, or a query over it — `Post.query...` rows are the declared `Post`.
 */
type LoadedRow<V, T> = V extends Select<infer R, unknown> ? (T extends R ? T : R) : LoadedBy<V>;

/** A loaded relationship's attribute: the rows of its loader, as a collection or one row (or null). */
type LoadedRelation<P, V> = [V] extends [undefined]
  ? P
  : P extends readonly (infer T)[]
    ? LoadedRow<V, T>[]
    : LoadedRow<V, Exclude<P, null>> | null;

/** The relation keys among a `load()` call's names and related loaders. */
type LoadedKeys<D, N, E> = (N | keyof E) & RelationKeys<D>;

/**
 * An instance loaded with `Model.load(...names, { ...related })`: each named or given relationship
 * is set (with the types of nested loads), each relation count is a number, and other related
 * loaders are GINO's (optional attributes).
 */
export type WithLoaded<T, D, N, E> = [LoadedKeys<D, N, E> | CountKeys<E>] extends [never]
  ? WithRelated<T, E>
  : Omit<WithRelated<T, Omit<E, LoadedKeys<D, N, E> | CountKeys<E>>>, LoadedKeys<D, N, E>> & {
      -readonly [K in LoadedKeys<D, N, E>]: K extends keyof E
        ? LoadedRelation<RelationValue<D[K]>, E[K]>
        : RelationValue<D[K]>;
    } & { -readonly [K in CountKeys<E>]: number };

type CountKeys<E> = { [K in keyof E]: E[K] extends RelationCount ? K : never }[keyof E];
