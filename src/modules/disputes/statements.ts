/**
 * Each party's statement and evidence (spec §9): a draft its party edits as often as it likes,
 * then one submission that cannot change (the machine's SUBMITTED is terminal, and the database
 * refuses to touch a submitted row). Files follow the Stage 4 upload rules: uploaded first by their
 * author, checked again by content from the store. When both parties have submitted, arbitration
 * begins at once; otherwise the evidence deadline starts it.
 */
import { z } from 'zod';
import { INT4_MAX } from '../../platform/http/schemas.js';
import type { UserActor } from '../../platform/actor.js';
import { fromJson, now, toJson, type Db } from '../../platform/db/dialect.js';
import type { DisputeParty, Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { newOrderedId } from '../../platform/ids.js';
import { unitOfWork } from '../../platform/unit-of-work.js';
import {
  fileRefSchema,
  inspectStored,
  insertFileEvidence,
  type AfterSalesContext,
} from '../aftersales/index.js';
import { merchantUsers, notify } from '../notifications/index.js';
import { startArbitration } from './arbitration.js';
import { lockDispute, statementMachine } from './lifecycle.js';

export const STATEMENT_MAX = 2000;

export const statementDraftSchema = z.strictObject({
  text: z.string().trim().max(STATEMENT_MAX),
  files: z.array(fileRefSchema).max(9).default([]),
  /** The draft's version the party saw (0 for a statement not written yet). */
  version: z.number().int().min(0).max(INT4_MAX),
});
export type StatementDraft = z.infer<typeof statementDraftSchema>;

export interface StoredFile {
  sha256: string;
  name: string;
  mime: string;
  size: number;
}

/** Which party the actor is in the dispute; staff and strangers are not a party. */
export function partyOf(
  actor: UserActor,
  d: Pick<Row<'disputes'>, 'buyer_id' | 'merchant_id'>,
): DisputeParty | null {
  if (actor.id === d.buyer_id) return 'BUYER';
  if (actor.role === 'merchant' && actor.merchantId !== null && actor.merchantId === d.merchant_id)
    return 'MERCHANT';
  return null;
}

async function ownStatement(trx: Db, disputeId: string, party: DisputeParty) {
  return trx
    .selectFrom('dispute_statements')
    .selectAll()
    .where('dispute_id', '=', disputeId)
    .where('party', '=', party)
    .executeTakeFirst();
}

/** Saves the party's draft (its text and files), version-checked; refused once submitted or closed. */
export async function saveDraft(
  ctx: Pick<AfterSalesContext, 'db' | 'engine' | 'clock' | 'files'>,
  actor: UserActor,
  disputeId: string,
  input: StatementDraft,
): Promise<Row<'dispute_statements'>> {
  const checked = await inspectStored(ctx, actor.id, input.files);
  const files: StoredFile[] = checked.map((f) => ({
    sha256: f.sha256,
    name: f.name,
    mime: f.mime,
    size: f.size,
  }));
  return unitOfWork(ctx, async (trx) => {
    const at = ctx.clock.now();
    const d = await lockDispute(trx, ctx.engine, disputeId);
    const party = partyOf(actor, d);
    if (!party) fail('dispute.not_found');
    if (d.state !== 'EVIDENCE' || at.getTime() >= Date.parse(d.evidence_due_at))
      fail('dispute.evidence_closed');
    const mine = await ownStatement(trx, d.id, party);
    if (mine?.state === 'SUBMITTED') fail('dispute.evidence_closed');
    if ((mine?.version ?? 0) !== input.version) fail('request.conflict', { field: 'version' });
    if (!mine)
      return trx
        .insertInto('dispute_statements')
        .values({
          id: newOrderedId(at.getTime()),
          dispute_id: d.id,
          party,
          author_id: actor.id,
          text: input.text,
          files: toJson(files),
          state: 'DRAFT',
          submitted_at: null,
          version: 1,
          created_at: now(at),
          updated_at: now(at),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    const saved = await trx
      .updateTable('dispute_statements')
      .set({
        text: input.text,
        files: toJson(files),
        author_id: actor.id,
        version: mine.version + 1,
        updated_at: now(at),
      })
      .where('id', '=', mine.id)
      .where('version', '=', mine.version)
      .returningAll()
      .executeTakeFirst();
    if (!saved) fail('request.conflict', { field: 'version' });
    return saved;
  });
}

/**
 * Submits the party's statement once: its files join the request's evidence (so both parties and
 * the arbitrator read them beside the system records), and the other party is told.
 */
export async function submitStatement(
  ctx: Pick<AfterSalesContext, 'db' | 'engine' | 'clock' | 'files'>,
  actor: UserActor,
  disputeId: string,
  version: number,
): Promise<void> {
  await unitOfWork(ctx, async (trx) => {
    const at = ctx.clock.now();
    const d = await lockDispute(trx, ctx.engine, disputeId);
    const party = partyOf(actor, d);
    if (!party) fail('dispute.not_found');
    const mine = await ownStatement(trx, d.id, party);
    if (!mine || mine.state === 'SUBMITTED') fail('dispute.evidence_closed');
    if (mine.version !== version) fail('request.conflict', { field: 'version' });
    if (mine.text.trim().length < 2) fail('dispute.statement_required', { field: 'text' });
    await statementMachine.transition(trx, {
      row: mine,
      to: 'SUBMITTED',
      by: party === 'BUYER' ? 'buyer' : 'merchant',
      actor,
      at,
      set: { submitted_at: now(at) },
      data: { disputeId: d.id, party, files: fromJson<StoredFile[]>(mine.files).length },
    });
    const files = fromJson<StoredFile[]>(mine.files);
    if (files.length > 0) {
      const r = await trx
        .selectFrom('refund_requests')
        .select('submissions')
        .where('id', '=', d.request_id)
        .executeTakeFirstOrThrow();
      const checked = await inspectStored({ db: trx, files: ctx.files }, mine.author_id, files);
      await insertFileEvidence(trx, {
        requestId: d.request_id,
        submission: r.submissions,
        source: party,
        userId: mine.author_id,
        files: checked,
        at,
      });
    }
    const other = party === 'BUYER' ? await merchantUsers(trx, d.merchant_id) : [d.buyer_id];
    await notify(
      trx,
      other,
      {
        kind: 'DISPUTE_UPDATE',
        titleZh: '对方已提交仲裁陈述',
        titleEn: 'The other party submitted its statement',
        bodyZh: `仲裁案件 ${d.dispute_no}：${party === 'BUYER' ? '买家' : '商家'}已提交陈述与证据。`,
        bodyEn: `Dispute ${d.dispute_no}: the ${party === 'BUYER' ? 'buyer' : 'merchant'} submitted its statement and evidence.`,
        link: `/disputes/${d.id}`,
        object: { type: 'dispute', id: d.id },
      },
      at,
    );
    const submitted = await trx
      .selectFrom('dispute_statements')
      .select('party')
      .where('dispute_id', '=', d.id)
      .where('state', '=', 'SUBMITTED')
      .execute();
    if (submitted.length === 2) await startArbitration(trx, { actor, at }, d);
  });
}
