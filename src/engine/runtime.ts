/**
 * Importing a module named at run time: an adapter on demand by URL, `ws` for neon-ws where there
 * is no global WebSocket, AsyncLocalStorage where no global exposes it. Only the package's Node
 * entry (`src/node.ts`, the default export condition: Node, Deno, Bun) installs an importer. Builds
 * for Workers and browsers resolve the `workerd`, `worker` and `browser` conditions to the plain
 * entry and so carry no computed `import()`, which Workers tooling refuses to load.
 */

/** Imports modules known only at run time. */
export interface Importer {
  /** A package or a path relative to `src/engine/`. */
  module(specifier: string): Promise<unknown>;
  /** A runtime built-in by its bare name (`async_hooks`). */
  builtin(name: string): Promise<unknown>;
}

let importer: Importer | undefined;

/** Called once by the Node entry (`engine/autoload.ts`). */
export function setImporter(fn: Importer): void {
  importer = fn;
}

/** The runtime's importer, or undefined in bundled code (Workers, browsers). */
export function runtimeImporter(): Importer | undefined {
  return importer;
}
