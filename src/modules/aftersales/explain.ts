/**
 * The vocabulary of refund eligibility (spec §6) — reasons, rule codes, their titles — and the one
 * place that turns a rule code plus a unit's records into plain zh-CN / English sentences. Kept
 * apart from the rules so the rules stay short and the wording can change without touching them.
 * Times are shown in Asia/Shanghai ("11-26 10:02"), with the year only when it is not this year.
 */
import { shanghaiDate } from '../../platform/calendar.js';
import { REFUND_REASON_LABELS } from '../../platform/labels.js';
import type { KeyState, ProductType } from '../../platform/db/schema.js';
import type { PolicyTerms } from '../catalog/index.js';

export const REFUND_REASON_CODES = [
  'MISTAKEN_PURCHASE',
  'NO_LONGER_NEEDED',
  'DUPLICATE_ORDER',
  'NOT_AS_DESCRIBED',
  'DEFECTIVE',
  'ACTIVATED_BEFORE_DELIVERY',
  'NOT_DELIVERED',
  'OTHER',
] as const;
export type RefundReason = (typeof REFUND_REASON_CODES)[number];

/** BUYER: judged by the policy and the law on returns; MERCHANT: 消法 §24 claims; REVIEW: a human decides. */
export type ReasonSide = 'BUYER' | 'MERCHANT' | 'REVIEW';
export interface ReasonInfo {
  side: ReasonSide;
  zh: string;
  en: string;
}

const L = REFUND_REASON_LABELS;
export const REFUND_REASONS: Readonly<Record<RefundReason, ReasonInfo>> = {
  MISTAKEN_PURCHASE: { side: 'BUYER', ...L.MISTAKEN_PURCHASE },
  NO_LONGER_NEEDED: { side: 'BUYER', ...L.NO_LONGER_NEEDED },
  DUPLICATE_ORDER: { side: 'BUYER', ...L.DUPLICATE_ORDER },
  NOT_AS_DESCRIBED: { side: 'MERCHANT', ...L.NOT_AS_DESCRIBED },
  DEFECTIVE: { side: 'MERCHANT', ...L.DEFECTIVE },
  ACTIVATED_BEFORE_DELIVERY: { side: 'MERCHANT', ...L.ACTIVATED_BEFORE_DELIVERY },
  NOT_DELIVERED: { side: 'MERCHANT', ...L.NOT_DELIVERED },
  OTHER: { side: 'REVIEW', ...L.OTHER },
};

export const ELIGIBILITY_CODES = [
  'UNIT_REFUNDED',
  'ARBITRATION_FINAL',
  'UNIT_IN_OPEN_REQUEST',
  'UNIT_NOT_DELIVERED',
  'UNIT_DELIVERED',
  'PARTIALLY_USED',
  'KEY_ACTIVATED',
  'KEY_UNUSABLE',
  'REVEALED_NOT_REFUNDABLE',
  'NON_REFUNDABLE',
  'NO_REFUND_PROMISE',
  'WINDOW_EXPIRED',
  'REASON_NOT_COVERED',
  'CLAUSE_NOT_DISCLOSED',
  'RETURN_PERIOD_EXPIRED',
  'SEALED_REFUNDABLE',
  'REVEALED_REFUNDABLE',
  'QUALITY_CLAIM_EXPIRED',
  'RECORDS_PROVE_FAULT',
  'ACTIVATED_WHILE_SEALED',
  'EVIDENCE_ATTACHED',
  'EVIDENCE_REQUIRED',
  'MANUAL_REVIEW',
] as const;
export type EligibilityCode = (typeof ELIGIBILITY_CODES)[number];

/**
 * BLOCK: the unit cannot be refunded for this reason. NEED: it can once the buyer supplies something
 * (evidence). PASS: a ground for the refund. REVIEW: allowed, but a person decides.
 */
export type CodeKind = 'BLOCK' | 'NEED' | 'PASS' | 'REVIEW';
export interface CodeInfo {
  kind: CodeKind;
  /**
   * The code rests on a policy clause, not on a fact: on a sealed unit it binds only with the
   * recorded checkout confirmation (消法 §25 and the 七日无理由 rules); without one the rules report
   * CLAUSE_NOT_DISCLOSED instead. Activation, use and a buyer's reveal are facts and always count.
   */
  clause: boolean;
  zh: string;
  en: string;
}

/** The codes that rest on a policy clause (`clause: true` below). */
export type ClauseCode = Extract<
  EligibilityCode,
  'NON_REFUNDABLE' | 'NO_REFUND_PROMISE' | 'WINDOW_EXPIRED' | 'REASON_NOT_COVERED'
>;

const info = (kind: CodeKind, zh: string, en: string, clause = false): CodeInfo => ({ kind, clause, zh, en });

export const ELIGIBILITY_CODE_INFO: Readonly<Record<EligibilityCode, CodeInfo>> = {
  UNIT_REFUNDED: info('BLOCK', '已退款', 'Already refunded'),
  ARBITRATION_FINAL: info('BLOCK', '仲裁已终局裁决', 'Decided by arbitration'),
  UNIT_IN_OPEN_REQUEST: info('BLOCK', '已在其他退款申请中', 'In another open request'),
  UNIT_NOT_DELIVERED: info('BLOCK', '尚未交付卡密', 'No key delivered'),
  UNIT_DELIVERED: info('BLOCK', '卡密已交付', 'Key was delivered'),
  PARTIALLY_USED: info('BLOCK', '已部分使用', 'Partially used'),
  KEY_ACTIVATED: info('BLOCK', '已激活', 'Key activated'),
  KEY_UNUSABLE: info('BLOCK', '卡密已失效', 'Key invalid or voided'),
  REVEALED_NOT_REFUNDABLE: info('BLOCK', '已拆封，不支持个人原因退款', 'Revealed: not refundable'),
  NON_REFUNDABLE: info('BLOCK', '不退不换', 'Non-refundable', true),
  NO_REFUND_PROMISE: info('BLOCK', '未承诺个人原因退款', 'No buyer-side refunds promised', true),
  WINDOW_EXPIRED: info('BLOCK', '超过退款时限', 'Refund window expired', true),
  REASON_NOT_COVERED: info('BLOCK', '退款原因不在政策范围内', 'Reason not covered by the policy', true),
  CLAUSE_NOT_DISCLOSED: info('PASS', '条款未经确认，不约束买家', 'Clause never acknowledged: not binding'),
  RETURN_PERIOD_EXPIRED: info('BLOCK', '七日无理由退货期已过', 'Seven-day return period over'),
  SEALED_REFUNDABLE: info('PASS', '未拆封，可立即退款', 'Sealed: refunded at once'),
  REVEALED_REFUNDABLE: info('PASS', '拆封未激活可退', 'Revealed but unactivated: refundable'),
  QUALITY_CLAIM_EXPIRED: info('BLOCK', '超过质量问题申请期', 'Quality-claim period over'),
  RECORDS_PROVE_FAULT: info('PASS', '记录证明商家责任', 'Records prove the fault'),
  ACTIVATED_WHILE_SEALED: info('PASS', '拆封前已被激活，商家责任', 'Activated while sealed: merchant fault'),
  EVIDENCE_ATTACHED: info('REVIEW', '已附证据，待审核', 'Evidence attached: to be reviewed'),
  EVIDENCE_REQUIRED: info('NEED', '需提供证据', 'Evidence required'),
  MANUAL_REVIEW: info('REVIEW', '人工审核', 'Manual review'),
};

/** Everything a sentence may cite, already parsed and derived by the rules. */
export interface ExplainContext {
  at: Date;
  productType: ProductType;
  serialMasked: string | null;
  keyState: KeyState | null;
  policy: PolicyTerms;
  policyConfirmedAt: Date | null;
  deliveredAt: Date | null;
  firstRevealedAt: Date | null;
  activatedAt: Date | null;
  activatedBy: 'issuer' | 'merchant' | null;
  activationSource: 'REDEEM' | 'REPORT' | null;
  activatedBeforeDelivery: boolean;
  windowEndsAt: Date | null;
  returnPeriodEndsAt: Date | null;
  qualityClaimDays: number;
  qualityClaimEndsAt: Date | null;
  /** End of the period a SEALED_/REVEALED_REFUNDABLE unit stays refundable in. */
  refundableUntil: Date | null;
  /** The clauses CLAUSE_NOT_DISCLOSED stands in for. */
  undisclosed: readonly ClauseCode[];
  /** A merchant-fault reason the records would prove, to suggest instead of asking for evidence. */
  provableReason: RefundReason | null;
}

export interface Sentence {
  zh: string;
  en: string;
}

const OFFSET_MS = 8 * 3_600_000; // UTC+8, no DST since 1991 (see platform/calendar.ts)

/** "11-26 10:02" / "10:02 on 11-26"; the year is added when it differs from now's. */
export function shanghaiStamp(t: Date, now: Date): Sentence {
  // Midnight is the end of the day before ("12-08 24:00"), never the start of the next.
  if ((t.getTime() + OFFSET_MS) % 86_400_000 === 0) {
    const s = shanghaiStamp(new Date(t.getTime() - 60_000), now);
    return { zh: s.zh.replace(/23:59$/, '24:00'), en: s.en.replace(/^23:59/, '24:00') };
  }
  const date = shanghaiDate(t);
  const day = date.slice(0, 4) === shanghaiDate(now).slice(0, 4) ? date.slice(5) : date;
  const hm = new Date(t.getTime() + OFFSET_MS).toISOString().slice(11, 16);
  return { zh: `${day} ${hm}`, en: `${hm} on ${day}` };
}

/** What one unit of each product type is called in a sentence. */
export const NOUNS: Readonly<Record<ProductType, Sentence>> = {
  CARD_KEY: { zh: '卡密', en: 'key' },
  LICENSE_KEY: { zh: '序列号', en: 'licence key' },
  ACCOUNT: { zh: '账号', en: 'account' },
  ENTITLEMENT: { zh: '权益', en: 'entitlement' },
};

const choose = (r: RefundReason): Sentence => ({
  zh: `请选择「${REFUND_REASONS[r].zh}」`,
  en: `choose "${REFUND_REASONS[r].en}" (${REFUND_REASONS[r].zh})`,
});
const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

export function explain(code: EligibilityCode, c: ExplainContext): Sentence {
  const noun = NOUNS[c.productType];
  const it: Sentence = c.serialMasked
    ? { zh: `${noun.zh} ${c.serialMasked} `, en: `${noun.en} ${c.serialMasked}` }
    : { zh: `该${noun.zh}`, en: `this ${noun.en}` };
  const T = (d: Date | null): Sentence => (d ? shanghaiStamp(d, c.at) : { zh: '—', en: '—' });
  const delivered = T(c.deliveredAt);
  const defective = choose('DEFECTIVE');
  const quality: Sentence = {
    zh: `如属商品质量问题，发货后 ${c.qualityClaimDays} 天内仍可选择「${REFUND_REASONS.DEFECTIVE.zh}」或「${REFUND_REASONS.NOT_AS_DESCRIBED.zh}」。`,
    en: `Quality problems can still be claimed within ${c.qualityClaimDays} days of delivery as "${REFUND_REASONS.DEFECTIVE.en}" or "${REFUND_REASONS.NOT_AS_DESCRIBED.en}".`,
  };
  switch (code) {
    case 'UNIT_REFUNDED':
      return { zh: '该单位已退款，不能重复退款。', en: 'This unit has already been refunded.' };
    case 'ARBITRATION_FINAL':
      return {
        zh: '平台仲裁已终局裁决该单位不予退款，不能再次申请。',
        en: 'Platform arbitration decided, finally, that this unit is not refunded; it cannot be claimed again.',
      };
    case 'UNIT_IN_OPEN_REQUEST':
      return {
        zh: '该单位已在另一个处理中的退款申请里，请在那个申请中继续。',
        en: 'This unit is already in another open refund request; continue there.',
      };
    case 'UNIT_NOT_DELIVERED': {
      const s = choose('NOT_DELIVERED');
      return {
        zh: `该单位尚未交付${noun.zh}，${s.zh}，记录可直接证明。`,
        en: `No ${noun.en} has been delivered for this unit: ${s.en}; the records prove it.`,
      };
    }
    case 'UNIT_DELIVERED':
      return {
        zh: `${it.zh}已于 ${delivered.zh} 交付，不属于未发货；如无法使用，${defective.zh}。`,
        en: `${cap(it.en)} was delivered at ${delivered.en}, so "${REFUND_REASONS.NOT_DELIVERED.en}" does not apply; if it does not work, ${defective.en}.`,
      };
    case 'PARTIALLY_USED':
      return {
        zh: `${it.zh}已于 ${T(c.activatedAt).zh} 开始使用，已使用的权益不支持个人原因退款。${quality.zh}`,
        en: `${cap(it.en)} has been in use since ${T(c.activatedAt).en}: used entitlements are not refundable for buyer-side reasons. ${quality.en}`,
      };
    case 'KEY_ACTIVATED':
      return activated(c, it, T);
    case 'KEY_UNUSABLE':
      return c.keyState === 'INVALID'
        ? {
            zh: `商家已确认${it.zh}无效：不属于个人原因，${defective.zh}，记录可直接证明。`,
            en: `The merchant confirmed ${it.en} invalid: this is not a buyer-side matter; ${defective.en}, the records prove it.`,
          }
        : {
            zh: `${it.zh}已作废，无法再使用：${defective.zh}，记录可直接证明。`,
            en: `${cap(it.en)} has been voided and cannot be used: ${defective.en}; the records prove it.`,
          };
    case 'REVEALED_NOT_REFUNDABLE':
      return {
        zh: `${it.zh}已于 ${T(c.firstRevealedAt).zh} 被查看（拆封），本商品的政策不支持拆封后因个人原因退款（消费者拆封的数字商品不适用七日无理由退货，《消费者权益保护法》第二十五条）。${quality.zh}`,
        en: `${cap(it.en)} was revealed (unsealed) at ${T(c.firstRevealedAt).en} and this policy does not refund revealed units for buyer-side reasons (digital goods unsealed by the buyer are outside the seven-day return right, Consumer Rights Protection Law Art. 25). ${quality.en}`,
      };
    case 'NON_REFUNDABLE':
      return {
        zh: `下单时您已于 ${T(c.policyConfirmedAt).zh} 确认本商品不退不换（个人原因）：「${c.policy.nonRefundableText ?? ''}」。${quality.zh}`,
        en: `At checkout (${T(c.policyConfirmedAt).en}) you confirmed this product is not refundable for buyer-side reasons: "${c.policy.nonRefundableText ?? ''}". ${quality.en}`,
      };
    case 'NO_REFUND_PROMISE':
      return {
        zh: `下单时您已于 ${T(c.policyConfirmedAt).zh} 确认的退款政策未承诺个人原因退款。${quality.zh}`,
        en: `The policy you confirmed at checkout (${T(c.policyConfirmedAt).en}) promises no refunds for buyer-side reasons. ${quality.en}`,
      };
    case 'WINDOW_EXPIRED':
      return {
        zh: `退款时限为发货（${delivered.zh}）后 ${c.policy.windowHours ?? '—'} 小时，已于 ${T(c.windowEndsAt).zh} 截止。${quality.zh}`,
        en: `The refund window was ${c.policy.windowHours ?? '—'} hours from delivery (${delivered.en}) and closed at ${T(c.windowEndsAt).en}. ${quality.en}`,
      };
    case 'REASON_NOT_COVERED':
      return {
        zh: `本商品不支持无理由退款，个人原因仅限误拍、错拍或重复下单，「${REFUND_REASONS.NO_LONGER_NEEDED.zh}」不在退款范围内。`,
        en: `This product has no no-reason refunds: buyer-side refunds cover only a mistaken or duplicate purchase, not "${REFUND_REASONS.NO_LONGER_NEEDED.en}".`,
      };
    case 'CLAUSE_NOT_DISCLOSED': {
      const names = c.undisclosed.map((u) => clauseName(u, c.policy));
      return {
        zh: `本订单没有您在下单时确认退款政策的记录，${names.map((n) => `「${n.zh}」`).join('、')}条款对您不产生约束：未拆封的${noun.zh}在七日无理由退货期内（至 ${T(c.returnPeriodEndsAt).zh}）可以退款（《消费者权益保护法》第二十五条）。`,
        en: `This order has no record of you confirming the refund policy at checkout, so its terms (${names.map((n) => n.en).join('; ')}) do not bind you: a sealed ${noun.en} can be returned within the seven-day period (until ${T(c.returnPeriodEndsAt).en}, Consumer Rights Protection Law Art. 25).`,
      };
    }
    case 'RETURN_PERIOD_EXPIRED':
      return {
        zh: `七日无理由退货期已于 ${T(c.returnPeriodEndsAt).zh} 结束，本商品的退款政策也不支持本次退款。${quality.zh}`,
        en: `The seven-day return period ended at ${T(c.returnPeriodEndsAt).en} and the product's policy does not cover this refund either. ${quality.en}`,
      };
    case 'SEALED_REFUNDABLE':
      return {
        zh: `${it.zh}未拆封、未激活，可退款至 ${T(c.refundableUntil).zh}：申请后立即退款，${noun.zh}收回。`,
        en: `${cap(it.en)} is sealed and unactivated and refundable until ${T(c.refundableUntil).en}: the refund is made at once and the ${noun.en} taken back.`,
      };
    case 'REVEALED_REFUNDABLE':
      return {
        zh: `${it.zh}已查看但未激活，本商品支持拆封未激活退款（至 ${T(c.refundableUntil).zh}）：由商家审核，退款后该${noun.zh}作废。`,
        en: `${cap(it.en)} was revealed but not activated and this policy refunds such units (until ${T(c.refundableUntil).en}): the merchant reviews it and the ${noun.en} is voided on refund.`,
      };
    case 'QUALITY_CLAIM_EXPIRED':
      return {
        zh: `质量问题须在发货（${delivered.zh}）后 ${c.qualityClaimDays} 天内提出，已于 ${T(c.qualityClaimEndsAt).zh} 截止。`,
        en: `Quality claims must be made within ${c.qualityClaimDays} days of delivery (${delivered.en}); the period ended at ${T(c.qualityClaimEndsAt).en}.`,
      };
    case 'RECORDS_PROVE_FAULT':
      return proof(c, it, T);
    case 'ACTIVATED_WHILE_SEALED': {
      const r = reportedBy(c);
      return {
        zh: `${it.zh}在拆封前已被激活（激活时间 ${T(c.activatedAt).zh}${r.zh && `，${r.zh}`}），激活不可能来自买家，按商家责任处理，可申请退款。`,
        en: `${cap(it.en)} was activated while still sealed (activated at ${T(c.activatedAt).en}${r.en && `, ${r.en}`}), before the buyer ever saw it: the activation cannot have come from the buyer, so it counts as the merchant's fault and can be refunded.`,
      };
    }
    case 'EVIDENCE_ATTACHED':
      return {
        zh: `记录无法直接证明该问题，已附证据，由商家审核。${contrary(c, T).zh}`,
        en: `The records do not prove this by themselves; your evidence is attached and the merchant will review it.${contrary(c, T).en}`,
      };
    case 'EVIDENCE_REQUIRED': {
      const s = c.provableReason ? choose(c.provableReason) : null;
      return {
        zh: `记录无法直接证明该问题：附上证据（截图、PDF 或聊天记录）后即可申请。${contrary(c, T).zh}${s ? `记录可证明其他问题，${s.zh}，无需举证。` : ''}`,
        en: `The records do not prove this by themselves: attach evidence (screenshots, PDF or chat logs) to apply.${contrary(c, T).en}${s ? ` The records prove another fault: ${s.en}, no evidence needed.` : ''}`,
      };
    }
    case 'MANUAL_REVIEW':
      return {
        zh: '「其他」原因的申请由人工审核，不会自动退款。',
        en: 'Requests for "Other" reasons are reviewed by a person and never refunded automatically.',
      };
  }
}

/** The clause itself, as the buyer would have read it, for CLAUSE_NOT_DISCLOSED. */
export function clauseName(code: ClauseCode, p: PolicyTerms): Sentence {
  switch (code) {
    case 'NON_REFUNDABLE':
      return { zh: '不退不换', en: 'no refunds or exchanges' };
    case 'NO_REFUND_PROMISE':
      return { zh: '不承诺个人原因退款', en: 'no refunds for buyer-side reasons' };
    case 'WINDOW_EXPIRED':
      return {
        zh: `${p.windowHours ?? '—'} 小时退款时限`,
        en: `a ${p.windowHours ?? '—'}-hour refund window`,
      };
    case 'REASON_NOT_COVERED':
      return {
        zh: '个人原因仅限误拍、错拍或重复下单',
        en: 'buyer-side reasons limited to a mistaken or duplicate purchase',
      };
  }
}

function byWhom(c: ExplainContext): Sentence {
  if (c.activatedBy === 'issuer') return { zh: '被发行方', en: ' by the issuer' };
  if (c.activatedBy === 'merchant') return { zh: '被商家', en: ' by the merchant' };
  return c.activationSource === 'REPORT' ? { zh: '被报告', en: ' (reported)' } : { zh: '', en: '' };
}

/**
 * Who put the activation on record, as a phrase for a sentence about it ("reported by the
 * merchant itself"); empty when the records do not say. A merchant can only report its own keys.
 */
export function reportedBy(c: Pick<ExplainContext, 'activatedBy' | 'activationSource'>): Sentence {
  const report = c.activationSource === 'REPORT';
  switch (c.activatedBy) {
    case 'merchant':
      return report
        ? { zh: '由商家自行报告', en: 'reported by the merchant itself' }
        : { zh: '由商家核销', en: 'redeemed by the merchant' };
    case 'issuer':
      return report
        ? { zh: '由发行方报告', en: 'reported by the issuer' }
        : { zh: '由发行方核销', en: 'redeemed by the issuer' };
    case null:
      return report ? { zh: '据激活报告', en: 'as reported' } : { zh: '', en: '' };
  }
}

function activated(c: ExplainContext, it: Sentence, T: (d: Date | null) => Sentence): Sentence {
  const by = byWhom(c);
  const when = c.activatedAt
    ? {
        zh: `已于 ${T(c.activatedAt).zh} ${by.zh}激活`,
        en: `was activated at ${T(c.activatedAt).en}${by.en}`,
      }
    : { zh: `已${by.zh}激活`, en: `has been activated${by.en}` };
  if (c.activatedBeforeDelivery) {
    const s = choose('ACTIVATED_BEFORE_DELIVERY');
    return {
      zh: `${it.zh}${when.zh}，早于发货时间 ${T(c.deliveredAt).zh}：不属于个人原因，${s.zh}，记录可直接证明。`,
      en: `${cap(it.en)} ${when.en}, before it was delivered at ${T(c.deliveredAt).en}: this is not a buyer-side matter; ${s.en}, the records prove it.`,
    };
  }
  const d = choose('DEFECTIVE');
  return {
    zh: `${it.zh}${when.zh}，买家原因无法退款；如${NOUNS[c.productType].zh}本身无效，${d.zh}。`,
    en: `${cap(it.en)} ${when.en}: buyer-side refunds are not possible; if the ${NOUNS[c.productType].en} was defective, ${d.en}.`,
  };
}

function proof(c: ExplainContext, it: Sentence, T: (d: Date | null) => Sentence): Sentence {
  if (c.deliveredAt === null || c.keyState === 'RESERVED' || c.keyState === 'AVAILABLE' || !c.keyState)
    return {
      zh: `记录显示该单位没有交付${NOUNS[c.productType].zh}，无需另行举证。`,
      en: `The records show no ${NOUNS[c.productType].en} was delivered for this unit; no evidence is needed.`,
    };
  if (c.activatedBeforeDelivery)
    return {
      zh: `记录显示${it.zh}于 ${T(c.activatedAt).zh} 激活，早于发货时间 ${T(c.deliveredAt).zh}，发货时已被激活，无需另行举证。`,
      en: `The records show ${it.en} was activated at ${T(c.activatedAt).en}, before delivery at ${T(c.deliveredAt).en}: it was delivered already activated; no evidence is needed.`,
    };
  return c.keyState === 'INVALID'
    ? {
        zh: `商家已确认${it.zh}无效，无需另行举证。`,
        en: `The merchant confirmed ${it.en} invalid; no evidence is needed.`,
      }
    : {
        zh: `记录显示${it.zh}已作废、无法使用，无需另行举证。`,
        en: `The records show ${it.en} was voided and cannot be used; no evidence is needed.`,
      };
}

/** What the records say against an "activated before delivery" claim, so nobody is surprised later. */
function contrary(c: ExplainContext, T: (d: Date | null) => Sentence): Sentence {
  if (c.activatedAt === null || c.activatedBeforeDelivery) return { zh: '', en: '' };
  return {
    zh: `（记录中的激活时间为 ${T(c.activatedAt).zh}，晚于发货时间 ${T(c.deliveredAt).zh}。）`,
    en: ` (The records show activation at ${T(c.activatedAt).en}, after delivery at ${T(c.deliveredAt).en}.)`,
  };
}
