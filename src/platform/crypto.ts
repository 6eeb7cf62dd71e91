/**
 * Envelope encryption for key secrets (AES-256-GCM, Node's crypto; no home-made ciphers).
 * - The master key (KAMENG_MASTER_KEY, 32 bytes base64) only wraps other keys.
 * - Data keys (one per import batch) encrypt secrets; they are stored wrapped in `crypto_keys`.
 * - One HMAC key, also stored wrapped, hashes normalised secrets for duplicate detection and
 *   activation look-ups without decrypting anything.
 * Rotating the master key re-wraps the stored keys; no secret is decrypted or re-encrypted.
 */
import crypto, { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomFromPool } from './ids.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;
export const MASTER_KEY_BYTES = 32;

/** AES-256-GCM: iv ‖ tag ‖ ciphertext, authenticated together with `aad`. */
export function seal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const iv = randomFromPool(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

export function open(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new CryptoError('ciphertext too short');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    // Never echo key material or ciphertext: the message names only what failed.
    throw new CryptoError('authentication failed (wrong key or tampered data)');
  }
}

export class CryptoError extends Error {
  constructor(message: string) {
    super(`crypto: ${message}`);
    this.name = 'CryptoError';
  }
}

export class MasterKey {
  readonly fingerprint: string;
  private readonly key: Buffer;
  constructor(key: Buffer) {
    if (key.length !== MASTER_KEY_BYTES)
      throw new CryptoError(`the master key must be ${MASTER_KEY_BYTES} bytes`);
    this.key = Buffer.from(key);
    this.fingerprint = createHash('sha256')
      .update('kameng-master-fingerprint')
      .update(key)
      .digest('hex')
      .slice(0, 16);
  }
  static parse(base64: string): MasterKey {
    const key = Buffer.from(base64.trim(), 'base64');
    if (key.length !== MASTER_KEY_BYTES || key.toString('base64') !== base64.trim()) {
      throw new CryptoError(
        `KAMENG_MASTER_KEY must be ${MASTER_KEY_BYTES} random bytes in base64 (openssl rand -base64 32)`,
      );
    }
    return new MasterKey(key);
  }
  static generate(): MasterKey {
    return new MasterKey(randomBytes(MASTER_KEY_BYTES));
  }
  toBase64(): string {
    return this.key.toString('base64');
  }
  wrap(id: string, dataKey: Buffer): Buffer {
    return seal(this.key, dataKey, Buffer.from(`kameng-wrap:${id}`));
  }
  unwrap(id: string, wrapped: Buffer): Buffer {
    return open(this.key, wrapped, Buffer.from(`kameng-wrap:${id}`));
  }
  /** Keeps the key bytes out of util.inspect, JSON and logs. */
  toJSON(): string {
    return `[MasterKey ${this.fingerprint}]`;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toJSON();
  }
}

export const newDataKey = (): Buffer => randomBytes(32);

/** Node's one-shot `crypto.hash` (20.12+): no Hash object per call. */
const oneShot = (
  crypto as unknown as { hash: (algorithm: string, data: Buffer, encoding: 'buffer') => Buffer }
).hash;

/**
 * HMAC-SHA256 (RFC 2104 exactly; a test checks it against `createHmac`) computed as two one-shot
 * SHA-256 calls over reused buffers: `H(K⊕opad ‖ H(K⊕ipad ‖ m))`. Creating an Hmac (or copying a
 * keyed Hash) per message allocates objects per key and was over a third of a bulk import's
 * encryption-side CPU; this is ~2× faster and gives identical digests.
 */
export class HmacSha256 {
  private inner: Buffer;
  private readonly outer: Buffer;
  constructor(readonly key: Buffer) {
    const block = Buffer.alloc(64);
    Buffer.from(key.length > 64 ? createHash('sha256').update(key).digest() : key).copy(block);
    this.inner = Buffer.alloc(64 + 256);
    for (let i = 0; i < 64; i++) this.inner[i] = block[i] ^ 0x36;
    this.outer = Buffer.alloc(64 + 32);
    for (let i = 0; i < 64; i++) this.outer[i] = block[i] ^ 0x5c;
  }
  /** Keeps the key bytes out of JSON and logs. */
  toJSON(): string {
    return '[HmacSha256]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toJSON();
  }
  digest(text: string): Buffer {
    const need = 64 + Buffer.byteLength(text, 'utf8');
    if (need > this.inner.length) {
      const grown = Buffer.alloc(Math.max(need, this.inner.length * 2));
      this.inner.copy(grown, 0, 0, 64);
      this.inner = grown;
    }
    const n = this.inner.write(text, 64, 'utf8');
    oneShot('sha256', this.inner.subarray(0, 64 + n), 'buffer').copy(this.outer, 64);
    return oneShot('sha256', this.outer, 'buffer');
  }
}

/**
 * Where the master key comes from: the environment, or — outside production only — a demo key
 * generated once into the data directory (mode 0600) with a loud warning.
 */
export function loadMasterKey(
  fromEnv: string | undefined,
  options: { production: boolean; dataDir: string; warn: (message: string) => void },
): { key: MasterKey; file: string | null } {
  if (fromEnv) return { key: MasterKey.parse(fromEnv), file: null };
  if (options.production) throw new CryptoError('KAMENG_MASTER_KEY is required in production');
  const file = path.join(options.dataDir, 'master.key');
  if (!existsSync(file)) {
    mkdirSync(options.dataDir, { recursive: true });
    writeFileSync(file, `${MasterKey.generate().toBase64()}\n`, { mode: 0o600, flag: 'wx' });
  }
  chmodSync(file, 0o600);
  options.warn(
    `!!! DEMO MASTER KEY in use: ${file}. Key secrets are encrypted with it; set KAMENG_MASTER_KEY ` +
      '(openssl rand -base64 32) and keep it out of the data directory for any real use. / ' +
      '正在使用演示主密钥，生产环境请设置 KAMENG_MASTER_KEY。',
  );
  return { key: MasterKey.parse(readFileSync(file, 'utf8')), file };
}
