import { describe, expect, it } from 'vitest';
import {
  computeFindings,
  merchantFaultKinds,
  type Finding,
  type FindingCode,
  type FindingsInput,
} from '../../src/modules/aftersales/index.js';
import type { UnitFacts, UnitKeyFacts } from '../../src/modules/aftersales/eligibility.js';
import type { PolicyTerms } from '../../src/modules/catalog/policy.js';

// The records of one order, built small: delivered 11-26 10:05 Shanghai (02:05Z), policy v3
// confirmed at checkout, one sealed key, applied for an hour after delivery.
const DELIVERED = '2026-11-26T02:05:00.000Z';
const MIN = 60_000;
const H = 60 * MIN;
const D = 24 * H;
const t = (ms: number): string => new Date(Date.parse(DELIVERED) + ms).toISOString();
const at = (ms: number): Date => new Date(Date.parse(DELIVERED) + ms);

const PROMISE: PolicyTerms = {
  unactivatedRefund: true,
  windowHours: 48,
  noReasonRefund: false,
  revealedRefund: false,
  nonRefundable: false,
  nonRefundableText: null,
};
const NON_REFUNDABLE: PolicyTerms = {
  ...PROMISE,
  unactivatedRefund: false,
  windowHours: null,
  nonRefundable: true,
  nonRefundableText: '点卡售出不退',
};

function key(over: Partial<UnitKeyFacts> = {}): UnitKeyFacts {
  return {
    state: 'SEALED',
    serialMasked: 'KM88****4321',
    firstRevealedAt: null,
    activatedAt: null,
    activatedBy: null,
    activationSource: null,
    activatedBeforeDelivery: false,
    partiallyUsed: false,
    ...over,
  };
}
const unit = (over: Partial<UnitKeyFacts> = {}, id = 'u1'): UnitFacts => ({
  unitId: id,
  key: key(over),
  alreadyRefunded: false,
  inOpenRequest: false,
});
/** Revealed by the buyer `revealed` after delivery, then activated `activated` after delivery. */
const revealedThenActivated = (revealed: number, activated: number): Partial<UnitKeyFacts> => ({
  state: 'ACTIVATED',
  firstRevealedAt: t(revealed),
  activatedAt: t(activated),
  activatedBy: 'issuer',
  activationSource: 'REDEEM',
});

function input(
  over: Partial<FindingsInput> = {},
  history: Partial<FindingsInput['history']> = {},
): FindingsInput {
  return {
    at: at(H),
    reason: 'MISTAKEN_PURCHASE',
    order: {
      deliveredAt: DELIVERED,
      policyConfirmedAt: t(-30_000),
      policyVersion: 3,
      policy: PROMISE,
      productType: 'CARD_KEY',
    },
    units: [unit()],
    qualityClaimDays: 7,
    evidenceAttached: false,
    ...over,
    history: { rejections: [], merchantReviewMissed: false, ...history },
  };
}
const rejection = (
  over: Partial<FindingsInput['history']['rejections'][number]> = {},
): FindingsInput['history']['rejections'][number] => ({
  at: t(5 * H),
  code: 'EVIDENCE_INVALID',
  contradicted: false,
  by: 'merchant',
  ...over,
});

const codes = (fs: Finding[]): FindingCode[] => fs.map((f) => f.code);
function one(fs: Finding[], code: FindingCode): Finding {
  const found = fs.filter((f) => f.code === code);
  expect(found, `${code} in ${JSON.stringify(codes(fs))}`).toHaveLength(1);
  return found[0];
}

describe('findings computed from the records', () => {
  it('1. activated before delivery: 激活于 10:02，交付于 10:05：交付时已被激活', () => {
    const fs = computeFindings(
      input({
        reason: 'ACTIVATED_BEFORE_DELIVERY',
        units: [
          unit({
            state: 'ACTIVATED',
            activatedAt: '2026-11-26T02:02:00.000Z',
            activatedBeforeDelivery: true,
            activatedBy: 'issuer',
            activationSource: 'REPORT',
          }),
        ],
      }),
    );
    const f = one(fs, 'ACTIVATED_BEFORE_DELIVERY');
    expect(f).toMatchObject({ favours: 'BUYER', merchantFault: true, unitIds: ['u1'] });
    expect(f.zh).toBe('激活于 11-26 10:02（由发行方报告），交付于 11-26 10:05：交付时已被激活。');
    expect(f.en).toBe(
      'Activated at 10:02 on 11-26 (reported by the issuer), delivered at 10:05 on 11-26: the key was already activated when delivered.',
    );
    expect(f.sources).toEqual([
      'key_events:activated',
      'keys.activated_before_delivery',
      'orders.delivered_at',
    ]);
    expect(merchantFaultKinds(fs)).toEqual(['ACTIVATED_KEY_DELIVERED']);
  });

  it('2. activated while sealed after delivery: not the buyer (the merchant reported it itself)', () => {
    const fs = computeFindings(
      input({
        units: [
          unit({
            state: 'ACTIVATED',
            activatedAt: t(20 * MIN),
            activatedBy: 'merchant',
            activationSource: 'REPORT',
          }),
          // activated first, revealed by the buyer only afterwards: sealed at activation too
          unit(
            {
              state: 'ACTIVATED',
              activatedAt: t(20 * MIN),
              firstRevealedAt: t(40 * MIN),
              activatedBy: 'issuer',
              activationSource: 'REDEEM',
            },
            'u2',
          ),
        ],
      }),
    );
    const sealed = fs.filter((f) => f.code === 'ACTIVATED_WHILE_SEALED');
    expect(sealed.map((f) => f.unitIds)).toEqual([['u1'], ['u2']]);
    for (const f of sealed) expect(f).toMatchObject({ favours: 'BUYER', merchantFault: true });
    expect(sealed[0].zh).toBe(
      '交付于 11-26 10:05，激活于 11-26 10:25（由商家自行报告），买家从未查看：激活时卡密仍未拆封，不是买家激活的。',
    );
    expect(sealed[0].en).toContain('so the buyer did not activate it');
    expect(sealed[1].zh).toContain('买家首次查看于 11-26 10:45，晚于激活');
    expect(sealed[0].sources).toEqual(['orders.delivered_at', 'key_events:activated', 'key_events:revealed']);
    // the activation is not a fact against the buyer
    expect(codes(fs)).not.toContain('ACTIVATED_AFTER_REVEAL');
    expect(merchantFaultKinds(fs)).toEqual(['ACTIVATED_KEY_DELIVERED']);
  });

  it('3. 未激活可退款 promised, unit unactivated inside the window: the buyer’s right; a fault once the merchant refused', () => {
    const quiet = one(computeFindings(input()), 'PROMISED_REFUND');
    expect(quiet).toMatchObject({ favours: 'BUYER', merchantFault: false, unitIds: ['u1'] });
    expect(quiet.zh).toBe(
      '退款政策承诺「未激活可退款」，时限为交付（11-26 10:05）后 48 小时，至 11-28 10:05；申请时（11-26 11:05）该卡密未激活，在时限内，按承诺应予退款。',
    );
    expect(quiet.sources).toEqual(['refund_policies.v3', 'orders.delivered_at', 'key_events']);
    expect(merchantFaultKinds([quiet])).toEqual([]);

    const refused = computeFindings(input({}, { rejections: [rejection({ code: 'OTHER' })] }));
    const f = one(refused, 'PROMISED_REFUND');
    expect(f).toMatchObject({ favours: 'BUYER', merchantFault: true });
    expect(f.zh).toContain('商家仍予驳回');
    expect(f.en).toContain('yet the merchant refused it');
    expect(f.sources).toContain('refund_requests.history');
    expect(merchantFaultKinds(refused)).toEqual(['PROMISE_BROKEN']);

    // refused by support after the merchant's silence: not the merchant's refusal
    const bySupport = computeFindings(input({}, { rejections: [rejection({ by: 'support' })] }));
    expect(one(bySupport, 'PROMISED_REFUND').merchantFault).toBe(false);

    // revealed, and the policy refunds revealed units too
    const revealed = computeFindings(
      input({
        order: { ...input().order, policy: { ...PROMISE, revealedRefund: true } },
        units: [unit({ state: 'REVEALED', firstRevealedAt: t(10 * MIN) })],
      }),
    );
    expect(one(revealed, 'PROMISED_REFUND').zh).toContain('（含拆封未激活可退）');
    // outside the window there is no promise to invoke
    expect(codes(computeFindings(input({ at: at(49 * H) })))).not.toContain('PROMISED_REFUND');
  });

  it('4. 不退不换 never confirmed by the buyer: does not bind (网络购买商品七日无理由退货暂行办法)', () => {
    const order = { ...input().order, policy: NON_REFUNDABLE, policyConfirmedAt: null };
    const fs = computeFindings(input({ order }));
    const f = one(fs, 'CLAUSE_NOT_CONFIRMED');
    expect(f).toMatchObject({ favours: 'BUYER', merchantFault: false, unitIds: [] });
    expect(f.zh).toContain('「不退不换」条款（「点卡售出不退」）没有买家在下单时确认的记录');
    expect(f.zh).toContain('《网络购买商品七日无理由退货暂行办法》');
    expect(f.en).toContain('Interim Measures for Seven-Day No-Reason Returns of Goods Purchased Online');
    expect(f.sources).toEqual(['refund_policies.v3', 'orders.policy_confirmed_at']);
    // confirmed, the same clause is a fact for the merchant instead
    const confirmed = computeFindings(input({ order: { ...order, policyConfirmedAt: t(-30_000) } }));
    expect(codes(confirmed)).not.toContain('CLAUSE_NOT_CONFIRMED');
    const c = one(confirmed, 'CLAUSE_CONFIRMED');
    expect(c).toMatchObject({ favours: 'MERCHANT', merchantFault: false });
    expect(c.zh).toBe(
      '买家于 11-26 10:04 下单时确认了退款政策，其中「不退不换」不支持本次「误拍/错拍」退款。',
    );
  });

  it('5. the merchant missed its review deadline and its evidence deadline', () => {
    const fs = computeFindings(
      input({ reason: 'NOT_AS_DESCRIBED' }, { merchantReviewMissed: true, merchantEvidenceMissed: true }),
    );
    for (const code of ['MERCHANT_REVIEW_MISSED', 'MERCHANT_EVIDENCE_MISSED'] as const) {
      const f = one(fs, code);
      expect(f).toMatchObject({
        favours: 'BUYER',
        merchantFault: true,
        unitIds: [],
        sources: ['refund_requests.history'],
      });
    }
    expect(one(fs, 'MERCHANT_REVIEW_MISSED').zh).toBe('商家未在审核期限内处理该申请。');
    expect(merchantFaultKinds(fs)).toEqual(['DEADLINES_MISSED']);
    expect(codes(computeFindings(input({}, { merchantReviewMissed: false })))).not.toContain(
      'MERCHANT_REVIEW_MISSED',
    );
  });

  it('6. a rejection the records contradicted', () => {
    const fs = computeFindings(
      input(
        { reason: 'NOT_AS_DESCRIBED', evidenceAttached: true },
        { rejections: [rejection({ code: 'LATE', contradicted: true })] },
      ),
    );
    const f = one(fs, 'REJECTION_CONTRADICTED');
    expect(f).toMatchObject({ favours: 'BUYER', merchantFault: true, unitIds: [] });
    expect(f.zh).toBe('商家于 11-26 15:05 以「超时未申请」驳回，与订单记录相矛盾（驳回时已提示）。');
    expect(f.en).toContain('as "Applied too late", which the order\'s records contradict');
    expect(merchantFaultKinds(fs)).toEqual(['UNJUSTIFIED_REFUSAL']);
    // a rejection the records bear out is no finding
    expect(codes(computeFindings(input({}, { rejections: [rejection()] })))).not.toContain(
      'REJECTION_CONTRADICTED',
    );
    // by support: stated, but no merchant fault
    const support = computeFindings(
      input({}, { rejections: [rejection({ contradicted: true, by: 'support' })] }),
    );
    expect(one(support, 'REJECTION_CONTRADICTED')).toMatchObject({ merchantFault: false });
    expect(one(support, 'REJECTION_CONTRADICTED').zh).toMatch(/^平台客服于/);
  });

  it('6b. 商品已激活 on a key activated while sealed is contradicted by the records, warned or not', () => {
    const fs = computeFindings(
      input(
        {
          units: [
            unit({
              state: 'ACTIVATED',
              activatedAt: t(20 * MIN),
              activatedBy: 'merchant',
              activationSource: 'REPORT',
            }),
          ],
        },
        { rejections: [rejection({ code: 'ACTIVATED', contradicted: false })] },
      ),
    );
    const f = one(fs, 'REJECTION_CONTRADICTED');
    expect(f.merchantFault).toBe(true);
    expect(f.zh).toContain(
      '以「商品已激活」驳回，与订单记录相矛盾：激活发生在买家看到卡密之前，不是买家所为',
    );
    expect(f.sources).toEqual(['refund_requests.history', 'key_events:activated', 'key_events:revealed']);
    expect(merchantFaultKinds(fs)).toEqual(['ACTIVATED_KEY_DELIVERED', 'UNJUSTIFIED_REFUSAL']);
    // the buyer's own activation bears 商品已激活 out
    const own = computeFindings(
      input(
        { units: [unit(revealedThenActivated(10 * MIN, 20 * MIN))] },
        { rejections: [rejection({ code: 'ACTIVATED' })] },
      ),
    );
    expect(codes(own)).not.toContain('REJECTION_CONTRADICTED');
  });

  it('7. facts that favour the merchant: revealed then activated, window expired, revealed without revealedRefund', () => {
    const fs = computeFindings(
      input({
        at: at(50 * H),
        units: [
          unit(revealedThenActivated(10 * MIN, 20 * MIN), 'u1'),
          unit({}, 'u2'), // sealed, but the confirmed 48-hour window has closed
          unit({ state: 'REVEALED', firstRevealedAt: t(30 * MIN) }, 'u3'),
        ],
      }),
    );
    expect(codes(fs)).toEqual(['ACTIVATED_AFTER_REVEAL', 'REVEALED_NOT_REFUNDABLE', 'WINDOW_EXPIRED']);
    for (const f of fs) expect(f).toMatchObject({ favours: 'MERCHANT', merchantFault: false });
    const act = one(fs, 'ACTIVATED_AFTER_REVEAL');
    expect(act.unitIds).toEqual(['u1']);
    expect(act.zh).toBe(
      '买家首次查看（拆封）于 11-26 10:15，激活于 11-26 10:25（由发行方核销）：激活发生在买家看到卡密之后。',
    );
    expect(act.sources).toEqual(['key_events:revealed', 'key_events:activated']);
    const w = one(fs, 'WINDOW_EXPIRED');
    expect(w.unitIds).toEqual(['u2']);
    expect(w.zh).toBe(
      '退款时限为交付（11-26 10:05）后 48 小时，于 11-28 10:05 截止；申请于 11-28 12:05，已超过时限。',
    );
    expect(w.sources).toEqual(['refund_policies.v3', 'orders.delivered_at', 'orders.policy_confirmed_at']);
    const r = one(fs, 'REVEALED_NOT_REFUNDABLE');
    expect(r.unitIds).toEqual(['u3']);
    expect(r.zh).toContain('买家首次查看（拆封）于 11-26 10:35；退款政策未承诺「拆封未激活可退」');
    expect(merchantFaultKinds(fs)).toEqual([]);
  });

  it('8. the buyer missed its evidence deadline: stated, neutral', () => {
    const fs = computeFindings(input({ reason: 'NOT_AS_DESCRIBED' }, { buyerEvidenceMissed: true }));
    const f = one(fs, 'BUYER_EVIDENCE_MISSED');
    expect(f).toMatchObject({ favours: 'NEUTRAL', merchantFault: false, unitIds: [] });
    expect(f.zh).toBe('买家未在举证期限内提交陈述或证据。');
    expect(merchantFaultKinds(fs)).toEqual([]);
  });
});

describe('a key used after the buyer applied', () => {
  it('is stated (a refund would leave it usable); a use before the application is not this fact', () => {
    const after = computeFindings(
      input({ reason: 'DEFECTIVE', units: [unit(revealedThenActivated(10 * MIN, 2 * H))] }),
    );
    const used = after.find((f) => f.code === 'USED_SINCE_APPLICATION');
    expect(used).toMatchObject({ favours: 'NEUTRAL', merchantFault: false, unitIds: ['u1'] });
    expect(used?.zh).toContain('退款后该卡密不会作废');
    const before = computeFindings(
      input({ reason: 'DEFECTIVE', units: [unit(revealedThenActivated(10 * MIN, 30 * MIN))] }),
    );
    expect(codes(before)).not.toContain('USED_SINCE_APPLICATION');
  });
});

describe('findings, as a whole', () => {
  it('the same fact about several units is one finding naming them all', () => {
    const fs = computeFindings(
      input({ at: at(50 * H), units: [unit({}, 'a'), unit({}, 'b'), unit({}, 'c')] }),
    );
    expect(fs).toHaveLength(1);
    expect(fs[0]).toMatchObject({ code: 'WINDOW_EXPIRED', unitIds: ['a', 'b', 'c'] });
  });

  it('past the quality-claim period a merchant-fault claim meets that fact', () => {
    const fs = computeFindings(input({ reason: 'DEFECTIVE', at: at(8 * D) }));
    const f = one(fs, 'QUALITY_CLAIM_EXPIRED');
    expect(f).toMatchObject({
      favours: 'MERCHANT',
      sources: ['orders.delivered_at', 'platform_rules.qualityClaimDays'],
    });
    expect(f.zh).toContain('于 12-03 10:05 截止');
  });

  it('a membership case (no units) has only its history', () => {
    const fs = computeFindings(input({ units: [] }, { merchantReviewMissed: true }));
    expect(codes(fs)).toEqual(['MERCHANT_REVIEW_MISSED']);
  });

  it('every finding has both languages and at least one source; the same records give the same findings', () => {
    const i = input(
      {
        units: [
          unit({ state: 'ACTIVATED', activatedAt: t(20 * MIN) }),
          unit(revealedThenActivated(1, 2), 'u2'),
        ],
      },
      {
        rejections: [rejection({ contradicted: true })],
        merchantReviewMissed: true,
        buyerEvidenceMissed: true,
      },
    );
    const fs = computeFindings(i);
    for (const f of fs) {
      expect(f.zh.length).toBeGreaterThan(0);
      expect(f.en.length).toBeGreaterThan(0);
      expect(f.sources.length).toBeGreaterThan(0);
    }
    expect(computeFindings(i)).toStrictEqual(fs);
  });
});
