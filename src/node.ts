/**
 * The entry for runtimes that import modules at run time (Node, Deno, Bun: the package's default
 * export condition): the public names of `index.ts`, and adapters loaded on demand by URL. Bundles
 * for Workers and browsers get `index.ts` alone (the `workerd`, `worker` and `browser` conditions)
 * and import the adapters they use.
 */
import './engine/autoload.js';

export * from './index.js';
