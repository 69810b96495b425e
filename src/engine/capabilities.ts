/**
 * What the engine says when an adapter lacks a capability, built from capabilities alone: what
 * the adapter can do instead, from its own, and which registered adapters can, from the
 * capabilities their modules declared. No adapter is named here.
 */
import type { Capabilities } from './adapter.js';
import { registeredAdapters } from './resolve.js';

/** The capabilities an adapter has or lacks (the yes/no ones). */
export type Capability = {
  [K in keyof Capabilities]-?: NonNullable<Capabilities[K]> extends boolean ? K : never;
}[keyof Capabilities];

/** Capabilities that come with a held connection: the adapters that have them are "session adapters". */
const SESSION_BOUND: ReadonlySet<Capability> = new Set(['sessions', 'transactions', 'savepoints', 'cursors']);

/** What an adapter with capabilities `has` can do instead of what `missing` would allow, if anything. */
function instead(missing: Capability, has: Capabilities): string | undefined {
  const batch = has.nativeBatch ? 'use db.batch([...]) for atomic groups of statements' : undefined;
  switch (missing) {
    case 'sessions':
    case 'transactions':
      return batch;
    case 'savepoints':
      return has.transactions ? 'run the statements in the enclosing transaction, without nesting one' : batch;
    case 'cursors':
      return 'fetch with all() (with limit/offset)';
    case 'timeouts':
      return 'it runs statements to completion and cannot interrupt one; bound the work with limit()';
    case 'nativeBatch':
      return has.transactions ? 'db.batch() runs as one transaction on one connection instead' : undefined;
    case 'copy':
      return (
        'insert the rows with Model.insert().values(rows) in chunks of under 65,535 parameters each ' +
        `(rows × columns)${has.nativeBatch || has.transactions ? ', all the chunks in one db.batch([...]) to keep them atomic' : ''}`
      );
    case 'sessionState':
      return undefined;
  }
}

/** The way out of a refusal for lack of `missing` on an adapter whose capabilities are `has`. */
export function wayOut(missing: Capability, has: Capabilities): string {
  const able = registeredAdapters()
    .filter((a) => a.capabilities?.[missing] === true)
    .map((a) => a.name);
  const kind = SESSION_BOUND.has(missing) ? 'a session adapter' : `an adapter with ${missing}`;
  const elsewhere = able.length
    ? `bind ${kind} (${able.join(', ')})${missing === 'cursors' ? ' for cursors' : ''}`
    : `bind an adapter that has ${missing}`;
  const here = instead(missing, has);
  return here ? `${here}, or ${elsewhere}` : elsewhere;
}

/** How a `timeout(ms)` statement reaches the server (see `Capabilities.timeoutVia`). */
export function timeoutVia(has: Capabilities): 'transaction' | 'batch' {
  return has.timeoutVia ?? (has.transactions || !has.nativeBatch ? 'transaction' : 'batch');
}
