/**
 * The import's worker-thread pool (Stage 10): keys hashed and encrypted in the pool's threads are
 * the same keys the in-process path makes (they decrypt with the vault and de-duplicate against
 * existing stock), duplicates straddling task and transaction boundaries are caught, ids follow
 * file order, and a task failing mid-import leaves whole chunks only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { runImport, startBatch } from '../../src/modules/inventory/import.js';
import { CHUNK_LINES, TASK_KEYS } from '../../src/modules/inventory/import-encode.js';
import { closeImportPool, importPool, type TaskRunner } from '../../src/modules/inventory/import-pool.js';
import { secretHmac } from '../../src/modules/inventory/key-hashes.js';
import { verifyAuditChain } from '../../src/platform/audit.js';
import { harness, type Harness } from '../helpers/app.js';
import { cardLines, importLines, product, shop, type Shop } from '../helpers/inventory.js';

let h: Harness;
let s: Shop;
beforeAll(async () => {
  h = await harness();
  s = await shop(h);
});
afterAll(async () => {
  await closeImportPool();
  await h.close();
});

const keysOf = (batchId: string) =>
  h.db.db
    .selectFrom('keys')
    .select(['id', 'line_no', 'secret_hmac', 'ciphertext', 'data_key_id', 'serial_masked'])
    .where('batch_id', '=', batchId)
    .orderBy('id')
    .execute();

describe('import through the worker pool', () => {
  it('encrypts in the threads what the vault decrypts, catches duplicates across task and chunk boundaries, keeps file order', async () => {
    const p = await product(h, s);
    // already in stock, imported before (small: encoded in-process)
    await importLines(h, s, p.id, ['STOCK-0001 pw-stock-1']);
    const lines = cardLines(CHUNK_LINES + TASK_KEYS, 'POOL');
    lines[TASK_KEYS] = `${lines[0].slice(0, 6)}-${lines[0].slice(6)}`; // 2nd task's first key: line 1 with a hyphen
    lines[CHUNK_LINES + 5] = lines[10]; // second transaction: duplicate of line 11
    lines[2 * TASK_KEYS + 3] = 'STOCK-0001 pw-stock-1'; // duplicate of existing stock
    const b = await importLines(h, s, p.id, lines);
    expect(b).toMatchObject({
      status: 'COMPLETED',
      imported: lines.length - 3,
      duplicates: 3,
      rejected: 0,
      lines_read: lines.length,
    });
    const rejects = await h.db.db
      .selectFrom('key_batch_rejects')
      .select(['line_no', 'reason'])
      .where('batch_id', '=', b.id)
      .orderBy('line_no')
      .execute();
    expect(rejects).toEqual([
      { line_no: TASK_KEYS + 1, reason: 'DUPLICATE_IN_BATCH' },
      { line_no: 2 * TASK_KEYS + 4, reason: 'DUPLICATE_EXISTING' },
      { line_no: CHUNK_LINES + 6, reason: 'DUPLICATE_IN_BATCH' },
    ]);

    const keys = await keysOf(b.id);
    // ordered ids are file order, whichever thread encrypted them
    expect(keys.map((k) => k.line_no)).toEqual([...keys.map((k) => k.line_no)].sort((x, y) => x - y));
    const dataKey = await h.ctx.vault.dataKey(h.db.db, keys[0].data_key_id);
    const hmacKey = await h.ctx.vault.hmacKey(h.db.db, h.ctx.clock.now());
    for (const k of [keys[0], keys[TASK_KEYS + 7], keys.at(-1)!]) {
      const [serial, secret] = lines[k.line_no - 1].split(' ');
      expect(h.ctx.vault.decrypt(dataKey, k.id, Buffer.from(k.ciphertext))).toEqual({ serial, secret });
      expect(Buffer.from(k.secret_hmac)).toEqual(secretHmac(hmacKey, 'CARD_KEY', { serial, secret }));
      expect(k.serial_masked).toContain('*');
    }
    expect((await verifyAuditChain(h.db.db)).ok).toBe(true);
  });

  it('a task failing mid-import leaves whole chunks only, ends the batch FAILED, and the pool keeps working', async () => {
    const p = await product(h, s);
    const lines = cardLines(CHUNK_LINES * 3, 'FAIL');
    let tasks = 0;
    // The sixth task (the second chunk's second) reaches a real thread with a broken data key.
    const runner: TaskRunner = {
      run: (task, options) =>
        importPool().run(tasks++ === 5 ? { ...task, dataKey: new Uint8Array(5) } : task, options),
    };
    const batch = await startBatch(h.ctx, s.actor, {
      productId: p.id,
      source: 'CLI',
      fileName: 'keys.txt',
      format: 'text',
      bytesTotal: 1,
    });
    await expect(
      runImport(h.ctx, s.actor, batch, Readable.from([Buffer.from(lines.join('\n'))]), undefined, { runner }),
    ).rejects.toThrow();
    const row = await h.db.db
      .selectFrom('key_batches')
      .selectAll()
      .where('id', '=', batch.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'FAILED', error_code: 'inventory.import_failed' });
    const keys = await keysOf(batch.id);
    expect(keys.length % CHUNK_LINES).toBe(0); // whole chunks, never part of one
    expect(keys.length).toBe(CHUNK_LINES); // the chunk before the failed one
    expect(row.imported).toBe(keys.length);
    expect((await verifyAuditChain(h.db.db)).ok).toBe(true);

    const again = await importLines(h, s, p.id, cardLines(TASK_KEYS + 1, 'AGAIN'));
    expect(again).toMatchObject({ status: 'COMPLETED', imported: TASK_KEYS + 1 });
  });
});
