import { sql, type Kysely } from 'kysely';

/** OPEN_REFUND_STATES (schema.ts) as of this migration: the states the review queue lists. */
const OPEN = sql.raw(
  `('PENDING_REVIEW', 'SUPPORT_REVIEW', 'AWAITING_BUYER', 'APPROVED', 'REFUNDING', 'REFUND_ABNORMAL', 'REJECTED', 'DISPUTED')`,
);

/**
 * Indexes for the read paths at data scale (Stage 10, `npm run bench:scale`): a merchant's refund
 * requests in the order its queue is worked (deadline, then id), and the open ones alone, so the
 * review queue reads its first page from the index instead of scanning and sorting every request
 * of the shop. Plain b-trees and partial indexes that both engines build the same way.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index refund_requests_merchant on refund_requests (merchant_id, review_due_at, id)`.execute(
    db,
  );
  await sql`create index refund_requests_merchant_open on refund_requests (merchant_id, review_due_at, id)
    where state in ${OPEN}`.execute(db);
}

export function down(): Promise<void> {
  return Promise.reject(new Error('0019_scale_indexes cannot be reverted'));
}
