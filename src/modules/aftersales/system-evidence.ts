/**
 * System evidence (spec §7 step 3): the platform's own records, generated from the database when
 * a request is submitted (and again at each resubmission) and marked SYSTEM, so nobody has to
 * screenshot anything — the order snapshot, the policy version and the buyer's confirmation, the
 * key timelines, the payment record and the order's conversation transcript. Never secrets.
 */
import { now, toJson, type Db } from '../../platform/db/dialect.js';
import type { Row } from '../../platform/db/schema.js';
import { newOrderedId } from '../../platform/ids.js';

export type SystemEvidenceKind = 'ORDER_SNAPSHOT' | 'POLICY' | 'KEY_TIMELINES' | 'PAYMENT' | 'CONVERSATION';

export async function attachSystemEvidence(
  trx: Db,
  input: {
    requestId: string;
    submission: number;
    order: Row<'orders'>;
    unitIds: readonly string[];
    at: Date;
  },
): Promise<void> {
  const { order } = input;
  const [policy, payment, keys, events, messages] = await Promise.all([
    order.policy_id
      ? trx.selectFrom('refund_policies').selectAll().where('id', '=', order.policy_id).executeTakeFirst()
      : undefined,
    trx
      .selectFrom('payments')
      .select(['id', 'method', 'provider', 'amount_fen', 'state', 'paid_at'])
      .where('order_id', '=', order.id)
      .executeTakeFirst(),
    trx
      .selectFrom('keys')
      .select([
        'id',
        'unit_id',
        'state',
        'serial_masked',
        'delivered_at',
        'first_revealed_at',
        'activated_at',
        'activation_source',
        'activated_before_delivery',
        'voided_at',
        'invalid_at',
      ])
      .where('unit_id', 'in', input.unitIds.length ? input.unitIds : ['-'])
      .execute(),
    trx
      .selectFrom('key_events')
      .select(['unit_id', 'key_id', 'at', 'kind', 'actor_role'])
      .where('unit_id', 'in', input.unitIds.length ? input.unitIds : ['-'])
      .where('kind', '<>', 'BREAK_GLASS_REVEAL')
      .orderBy('at')
      .execute(),
    trx
      .selectFrom('conversation_messages')
      .select(['id', 'sender_role', 'body', 'sha256', 'file_name', 'created_at'])
      .where('order_id', '=', order.id)
      .orderBy('id')
      .execute(),
  ]);
  const records: { kind: SystemEvidenceKind; content: unknown }[] = [
    {
      kind: 'ORDER_SNAPSHOT',
      content: {
        orderNo: order.order_no,
        productName: order.product_name,
        productType: order.product_type,
        faceValueFen: order.face_value_fen,
        validityDays: order.validity_days,
        quantity: order.quantity,
        unitPriceFen: order.unit_price_fen,
        totalFen: order.total_fen,
        buyerLevel: order.buyer_level,
        paymentMethod: order.payment_method,
        createdAt: order.created_at,
        deliveredAt: order.delivered_at,
      },
    },
    {
      kind: 'POLICY',
      content: {
        version: order.policy_version,
        textHash: order.policy_text_hash,
        // A channel buyer never confirmed Kameng's policy page (ADR 0008).
        confirmedAt: order.payment_method === 'CHANNEL' ? null : order.policy_confirmed_at,
        channelOrder: order.payment_method === 'CHANNEL',
        textZh: policy?.text_zh ?? null,
        textEn: policy?.text_en ?? null,
      },
    },
    {
      kind: 'KEY_TIMELINES',
      content: input.unitIds.map((unitId) => ({
        unitId,
        // Every key the unit ever held (a replaced INVALID key too), from its own history.
        events: events
          .filter((e) => e.unit_id === unitId)
          .map((e) => ({ at: e.at, kind: e.kind, by: e.actor_role })),
        keys: keys
          .filter((k) => k.unit_id === unitId)
          .map((k) => ({
            serialMasked: k.serial_masked,
            state: k.state,
            deliveredAt: k.delivered_at,
            firstRevealedAt: k.first_revealed_at,
            activatedAt: k.activated_at,
            activationSource: k.activation_source,
            activatedBeforeDelivery: k.activated_before_delivery === 1,
            voidedAt: k.voided_at,
            invalidAt: k.invalid_at,
          })),
      })),
    },
    {
      kind: 'PAYMENT',
      content: payment
        ? {
            method: payment.method,
            provider: payment.provider,
            amountFen: payment.amount_fen,
            state: payment.state,
            // No gateway trade number: merchants see this record, and the buyer's payer details
            // are not theirs (the order page hides them from merchants too).
            paidAt: payment.paid_at,
          }
        : null,
    },
    {
      kind: 'CONVERSATION',
      content: messages.map((m) => ({
        at: m.created_at,
        from: m.sender_role,
        text: m.body,
        file: m.sha256 ? { sha256: m.sha256, name: m.file_name } : null,
      })),
    },
  ];
  await trx
    .insertInto('refund_evidence')
    .values(
      records.map((r) => ({
        id: newOrderedId(input.at.getTime()),
        request_id: input.requestId,
        submission: input.submission,
        source: 'SYSTEM' as const,
        uploaded_by: null,
        kind: r.kind,
        sha256: null,
        mime: 'application/json',
        file_name: null,
        size: null,
        signals: null,
        content: toJson(r.content),
        created_at: now(input.at),
      })),
    )
    .execute();
}
