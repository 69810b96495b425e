/**
 * The proxy's own log-in to its target, for WebSocket clients. Neon's proxy does not pass a
 * client's start-up through to the database: it asks the client for a cleartext password (which
 * Neon's driver has already sent, pipelined, with its start-up message), checks it, and logs in to
 * the compute itself. So does this proxy, against whatever the target asks for: nothing (trust),
 * a cleartext password, MD5, or SCRAM-SHA-256 (no channel binding: the target is reached without
 * TLS).
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import {
  authMessage,
  cstrings,
  errorFields,
  errorResponse,
  MessageReader,
  message,
  startupMessage,
} from './pg-frames.js';

/** The target refused the log-in or broke it: `reply` is the ErrorResponse to send the client. */
export class TargetLoginError extends Error {
  constructor(
    message: string,
    readonly reply: Buffer,
  ) {
    super(message);
  }
}

const AUTH_OK = 0;
const AUTH_CLEARTEXT = 3;
const AUTH_MD5 = 5;
const AUTH_SASL = 10;
const AUTH_SASL_CONTINUE = 11;
const AUTH_SASL_FINAL = 12;

function hmac(key: Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text).digest();
}

/** A SCRAM-SHA-256 client exchange (RFC 5802, RFC 7677), one step per server message. */
class ScramClient {
  private readonly nonce = randomBytes(18).toString('base64');
  private readonly firstBare = `n=*,r=${this.nonce}`;
  private serverSignature: Buffer | undefined;

  constructor(private readonly password: string) {}

  initial(): Buffer {
    const first = Buffer.from(`n,,${this.firstBare}`, 'utf8');
    const length = Buffer.alloc(4);
    length.writeInt32BE(first.length, 0);
    return message('p', Buffer.concat([cstrings('SCRAM-SHA-256'), length, first]));
  }

  continue(serverFirst: string): Buffer {
    const attrs = new Map(serverFirst.split(',').map((kv) => [kv.slice(0, 1), kv.slice(2)] as const));
    const nonce = attrs.get('r') ?? '';
    const salt = attrs.get('s');
    const iterations = Number(attrs.get('i'));
    if (!nonce.startsWith(this.nonce) || nonce.length === this.nonce.length) {
      throw new Error('SCRAM: the server nonce does not extend the client nonce');
    }
    if (salt === undefined || !Number.isInteger(iterations) || iterations < 1) {
      throw new Error('SCRAM: the server-first message has no salt or iteration count');
    }
    const salted = pbkdf2Sync(this.password.normalize('NFKC'), Buffer.from(salt, 'base64'), iterations, 32, 'sha256');
    const clientKey = hmac(salted, 'Client Key');
    const storedKey = createHash('sha256').update(clientKey).digest();
    const finalBare = `c=biws,r=${nonce}`;
    const authText = `${this.firstBare},${serverFirst},${finalBare}`;
    const signature = hmac(storedKey, authText);
    const proof = Buffer.from(clientKey.map((b, i) => b ^ (signature[i] as number)));
    this.serverSignature = hmac(hmac(salted, 'Server Key'), authText);
    return message('p', Buffer.from(`${finalBare},p=${proof.toString('base64')}`, 'utf8'));
  }

  final(serverFinal: string): void {
    const v = /(?:^|,)v=([^,]*)/.exec(serverFinal)?.[1];
    const given = v === undefined ? Buffer.alloc(0) : Buffer.from(v, 'base64');
    const expected = this.serverSignature;
    if (!expected || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new Error('SCRAM: the server signature does not match');
    }
  }
}

function md5Password(user: string, password: string, salt: Buffer): Buffer {
  const inner = createHash('md5')
    .update(password + user)
    .digest('hex');
  const outer = createHash('md5')
    .update(Buffer.concat([Buffer.from(inner), salt]))
    .digest('hex');
  return message('p', cstrings(`md5${outer}`));
}

/**
 * Log in on `socket` (connected to the target) with the client's start-up parameters and password.
 * Resolves with what the target sent from its AuthenticationOk on (parameter statuses, backend key,
 * ReadyForQuery...), which the client must see as if it had logged in itself.
 */
export function logInToTarget(socket: Socket, params: ReadonlyMap<string, string>, password: string): Promise<Buffer> {
  const user = params.get('user') ?? '';
  const reader = new MessageReader();
  let scram: ScramClient | undefined;
  return new Promise<Buffer>((resolve, reject) => {
    const fail = (error: Error) => {
      socket.off('data', onData);
      socket.off('close', onClose);
      reject(
        error instanceof TargetLoginError
          ? error
          : new TargetLoginError(
              error.message,
              errorResponse('08006', `the proxy could not log in to its target: ${error.message}`),
            ),
      );
    };
    const onClose = () => fail(new Error('the target closed the connection during log-in'));
    const onData = (chunk: Buffer) => {
      try {
        reader.push(chunk);
        for (let m = reader.next(); m; m = reader.next()) {
          if (m.type === 0x45 /* E */) {
            const fields = errorFields(m.body);
            throw new TargetLoginError(fields.get('M') ?? 'log-in refused', message('E', m.body));
          }
          if (m.type !== 0x52 /* R */) continue; // a notice before the log-in ends
          const code = m.body.readInt32BE(0);
          const payload = m.body.subarray(4);
          if (code === AUTH_OK) {
            socket.off('data', onData);
            socket.off('close', onClose);
            resolve(Buffer.concat([authMessage(AUTH_OK), reader.rest()]));
            return;
          }
          if (code === AUTH_CLEARTEXT) socket.write(message('p', cstrings(password)));
          else if (code === AUTH_MD5) socket.write(md5Password(user, password, payload.subarray(0, 4)));
          else if (code === AUTH_SASL) {
            const mechanisms = payload.toString('utf8').split('\0');
            if (!mechanisms.includes('SCRAM-SHA-256')) {
              throw new Error(`the target offers only SASL ${mechanisms.filter(Boolean).join(', ')}`);
            }
            scram = new ScramClient(password);
            socket.write(scram.initial());
          } else if (code === AUTH_SASL_CONTINUE && scram) socket.write(scram.continue(payload.toString('utf8')));
          else if (code === AUTH_SASL_FINAL && scram) scram.final(payload.toString('utf8'));
          else throw new Error(`the target asks for authentication method ${code}, which the proxy does not speak`);
        }
      } catch (error) {
        fail(error as Error);
      }
    };
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.write(startupMessage(params));
  });
}
