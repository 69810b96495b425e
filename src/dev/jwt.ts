/**
 * `Authorization: Bearer <JWT>` on `POST /sql`, checked the way Neon's `apiauth.` endpoint checks it
 * as far as a local tool can: the signature against one configured key (instead of the JWKS of an
 * auth provider), `exp` and `nbf`, the issuer and audience when configured, and the connection
 * string's role against the roles the token may use. The verified claims reach SQL as
 * `current_setting('request.jwt.claims')` for that request.
 */
import {
  constants,
  createHmac,
  createPublicKey,
  createSecretKey,
  type JsonWebKey,
  type KeyObject,
  timingSafeEqual,
  verify,
} from 'node:crypto';

export interface NeonProxyJwtOptions {
  /**
   * The verification key: an HS256 secret (a string or bytes), or a public key for RS256, PS256,
   * ES256/384/512 or EdDSA (a PEM string, a `KeyObject`, or a JWK).
   */
  key: string | Uint8Array | KeyObject | JsonWebKey;
  /** Roles a token may connect as (the connection string's user). Default `['authenticated', 'anonymous']`, Neon's. */
  roles?: readonly string[];
  /** The `iss` tokens must carry, when set. */
  issuer?: string;
  /** An `aud` tokens must carry, when set. */
  audience?: string;
}

/** A token refused: the message is what the client reads. */
export class JwtRefused extends Error {}

const ASYMMETRIC: Readonly<Record<string, { hash: string | null; pss?: number; p1363?: boolean }>> = {
  RS256: { hash: 'sha256' },
  RS384: { hash: 'sha384' },
  RS512: { hash: 'sha512' },
  PS256: { hash: 'sha256', pss: 32 },
  PS384: { hash: 'sha384', pss: 48 },
  PS512: { hash: 'sha512', pss: 64 },
  ES256: { hash: 'sha256', p1363: true },
  ES384: { hash: 'sha384', p1363: true },
  ES512: { hash: 'sha512', p1363: true },
  EdDSA: { hash: null },
};

function decodePart(part: string, what: string): Record<string, unknown> {
  try {
    const value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new JwtRefused(`malformed JWT: its ${what} is not a JSON object`);
}

/** Checks tokens against one key. */
export class JwtVerifier {
  private readonly secret: KeyObject | undefined;
  private readonly publicKey: KeyObject | undefined;
  readonly roles: readonly string[];

  constructor(private readonly options: NeonProxyJwtOptions) {
    const { key } = options;
    this.roles = options.roles ?? ['authenticated', 'anonymous'];
    if (typeof key === 'string' && !key.includes('-----BEGIN')) this.secret = createSecretKey(Buffer.from(key, 'utf8'));
    else if (key instanceof Uint8Array) this.secret = createSecretKey(key);
    else if (typeof key === 'string') this.publicKey = createPublicKey(key);
    else if ((key as KeyObject).type === 'secret') this.secret = key as KeyObject;
    else if ((key as KeyObject).type === 'public') this.publicKey = key as KeyObject;
    else this.publicKey = createPublicKey({ key: key as JsonWebKey, format: 'jwk' });
  }

  /** The token's claims, once its signature, times, issuer, audience and role check out. */
  verify(token: string, role: string, now = Date.now() / 1000): Record<string, unknown> {
    const parts = token.split('.');
    if (parts.length !== 3) throw new JwtRefused('malformed JWT: expected three dot-separated parts');
    const [head, body, signature] = parts as [string, string, string];
    const header = decodePart(head, 'header');
    const claims = decodePart(body, 'payload');
    const alg = String(header.alg);
    const signed = Buffer.from(`${head}.${body}`, 'utf8');
    const sig = Buffer.from(signature, 'base64url');
    let valid: boolean;
    if (/^HS(256|384|512)$/.test(alg)) {
      if (!this.secret)
        throw new JwtRefused(`JWT algorithm ${alg} needs a shared secret; this proxy holds a public key`);
      const mac = createHmac(`sha${alg.slice(2)}`, this.secret)
        .update(signed)
        .digest();
      valid = mac.length === sig.length && timingSafeEqual(mac, sig);
    } else if (ASYMMETRIC[alg]) {
      if (!this.publicKey) throw new JwtRefused(`JWT algorithm ${alg} needs a public key; this proxy holds a secret`);
      const { hash, pss, p1363 } = ASYMMETRIC[alg];
      valid = verify(
        hash,
        signed,
        {
          key: this.publicKey,
          ...(pss ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: pss } : {}),
          ...(p1363 ? { dsaEncoding: 'ieee-p1363' as const } : {}),
        },
        sig,
      );
    } else {
      throw new JwtRefused(`JWT signature algorithm '${alg}' is not supported`);
    }
    if (!valid) throw new JwtRefused('invalid JWT signature');
    if (typeof claims.exp === 'number' && now >= claims.exp) {
      throw new JwtRefused(`JWT token has expired (exp=${claims.exp})`);
    }
    if (typeof claims.nbf === 'number' && now < claims.nbf) {
      throw new JwtRefused(`JWT token is not yet ready to use (nbf=${claims.nbf})`);
    }
    if (this.options.issuer !== undefined && claims.iss !== this.options.issuer) {
      throw new JwtRefused(`invalid JWT token issuer: expected '${this.options.issuer}'`);
    }
    const audience = this.options.audience;
    if (audience !== undefined) {
      const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      if (!aud.includes(audience)) throw new JwtRefused(`invalid JWT token audience: expected '${audience}'`);
    }
    if (!this.roles.includes(role)) {
      throw new JwtRefused(
        `role '${role}' may not connect with a JWT; this proxy lets tokens use ${this.roles.map((r) => `'${r}'`).join(', ')} (its jwt.roles option)`,
      );
    }
    return claims;
  }
}
