/**
 * The Node entry's one side effect: modules named at run time are imported (adapters on demand,
 * `ws`, `node:async_hooks`). Relative specifiers resolve from this folder, as from `resolve.ts`.
 * Never imported by the plain entry that Workers and browser bundles get.
 */
import { setImporter } from './runtime.js';

setImporter({
  module: (specifier) => import(/* @vite-ignore */ specifier),
  // Deno resolves built-ins only with the prefix.
  builtin: (name) => import(/* @vite-ignore */ ['node', name].join(':')),
});
