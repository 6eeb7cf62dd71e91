/** Master-key rotation (`kameng keys rotate-master`): every stored data key re-wrapped, no secret touched. */
import type { Actor } from '../../platform/actor.js';
import { appendAudit } from '../../platform/audit.js';
import { CryptoError, type MasterKey } from '../../platform/crypto.js';
import { now, type Db } from '../../platform/db/dialect.js';
import { fail } from '../../platform/errors.js';
import { unitOfWork } from '../../platform/unit-of-work.js';

/**
 * Re-wraps every stored key under a new master key in one transaction, after proving each one
 * unwraps under the current key. Secrets are not touched.
 */
export async function rewrapAll(
  db: Db,
  actor: Actor,
  from: MasterKey,
  to: MasterKey,
  at: Date,
): Promise<number> {
  return unitOfWork({ db }, async (trx) => {
    // A running import holds an unwrapped data key and would keep wrapping new ones with the old
    // master key: rotate only when none runs (and restart every instance with the new key after).
    const running = await trx
      .selectFrom('key_batches')
      .select('id')
      .where('status', '=', 'RUNNING')
      .executeTakeFirst();
    if (running) fail('crypto.rotation_busy');
    const rows = await trx.selectFrom('crypto_keys').selectAll().execute();
    for (const row of rows) {
      if (row.master_fingerprint !== from.fingerprint) {
        throw new CryptoError(
          `key ${row.id} is not wrapped by the current master key (${row.master_fingerprint})`,
        );
      }
      const key = from.unwrap(row.id, row.wrapped);
      await trx
        .updateTable('crypto_keys')
        .set({ wrapped: to.wrap(row.id, key), master_fingerprint: to.fingerprint, rewrapped_at: now(at) })
        .where('id', '=', row.id)
        .execute();
    }
    await appendAudit(trx, {
      actor,
      action: 'crypto.master_key_rotated',
      objectType: 'crypto',
      objectId: 'master',
      data: { from: from.fingerprint, to: to.fingerprint, keys: rows.length },
      at,
    });
    return rows.length;
  });
}
