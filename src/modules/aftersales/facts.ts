/**
 * Reads, from the records, the facts the eligibility rules judge (spec §6): the order's delivery,
 * policy snapshot and its recorded confirmation, and per unit its key's state and timeline, and
 * whether it is refunded or already in an open request. The rules themselves stay pure.
 */
import { engineOf, lockUser, type Db } from '../../platform/db/dialect.js';
import { membershipRefundable } from '../membership/index.js';
import type { Row } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { getPlatformRules } from '../../platform/settings.js';
import { policyTerms } from '../catalog/index.js';
import {
  checkEligibility,
  type EligibilityResult,
  type RefundReason,
  type UnitFacts,
} from './eligibility.js';

export interface OrderUnits {
  order: Row<'orders'>;
  facts: UnitFacts[];
}

/** Units of a goods order (all, or the chosen ones) with their key facts. */
export async function loadUnitFacts(
  trx: Db,
  order: Row<'orders'>,
  unitIds?: readonly string[],
  /** The request being judged again (timeout, resubmission): its own hold on the units is not a block. */
  ownRequestId?: string,
): Promise<UnitFacts[]> {
  const units = await trx
    .selectFrom('units')
    .leftJoin('keys', (j) =>
      j
        .onRef('keys.unit_id', '=', 'units.id')
        .on('keys.state', 'in', ['SEALED', 'REVEALED', 'ACTIVATED', 'VOIDED', 'INVALID']),
    )
    .select([
      'units.id as unit_id',
      'units.refunded_at',
      'units.refund_barred_at',
      'keys.id as key_id',
      'keys.state',
      'keys.serial_masked',
      'keys.delivered_at',
      'keys.first_revealed_at',
      'keys.activated_at',
      'keys.activation_source',
      'keys.activated_before_delivery',
    ])
    .where('units.order_id', '=', order.id)
    .orderBy('units.id')
    .execute();
  const chosen = unitIds ? new Set(unitIds) : null;
  if (chosen) {
    const known = new Set(units.map((u) => u.unit_id));
    for (const id of chosen) if (!known.has(id)) fail('refund.unit_not_in_order', { field: 'unitIds' });
  }
  const picked = chosen ? units.filter((u) => chosen.has(u.unit_id)) : units;
  // A replacement key may have been delivered for an INVALID one: prefer the live key of a unit.
  const byUnit = new Map<string, (typeof units)[number]>();
  for (const u of picked) {
    const seen = byUnit.get(u.unit_id);
    if (!seen || seen.state === 'INVALID') byUnit.set(u.unit_id, u);
  }
  const open = await trx
    .selectFrom('refund_request_units')
    .select('unit_id')
    .where('unit_id', 'in', [...byUnit.keys()].length ? [...byUnit.keys()] : ['-'])
    .where('released_at', 'is', null)
    .$if(ownRequestId !== undefined, (q) => q.where('request_id', '<>', ownRequestId!))
    .execute();
  const inOpen = new Set(open.map((o) => o.unit_id));
  const activatedBy = await activators(
    trx,
    [...byUnit.values()].flatMap((u) => (u.key_id !== null && u.activated_at !== null ? [u.key_id] : [])),
  );
  return [...byUnit.values()].map((u) => ({
    unitId: u.unit_id,
    alreadyRefunded: u.refunded_at !== null,
    arbitrated: u.refund_barred_at !== null,
    inOpenRequest: inOpen.has(u.unit_id),
    key: u.state
      ? {
          state: u.state,
          serialMasked: u.serial_masked ?? '',
          deliveredAt: u.delivered_at,
          firstRevealedAt: u.first_revealed_at,
          activatedAt: u.activated_at,
          activatedBy: (u.key_id !== null && activatedBy.get(u.key_id)) || null,
          activationSource: u.activation_source,
          activatedBeforeDelivery: u.activated_before_delivery === 1,
          // Any recorded use of an entitlement counts as partly used (spec §5).
          partiallyUsed: order.product_type === 'ENTITLEMENT' && u.activated_at !== null,
        }
      : null,
  }));
}

/**
 * Who put each key's activation on record, from its history: the registry writes one ACTIVATED
 * event per key with the caller's role — an issuer token, or the key's own merchant (logged in or
 * with a merchant token). Keys activated some other way (none today) stay unknown.
 */
async function activators(trx: Db, keyIds: readonly string[]): Promise<Map<string, 'issuer' | 'merchant'>> {
  const by = new Map<string, 'issuer' | 'merchant'>();
  if (keyIds.length === 0) return by;
  const events = await trx
    .selectFrom('key_events')
    .select(['key_id', 'actor_role'])
    .where('key_id', 'in', keyIds)
    .where('kind', '=', 'ACTIVATED')
    .orderBy('at')
    .orderBy('id')
    .execute();
  for (const e of events) {
    const role =
      e.actor_role === 'token:issuer'
        ? 'issuer'
        : e.actor_role === 'merchant' || e.actor_role === 'token:merchant'
          ? 'merchant'
          : null;
    if (role && !by.has(e.key_id)) by.set(e.key_id, role);
  }
  return by;
}

/**
 * A 超会/VIP membership is itself a refundable good (spec §2): refundable while no benefit was
 * consumed — no order at a member price since it began — and not after. The buyer's row is
 * locked first, so a member-price checkout racing the refund lands wholly before or after it.
 */
async function membershipEligibility(
  trx: Db,
  order: Row<'orders'>,
  reason: RefundReason,
): Promise<EligibilityResult> {
  const m = await trx
    .selectFrom('memberships')
    .selectAll()
    .where('order_id', '=', order.id)
    .executeTakeFirst();
  if (m) await lockUser(trx, engineOf(trx), m.user_id);
  const ok = m !== undefined && (await membershipRefundable(trx, m));
  return {
    reason,
    units: [],
    summary: {
      status: ok ? 'ALL' : 'NONE',
      eligibleUnitIds: [],
      needsEvidenceUnitIds: [],
      blockedUnitIds: [],
      autoApprovable: ok,
      zh: ok
        ? '会员权益尚未使用（此后未以会员价下单），可全额退款，退款后会员价即停止。'
        : '会员权益已使用（已以会员价下单）或会员已结束，不能退款。',
      en: ok
        ? 'The membership has not been used (no order at a member price since it began): it is refundable in full, and member prices end with the refund.'
        : 'The membership has been used (an order at a member price) or has ended: it is not refundable.',
    },
  };
}

/** The eligibility answer for chosen units of an order, from its records, at `at`. */
export async function assess(
  trx: Db,
  order: Row<'orders'>,
  input: {
    unitIds?: readonly string[];
    reason: RefundReason;
    evidenceAttached: boolean;
    at: Date;
    ownRequestId?: string;
  },
): Promise<{ result: EligibilityResult; facts: UnitFacts[] }> {
  if (order.kind === 'MEMBERSHIP')
    return { result: await membershipEligibility(trx, order, input.reason), facts: [] };
  if (order.kind !== 'GOODS' || !order.policy_id) fail('refund.order_not_refundable');
  const [policy, rules, facts] = await Promise.all([
    trx.selectFrom('refund_policies').selectAll().where('id', '=', order.policy_id).executeTakeFirstOrThrow(),
    getPlatformRules(trx),
    loadUnitFacts(trx, order, input.unitIds, input.ownRequestId),
  ]);
  const result = checkEligibility({
    at: input.at,
    reason: input.reason,
    order: {
      deliveredAt: order.delivered_at,
      // A channel buyer accepted the channel's listing, never Kameng's policy page (ADR 0008).
      policyConfirmedAt: order.payment_method === 'CHANNEL' ? null : order.policy_confirmed_at,
      policyVersion: policy.version,
      policy: policyTerms(policy),
      productType: order.product_type ?? 'CARD_KEY',
    },
    units: facts,
    qualityClaimDays: rules.qualityClaimDays,
    evidenceAttached: input.evidenceAttached,
  });
  return { result, facts };
}

/**
 * A request judged again (timeout, rejection check, resubmission): its own units, its reason, as
 * of when the buyer applied — a window that closed while the merchant was silent does not count
 * against the buyer — on the records as they are now (an activation since does count).
 */
export async function assessRequest(
  trx: Db,
  r: Pick<Row<'refund_requests'>, 'id' | 'order_id' | 'reason' | 'created_at'>,
): Promise<{ order: Row<'orders'>; unitIds: string[]; result: EligibilityResult; facts: UnitFacts[] }> {
  const order = await trx
    .selectFrom('orders')
    .selectAll()
    .where('id', '=', r.order_id)
    .executeTakeFirstOrThrow();
  const unitIds = (
    await trx.selectFrom('refund_request_units').select('unit_id').where('request_id', '=', r.id).execute()
  ).map((u) => u.unit_id);
  const judged = await assess(trx, order, {
    unitIds: order.kind === 'MEMBERSHIP' ? undefined : unitIds,
    reason: r.reason as RefundReason,
    evidenceAttached: true,
    at: new Date(r.created_at),
    ownRequestId: r.id,
  });
  return { order, unitIds, ...judged };
}
