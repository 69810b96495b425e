/** Signed tokens for the proxy's JWT tests (HS256, the secret shared with the proxy). */
import { createHmac } from 'node:crypto';

export function signJwt(claims: Record<string, unknown>, secret: string, alg = 'HS256'): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const head = `${part({ alg, typ: 'JWT' })}.${part(claims)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}
