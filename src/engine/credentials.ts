/**
 * A database URL whose user name or password holds a raw `@` or `/`: drivers split such a URL in
 * different places (node-postgres then looks up a host named after the end of the password,
 * `getaddrinfo ENOTFOUND ss`), so it is refused before any I/O with the way out: percent-encoding.
 */
import { InvalidRequestError } from '../errors.js';
import { redact } from './resolve.js';

/** Throws when `url`'s user or password holds a raw `@` or `/`. */
export function checkCredentials(url: string): void {
  const start = url.indexOf('://');
  if (start === -1) return;
  const rest = url.slice(start + 3);
  const at = rest.lastIndexOf('@');
  if (at === -1) return;
  const userinfo = rest.slice(0, at);
  // An '@' after a '?' is in the query (?application_name=a@b), not in the credentials.
  if (userinfo.includes('?') || userinfo.includes('#')) return;
  const raw = ['@', '/'].filter((c) => userinfo.includes(c));
  if (raw.length === 0) return;
  const part = userinfo.includes(':') ? 'password (or user name)' : 'user name';
  throw new InvalidRequestError(
    `the database URL ${redact(url)} has a raw ${raw.map((c) => `'${c}'`).join(' and ')} in its ${part}: ` +
      "percent-encode it ('@' as %40, '/' as %2F, ':' as %3A; encodeURIComponent(password) does all of them)",
  );
}
