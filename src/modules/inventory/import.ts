/**
 * Streaming key import. The file is parsed line by line (parse.ts) and written in chunks: each
 * chunk's keys, rejects, batch counters and audit event commit in one transaction, so a crash
 * leaves whole chunks or nothing — never a half-written key — and memory stays flat however
 * large the file. Duplicates are found by the database's unique HMAC index, never by decrypting.
 */
import { productFor } from '../catalog/index.js';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Actor } from '../../platform/actor.js';
import type { DataContext } from '../../platform/context.js';
import { insertIgnoringConflicts, now, type Db } from '../../platform/db/dialect.js';
import type { BatchStatus, Row } from '../../platform/db/schema.js';
import { defineMachine, type Transitions } from '../../platform/fsm.js';
import { DomainError, fail } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { appendAudit } from '../../platform/audit.js';
import { CsvHeaderError, NotTextFileError, type ImportFormat } from './parse.js';
import type { KeyVault } from '../../platform/vault.js';
import { createReadStream } from 'node:fs';
import { closeImportPool, encodeParallel, type TaskRunner } from './import-pool.js';
import {
  KEY_COLUMNS,
  KEY_COLUMN_TYPES,
  parseChunks,
  type EncodeParams,
  type EncodedChunk,
} from './import-encode.js';
import { unitOfWork } from '../../platform/unit-of-work.js';
import { INSTANCE_ID, instanceAlive } from '../../platform/instance.js';
import type { ErrorLogger } from '../../platform/logger.js';

/** Rejected lines kept per batch for the report; all of them are counted. */
export const MAX_STORED_REJECTS = 10_000;

export interface InventoryContext extends DataContext {
  vault: KeyVault;
}

export type DuplicateReason = 'DUPLICATE_IN_BATCH' | 'DUPLICATE_EXISTING';

/** Where uploads wait for their import, one directory per instance (see sweepUploads). */
export const uploadRoot = (dataDir: string): string => path.join(dataDir, 'tmp', 'imports');

/**
 * This instance's uploads. An upload is imported by the instance that received it (its batch's
 * `owner_instance`), so several instances sharing one data directory each keep their own.
 */
export const instanceUploadDir = (dataDir: string): string => path.join(uploadRoot(dataDir), INSTANCE_ID);

/**
 * Removes uploads a crashed process left behind (they hold plaintext keys), at start: every
 * instance directory whose instance is gone (PostgreSQL: its lock is free; SQLite: its process no
 * longer runs) and anything else directly under the root (uploads from before the per-instance
 * directories). A live instance sharing the data directory keeps its uploads in flight.
 */
export async function sweepUploads(ctx: Pick<DataContext, 'db' | 'engine'>, dataDir: string): Promise<void> {
  const root = uploadRoot(dataDir);
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const entry of entries) {
    if (/^inst-\d+-/.test(entry) && (await instanceAlive(ctx.db, ctx.engine, entry))) continue;
    await rm(path.join(root, entry), { recursive: true, force: true });
  }
}

export async function assertCanImport(
  ctx: DataContext,
  actor: Actor,
  productId: string,
): Promise<Row<'products'>> {
  return productFor(ctx.db, actor, 'update', productId);
}

export async function startBatch(
  ctx: InventoryContext,
  actor: Actor,
  input: {
    productId: string;
    source: 'API' | 'CLI';
    fileName: string | null;
    format: ImportFormat;
    bytesTotal: number;
  },
): Promise<Row<'key_batches'>> {
  const product = await assertCanImport(ctx, actor, input.productId);
  const at = ctx.clock.now();
  return unitOfWork(ctx, async (trx) => {
    const dataKeyId = await ctx.vault.createDataKey(trx, at);
    const row: Row<'key_batches'> = {
      id: newId(),
      product_id: product.id,
      merchant_id: product.merchant_id,
      source: input.source,
      file_name: input.fileName,
      format: input.format,
      status: 'RUNNING',
      owner_instance: INSTANCE_ID,
      bytes_total: input.bytesTotal,
      bytes_read: 0,
      lines_read: 0,
      imported: 0,
      duplicates: 0,
      rejected: 0,
      error_code: null,
      data_key_id: dataKeyId,
      created_by: actor.kind === 'user' ? actor.id : actor.kind === 'token' ? actor.tokenId : 'system',
      version: 1,
      created_at: now(at),
      updated_at: now(at),
      finished_at: null,
    };
    await trx.insertInto('key_batches').values(row).execute();
    await appendAudit(trx, {
      actor,
      action: 'key_batch.started',
      objectType: 'key_batch',
      objectId: row.id,
      data: {
        productId: product.id,
        source: input.source,
        fileName: input.fileName,
        bytesTotal: input.bytesTotal,
      },
      at,
    });
    return row;
  });
}

export interface ImportProgress {
  bytesRead: number;
  linesRead: number;
  imported: number;
  duplicates: number;
  rejected: number;
}

/**
 * Imports started over HTTP run in the background after the 202: the batch is started (and the
 * upload removed if that fails), then read from the uploaded file; the file is removed when the
 * import ends either way. Shutdown (and tests) wait for what is still running.
 */
export class BackgroundImports {
  private readonly running = new Set<Promise<unknown>>();
  constructor(private readonly ctx: InventoryContext & { log: ErrorLogger }) {}

  async start(
    actor: Actor,
    upload: {
      productId: string;
      file: string;
      dir: string;
      fileName: string | null;
      format: ImportFormat;
      size: number;
    },
  ): Promise<Row<'key_batches'>> {
    let batch: Row<'key_batches'>;
    try {
      batch = await startBatch(this.ctx, actor, {
        productId: upload.productId,
        source: 'API',
        fileName: upload.fileName,
        format: upload.format,
        bytesTotal: upload.size,
      });
    } catch (error) {
      await rm(upload.dir, { recursive: true, force: true });
      throw error;
    }
    const job = runImport(this.ctx, actor, batch, { file: upload.file })
      .catch((err: unknown) => this.ctx.log.error({ err, batchId: batch.id }, 'key import failed'))
      .finally(() => rm(upload.dir, { recursive: true, force: true }));
    this.running.add(job);
    void job.finally(() => this.running.delete(job));
    return batch;
  }

  /** Waits for the running imports, then ends the worker pool's threads (server shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running]);
    await closeImportPool();
  }
}

/**
 * Runs a started batch over `input` to the end: a file path or an in-memory stream, parsed here
 * and encrypted in the worker-thread pool (import-pool.ts) while earlier chunks are written.
 * Returns the finished batch row; a file-level problem (not text, bad CSV header) ends it FAILED
 * with that code rather than throwing. `options.runner` replaces the pool (tests).
 */
export async function runImport(
  ctx: InventoryContext,
  actor: Actor,
  batch: Row<'key_batches'>,
  input: AsyncIterable<Uint8Array> | { file: string },
  onProgress?: (p: ImportProgress) => void,
  options: { runner?: TaskRunner } = {},
): Promise<Row<'key_batches'>> {
  const totals: ImportProgress = { bytesRead: 0, linesRead: 0, imported: 0, duplicates: 0, rejected: 0 };
  let storedRejects = 0;
  try {
    // Set-up failures end the batch too: a batch must never stay RUNNING because of them.
    const product = await ctx.db
      .selectFrom('products')
      .select(['type'])
      .where('id', '=', batch.product_id)
      .executeTakeFirstOrThrow();
    const hmacKey = await ctx.vault.hmacKey(ctx.db, ctx.clock.now());
    const params: EncodeParams = {
      productType: product.type,
      format: batch.format,
      fileName: batch.file_name ?? undefined,
      productId: batch.product_id,
      merchantId: batch.merchant_id,
      batchId: batch.id,
      dataKeyId: batch.data_key_id!,
      hmacKey: hmacKey.key,
      dataKey: await ctx.vault.dataKey(ctx.db, batch.data_key_id!),
    };
    const source = 'file' in input ? createReadStream(input.file, { highWaterMark: 256 * 1024 }) : input;
    const chunks = encodeParallel(
      parseChunks(source, params, () => ctx.clock.now()),
      params,
      options,
    );
    for await (const chunk of chunks) {
      const result = await writeChunk(ctx, actor, batch.id, chunk, storedRejects);
      storedRejects += result.stored;
      totals.imported += result.imported;
      totals.duplicates += result.duplicates;
      totals.rejected += result.rejected;
      totals.linesRead = chunk.linesRead;
      totals.bytesRead = chunk.bytesRead;
      onProgress?.({ ...totals });
    }
    return await finishBatch(ctx, actor, batch.id, 'COMPLETED', null);
  } catch (error) {
    const code = errorCodeOf(error);
    await finishBatch(ctx, actor, batch.id, 'FAILED', code);
    if (code === 'inventory.import_failed') throw error;
    return await ctx.db
      .selectFrom('key_batches')
      .selectAll()
      .where('id', '=', batch.id)
      .executeTakeFirstOrThrow();
  }
}

function errorCodeOf(error: unknown): string {
  if (error instanceof NotTextFileError || error instanceof CsvHeaderError || error instanceof DomainError)
    return error.code;
  // errors from the worker arrive as plain objects carrying the code
  const code = (error as { code?: unknown }).code;
  return code === 'inventory.not_text_file' || code === 'inventory.csv_header_invalid'
    ? code
    : 'inventory.import_failed';
}

/** One chunk: its keys, rejects, batch counters and audit event in one transaction. */
async function writeChunk(
  ctx: InventoryContext,
  actor: Actor,
  batchId: string,
  chunk: EncodedChunk,
  storedRejects: number,
): Promise<{ imported: number; duplicates: number; rejected: number; stored: number }> {
  const at = ctx.clock.now();
  const rows = chunk.rows;
  return unitOfWork(ctx, async (trx) => {
    const inserted = await insertIgnoringConflicts(ctx.db, trx, 'keys', KEY_COLUMNS, rows, {
      conflictColumn: 'secret_hmac',
      returnColumnIndex: 0,
      pgTypes: KEY_COLUMN_TYPES,
    });
    const dupes = rows.filter((_, i) => !inserted.has(i)).map((r) => ({ line_no: r[4], secret_hmac: r[8] }));
    const dupReasons = await classifyDuplicates(trx, batchId, dupes);
    const rejects = [...chunk.rejects, ...dupReasons.map((d) => ({ lineNo: d.lineNo, reason: d.reason }))];
    const keep = rejects.slice(0, Math.max(0, MAX_STORED_REJECTS - storedRejects));
    for (let i = 0; i < keep.length; i += 500) {
      await trx
        .insertInto('key_batch_rejects')
        .values(
          keep.slice(i, i + 500).map((r) => ({ batch_id: batchId, line_no: r.lineNo, reason: r.reason })),
        )
        .execute();
    }
    const counts = { imported: inserted.size, duplicates: dupes.length, rejected: chunk.rejects.length };
    const res = await trx
      .updateTable('key_batches')
      .set((eb) => ({
        imported: eb('imported', '+', counts.imported),
        duplicates: eb('duplicates', '+', counts.duplicates),
        rejected: eb('rejected', '+', counts.rejected),
        lines_read: chunk.linesRead,
        bytes_read: chunk.bytesRead,
        updated_at: now(at),
        version: eb('version', '+', 1),
      }))
      .where('id', '=', batchId)
      .where('status', '=', 'RUNNING')
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) fail('inventory.key_conflict');
    if (counts.imported > 0) {
      await appendAudit(trx, {
        actor,
        action: 'keys.imported',
        objectType: 'key_batch',
        objectId: batchId,
        data: {
          ...counts,
          throughLine: chunk.linesRead,
          firstKeyId: rows[0]?.[0] ?? null,
          lastKeyId: rows.at(-1)?.[0] ?? null,
        },
        at,
      });
    }
    return { ...counts, stored: keep.length };
  });
}

/** Tells a duplicate of a key from this same file apart from one already in the platform. */
async function classifyDuplicates(
  trx: Db,
  batchId: string,
  dupes: { line_no: number; secret_hmac: Buffer }[],
): Promise<{ lineNo: number; reason: DuplicateReason }[]> {
  if (dupes.length === 0) return [];
  const owners = await trx
    .selectFrom('keys')
    .select(['secret_hmac', 'batch_id'])
    .where(
      'secret_hmac',
      'in',
      dupes.map((d) => d.secret_hmac),
    )
    .execute();
  const ownerBatch = new Map(owners.map((o) => [Buffer.from(o.secret_hmac).toString('hex'), o.batch_id]));
  return dupes.map((d) => ({
    lineNo: d.line_no,
    reason:
      ownerBatch.get(d.secret_hmac.toString('hex')) === batchId ? 'DUPLICATE_IN_BATCH' : 'DUPLICATE_EXISTING',
  }));
}

/** An import batch runs once and ends one way; the runner (system) or recovery takes each edge. */
export const batchTransitions: Transitions<BatchStatus, 'system'> = {
  RUNNING: { COMPLETED: { by: ['system'] }, FAILED: { by: ['system'] }, INTERRUPTED: { by: ['system'] } },
  COMPLETED: {},
  FAILED: {},
  INTERRUPTED: {},
};

export const batchMachine = defineMachine({
  name: 'key_batch',
  table: 'key_batches',
  column: 'status',
  initial: ['RUNNING'],
  terminal: ['COMPLETED', 'FAILED', 'INTERRUPTED'],
  transitions: batchTransitions,
  notAllowed: 'inventory.key_conflict',
  conflict: 'inventory.key_conflict',
  stamp: {
    COMPLETED: (at) => ({ finished_at: now(at) }),
    FAILED: (at) => ({ finished_at: now(at) }),
    INTERRUPTED: (at) => ({ finished_at: now(at) }),
  },
});

async function finishBatch(
  ctx: InventoryContext,
  actor: Actor,
  batchId: string,
  status: 'COMPLETED' | 'FAILED' | 'INTERRUPTED',
  errorCode: string | null,
): Promise<Row<'key_batches'>> {
  const at = ctx.clock.now();
  return unitOfWork(ctx, async (trx) => {
    const current = await trx
      .selectFrom('key_batches')
      .selectAll()
      .where('id', '=', batchId)
      .executeTakeFirstOrThrow();
    return batchMachine.transition(trx, {
      row: current,
      to: status,
      by: 'system',
      actor,
      at,
      set: { error_code: errorCode },
      data: {
        imported: current.imported,
        duplicates: current.duplicates,
        rejected: current.rejected,
        linesRead: current.lines_read,
        errorCode,
      },
    });
  });
}

/**
 * Batches still RUNNING whose last chunk is older than `staleMs` belong to a process that died:
 * they end INTERRUPTED (their committed chunks stay). Run every minute by the server and by the CLI.
 */
export async function interruptStaleBatches(ctx: InventoryContext, staleMs: number): Promise<number> {
  const cutoff = now(new Date(ctx.clock.now().getTime() - staleMs));
  const stale = await ctx.db
    .selectFrom('key_batches')
    .select('id')
    .where('status', '=', 'RUNNING')
    .where('updated_at', '<', cutoff)
    .execute();
  let count = 0;
  for (const b of stale) if (await interrupt(ctx, b.id)) count++;
  return count;
}

/** Ends a batch INTERRUPTED; false when it had ended meanwhile (another instance recovered it). */
async function interrupt(ctx: InventoryContext, id: string): Promise<boolean> {
  try {
    await finishBatch(
      ctx,
      { kind: 'system', name: 'recovery' },
      id,
      'INTERRUPTED',
      'inventory.import_failed',
    );
    return true;
  } catch (error) {
    if (error instanceof DomainError) return false;
    throw error;
  }
}

/**
 * Recovery at start (issue 14 item 9), without waiting for a batch to go stale: on SQLite every
 * RUNNING batch whose owner process no longer runs on this machine (a CLI import beside the server
 * is left alone); on PostgreSQL
 * the batches whose owner instance no longer holds its lock (platform/instance.ts) — a live
 * instance's imports are left alone. Batches from before the owner was recorded fall back to the
 * staleness rule. Also run every minute (another instance may die meanwhile; on SQLite then only the
 * staleness rule, as a CLI import may be running beside the server).
 */
export async function recoverOrphanedBatches(
  ctx: InventoryContext,
  staleMs: number,
  options: { atStart: boolean },
): Promise<number> {
  // SQLite after start: a CLI import may run beside the server on the same file; staleness only.
  if (ctx.engine !== 'postgres' && !options.atStart) return interruptStaleBatches(ctx, staleMs);
  const running = await ctx.db
    .selectFrom('key_batches')
    .select(['id', 'owner_instance'])
    .where('status', '=', 'RUNNING')
    .where((eb) => eb.or([eb('owner_instance', 'is', null), eb('owner_instance', '<>', INSTANCE_ID)]))
    .execute();
  const alive = new Map<string, boolean>();
  let count = 0;
  for (const { id, owner_instance: owner } of running) {
    if (owner === null && ctx.engine === 'postgres') continue; // the staleness rule below
    if (owner !== null) {
      if (!alive.has(owner)) alive.set(owner, await instanceAlive(ctx.db, ctx.engine, owner));
      if (alive.get(owner) === true) continue;
    }
    if (await interrupt(ctx, id)) count++;
  }
  return count + (await interruptStaleBatches(ctx, staleMs));
}
