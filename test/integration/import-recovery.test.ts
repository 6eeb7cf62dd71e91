/**
 * Issue 14 item 9: an import left RUNNING by a process that died is recovered when an instance
 * starts — at once, not after minutes of staleness. SQLite: every batch whose owner process no
 * longer runs on this machine. PostgreSQL: only the batches of instances whose
 * advisory lock is gone (dead); a live instance's import is left alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recoverOrphanedBatches, startBatch } from '../../src/modules/inventory/import.js';
import { holdInstanceLock } from '../../src/platform/instance.js';
import { harness, type Harness } from '../helpers/app.js';
import { testEngine } from '../helpers/db.js';
import { product, shop, type Shop } from '../helpers/inventory.js';

let h: Harness;
let s: Shop;
beforeAll(async () => {
  h = await harness();
  s = await shop(h);
});
afterAll(() => h.close());

/** A batch RUNNING for `owner`, as that instance's process would have left it. */
async function runningBatch(owner: string): Promise<string> {
  const p = await product(h, s);
  const batch = await startBatch(h.ctx, s.actor, {
    productId: p.id,
    source: 'API',
    fileName: null,
    format: 'auto',
    bytesTotal: 10,
  });
  await h.db.db
    .updateTable('key_batches')
    .set({ owner_instance: owner })
    .where('id', '=', batch.id)
    .execute();
  return batch.id;
}

const statusOf = async (id: string) =>
  (await h.db.db.selectFrom('key_batches').select('status').where('id', '=', id).executeTakeFirstOrThrow())
    .status;

describe('import recovery at start', () => {
  it('a batch left RUNNING by a dead instance is INTERRUPTED at start, without waiting for it to go stale', async () => {
    const dead = await runningBatch('inst-dead');
    // no time has passed: the staleness rule alone would leave it RUNNING for two minutes
    expect(await recoverOrphanedBatches(h.ctx, 120_000, { atStart: true })).toBe(1);
    expect(await statusOf(dead)).toBe('INTERRUPTED');
    // this process's own running import is never touched
    const own = await startBatch(h.ctx, s.actor, {
      productId: (await product(h, s)).id,
      source: 'API',
      fileName: null,
      format: 'auto',
      bytesTotal: 10,
    });
    expect(await recoverOrphanedBatches(h.ctx, 120_000, { atStart: true })).toBe(0);
    expect(await statusOf(own.id)).toBe('RUNNING');
    await h.db.db.updateTable('key_batches').set({ status: 'FAILED' }).where('id', '=', own.id).execute();
  });

  it.runIf(testEngine() === 'postgres')(
    'PostgreSQL: a live instance’s import is left alone, and recovered the moment that instance dies',
    async () => {
      const lock = await holdInstanceLock(h.db.db, 'postgres', 'inst-live');
      const live = await runningBatch('inst-live');
      expect(await recoverOrphanedBatches(h.ctx, 120_000, { atStart: true })).toBe(0);
      expect(await recoverOrphanedBatches(h.ctx, 120_000, { atStart: false })).toBe(0);
      expect(await statusOf(live)).toBe('RUNNING');
      await lock.release(); // the instance's connection is gone: it died
      expect(await recoverOrphanedBatches(h.ctx, 120_000, { atStart: false })).toBe(1);
      expect(await statusOf(live)).toBe('INTERRUPTED');
    },
  );

  it.runIf(testEngine() === 'sqlite')(
    'SQLite: a batch whose owner process still runs (a CLI import beside the server) is left alone at start',
    async () => {
      const { spawn } = await import('node:child_process');
      const cli = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
      try {
        const live = await runningBatch(`inst-${cli.pid}-00000000-0000-4000-8000-000000000000`);
        expect(await recoverOrphanedBatches(h.ctx, 120_000, { atStart: true })).toBe(0);
        expect(await statusOf(live)).toBe('RUNNING');
        cli.kill('SIGKILL');
        await new Promise((resolve) => cli.once('exit', resolve));
        expect(await recoverOrphanedBatches(h.ctx, 120_000, { atStart: true })).toBe(1);
        expect(await statusOf(live)).toBe('INTERRUPTED');
      } finally {
        cli.kill('SIGKILL');
      }
    },
  );

  it.runIf(testEngine() === 'sqlite')(
    'SQLite: after start only the staleness rule runs (a CLI import may share the file)',
    async () => {
      const other = await runningBatch('inst-cli');
      expect(await recoverOrphanedBatches(h.ctx, 120_000, { atStart: false })).toBe(0);
      expect(await statusOf(other)).toBe('RUNNING');
      h.base.advance(121_000);
      expect(await recoverOrphanedBatches(h.ctx, 120_000, { atStart: false })).toBe(1);
      expect(await statusOf(other)).toBe('INTERRUPTED');
    },
  );
});
