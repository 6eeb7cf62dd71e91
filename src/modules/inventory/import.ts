/**
 * Streaming key import. The file is parsed line by line (parse.ts) and written in chunks: each
 * chunk's keys, rejects, batch counters and audit event commit in one transaction, so a crash
 * leaves whole chunks or nothing — never a half-written key — and memory stays flat however
 * large the file. Duplicates are found by the database's unique HMAC index, never by decrypting.
 */
import type { Actor } from '../../platform/actor.js';
import type { DataContext } from '../../platform/context.js';
import { now, type Db } from '../../platform/db/dialect.js';
import type { Row } from '../../platform/db/schema.js';
import { DomainError, fail } from '../../platform/errors.js';
import { newId, newOrderedId } from '../../platform/ids.js';
import { authorize } from '../accounts/authz.js';
import { appendAudit } from '../audit/index.js';
import {
  CsvHeaderError,
  maskSerial,
  NotTextFileError,
  parseKeyStream,
  type ImportFormat,
  type KeyRecord,
} from './parse.js';
import { KeyVault } from './vault.js';

export const CHUNK_LINES = 2000;
const INSERT_ROWS = 400;
/** Rejected lines kept per batch for the report; all of them are counted. */
export const MAX_STORED_REJECTS = 10_000;

export interface InventoryContext extends DataContext {
  vault: KeyVault;
}

export type DuplicateReason = 'DUPLICATE_IN_BATCH' | 'DUPLICATE_EXISTING';

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
  const product = await ctx.db
    .selectFrom('products')
    .selectAll()
    .where('id', '=', input.productId)
    .executeTakeFirst();
  if (!product) fail('catalog.product_not_found');
  authorize(
    actor,
    'update',
    { type: 'product', merchantId: product.merchant_id, status: product.status },
    'catalog.product_not_found',
  );
  const at = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const dataKeyId = await ctx.vault.createDataKey(trx, at);
    const row: Row<'key_batches'> = {
      id: newId(),
      product_id: product.id,
      merchant_id: product.merchant_id,
      source: input.source,
      file_name: input.fileName,
      format: input.format,
      status: 'RUNNING',
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

interface Pending {
  records: KeyRecord[];
  rejects: { lineNo: number; reason: string }[];
  linesRead: number;
  bytesRead: number;
}

export interface ImportProgress {
  bytesRead: number;
  linesRead: number;
  imported: number;
  duplicates: number;
  rejected: number;
}

/**
 * Runs a started batch over `input` to the end. Returns the finished batch row; a file-level
 * problem (not text, bad CSV header) ends it FAILED with that code rather than throwing.
 */
export async function runImport(
  ctx: InventoryContext,
  actor: Actor,
  batch: Row<'key_batches'>,
  input: AsyncIterable<Uint8Array>,
  onProgress?: (p: ImportProgress) => void,
): Promise<Row<'key_batches'>> {
  const product = await ctx.db
    .selectFrom('products')
    .select(['type'])
    .where('id', '=', batch.product_id)
    .executeTakeFirstOrThrow();
  const hmacKey = await ctx.vault.hmacKey(ctx.db, ctx.clock.now());
  const dataKey = await ctx.vault.dataKey(ctx.db, batch.data_key_id!);
  const totals: ImportProgress = { bytesRead: 0, linesRead: 0, imported: 0, duplicates: 0, rejected: 0 };
  let storedRejects = 0;
  let pending: Pending = { records: [], rejects: [], linesRead: 0, bytesRead: 0 };
  let bytesSeen = 0;
  let linesSeen = 0;

  const flush = async (): Promise<void> => {
    const chunk = pending;
    pending = { records: [], rejects: [], linesRead: linesSeen, bytesRead: bytesSeen };
    const at = ctx.clock.now();
    // Crypto happens before the transaction opens, so the single SQLite writer is held briefly.
    const rows = chunk.records.map((r) => {
      const id = newOrderedId(at.getTime());
      const payload = { serial: r.serial, secret: r.secret };
      return {
        id,
        product_id: batch.product_id,
        merchant_id: batch.merchant_id,
        batch_id: batch.id,
        line_no: r.lineNo,
        state: 'AVAILABLE' as const,
        serial_masked: maskSerial(r.serial ?? r.secret),
        lookup_hmac: KeyVault.lookupHmac(hmacKey, product.type, payload),
        secret_hmac: KeyVault.secretHmac(hmacKey, product.type, payload),
        data_key_id: batch.data_key_id!,
        ciphertext: ctx.vault.encrypt(dataKey, id, payload),
        activated_before_delivery: 0 as const,
        version: 1,
        created_at: now(at),
        updated_at: now(at),
      };
    });
    const result = await ctx.db.transaction().execute(async (trx) => {
      const inserted = new Set<string>();
      for (let i = 0; i < rows.length; i += INSERT_ROWS) {
        const res = await trx
          .insertInto('keys')
          .values(rows.slice(i, i + INSERT_ROWS))
          .onConflict((oc) => oc.column('secret_hmac').doNothing())
          .returning('id')
          .execute();
        for (const r of res) inserted.add(r.id);
      }
      const dupes = rows.filter((r) => !inserted.has(r.id));
      const dupReasons = await classifyDuplicates(trx, batch.id, dupes);
      const rejects = [...chunk.rejects, ...dupReasons.map((d) => ({ lineNo: d.lineNo, reason: d.reason }))];
      const keep = rejects.slice(0, Math.max(0, MAX_STORED_REJECTS - storedRejects));
      for (let i = 0; i < keep.length; i += 500) {
        await trx
          .insertInto('key_batch_rejects')
          .values(
            keep.slice(i, i + 500).map((r) => ({ batch_id: batch.id, line_no: r.lineNo, reason: r.reason })),
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
        .where('id', '=', batch.id)
        .where('status', '=', 'RUNNING')
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) fail('inventory.key_conflict');
      if (counts.imported > 0) {
        await appendAudit(trx, {
          actor,
          action: 'keys.imported',
          objectType: 'key_batch',
          objectId: batch.id,
          data: {
            ...counts,
            throughLine: chunk.linesRead,
            firstKeyId: rows[0]?.id ?? null,
            lastKeyId: rows.at(-1)?.id ?? null,
          },
          at,
        });
      }
      return { ...counts, stored: keep.length };
    });
    storedRejects += result.stored;
    totals.imported += result.imported;
    totals.duplicates += result.duplicates;
    totals.rejected += result.rejected;
    totals.linesRead = chunk.linesRead;
    totals.bytesRead = chunk.bytesRead;
    onProgress?.({ ...totals });
  };

  try {
    for await (const line of parseKeyStream(
      input,
      { productType: product.type, format: batch.format, fileName: batch.file_name ?? undefined },
      (p) => {
        bytesSeen = p.bytesRead;
        linesSeen = p.linesRead;
      },
    )) {
      if (line.ok) pending.records.push(line);
      else pending.rejects.push({ lineNo: line.lineNo, reason: line.reason });
      linesSeen = Math.max(linesSeen, line.lineNo);
      pending.linesRead = linesSeen;
      pending.bytesRead = bytesSeen;
      if (pending.records.length + pending.rejects.length >= CHUNK_LINES) await flush();
    }
    pending.linesRead = linesSeen;
    pending.bytesRead = bytesSeen;
    await flush();
    return await finishBatch(ctx, actor, batch.id, 'COMPLETED', null);
  } catch (error) {
    const code =
      error instanceof NotTextFileError || error instanceof CsvHeaderError
        ? error.code
        : error instanceof DomainError
          ? error.code
          : 'inventory.import_failed';
    await finishBatch(ctx, actor, batch.id, 'FAILED', code);
    if (code === 'inventory.import_failed') throw error;
    return await ctx.db
      .selectFrom('key_batches')
      .selectAll()
      .where('id', '=', batch.id)
      .executeTakeFirstOrThrow();
  }
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

async function finishBatch(
  ctx: InventoryContext,
  actor: Actor,
  batchId: string,
  status: 'COMPLETED' | 'FAILED' | 'INTERRUPTED',
  errorCode: string | null,
): Promise<Row<'key_batches'>> {
  const at = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const res = await trx
      .updateTable('key_batches')
      .set((eb) => ({
        status,
        error_code: errorCode,
        finished_at: now(at),
        updated_at: now(at),
        version: eb('version', '+', 1),
      }))
      .where('id', '=', batchId)
      .where('status', '=', 'RUNNING')
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) fail('inventory.key_conflict');
    const row = await trx
      .selectFrom('key_batches')
      .selectAll()
      .where('id', '=', batchId)
      .executeTakeFirstOrThrow();
    await appendAudit(trx, {
      actor,
      action: `key_batch.${status.toLowerCase()}`,
      objectType: 'key_batch',
      objectId: batchId,
      data: {
        imported: row.imported,
        duplicates: row.duplicates,
        rejected: row.rejected,
        linesRead: row.lines_read,
        errorCode,
      },
      at,
    });
    return row;
  });
}

/**
 * Batches still RUNNING whose last chunk is older than `staleMs` belong to a process that died:
 * they end INTERRUPTED (their committed chunks stay). Run at start and by the CLI.
 */
export async function interruptStaleBatches(ctx: InventoryContext, staleMs: number): Promise<number> {
  const cutoff = now(new Date(ctx.clock.now().getTime() - staleMs));
  const stale = await ctx.db
    .selectFrom('key_batches')
    .select('id')
    .where('status', '=', 'RUNNING')
    .where('updated_at', '<', cutoff)
    .execute();
  for (const b of stale)
    await finishBatch(
      ctx,
      { kind: 'system', name: 'recovery' },
      b.id,
      'INTERRUPTED',
      'inventory.import_failed',
    );
  return stale.length;
}
