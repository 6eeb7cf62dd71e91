/**
 * The key vault, a platform service: stored data keys and the HMAC key, unwrapped on demand under
 * the master key and cached in memory. Secrets (card keys, gateway and channel credentials) are
 * encrypted with a data key and bound to their key id or purpose (AAD), so a ciphertext copied
 * onto another row does not decrypt.
 */
import { CryptoError, HmacSha256, newDataKey, open, seal, type MasterKey } from './crypto.js';
import { registerAuditKey, setAuditKeyLoader } from './audit-chain.js';
import { now, type Db } from './db/dialect.js';
import { newId } from './ids.js';

const HMAC_KEY_ID = 'hmac-v1';
/** The data key that seals small secret blobs (gateway credentials), created on first use. */
const BLOB_KEY_ID = 'blob-v1';

export interface SecretPayload {
  serial: string | null;
  secret: string;
}

/** A secret sealed under a data key and bound to its key id (AAD). */
export function sealSecret(dataKey: Buffer, keyId: string, payload: SecretPayload): Buffer {
  return seal(
    dataKey,
    Buffer.from(JSON.stringify([payload.serial, payload.secret]), 'utf8'),
    Buffer.from(keyId),
  );
}

const blobAad = (aad: string): Buffer => Buffer.from(`kameng-blob:${aad}`);

export class KeyVault {
  private readonly cache = new Map<string, Buffer>();
  constructor(private readonly master: MasterKey) {}

  get fingerprint(): string {
    return this.master.fingerprint;
  }

  private async unwrapRow(db: Db, id: string): Promise<Buffer> {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const row = await db.selectFrom('crypto_keys').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new CryptoError(`key ${id} not found`);
    if (row.master_fingerprint !== this.master.fingerprint) {
      throw new CryptoError(
        `key ${id} is wrapped by master key ${row.master_fingerprint}, but ${this.master.fingerprint} is loaded: restart with the current KAMENG_MASTER_KEY`,
      );
    }
    const key = this.master.unwrap(id, row.wrapped);
    if (!db.isTransaction) this.cache.set(id, key); // a row read inside a transaction may yet roll back
    return key;
  }

  private hmacInstance: HmacSha256 | undefined;

  /** The HMAC key, created on first use (insert-if-absent, so concurrent first uses agree). */
  async hmacKey(db: Db, at: Date): Promise<HmacSha256> {
    if (this.hmacInstance) return this.hmacInstance;
    await db
      .insertInto('crypto_keys')
      .values({
        id: HMAC_KEY_ID,
        purpose: 'HMAC',
        wrapped: this.master.wrap(HMAC_KEY_ID, newDataKey()),
        master_fingerprint: this.master.fingerprint,
        created_at: now(at),
        rewrapped_at: null,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    const instance = new HmacSha256(await this.unwrapRow(db, HMAC_KEY_ID));
    // Only a committed key may be remembered: inside a transaction the row could still roll back,
    // and hashes made with a key that was never stored would match nothing after a restart.
    if (!db.isTransaction) this.hmacInstance = instance;
    return instance;
  }

  /**
   * The audit keys (audit-chain.ts): unwraps every stored one and registers it for this process, so
   * events chained under an earlier key stay verifiable, and — at the first start after migration
   * 0015 — creates the first and makes it the key new events are chained with. Idempotent; run at
   * start (boot, buildApp) outside any transaction. Returns the current key id.
   */
  async auditKeys(db: Db, at: Date): Promise<string> {
    const head = await db
      .selectFrom('audit_head')
      .select('key_id')
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    if (head.key_id === null) {
      const id = `audit-${newId()}`;
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('crypto_keys')
          .values({
            id,
            purpose: 'HMAC',
            wrapped: this.master.wrap(id, newDataKey()),
            master_fingerprint: this.master.fingerprint,
            created_at: now(at),
            rewrapped_at: null,
          })
          .execute();
        // Several instances starting at once: the first to set the head's key wins, the others'
        // keys stay unused (harmless).
        await trx
          .updateTable('audit_head')
          .set({ key_id: id })
          .where('id', '=', 1)
          .where('key_id', 'is', null)
          .execute();
      });
    }
    await this.loadAuditKeys(db);
    const current = await db
      .selectFrom('audit_head')
      .select('key_id')
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    return current.key_id ?? '';
  }

  /** Unwraps and registers every stored audit key (after a rotation too). */
  async loadAuditKeys(db: Db): Promise<void> {
    // a key rotated in by another process is loaded when this one first meets it
    setAuditKeyLoader(async (trx, id) => {
      const row = await trx.selectFrom('crypto_keys').select('id').where('id', '=', id).executeTakeFirst();
      return row ? this.unwrapRow(trx, id) : null;
    });
    const rows = await db.selectFrom('crypto_keys').select('id').where('id', 'like', 'audit-%').execute();
    for (const row of rows) registerAuditKey(row.id, await this.unwrapRow(db, row.id));
  }

  /**
   * Starts a new audit key (`kameng keys rotate-audit`): new events are chained under it, earlier
   * ones keep theirs. Runs in the caller's unit of work; returns the new key's id.
   */
  async rotateAuditKey(trx: Db, at: Date): Promise<{ from: string | null; to: string }> {
    const id = `audit-${newId()}`;
    const key = newDataKey();
    await trx
      .insertInto('crypto_keys')
      .values({
        id,
        purpose: 'HMAC',
        wrapped: this.master.wrap(id, key),
        master_fingerprint: this.master.fingerprint,
        created_at: now(at),
        rewrapped_at: null,
      })
      .execute();
    const head = await trx
      .selectFrom('audit_head')
      .select('key_id')
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    await trx.updateTable('audit_head').set({ key_id: id }).where('id', '=', 1).execute();
    registerAuditKey(id, key); // a random id: registering a key that then rolls back harms nothing
    return { from: head.key_id, to: id };
  }

  /**
   * Seals a small secret (e.g. a gateway's private key) bound to `aad`. It is encrypted with a
   * stored data key that the master key wraps, not with the master key itself, so rotating the
   * master key (which re-wraps `crypto_keys` only) keeps every sealed blob readable.
   */
  async sealBlob(db: Db, at: Date, aad: string, plaintext: Buffer): Promise<Buffer> {
    await db
      .insertInto('crypto_keys')
      .values({
        id: BLOB_KEY_ID,
        purpose: 'DATA',
        wrapped: this.master.wrap(BLOB_KEY_ID, newDataKey()),
        master_fingerprint: this.master.fingerprint,
        created_at: now(at),
        rewrapped_at: null,
      })
      .onConflict((oc) => oc.column('id').doNothing()) // concurrent first uses agree on one key
      .execute();
    return seal(await this.unwrapRow(db, BLOB_KEY_ID), plaintext, blobAad(aad));
  }

  /** Opens what `sealBlob` sealed under the same `aad`; throws CryptoError if either was altered. */
  async openBlob(db: Db, aad: string, sealed: Buffer): Promise<Buffer> {
    return open(await this.unwrapRow(db, BLOB_KEY_ID), sealed, blobAad(aad));
  }

  async createDataKey(db: Db, at: Date): Promise<string> {
    const id = newId();
    const key = newDataKey();
    await db
      .insertInto('crypto_keys')
      .values({
        id,
        purpose: 'DATA',
        wrapped: this.master.wrap(id, key),
        master_fingerprint: this.master.fingerprint,
        created_at: now(at),
        rewrapped_at: null,
      })
      .execute();
    if (!db.isTransaction) this.cache.set(id, key);
    return id;
  }

  dataKey(db: Db, id: string): Promise<Buffer> {
    return this.unwrapRow(db, id);
  }

  encrypt(dataKey: Buffer, keyId: string, payload: SecretPayload): Buffer {
    return seal(
      dataKey,
      Buffer.from(JSON.stringify([payload.serial, payload.secret]), 'utf8'),
      Buffer.from(keyId),
    );
  }

  decrypt(dataKey: Buffer, keyId: string, sealed: Buffer): SecretPayload {
    const [serial, secret] = JSON.parse(open(dataKey, sealed, Buffer.from(keyId)).toString('utf8')) as [
      string | null,
      string,
    ];
    return { serial, secret };
  }
}

/** Refuses to start with a master key that did not wrap the stored keys (e.g. after a rotation). */
export async function assertMasterKeyMatches(db: Db, master: MasterKey): Promise<void> {
  const other = await db
    .selectFrom('crypto_keys')
    .select('master_fingerprint')
    .where('master_fingerprint', '<>', master.fingerprint)
    .executeTakeFirst();
  if (other) {
    throw new CryptoError(
      `stored keys are wrapped by master key ${other.master_fingerprint} but ${master.fingerprint} is configured: set KAMENG_MASTER_KEY to the current (rotated) key`,
    );
  }
}
