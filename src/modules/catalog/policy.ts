/**
 * Refund policy terms (spec §3) and the one function that renders them to plain zh-CN / English
 * text and badges. The API, the pages and (from Stage 3) checkout all show this output, and the
 * text stored with each immutable policy version is what its hash covers.
 */
import { z } from 'zod';
import { sha256 } from '../../platform/ids.js';

export interface PolicyTerms {
  unactivatedRefund: boolean;
  windowHours: number | null;
  noReasonRefund: boolean;
  revealedRefund: boolean;
  nonRefundable: boolean;
  nonRefundableText: string | null;
}

export const policyInputSchema = z.strictObject({
  unactivatedRefund: z.boolean(),
  windowHours: z.number().int().min(1).max(720).nullable(),
  noReasonRefund: z.boolean(),
  revealedRefund: z.boolean(),
  nonRefundable: z.boolean(),
  nonRefundableText: z.string().trim().max(500).nullable(),
});

export const badgeSchema = z.object({
  code: z.string(),
  zh: z.string(),
  en: z.string(),
  tone: z.enum(['success', 'warning', 'error', 'info']),
});
export type Badge = z.infer<typeof badgeSchema>;

export const renderedPolicySchema = z.object({
  zh: z.object({ text: z.string(), badges: z.array(badgeSchema) }),
  en: z.object({ text: z.string(), badges: z.array(badgeSchema) }),
});
export type RenderedPolicy = z.infer<typeof renderedPolicySchema>;

export interface Commitments {
  review24h: boolean;
}

export interface RenderOptions {
  /** Platform quality-claim period (spec §6), printed so buyers know §24 claims stay open. */
  qualityClaimDays: number;
  commitments?: Commitments;
}

export const commitmentBadges = (c: Commitments): Badge[] =>
  c.review24h ? [{ code: 'REVIEW_24H', zh: '24小时处理', en: '24 h review', tone: 'info' }] : [];

export function policyBadges(p: PolicyTerms): Badge[] {
  const badges: Badge[] = [];
  if (p.unactivatedRefund) {
    badges.push({
      code: 'UNACTIVATED_REFUND',
      zh: '未激活可退',
      en: 'Refundable if unactivated',
      tone: 'success',
    });
    badges.push({
      code: 'WINDOW',
      zh: `${p.windowHours}小时内可退`,
      en: `${p.windowHours} h refund window`,
      tone: 'info',
    });
  }
  if (p.revealedRefund)
    badges.push({
      code: 'REVEALED_REFUND',
      zh: '拆封未激活可退',
      en: 'Refundable once revealed if unactivated',
      tone: 'success',
    });
  if (p.noReasonRefund)
    badges.push({ code: 'NO_REASON', zh: '支持无理由退款', en: 'No-reason refunds', tone: 'success' });
  if (p.nonRefundable)
    badges.push({ code: 'NON_REFUNDABLE', zh: '不退不换', en: 'No refunds or exchanges', tone: 'error' });
  return badges;
}

function lines(p: PolicyTerms, qualityClaimDays: number): { zh: string[]; en: string[] } {
  const zh: string[] = [];
  const en: string[] = [];
  if (p.nonRefundable) {
    zh.push(`本商品不退不换（个人原因）：${p.nonRefundableText ?? ''}`);
    en.push(`No refunds or exchanges for personal reasons: ${p.nonRefundableText ?? ''}`);
  } else if (p.unactivatedRefund) {
    zh.push(`未激活的商品自发货起 ${p.windowHours} 小时内可申请退款。`);
    en.push(`Unactivated units can be refunded within ${p.windowHours} hours of delivery.`);
    if (p.revealedRefund) {
      zh.push('已查看（拆封）但未激活的卡密也可退款，退款后该卡密作废。');
      en.push('A key that was revealed but not activated is still refundable; the key is voided on refund.');
    } else {
      zh.push('卡密一经查看即视为拆封，拆封后因个人原因不予退款。');
      en.push('Revealing a key unseals it; unsealed keys are not refundable for personal reasons.');
    }
    if (p.noReasonRefund) {
      zh.push('支持无理由退款：需求变更等个人原因均可申请。');
      en.push('No-reason refunds: a change of mind is accepted as a reason.');
    } else {
      zh.push('个人原因仅限误拍、错拍或重复下单。');
      en.push('Personal reasons are limited to a mistaken or duplicate purchase.');
    }
    zh.push('已激活或已部分使用的商品不支持个人原因退款。');
    en.push('Activated or partly used units are not refundable for personal reasons.');
  } else {
    zh.push('本商品未承诺个人原因退款。');
    en.push('This product makes no promise of refunds for personal reasons.');
  }
  zh.push(
    `商品描述不符、卡密无效等商家责任问题，自发货起 ${qualityClaimDays} 天内均可申请售后，不受以上条款限制（《消费者权益保护法》第二十四条）。`,
  );
  en.push(
    `Goods not as described or defective keys can be claimed within ${qualityClaimDays} days of delivery whatever the terms above say (Consumer Rights Protection Law, Art. 24).`,
  );
  return { zh, en };
}

/**
 * The one rendering of a policy: plain zh-CN / English text and badges. With `commitments`, the
 * merchant's promises (24小时处理) are added after the policy's own text.
 */
export function renderPolicy(p: PolicyTerms, options: RenderOptions): RenderedPolicy {
  const { zh, en } = lines(p, options.qualityClaimDays);
  const own: RenderedPolicy = {
    zh: { text: zh.join('\n'), badges: policyBadges(p) },
    en: { text: en.join('\n'), badges: policyBadges(p) },
  };
  return options.commitments ? withCommitments(own, options.commitments) : own;
}

/**
 * Adds the merchant's commitments to a policy's text as it was stored with its version: the
 * stored (hashed) text is shown verbatim, whatever the platform rules say today.
 */
export function withCommitments(policy: RenderedPolicy, c: Commitments): RenderedPolicy {
  const badges = [...policy.zh.badges, ...commitmentBadges(c)];
  const zh = c.review24h ? `${policy.zh.text}\n商家承诺 24 小时内处理退款申请。` : policy.zh.text;
  const en = c.review24h
    ? `${policy.en.text}\nThe merchant commits to reviewing refund requests within 24 hours.`
    : policy.en.text;
  return { zh: { text: zh, badges }, en: { text: en, badges } };
}

/** Hash of the exact bilingual text a buyer is shown for a policy version (without merchant commitments). */
export function policyTextHash(textZh: string, textEn: string): string {
  return sha256(`${textZh}\n---\n${textEn}`);
}

/** Reasons a policy contradicts itself, as the database CHECKs would also refuse it. */
export function policyContradiction(p: PolicyTerms): { zh: string; en: string } | null {
  if (p.unactivatedRefund && p.windowHours === null)
    return {
      zh: '未激活可退款时必须设置退款时限',
      en: 'a refund window is required when unactivated units are refundable',
    };
  if (!p.unactivatedRefund && p.windowHours !== null)
    return {
      zh: '不支持未激活退款时不应设置退款时限',
      en: 'a refund window only applies when unactivated units are refundable',
    };
  if (!p.unactivatedRefund && (p.noReasonRefund || p.revealedRefund))
    return {
      zh: '无理由退款与拆封可退都以未激活可退款为前提',
      en: 'no-reason and revealed refunds both require unactivated refunds',
    };
  if (p.nonRefundable && p.unactivatedRefund)
    return {
      zh: '不退不换与未激活可退款不能同时选择',
      en: 'non-refundable cannot be combined with unactivated refunds',
    };
  if (p.nonRefundable && !p.nonRefundableText)
    return { zh: '不退不换必须填写向买家展示的说明', en: 'non-refundable needs the text shown to buyers' };
  return null;
}
