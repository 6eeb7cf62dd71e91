/**
 * Stored uploads and their authors. Files are content-addressed (one copy per content), so the
 * store alone cannot say whose a file is; this table does. A refund request or a conversation
 * message may name only files its author uploaded — knowing a file's hash (it appears in download
 * links) is not enough to reuse someone else's evidence.
 */
import { now, type Db } from './db/dialect.js';
import type { FileStore } from './files.js';

export async function storeUpload(
  db: Db,
  files: FileStore,
  userId: string,
  bytes: Buffer,
  at: Date,
): Promise<string> {
  const sha256 = await files.put(bytes);
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
