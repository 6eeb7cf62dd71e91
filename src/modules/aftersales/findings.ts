/**
 * Findings for arbitration (spec §7, 争议/仲裁): the facts of a disputed request, each stated with
 * the records it comes from and the side it weighs for, so an arbitrator decides on facts rather
 * than on who argues better. They are computed by the same pure rules as the pre-check
 * (eligibility.ts: parseUnit, activationKind, checkEligibility) from the same records, plus what the
 * request's own history shows (rejections, deadlines missed). Pure: no database and no clock.
 *
 * `at` is the instant the request is judged as of — normally when the buyer applied, as the
 * reviewer's re-assessment does — and the "now" that decides whether a time shows its year.
 */
import { REJECT_CODES, type RejectCode } from './codes.js';
import {
  activationKind,
  checkEligibility,
  parseUnit,
  REFUND_REASONS,
  type ClauseCode,
  type OrderFacts,
  type ParsedUnit,
  type RefundReason,
  type UnitEligibility,
  type UnitFacts,
} from './eligibility.js';
import { clauseName, NOUNS, reportedBy, shanghaiStamp, type Sentence } from './explain.js';

export interface FindingsInput {
  at: Date;
  /** The request's reason. */
  reason: RefundReason;
  order: OrderFacts;
  /** The request's units. */
  units: readonly UnitFacts[];
  qualityClaimDays: number;
  evidenceAttached: boolean;
  /** The request's history: rejections with the records-contradicted flag, and deadlines missed. */
  history: {
    rejections: { at: string; code: string; contradicted: boolean; by: 'merchant' | 'support' }[];
    /** The merchant let the review deadline pass. */
    merchantReviewMissed: boolean;
    /** Dispute: the merchant missed its evidence deadline. */
    merchantEvidenceMissed?: boolean;
    buyerEvidenceMissed?: boolean;
  };
}

/** In the order findings are listed: the buyer's side, then the merchant's, then neutral facts. */
export const FINDING_CODES = [
  'ACTIVATED_BEFORE_DELIVERY',
  'ACTIVATED_WHILE_SEALED',
  'PROMISED_REFUND',
  'CLAUSE_NOT_CONFIRMED',
  'REJECTION_CONTRADICTED',
  'MERCHANT_REVIEW_MISSED',
  'MERCHANT_EVIDENCE_MISSED',
  'ACTIVATED_AFTER_REVEAL',
  'REVEALED_NOT_REFUNDABLE',
  'CLAUSE_CONFIRMED',
  'WINDOW_EXPIRED',
  'RETURN_PERIOD_EXPIRED',
  'QUALITY_CLAIM_EXPIRED',
  'BUYER_EVIDENCE_MISSED',
  'USED_SINCE_APPLICATION',
] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

export interface Finding {
  code: FindingCode;
  /** Which side the fact weighs for: the buyer, the merchant, or neither (just a fact). */
  favours: 'BUYER' | 'MERCHANT' | 'NEUTRAL';
  /** Merchant fault that would count as a violation if the buyer wins. */
  merchantFault: boolean;
  /** The units it is about ([] for the whole case). */
  unitIds: string[];
  /** The fact, with its times in Asia/Shanghai. */
  zh: string;
  en: string;
  /** The records it rests on, e.g. 'key_events:activated', 'orders.delivered_at', 'refund_policies.v3'. */
  sources: string[];
}

/** The violations (spec §7: false promise, activated key delivered, unjustified refusal, deadlines). */
export const VIOLATION_KINDS = [
  'ACTIVATED_KEY_DELIVERED',
  'PROMISE_BROKEN',
  'UNJUSTIFIED_REFUSAL',
  'DEADLINES_MISSED',
] as const;
export type ViolationKind = (typeof VIOLATION_KINDS)[number];

/**
 * The violation a merchant-fault finding supports. A key activated while sealed after delivery
 * counts as an activated key delivered: the buyer got a key someone else could use and did.
 */
const VIOLATION_OF: Readonly<Partial<Record<FindingCode, ViolationKind>>> = {
  ACTIVATED_BEFORE_DELIVERY: 'ACTIVATED_KEY_DELIVERED',
  ACTIVATED_WHILE_SEALED: 'ACTIVATED_KEY_DELIVERED',
  PROMISED_REFUND: 'PROMISE_BROKEN',
  REJECTION_CONTRADICTED: 'UNJUSTIFIED_REFUSAL',
  MERCHANT_REVIEW_MISSED: 'DEADLINES_MISSED',
  MERCHANT_EVIDENCE_MISSED: 'DEADLINES_MISSED',
};

/** The violation kinds the findings' merchant faults support, each once, in VIOLATION_KINDS order. */
export function merchantFaultKinds(findings: readonly Finding[]): ViolationKind[] {
  const kinds = new Set(findings.flatMap((f) => (f.merchantFault ? [VIOLATION_OF[f.code]] : [])));
  return VIOLATION_KINDS.filter((k) => kinds.has(k));
}

const ACTIVATION = 'key_events:activated';
const REVEAL = 'key_events:revealed';
const HISTORY = 'refund_requests.history';
const CONFIRMATION = 'orders.policy_confirmed_at';
const CLAIM_DAYS = 'platform_rules.qualityClaimDays';

/** The policy clauses a merchant can point to once the buyer confirmed them (the window has its own finding). */
const CONFIRMED_CLAUSES: readonly string[] = ['NON_REFUNDABLE', 'NO_REFUND_PROMISE', 'REASON_NOT_COVERED'];
const isConfirmedClause = (c: string): c is ClauseCode => CONFIRMED_CLAUSES.includes(c);
const isRejectCode = (c: string): c is RejectCode => Object.hasOwn(REJECT_CODES, c);

function parseAt(iso: string): Date {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new RangeError(`findings: rejection time is not a time: ${iso}`);
  return d;
}

interface Unit {
  id: string;
  f: ParsedUnit;
  result: UnitEligibility;
  /** Where this unit's delivery time comes from: its own key (a replacement) or the order. */
  delivery: string;
}

/** The findings of one request, from its records and history (see the module comment). Pure. */
export function computeFindings(input: FindingsInput): Finding[] {
  const { at, order, history } = input;
  const T = (d: Date | null): Sentence => (d ? shanghaiStamp(d, at) : { zh: '—', en: '—' });
  const noun = NOUNS[order.productType];
  const policy =
    order.policyVersion === null || order.policyVersion === undefined
      ? 'refund_policies'
      : `refund_policies.v${order.policyVersion}`;
  const results = checkEligibility(input).units;
  const units: Unit[] = input.units.map((u, i) => ({
    id: u.unitId,
    f: parseUnit(input, u),
    result: results[i],
    delivery: u.key?.deliveredAt ? 'keys.delivered_at' : 'orders.delivered_at',
  }));
  const out: Finding[] = [];
  const add = (
    code: FindingCode,
    favours: Finding['favours'],
    merchantFault: boolean,
    unitIds: string[],
    s: Sentence,
    sources: string[],
  ): void => {
    out.push({ code, favours, merchantFault, unitIds, zh: s.zh, en: s.en, sources });
  };
  const applied = T(at);
  const merchantRejected = history.rejections.some((r) => r.by === 'merchant');

  for (const { id, f, result, delivery } of units) {
    const A = T(f.activatedAt);
    const D = T(f.deliveredAt);
    const R = T(f.firstRevealedAt);
    const by = reportedBy(f);
    switch (activationKind(f)) {
      case 'BEFORE_DELIVERY':
        add(
          'ACTIVATED_BEFORE_DELIVERY',
          'BUYER',
          true,
          [id],
          {
            zh: `激活于 ${A.zh}${by.zh && `（${by.zh}）`}，交付于 ${D.zh}：交付时已被激活。`,
            en: `Activated at ${A.en}${by.en && ` (${by.en})`}, delivered at ${D.en}: the ${noun.en} was already activated when delivered.`,
          },
          [ACTIVATION, 'keys.activated_before_delivery', delivery],
        );
        break;
      case 'WHILE_SEALED':
        add(
          'ACTIVATED_WHILE_SEALED',
          'BUYER',
          true,
          [id],
          {
            zh: `交付于 ${D.zh}，激活于 ${A.zh}${by.zh && `（${by.zh}）`}，${
              f.firstRevealedAt ? `买家首次查看于 ${R.zh}，晚于激活` : '买家从未查看'
            }：激活时${noun.zh}仍未拆封，不是买家激活的。`,
            en: `Delivered at ${D.en}, activated at ${A.en}${by.en && ` (${by.en})`}; ${
              f.firstRevealedAt
                ? `the buyer first revealed it at ${R.en}, after the activation`
                : 'the buyer never revealed it'
            }: the ${noun.en} was still sealed when activated, so the buyer did not activate it.`,
          },
          [delivery, ACTIVATION, REVEAL],
        );
        break;
      case 'AFTER_REVEAL':
        add(
          'ACTIVATED_AFTER_REVEAL',
          'MERCHANT',
          false,
          [id],
          {
            zh: `买家首次查看（拆封）于 ${R.zh}，激活于 ${A.zh}${by.zh && `（${by.zh}）`}：激活发生在买家看到${noun.zh}之后。`,
            en: `The buyer first revealed the ${noun.en} at ${R.en}; it was activated at ${A.en}${by.en && ` (${by.en})`}, after the buyer had seen it.`,
          },
          [REVEAL, ACTIVATION],
        );
        break;
      case null:
        break;
    }

    const codes = result.codes;
    // The promise itself grants this refund: refundable for this buyer-side reason within the
    // policy's window (not merely because an unconfirmed clause does not bind).
    if (
      (codes.includes('SEALED_REFUNDABLE') || codes.includes('REVEALED_REFUNDABLE')) &&
      !codes.includes('CLAUSE_NOT_DISCLOSED')
    ) {
      const revealed = codes.includes('REVEALED_REFUNDABLE');
      add(
        'PROMISED_REFUND',
        'BUYER',
        merchantRejected,
        [id],
        {
          zh: `退款政策承诺「未激活可退款」${revealed ? '（含拆封未激活可退）' : ''}，时限为交付（${D.zh}）后 ${order.policy.windowHours ?? '—'} 小时，至 ${T(f.windowEndsAt).zh}；申请时（${applied.zh}）该${noun.zh}未激活，在时限内，按承诺应予退款${merchantRejected ? '，商家仍予驳回' : ''}。`,
          en: `The refund policy promised refunds of unactivated units${revealed ? ', revealed ones included,' : ''} within ${order.policy.windowHours ?? '—'} hours of delivery (${D.en}), until ${T(f.windowEndsAt).en}; when the buyer applied (${applied.en}) the ${noun.en} was unactivated and inside that window, so the promise covers this refund${merchantRejected ? ', yet the merchant refused it' : ''}.`,
        },
        [policy, delivery, 'key_events', ...(merchantRejected ? [HISTORY] : [])],
      );
    }
    if (codes.includes('REVEALED_NOT_REFUNDABLE'))
      add(
        'REVEALED_NOT_REFUNDABLE',
        'MERCHANT',
        false,
        [id],
        {
          zh: `买家首次查看（拆封）于 ${R.zh}；退款政策未承诺「拆封未激活可退」，拆封的数字商品不适用七日无理由退货（《消费者权益保护法》第二十五条）。`,
          en: `The buyer first revealed the ${noun.en} at ${R.en}; the refund policy does not promise refunds of revealed units, and unsealed digital goods are outside the seven-day return right (Consumer Rights Protection Law Art. 25).`,
        },
        [REVEAL, policy],
      );
    for (const clause of codes.filter(isConfirmedClause)) {
      const name = clauseName(clause, order.policy);
      add(
        'CLAUSE_CONFIRMED',
        'MERCHANT',
        false,
        [id],
        {
          zh: `买家于 ${T(f.policyConfirmedAt).zh} 下单时确认了退款政策，其中「${name.zh}」不支持本次「${REFUND_REASONS[input.reason].zh}」退款。`,
          en: `At checkout (${T(f.policyConfirmedAt).en}) the buyer confirmed the refund policy, whose term "${name.en}" does not cover a refund for "${REFUND_REASONS[input.reason].en}".`,
        },
        [policy, CONFIRMATION],
      );
    }
    if (codes.includes('WINDOW_EXPIRED'))
      add(
        'WINDOW_EXPIRED',
        'MERCHANT',
        false,
        [id],
        {
          zh: `退款时限为交付（${D.zh}）后 ${order.policy.windowHours ?? '—'} 小时，于 ${T(f.windowEndsAt).zh} 截止；申请于 ${applied.zh}，已超过时限。`,
          en: `The refund window was ${order.policy.windowHours ?? '—'} hours from delivery (${D.en}) and closed at ${T(f.windowEndsAt).en}; the buyer applied at ${applied.en}, after it.`,
        },
        [policy, delivery, ...(f.policyConfirmedAt ? [CONFIRMATION] : [])],
      );
    if (codes.includes('RETURN_PERIOD_EXPIRED'))
      add(
        'RETURN_PERIOD_EXPIRED',
        'MERCHANT',
        false,
        [id],
        {
          zh: `七日无理由退货期自交付（${D.zh}）次日起算，于 ${T(f.returnPeriodEndsAt).zh} 结束；申请于 ${applied.zh}，已超过。`,
          en: `The seven-day return period, counted from the day after delivery (${D.en}), ended at ${T(f.returnPeriodEndsAt).en}; the buyer applied at ${applied.en}, after it.`,
        },
        [delivery],
      );
    if (codes.includes('QUALITY_CLAIM_EXPIRED'))
      add(
        'QUALITY_CLAIM_EXPIRED',
        'MERCHANT',
        false,
        [id],
        {
          zh: `质量问题须在交付（${D.zh}）后 ${f.qualityClaimDays} 天内提出，于 ${T(f.qualityClaimEndsAt).zh} 截止；申请于 ${applied.zh}，已超过。`,
          en: `Quality claims had to be made within ${f.qualityClaimDays} days of delivery (${D.en}), by ${T(f.qualityClaimEndsAt).en}; the buyer applied at ${applied.en}, after that.`,
        },
        [delivery, CLAIM_DAYS],
      );
  }

  // The order's clause, for the whole case: without the buyer's recorded confirmation it does not
  // bind a sealed unit within the seven days (the pre-check says CLAUSE_NOT_DISCLOSED).
  if (order.policy.nonRefundable && order.policyConfirmedAt === null)
    add(
      'CLAUSE_NOT_CONFIRMED',
      'BUYER',
      false,
      [],
      {
        zh: `本订单的「不退不换」条款（「${order.policy.nonRefundableText ?? ''}」）没有买家在下单时确认的记录。依《网络购买商品七日无理由退货暂行办法》第六条、第七条，商品不适用七日无理由退货须经消费者在购买时确认，无确认的不得拒绝七日无理由退货：该条款对买家不产生约束，未拆封的单位在七日内可退。`,
        en: `The order's "no refunds or exchanges" clause ("${order.policy.nonRefundableText ?? ''}") has no record of the buyer confirming it at checkout. Under the Interim Measures for Seven-Day No-Reason Returns of Goods Purchased Online, Arts. 6 and 7, goods are excluded from the seven-day return only with the consumer's confirmation at purchase, and without it the return may not be refused: the clause does not bind the buyer, and sealed units can be returned within the seven days.`,
      },
      [policy, CONFIRMATION],
    );

  // 商品已激活 is contradicted by the records when no unit was activated by the buyer — never
  // activated, or activated before delivery or while still sealed — whatever the review warned.
  const buyerMayHaveActivated = units.some(({ f }) => {
    const kind = activationKind(f);
    return kind === 'AFTER_REVEAL' || (kind === null && f.keyState === 'ACTIVATED');
  });
  const someoneElseActivated = units.some(({ f }) => {
    const kind = activationKind(f);
    return kind === 'BEFORE_DELIVERY' || kind === 'WHILE_SEALED';
  });
  for (const r of history.rejections) {
    const byRecords = r.code === 'ACTIVATED' && units.length > 0 && !buyerMayHaveActivated;
    if (!r.contradicted && !byRecords) continue;
    const title = isRejectCode(r.code) ? REJECT_CODES[r.code] : { zh: r.code, en: r.code };
    const who = r.by === 'merchant' ? { zh: '商家', en: 'The merchant' } : { zh: '平台客服', en: 'Support' };
    const when = T(parseAt(r.at));
    const why =
      byRecords && someoneElseActivated
        ? {
            zh: `：激活发生在买家看到${noun.zh}之前，不是买家所为`,
            en: `: the activation came before the buyer could see the ${noun.en}, so it was not the buyer's`,
          }
        : byRecords
          ? { zh: '：记录显示卡密未被激活', en: ': the records show no key was activated' }
          : { zh: '（驳回时已提示）', en: ' (the reviewer was warned when rejecting)' };
    add(
      'REJECTION_CONTRADICTED',
      'BUYER',
      r.by === 'merchant',
      [],
      {
        zh: `${who.zh}于 ${when.zh} 以「${title.zh}」驳回，与订单记录相矛盾${why.zh}。`,
        en: `${who.en} rejected the request at ${when.en} as "${title.en}", which the order's records contradict${why.en}.`,
      },
      [HISTORY, ...(byRecords ? [ACTIVATION, REVEAL] : [])],
    );
  }
  if (history.merchantReviewMissed)
    add(
      'MERCHANT_REVIEW_MISSED',
      'BUYER',
      true,
      [],
      {
        zh: '商家未在审核期限内处理该申请。',
        en: 'The merchant let its review deadline pass without deciding.',
      },
      [HISTORY],
    );
  if (history.merchantEvidenceMissed)
    add(
      'MERCHANT_EVIDENCE_MISSED',
      'BUYER',
      true,
      [],
      {
        zh: '商家未在举证期限内提交陈述或证据。',
        en: 'The merchant did not submit a statement or evidence by its evidence deadline.',
      },
      [HISTORY],
    );
  // What a human reviewer must confirm before approving: a key used since the buyer applied stays
  // usable after a refund (only revealed, unused keys are voided).
  for (const { id, f } of units)
    if (f.activatedAt !== null && f.activatedAt.getTime() > at.getTime())
      add(
        'USED_SINCE_APPLICATION',
        'NEUTRAL',
        false,
        [id],
        {
          zh: `申请于 ${applied.zh}，之后 ${T(f.activatedAt).zh} ${noun.zh}被激活${reportedBy(f).zh && `（${reportedBy(f).zh}）`}：退款后该${noun.zh}不会作废。`,
          en: `Applied at ${applied.en}; the ${noun.en} was activated afterwards, at ${T(f.activatedAt).en}${reportedBy(f).en && ` (${reportedBy(f).en})`}: a refund does not void it.`,
        },
        [ACTIVATION, HISTORY],
      );
  if (history.buyerEvidenceMissed)
    add(
      'BUYER_EVIDENCE_MISSED',
      'NEUTRAL',
      false,
      [],
      {
        zh: '买家未在举证期限内提交陈述或证据。',
        en: 'The buyer did not submit a statement or evidence by its evidence deadline.',
      },
      [HISTORY],
    );
  return merged(out);
}

/** The same fact about several units is one finding naming them all; listed in FINDING_CODES order. */
function merged(findings: Finding[]): Finding[] {
  const byFact = new Map<string, Finding>();
  for (const f of findings) {
    const key = JSON.stringify([f.code, f.favours, f.merchantFault, f.zh, f.en, f.sources]);
    const seen = byFact.get(key);
    if (seen) seen.unitIds.push(...f.unitIds.filter((id) => !seen.unitIds.includes(id)));
    else byFact.set(key, { ...f, unitIds: [...f.unitIds] });
  }
  const rank = (c: FindingCode): number => FINDING_CODES.indexOf(c);
  return [...byFact.values()].sort((a, b) => rank(a.code) - rank(b.code));
}
