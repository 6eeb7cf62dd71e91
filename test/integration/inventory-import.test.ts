import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImport, startBatch } from '../../src/modules/inventory/import.js';
import { CHUNK_LINES } from '../../src/modules/inventory/import-encode.js';
import { verifyAuditChain } from '../../src/platform/audit.js';
import { harness, type Harness } from '../helpers/app.js';
import { cardLines, importLines, product, shop, type Shop } from '../helpers/inventory.js';

let h: Harness;
let s: Shop;
beforeAll(async () => {
  h = await harness();
  s = await shop(h);
});
afterAll(() => h.close());

const rejectsOf = (batchId: string) =>
  h.db.db
    .selectFrom('key_batch_rejects')
    .select(['line_no', 'reason'])
    .where('batch_id', '=', batchId)
    .orderBy('line_no')
    .execute();

describe('key import', () => {
  it('imports good lines, reports duplicates in the file and on the platform, and rejects bad lines by number', async () => {
    const p = await product(h, s);
    const first = await importLines(h, s, p.id, ['A0001 pw1', 'A0002\tpw2', 'A0003,pw3']);
    expect(first).toMatchObject({
      status: 'COMPLETED',
      imported: 3,
      duplicates: 0,
      rejected: 0,
      lines_read: 3,
    });
    const lines = [
      'A0004 pw4', // 1 ok
      'A0002 pw2', // 2 duplicate of an existing key
      '', // 3 blank: skipped
      'A0005', // 4 missing password
      'A0004 pw4', // 5 duplicate in this file
      `A0006 ${'x'.repeat(2000)}`, // 6 too long
      'A0007 pw\u00007', // 7 control character
      'A0008 pw8', // 8 ok
    ];
    const b = await importLines(h, s, p.id, lines);
    expect(b).toMatchObject({ status: 'COMPLETED', imported: 2, duplicates: 2, rejected: 3, lines_read: 8 });
    expect(await rejectsOf(b.id)).toEqual([
      { line_no: 2, reason: 'DUPLICATE_EXISTING' },
      { line_no: 4, reason: 'MISSING_PASSWORD' },
      { line_no: 5, reason: 'DUPLICATE_IN_BATCH' },
      { line_no: 6, reason: 'LINE_TOO_LONG' },
      { line_no: 7, reason: 'CONTROL_CHARACTERS' },
    ]);
  });

  it('duplicates are caught across products and by normalised form (spaces in the card number, full-width digits)', async () => {
    const p1 = await product(h, s);
    const p2 = await product(h, s);
    await importLines(h, s, p1.id, ['8888-7777-6666 pw-x']);
    const b = await importLines(h, s, p2.id, [
      '888877776666 pw-x',
      '８８８８７７７７６６６６ pw-x',
      '888877776666 PW-X',
    ]);
    expect(b).toMatchObject({ imported: 1, duplicates: 2 }); // passwords are case-sensitive
  });

  it('accepts UTF-8 with BOM, GBK lines and CSV with a Chinese header', async () => {
    const p = await product(h, s);
    const gbk = Buffer.from([0x47, 0x31, 0x2c, 0xbf, 0xa8, 0xc3, 0xdc]); // "G1,卡密" in GBK
    const body = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('卡号,密码\nC1,"p,1"\n'),
      gbk,
      Buffer.from('\n'),
    ]);
    const b = await importLines(h, s, p.id, body);
    expect(b).toMatchObject({ status: 'COMPLETED', imported: 2, rejected: 0 });
  });

  it('a binary file fails the batch with a clear code and writes nothing', async () => {
    const p = await product(h, s);
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.alloc(64, 1),
    ]);
    const b = await importLines(h, s, p.id, png);
    expect(b).toMatchObject({ status: 'FAILED', error_code: 'inventory.not_text_file', imported: 0 });
    expect(await h.db.db.selectFrom('keys').select('id').where('batch_id', '=', b.id).execute()).toEqual([]);
  });

  it('secrets are encrypted at rest: neither ciphertext nor any column holds the secret', async () => {
    const p = await product(h, s);
    const b = await importLines(h, s, p.id, ['SERIAL-PLAIN-1 TopSecretPassword123']);
    const row = await h.db.db
      .selectFrom('keys')
      .selectAll()
      .where('batch_id', '=', b.id)
      .executeTakeFirstOrThrow();
    const everything = JSON.stringify(row) + Buffer.from(row.ciphertext).toString('latin1');
    expect(everything).not.toContain('TopSecretPassword123');
    expect(everything).not.toContain('SERIAL-PLAIN-1');
    expect(row.serial_masked).not.toContain('PLAIN');
    expect(row.serial_masked).toContain('*');
    const dataKey = await h.ctx.vault.dataKey(h.db.db, row.data_key_id);
    expect(h.ctx.vault.decrypt(dataKey, row.id, Buffer.from(row.ciphertext))).toEqual({
      serial: 'SERIAL-PLAIN-1',
      secret: 'TopSecretPassword123',
    });
    // bound to its row: the same ciphertext under another key id does not decrypt
    expect(() => h.ctx.vault.decrypt(dataKey, 'another-id', Buffer.from(row.ciphertext))).toThrow(
      /authentication failed/,
    );
  });

  it('a crash mid-import leaves whole chunks, never a half-written one, and the batch says so', async () => {
    const p = await product(h, s);
    const lines = cardLines(CHUNK_LINES * 2 + 500, 'CRASH');
    async function* dying(): AsyncGenerator<Uint8Array> {
      yield Buffer.from(lines.slice(0, CHUNK_LINES * 2 + 100).join('\n') + '\n');
      throw new Error('disk unplugged');
    }
    const batch = await startBatch(h.ctx, s.actor, {
      productId: p.id,
      source: 'CLI',
      fileName: 'x',
      format: 'text',
      bytesTotal: 1,
    });
    await expect(runImport(h.ctx, s.actor, batch, dying())).rejects.toThrow('disk unplugged');
    const row = await h.db.db
      .selectFrom('key_batches')
      .selectAll()
      .where('id', '=', batch.id)
      .executeTakeFirstOrThrow();
    const keys = await h.db.db
      .selectFrom('keys')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('batch_id', '=', batch.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('FAILED');
    expect(Number(keys.n)).toBe(CHUNK_LINES * 2);
    expect(row.imported).toBe(CHUNK_LINES * 2);
    expect((await verifyAuditChain(h.db.db)).ok).toBe(true);
  });
});

describe('batches', () => {
  it('a batch left RUNNING by a dead process is marked INTERRUPTED once it has been silent long enough', async () => {
    const { interruptStaleBatches, batchTransitions } = await import('../../src/modules/inventory/import.js');
    const { terminalStates, reachableStates } = await import('../../src/platform/fsm.js');
    expect(terminalStates(batchTransitions).sort()).toEqual(['COMPLETED', 'FAILED', 'INTERRUPTED']);
    expect(reachableStates(batchTransitions, 'RUNNING').size).toBe(4);
    const p = await product(h, s);
    const batch = await startBatch(h.ctx, s.actor, {
      productId: p.id,
      source: 'API',
      fileName: null,
      format: 'auto',
      bytesTotal: 10,
    });
    expect(await interruptStaleBatches(h.ctx, 120_000)).toBe(0);
    h.base.advance(121_000);
    expect(await interruptStaleBatches(h.ctx, 120_000)).toBe(1);
    const row = await h.db.db
      .selectFrom('key_batches')
      .select(['status', 'error_code'])
      .where('id', '=', batch.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'INTERRUPTED', error_code: 'inventory.import_failed' });
  });
});

describe('the worker path', () => {
  it('imports a file through the worker thread, and a worker failure ends the batch FAILED (never RUNNING)', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kameng-worker-'));
    const file = path.join(dir, 'keys.txt');
    writeFileSync(file, cardLines(CHUNK_LINES + 10, 'WRK').join('\n'));
    const p = await product(h, s);
    const ok = await startBatch(h.ctx, s.actor, {
      productId: p.id,
      source: 'CLI',
      fileName: 'keys.txt',
      format: 'text',
      bytesTotal: 1,
    });
    expect(await runImport(h.ctx, s.actor, ok, { file })).toMatchObject({
      status: 'COMPLETED',
      imported: CHUNK_LINES + 10,
    });
    const gone = await startBatch(h.ctx, s.actor, {
      productId: p.id,
      source: 'CLI',
      fileName: 'x',
      format: 'text',
      bytesTotal: 1,
    });
    await expect(runImport(h.ctx, s.actor, gone, { file: path.join(dir, 'missing.txt') })).rejects.toThrow();
    const row = await h.db.db
      .selectFrom('key_batches')
      .select(['status', 'error_code'])
      .where('id', '=', gone.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'FAILED', error_code: 'inventory.import_failed' });
  });
});
