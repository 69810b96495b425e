/**
 * Async context for per-request binding stacks and transactions, on `AsyncLocalStorage` where the
 * runtime has one (Node, Deno, workerd with `nodejs_compat`). Found at run time through globals
 * (`process.getBuiltinModule`), or the Node entry's importer, never through an import of `node:*`,
 * so the core bundles for browsers and for Workers without `nodejs_compat`.
 */
import { UnsupportedError } from '../errors.js';
import { runtimeImporter } from './runtime.js';

export interface AsyncStorage<T> {
  getStore(): T | undefined;
  run<R>(store: T, fn: () => R): R;
}

type StorageClass = new <T>() => AsyncStorage<T>;

let storageClass: StorageClass | null | undefined;

function fromGlobals(): StorageClass | undefined {
  const g = globalThis as {
    AsyncLocalStorage?: StorageClass;
    process?: { getBuiltinModule?: (id: string) => unknown };
  };
  if (typeof g.AsyncLocalStorage === 'function') return g.AsyncLocalStorage;
  try {
    const mod = g.process?.getBuiltinModule?.('async_hooks') as { AsyncLocalStorage?: StorageClass } | undefined;
    if (mod?.AsyncLocalStorage) return mod.AsyncLocalStorage;
  } catch {
    // not Node, or the builtin is not exposed
  }
  return undefined;
}

/** Find `AsyncLocalStorage` once; null when the runtime has none (browsers). */
export async function loadStorageClass(): Promise<StorageClass | null> {
  if (storageClass !== undefined) return storageClass;
  let found = fromGlobals();
  const importer = runtimeImporter();
  if (!found && importer) {
    try {
      const mod = (await importer.builtin('async_hooks')) as { AsyncLocalStorage?: StorageClass };
      found = mod.AsyncLocalStorage;
    } catch {
      found = undefined;
    }
  }
  storageClass = found ?? null;
  return storageClass;
}

/** The synchronous form: only what globals already expose (used to set up eagerly). */
export function storageClassSync(): StorageClass | null | undefined {
  if (storageClass === undefined) {
    const found = fromGlobals();
    if (found) storageClass = found;
  }
  return storageClass;
}

/**
 * One async context slot for a Gino instance: created on first need, read synchronously after.
 */
export class ContextSlot<T> {
  private storage: AsyncStorage<T> | undefined;

  constructor() {
    const cls = storageClassSync();
    if (cls) this.storage = new cls<T>();
  }

  get(): T | undefined {
    return this.storage?.getStore();
  }

  /** Whether the runtime had `AsyncLocalStorage` (known after `ready()`). */
  get available(): boolean {
    return this.storage !== undefined;
  }

  async ready(): Promise<boolean> {
    if (this.storage) return true;
    const cls = await loadStorageClass();
    if (cls && !this.storage) this.storage = new cls<T>();
    return this.storage !== undefined;
  }

  /** Run `fn` with `store` as the current value; requires `ready()`. */
  run<R>(store: T, fn: () => R): R {
    if (!this.storage) {
      throw new UnsupportedError(
        'this runtime has no AsyncLocalStorage, so db.scope() and implicit transactions cannot follow async code; ' +
          'pass { bind } explicitly (e.g. db.all(q, { bind: tx })), or on Workers set compatibility_flags = ["nodejs_compat"] ' +
          '(with nodejs_als alone, set globalThis.AsyncLocalStorage from node:async_hooks before the first request)',
      );
    }
    return this.storage.run(store, fn);
  }
}
