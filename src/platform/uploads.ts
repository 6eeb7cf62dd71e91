/**
 * Stored uploads and their authors. Files are content-addressed (one copy per content), so the
 * store alone cannot say whose a file is; this table does. A refund request or a conversation
 * message may name only files its author uploaded — knowing a file's hash (it appears in download
 * links) is not enough to reuse someone else's evidence.
 *
 * An evidence image is stored twice: the original, exactly as uploaded, and a shareable copy with
 * the location and device metadata removed (files-metadata.ts), each under its own SHA-256, the
 * pair recorded in `evidence_derivatives`. The original is given back only to whoever uploaded
 * those bytes; everyone else (the other party, support, the arbitrator, their case files) gets the
 * copy. Records keep naming the original's hash (docs/adr/0011-evidence-metadata.md).
 */
import { now, type Db } from './db/dialect.js';
import type { FileStore } from './files.js';
import { withoutMetadata, type DerivationMethod } from './files-metadata.js';

export async function storeUpload(
  db: Db,
  files: FileStore,
  userId: string,
  bytes: Buffer,
  at: Date,
): Promise<string> {
  const sha256 = await files.put(bytes);
  // The shareable copy is made and recorded before the upload is: an upload on record always has it.
  await deriveShareable(db, files, sha256, bytes, at);
  await db
    .insertInto('evidence_uploads')
    .values({ sha256, user_id: userId, created_at: now(at) })
    .onConflict((oc) => oc.columns(['sha256', 'user_id']).doNothing())
    .execute();
  return sha256;
}

export async function uploadedBy(db: Db, userId: string, sha256: string): Promise<boolean> {
  const row = await db
    .selectFrom('evidence_uploads')
    .select('sha256')
    .where('sha256', '=', sha256)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row !== undefined;
}

export interface Shareable {
  /** The original's SHA-256 (the one records name). */
  sha256: string;
  /** The SHA-256 of the bytes handed out: the original's own when nothing was removed. */
  servedSha256: string;
  /** How the served bytes were derived from the original; null when they are the original. */
  method: DerivationMethod | null;
}

/** The recorded shareable copy of an image; derived (once) from the stored original when missing. */
async function deriveShareable(
  db: Db,
  files: FileStore,
  sha256: string,
  original: Buffer,
  at: Date,
): Promise<Shareable> {
  const recorded = await db
    .selectFrom('evidence_derivatives')
    .select(['derived_sha256', 'method'])
    .where('sha256', '=', sha256)
    .executeTakeFirst();
  if (recorded && (await files.has(recorded.derived_sha256)))
    return { sha256, servedSha256: recorded.derived_sha256, method: recorded.method };
  const derived = await withoutMetadata(original);
  if (!derived) return { sha256, servedSha256: sha256, method: null };
  const derivedSha = await files.put(derived.bytes);
  await db
    .insertInto('evidence_derivatives')
    .values({ sha256, derived_sha256: derivedSha, method: derived.method, created_at: now(at) })
    .onConflict((oc) => oc.column('sha256').doNothing())
    .execute();
  // A concurrent first use may have recorded its copy first (the same bytes, unless re-encoded).
  const row = await db
    .selectFrom('evidence_derivatives')
    .select(['derived_sha256', 'method'])
    .where('sha256', '=', sha256)
    .executeTakeFirstOrThrow();
  return { sha256, servedSha256: row.derived_sha256, method: row.method };
}

/**
 * An evidence file as the viewer may have it: the original for whoever uploaded these bytes,
 * the shareable copy for everyone else (PDF and text files are the same for all). Null when the
 * store no longer holds the original. `viewerId` null: not a user (nobody's upload).
 */
export async function evidenceForViewer(
  db: Db,
  files: FileStore,
  viewerId: string | null,
  sha256: string,
  at: Date,
): Promise<{ bytes: Buffer; shareable: Shareable } | null> {
  const original = await files.get(sha256);
  if (!original) return null;
  if (viewerId !== null && (await uploadedBy(db, viewerId, sha256)))
    return { bytes: original, shareable: { sha256, servedSha256: sha256, method: null } };
  const shareable = await deriveShareable(db, files, sha256, original, at);
  if (shareable.method === null) return { bytes: original, shareable };
  const bytes = await files.get(shareable.servedSha256);
  // The copy was just checked to exist; a store that lost it since answers as if the file were gone.
  if (!bytes) return null;
  return { bytes, shareable };
}
