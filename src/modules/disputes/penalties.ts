/**
 * Merchant accountability (spec §9): when the buyer wins on the merchant's fault, a violation per
 * kind of fault the findings support is recorded with its dispute, and the admin's penalty rules
 * apply — credit-score points, a deposit deduction paid to the wronged buyer as compensation, and
 * suspension of the merchant's listings once its points in the rules' window reach the threshold.
 */
import { z } from 'zod';
import type { Actor, UserActor } from '../../platform/actor.js';
import { forUpdate, now, type Db, type Engine } from '../../platform/db/dialect.js';
import type { Row, ViolationKind } from '../../platform/db/schema.js';
import { fail } from '../../platform/errors.js';
import { newOrderedId } from '../../platform/ids.js';
import { fenToYuan } from '../../platform/money.js';
import { getSetting, putSetting } from '../../platform/settings.js';
import { defineMachine, type Transitions } from '../../platform/fsm.js';
import { appendAudit, unitOfWork } from '../../platform/unit-of-work.js';
import { merchantUsers, notify } from '../notifications/index.js';
import { toMerchantView } from '../catalog/index.js';
import { compensateFromDeposit } from '../payments/index.js';

export const VIOLATION_KINDS = [
  'ACTIVATED_KEY_DELIVERED',
  'PROMISE_BROKEN',
  'UNJUSTIFIED_REFUSAL',
  'DEADLINES_MISSED',
] as const satisfies readonly ViolationKind[];

export const VIOLATION_TEXT: Record<ViolationKind, { zh: string; en: string }> = {
  ACTIVATED_KEY_DELIVERED: { zh: '交付已激活或无效的卡密', en: 'Delivered an activated or invalid key' },
  PROMISE_BROKEN: { zh: '违背退款承诺（如未激活可退）', en: 'Broke a refund promise (e.g. 未激活可退)' },
  UNJUSTIFIED_REFUSAL: {
    zh: '无理拒绝退款（与记录矛盾）',
    en: 'Refused a refund without grounds (records contradicted it)',
  },
  DEADLINES_MISSED: { zh: '超时未处理售后或未举证', en: 'Missed its review or evidence deadlines' },
};

const penaltySchema = z.strictObject({
  points: z.number().int().min(0).max(100),
  depositFen: z.number().int().min(0).max(100_000_000),
});
export const penaltyRulesSchema = z.strictObject({
  kinds: z.strictObject({
    ACTIVATED_KEY_DELIVERED: penaltySchema,
    PROMISE_BROKEN: penaltySchema,
    UNJUSTIFIED_REFUSAL: penaltySchema,
    DEADLINES_MISSED: penaltySchema,
  }),
  /** Listings are suspended once the merchant's points within `windowDays` reach this. */
  suspendAtPoints: z.number().int().min(1).max(1000),
  windowDays: z.number().int().min(1).max(3650),
});
export type PenaltyRules = z.infer<typeof penaltyRulesSchema>;

export const DEFAULT_PENALTY_RULES: PenaltyRules = {
  kinds: {
    ACTIVATED_KEY_DELIVERED: { points: 6, depositFen: 5_000 },
    PROMISE_BROKEN: { points: 4, depositFen: 3_000 },
    UNJUSTIFIED_REFUSAL: { points: 2, depositFen: 1_000 },
    DEADLINES_MISSED: { points: 1, depositFen: 0 },
  },
  suspendAtPoints: 12,
  windowDays: 365,
};

export async function getPenaltyRules(db: Db): Promise<PenaltyRules> {
  const stored = await getSetting<PenaltyRules>(db, 'penalty_rules');
  return stored ? penaltyRulesSchema.parse(stored) : DEFAULT_PENALTY_RULES;
}

/** An admin replaces the penalty rules (audited); they apply to violations recorded from then on. */
export async function setPenaltyRules(
  ctx: { db: Db; clock: { now(): Date } },
  admin: UserActor,
  rules: PenaltyRules,
): Promise<PenaltyRules> {
  if (admin.role !== 'admin') fail('auth.forbidden');
  await unitOfWork(ctx, async (trx) => {
    const at = ctx.clock.now();
    await putSetting(trx, 'penalty_rules', rules, at);
    await appendAudit(trx, {
      actor: admin,
      at,
      action: 'settings.penalty_rules',
      objectType: 'settings',
      objectId: 'penalty_rules',
      data: rules,
    });
  });
  return getPenaltyRules(ctx.db);
}

/** A merchant's listing status: suspended (nothing can be bought) past the threshold; an admin reinstates. */
export type MerchantStatus = Row<'merchants'>['status'];
export const merchantTransitions: Transitions<MerchantStatus, 'system' | 'admin'> = {
  ACTIVE: { SUSPENDED: { by: ['system', 'admin'] } },
  SUSPENDED: { ACTIVE: { by: ['admin'] } },
};
export const merchantMachine = defineMachine({
  name: 'merchant',
  table: 'merchants',
  column: 'status',
  initial: ['ACTIVE'],
  terminal: [],
  transitions: merchantTransitions,
  notAllowed: 'merchant.not_suspended',
});

const DAY_MS = 24 * 3_600_000;

/** Records the violations a decided dispute supports and applies their penalties. */
export async function recordViolations(
  trx: Db,
  c: { actor: Actor; at: Date; engine: Engine },
  d: Row<'disputes'>,
  kinds: readonly ViolationKind[],
): Promise<Row<'merchant_violations'>[]> {
  if (!d.merchant_id || kinds.length === 0) return [];
  const rules = await getPenaltyRules(trx);
  const merchant = await forUpdate(
    trx.selectFrom('merchants').selectAll().where('id', '=', d.merchant_id),
    c.engine,
  ).executeTakeFirstOrThrow();
  const recorded: Row<'merchant_violations'>[] = [];
  for (const kind of [...new Set(kinds)]) {
    const rule = rules.kinds[kind];
    const id = newOrderedId(c.at.getTime());
    const paid = await compensateFromDeposit(trx, c, {
      merchantId: merchant.id,
      buyerId: d.buyer_id,
      amountFen: rule.depositFen,
      violationId: id,
    });
    recorded.push(
      await trx
        .insertInto('merchant_violations')
        .values({
          id,
          merchant_id: merchant.id,
          dispute_id: d.id,
          kind,
          points: rule.points,
          deposit_fen: paid,
          compensated_user_id: paid > 0 ? d.buyer_id : null,
          created_at: now(c.at),
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
  }
  const points = recorded.reduce((s, v) => s + v.points, 0);
  const depositFen = recorded.reduce((s, v) => s + v.deposit_fen, 0);
  await trx
    .updateTable('merchants')
    .set({ credit_score: Math.max(0, merchant.credit_score - points), updated_at: now(c.at) })
    .where('id', '=', merchant.id)
    .execute();
  const since = new Date(c.at.getTime() - rules.windowDays * DAY_MS);
  const inWindow = await trx
    .selectFrom('merchant_violations')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('points'), eb.val(0)).as('n'))
    .where('merchant_id', '=', merchant.id)
    .where('created_at', '>=', now(since))
    .executeTakeFirstOrThrow();
  const total = Number(inWindow.n);
  const suspend = merchant.status === 'ACTIVE' && total >= rules.suspendAtPoints;
  const reasonZh = `${rules.windowDays} 天内违规扣分累计 ${total} 分（达到 ${rules.suspendAtPoints} 分），商品暂停销售，待平台审核恢复`;
  const reasonEn = `${total} violation points within ${rules.windowDays} days (threshold ${rules.suspendAtPoints}): listings suspended until the platform reinstates them`;
  if (suspend) {
    const fresh = await trx
      .selectFrom('merchants')
      .selectAll()
      .where('id', '=', merchant.id)
      .executeTakeFirstOrThrow();
    await merchantMachine.transition(trx, {
      row: fresh,
      to: 'SUSPENDED',
      by: 'system',
      actor: c.actor,
      at: c.at,
      set: { suspended_reason: `${reasonZh} / ${reasonEn}`, suspended_at: now(c.at) },
      data: { points: total, threshold: rules.suspendAtPoints, disputeId: d.id },
    });
  }
  const list = recorded.map((v) => VIOLATION_TEXT[v.kind]);
  await notify(
    trx,
    await merchantUsers(trx, merchant.id),
    {
      kind: 'MERCHANT_VIOLATION',
      titleZh: suspend ? '违规处罚：商品已暂停销售' : '违规处罚通知',
      titleEn: suspend ? 'Violation: listings suspended' : 'Violation recorded',
      bodyZh: `仲裁案件 ${d.dispute_no} 认定违规：${list.map((t) => t.zh).join('；')}。扣 ${points} 分${depositFen > 0 ? `，保证金扣除 ¥${fenToYuan(depositFen)} 赔付买家` : ''}。${suspend ? reasonZh : ''}`,
      bodyEn: `Dispute ${d.dispute_no} found violations: ${list.map((t) => t.en).join('; ')}. ${points} points${depositFen > 0 ? `, ¥${fenToYuan(depositFen)} of the deposit paid to the buyer as compensation` : ''}.${suspend ? ` ${reasonEn}` : ''}`,
      link: '/merchant/record',
      object: { type: 'merchant', id: merchant.id },
    },
    c.at,
  );
  return recorded;
}

/** An admin suspends or reinstates a merchant's listings (audited, with the reason shown to the merchant). */
export async function setMerchantStatus(
  ctx: { db: Db; engine: Engine; clock: { now(): Date } },
  admin: UserActor,
  merchantId: string,
  input: { status: MerchantStatus; version: number; reason: string },
): Promise<Row<'merchants'>> {
  if (admin.role !== 'admin') fail('auth.forbidden');
  return unitOfWork(ctx, async (trx) => {
    const at = ctx.clock.now();
    const m = await forUpdate(
      trx.selectFrom('merchants').selectAll().where('id', '=', merchantId),
      ctx.engine,
    ).executeTakeFirst();
    if (!m) fail('catalog.merchant_not_found');
    if (m.version !== input.version) fail('request.conflict', { field: 'version' });
    const moved = await merchantMachine.transition(trx, {
      row: m,
      to: input.status,
      by: 'admin',
      actor: admin,
      at,
      set:
        input.status === 'SUSPENDED'
          ? { suspended_reason: input.reason, suspended_at: now(at) }
          : { suspended_reason: null, suspended_at: null },
      data: { reason: input.reason },
    });
    await notify(
      trx,
      await merchantUsers(trx, m.id),
      {
        kind: 'MERCHANT_VIOLATION',
        titleZh: input.status === 'ACTIVE' ? '商品已恢复销售' : '商品已暂停销售',
        titleEn: input.status === 'ACTIVE' ? 'Listings reinstated' : 'Listings suspended',
        bodyZh: `平台${input.status === 'ACTIVE' ? '已恢复' : '已暂停'}您店铺的商品销售：${input.reason}`,
        bodyEn: `The platform ${input.status === 'ACTIVE' ? 'reinstated' : 'suspended'} your shop's listings: ${input.reason}`,
        link: '/merchant/record',
        object: { type: 'merchant', id: m.id },
      },
      at,
    );
    return moved;
  });
}

/** Every merchant for the sanctions page (admin and support): suspended first, then by name. */
export async function listMerchants(
  ctx: { db: Db },
  actor: UserActor,
  filter: { status?: MerchantStatus },
): Promise<ReturnType<typeof toMerchantView>[]> {
  if (actor.role !== 'admin' && actor.role !== 'support') fail('auth.forbidden');
  let q = ctx.db.selectFrom('merchants').selectAll();
  if (filter.status) q = q.where('status', '=', filter.status);
  const rows = await q.orderBy('name').limit(1000).execute();
  return rows
    .sort((a, b) => Number(b.status === 'SUSPENDED') - Number(a.status === 'SUSPENDED'))
    .map(toMerchantView);
}
