/**
 * The sandbox gateways' signing material, one set per provider, made on first use:
 * - an RSA-2048 key pair: the private half signs notifications as the real platform certificate
 *   (WeChat) or Alipay's own key would; Kameng verifies with the public half;
 * - for WeChat, the 32-byte APIv3 key that encrypts notification resources (AES-256-GCM).
 * The public key is stored in clear; the private key and API key are sealed at rest through the
 * key vault (a master-key-wrapped data key), as real merchant credentials would be.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';
import { now, type Db } from '../../../platform/db/dialect.js';
import type { KeyVault } from '../../../platform/vault.js';
import type { Provider } from '../gateway.js';

const generateRsa = promisify(generateKeyPair);

interface SealedSecrets {
  privateKeyPem: string;
  /** base64; null for providers without one (Alipay). */
  apiV3Key: string | null;
}

/**
 * One provider's keys in memory. Secrets sit in private fields and are kept out of JSON and
 * util.inspect, so logging a gateway object never prints them.
 */
export class GatewayKeys {
  readonly #privateKey: KeyObject;
  readonly #apiV3Key: Buffer | null;
  readonly publicKey: KeyObject;
  /** Like a WeChat platform-certificate serial: 40 hex digits naming this public key. */
  readonly serial: string;

  constructor(
    readonly provider: Provider,
    readonly publicKeyPem: string,
    privateKeyPem: string,
    apiV3Key: Buffer | null,
  ) {
    this.publicKey = createPublicKey(publicKeyPem);
    this.#privateKey = createPrivateKey(privateKeyPem);
    this.#apiV3Key = apiV3Key;
    const der = this.publicKey.export({ type: 'spki', format: 'der' });
    this.serial = createHash('sha256').update(der).digest('hex').slice(0, 40).toUpperCase();
  }

  get privateKey(): KeyObject {
    return this.#privateKey;
  }

  get apiV3Key(): Buffer {
    if (!this.#apiV3Key) throw new Error(`${this.provider} has no APIv3 key`);
    return this.#apiV3Key;
  }

  toJSON(): string {
    return `[GatewayKeys ${this.provider} ${this.serial}]`;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toJSON();
  }
}

const aadFor = (provider: Provider): string => `gateway-credentials:${provider}`;

/**
 * Loads the provider's keys, creating and storing them if this is the first use. Insert-if-absent
 * and then read back: when two instances start at once both generate a pair, one row wins and
 * both use that one.
 */
export async function loadGatewayKeys(
  deps: { db: Db; vault: KeyVault },
  provider: Provider,
  at: Date,
): Promise<GatewayKeys> {
  let row = await deps.db
    .selectFrom('gateway_credentials')
    .selectAll()
    .where('provider', '=', provider)
    .executeTakeFirst();
  if (!row) {
    const pair = await generateRsa('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const secrets: SealedSecrets = {
      privateKeyPem: pair.privateKey,
      apiV3Key: provider === 'sandbox-wechat' ? randomBytes(32).toString('base64') : null,
    };
    const sealed = await deps.vault.sealBlob(
      deps.db,
      at,
      aadFor(provider),
      Buffer.from(JSON.stringify(secrets), 'utf8'),
    );
    await deps.db
      .insertInto('gateway_credentials')
      .values({ provider, public_key_pem: pair.publicKey, sealed_secrets: sealed, created_at: now(at) })
      .onConflict((oc) => oc.column('provider').doNothing())
      .execute();
    row = await deps.db
      .selectFrom('gateway_credentials')
      .selectAll()
      .where('provider', '=', provider)
      .executeTakeFirstOrThrow();
  }
  const opened = await deps.vault.openBlob(deps.db, aadFor(provider), row.sealed_secrets);
  const secrets = JSON.parse(opened.toString('utf8')) as SealedSecrets;
  return new GatewayKeys(
    provider,
    row.public_key_pem,
    secrets.privateKeyPem,
    secrets.apiV3Key === null ? null : Buffer.from(secrets.apiV3Key, 'base64'),
  );
}
