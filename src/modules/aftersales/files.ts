/**
 * Evidence files of after-sales and conversations: uploaded first (checked by content, stored by
 * their SHA-256, recorded as their author's), then named by a request or a message; downloaded
 * only by someone who may see the request that holds them.
 */
import type { Actor } from '../../platform/actor.js';
import type { DataContext } from '../../platform/context.js';
import { fail } from '../../platform/errors.js';
import { inspectBatch, type FileStore } from '../../platform/files.js';
import { evidenceForViewer, storeUpload } from '../../platform/uploads.js';
import { loadVisibleRequest } from './views.js';

/** Checks every file before any is stored: one bad file stores nothing. */
export async function uploadEvidence(
  ctx: Pick<DataContext, 'db' | 'clock'> & { files: FileStore },
  actor: Actor,
  files: readonly { bytes: Buffer; name: string }[],
) {
  if (actor.kind !== 'user') fail('auth.forbidden');
  if (files.length === 0) fail('refund.units_required', { field: 'files' });
  const inspected = await inspectBatch(files);
  for (const f of files) await storeUpload(ctx.db, ctx.files, actor.id, f.bytes, ctx.clock.now());
  return inspected.map((i) => ({
    sha256: i.sha256,
    name: i.name,
    mime: i.mime,
    size: i.size,
    kind: i.kind,
    width: i.width,
    height: i.height,
    signals: i.signals.map((s) => ({
      code: s.code,
      value: s.value ?? undefined,
      messages: { ...s.messages },
    })),
  }));
}

/**
 * An evidence file of a request the actor may see: its bytes and the type found by content. The
 * uploader gets the original; anyone else an image's shareable copy, without location and device
 * metadata (platform/uploads.ts).
 */
export async function evidenceFile(
  ctx: Pick<DataContext, 'db' | 'clock'> & { files: FileStore },
  actor: Actor,
  requestId: string,
  sha256: string,
): Promise<{ bytes: Buffer; mime: string; servedSha256: string }> {
  const { r } = await loadVisibleRequest(ctx.db, actor, requestId);
  const row = await ctx.db
    .selectFrom('refund_evidence')
    .select(['mime', 'file_name'])
    .where('request_id', '=', r.id)
    .where('sha256', '=', sha256)
    .executeTakeFirst();
  const file = row
    ? await evidenceForViewer(
        ctx.db,
        ctx.files,
        actor.kind === 'user' ? actor.id : null,
        sha256,
        ctx.clock.now(),
      )
    : null;
  if (!row || !file) fail('refund.not_found');
  return {
    bytes: file.bytes,
    mime: row.mime ?? 'application/octet-stream',
    servedSha256: file.shareable.servedSha256,
  };
}
