import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkEligibility,
  ELIGIBILITY_CODE_INFO,
  ELIGIBILITY_CODES,
  REFUND_REASON_CODES,
  REFUND_REASONS,
  returnPeriodEnd,
  type EligibilityCode,
  type EligibilityInput,
  type RefundReason,
  type UnitEligibility,
  type UnitFacts,
  type UnitKeyFacts,
  type UnitOutcome,
} from '../../src/modules/aftersales/eligibility.js';
import type { PolicyTerms } from '../../src/modules/catalog/policy.js';
import type { KeyState } from '../../src/platform/db/schema.js';

// Delivered 11-26 10:05 Shanghai. The seed's story: activated 10:02, delivered 10:05.
const DELIVERED = '2026-11-26T02:05:00.000Z';
const CONFIRMED = '2026-11-26T02:04:30.000Z';
const H = 3_600_000;
const D = 24 * H;
const plus = (ms: number, from = DELIVERED): Date => new Date(Date.parse(from) + ms);
const iso = (ms: number): string => plus(ms).toISOString();
const WINDOW_END = plus(48 * H); // 11-28 10:05
const CLAIM_END = plus(7 * D); // 12-03 10:05
const RETURN_END = new Date('2026-12-03T15:59:59.999Z'); // 12-03 24:00 Shanghai

const POLICY: PolicyTerms = {
  unactivatedRefund: true,
  windowHours: 48,
  noReasonRefund: false,
  revealedRefund: false,
  nonRefundable: false,
  nonRefundableText: null,
};
const NON_REFUNDABLE: PolicyTerms = {
  ...POLICY,
  unactivatedRefund: false,
  windowHours: null,
  nonRefundable: true,
  nonRefundableText: '点卡售出不退',
};
const NO_PROMISE: PolicyTerms = { ...POLICY, unactivatedRefund: false, windowHours: null };

type StateCase = KeyState | 'NONE';
const STATES: StateCase[] = [
  'SEALED',
  'REVEALED',
  'ACTIVATED',
  'VOIDED',
  'INVALID',
  'RESERVED',
  'AVAILABLE',
  'NONE',
];

function key(state: KeyState, over: Partial<UnitKeyFacts> = {}): UnitKeyFacts {
  const revealed = ['REVEALED', 'ACTIVATED', 'VOIDED', 'INVALID'].includes(state);
  const activated = state === 'ACTIVATED';
  return {
    state,
    serialMasked: 'KM88****4321',
    firstRevealedAt: revealed ? iso(10 * 60_000) : null,
    activatedAt: activated ? iso(15 * 60_000) : null,
    activatedBy: activated ? 'issuer' : null,
    activationSource: activated ? 'REDEEM' : null,
    activatedBeforeDelivery: false,
    partiallyUsed: false,
    ...over,
  };
}
const unit = (state: StateCase, over: Partial<UnitKeyFacts> = {}, id = 'u1'): UnitFacts => ({
  unitId: id,
  key: state === 'NONE' ? null : key(state, over),
  alreadyRefunded: false,
  inOpenRequest: false,
});

interface Case {
  reason?: RefundReason;
  state?: StateCase;
  key?: Partial<UnitKeyFacts>;
  unit?: Partial<UnitFacts>;
  policy?: PolicyTerms;
  confirmed?: boolean;
  at?: Date;
  evidence?: boolean;
  productType?: EligibilityInput['order']['productType'];
  deliveredAt?: string;
}

const seen = new Set<EligibilityCode>();
function inputOf(c: Case): EligibilityInput {
  return {
    at: c.at ?? plus(H),
    reason: c.reason ?? 'MISTAKEN_PURCHASE',
    order: {
      deliveredAt: c.deliveredAt ?? DELIVERED,
      policyConfirmedAt: c.confirmed === false ? null : CONFIRMED,
      policy: c.policy ?? POLICY,
      productType: c.productType ?? 'CARD_KEY',
    },
    units: [{ ...unit(c.state ?? 'SEALED', c.key), ...c.unit }],
    qualityClaimDays: 7,
    evidenceAttached: c.evidence ?? false,
  };
}
function check(c: Case): UnitEligibility {
  const u = checkEligibility(inputOf(c)).units[0];
  if (!u) throw new Error('no unit');
  u.codes.forEach((code) => seen.add(code));
  return u;
}

// ---- every reason × key state, under a confirmed 未激活可退 48 h policy, 1 h after delivery ----
const E = 'ELIGIBLE';
const N = 'NEEDS_EVIDENCE';
const B = 'BLOCKED';
type Cell = [UnitOutcome, EligibilityCode];
const NOT_DELIVERED: Cell = [B, 'UNIT_NOT_DELIVERED'];
const buyer = (sealed: Cell): Cell[] => [
  sealed,
  [B, 'REVEALED_NOT_REFUNDABLE'],
  [B, 'KEY_ACTIVATED'],
  [B, 'KEY_UNUSABLE'],
  [B, 'KEY_UNUSABLE'],
  NOT_DELIVERED,
  NOT_DELIVERED,
  NOT_DELIVERED,
];
const needs: Cell = [N, 'EVIDENCE_REQUIRED'];
const proven: Cell = [E, 'RECORDS_PROVE_FAULT'];
const delivered: Cell = [B, 'UNIT_DELIVERED'];
//                  SEALED  REVEALED ACTIVATED VOIDED  INVALID  RESERVED  AVAILABLE  NONE
const MATRIX: Record<RefundReason, Cell[]> = {
  MISTAKEN_PURCHASE: buyer([E, 'SEALED_REFUNDABLE']),
  NO_LONGER_NEEDED: buyer([B, 'REASON_NOT_COVERED']),
  DUPLICATE_ORDER: buyer([E, 'SEALED_REFUNDABLE']),
  NOT_AS_DESCRIBED: [needs, needs, needs, needs, needs, NOT_DELIVERED, NOT_DELIVERED, NOT_DELIVERED],
  DEFECTIVE: [needs, needs, needs, proven, proven, NOT_DELIVERED, NOT_DELIVERED, NOT_DELIVERED],
  ACTIVATED_BEFORE_DELIVERY: [needs, needs, needs, needs, needs, NOT_DELIVERED, NOT_DELIVERED, NOT_DELIVERED],
  NOT_DELIVERED: [delivered, delivered, delivered, delivered, delivered, proven, proven, proven],
  OTHER: STATES.map((): Cell => [E, 'MANUAL_REVIEW']),
};

describe('every reason × key state', () => {
  const rows = REFUND_REASON_CODES.flatMap((reason) =>
    STATES.map((state, i) => {
      const cell = MATRIX[reason][i];
      if (!cell) throw new Error(`matrix ${reason} lacks ${state}`);
      return { reason, state, outcome: cell[0], code: cell[1] };
    }),
  );
  it.each(rows)('$reason on a $state unit → $outcome ($code)', ({ reason, state, outcome, code }) => {
    const u = check({ reason, state });
    expect(u.outcome).toBe(outcome);
    expect(u.codes).toEqual([code]);
    expect(u.eligible).toBe(outcome === 'ELIGIBLE');
    expect(u.explanations.zh).toHaveLength(1);
    expect(u.explanations.en).toHaveLength(1);
    // auto-approval: sealed buyer-side, or a fault the records prove; never OTHER
    expect(u.autoApprovable).toBe(code === 'SEALED_REFUNDABLE' || code === 'RECORDS_PROVE_FAULT');
    expect(u.sealedAndEligible).toBe(code === 'SEALED_REFUNDABLE');
  });
});

describe('units already refunded or in another request (every reason, OTHER included)', () => {
  it.each(REFUND_REASON_CODES)('%s', (reason) => {
    expect(check({ reason, unit: { alreadyRefunded: true } }).codes).toEqual(['UNIT_REFUNDED']);
    expect(check({ reason, unit: { arbitrated: true } }).codes).toEqual(['ARBITRATION_FINAL']);
    expect(check({ reason, unit: { inOpenRequest: true } }).codes).toEqual(['UNIT_IN_OPEN_REQUEST']);
    expect(check({ reason, unit: { inOpenRequest: true } }).outcome).toBe('BLOCKED');
  });
});

describe('buyer-side rules on sealed and revealed units (policy confirmed)', () => {
  const late = plus(48 * H + 1);
  it.each<[string, Case, EligibilityCode[]]>([
    ['mistaken, sealed, in window', {}, ['SEALED_REFUNDABLE']],
    [
      'no longer needed with noReasonRefund',
      { reason: 'NO_LONGER_NEEDED', policy: { ...POLICY, noReasonRefund: true } },
      ['SEALED_REFUNDABLE'],
    ],
    [
      'duplicate order without noReasonRefund (the policy text lists it)',
      { reason: 'DUPLICATE_ORDER' },
      ['SEALED_REFUNDABLE'],
    ],
    ['window over', { at: late }, ['WINDOW_EXPIRED']],
    [
      'window over and reason not covered: both listed',
      { reason: 'NO_LONGER_NEEDED', at: late },
      ['WINDOW_EXPIRED', 'REASON_NOT_COVERED'],
    ],
    ['不退不换', { policy: NON_REFUNDABLE }, ['NON_REFUNDABLE']],
    ['no buyer-side promise', { policy: NO_PROMISE }, ['NO_REFUND_PROMISE']],
    [
      'revealed, revealedRefund',
      { state: 'REVEALED', policy: { ...POLICY, revealedRefund: true } },
      ['REVEALED_REFUNDABLE'],
    ],
    [
      'revealed, revealedRefund, late',
      { state: 'REVEALED', policy: { ...POLICY, revealedRefund: true }, at: late },
      ['WINDOW_EXPIRED'],
    ],
    [
      'revealed, revealedRefund, reason not covered',
      { state: 'REVEALED', reason: 'NO_LONGER_NEEDED', policy: { ...POLICY, revealedRefund: true } },
      ['REASON_NOT_COVERED'],
    ],
    [
      'SEALED state but a recorded reveal: unsealed',
      { key: { firstRevealedAt: iso(60_000) } },
      ['REVEALED_NOT_REFUNDABLE'],
    ],
    [
      'activated whatever the policy says',
      { state: 'ACTIVATED', policy: { ...POLICY, revealedRefund: true, noReasonRefund: true } },
      ['KEY_ACTIVATED'],
    ],
    [
      'entitlement in use',
      { state: 'ACTIVATED', productType: 'ENTITLEMENT', key: { partiallyUsed: true } },
      ['PARTIALLY_USED'],
    ],
    [
      'entitlement activated: use starts at activation',
      { state: 'ACTIVATED', productType: 'ENTITLEMENT' },
      ['PARTIALLY_USED'],
    ],
    [
      'usage flag on a revealed entitlement',
      { state: 'REVEALED', productType: 'ENTITLEMENT', key: { partiallyUsed: true } },
      ['PARTIALLY_USED'],
    ],
  ])('%s', (_name, c, codes) => {
    expect(check(c).codes).toEqual(codes);
  });

  it('only revealed units go to the merchant: eligible but not auto-approvable', () => {
    const u = check({ state: 'REVEALED', policy: { ...POLICY, revealedRefund: true } });
    expect(u).toMatchObject({ eligible: true, autoApprovable: false, sealedAndEligible: false });
    expect(u.explanations.zh[0]).toContain('作废');
  });
});

describe('disclosure: a clause binds a sealed unit only with the recorded confirmation', () => {
  const late = plus(48 * H + 1); // past the window, inside the seven-day period
  const rows: [string, Case, EligibilityCode[], UnitOutcome][] = [];
  for (const [name, c, clause] of [
    ['不退不换', { policy: NON_REFUNDABLE }, ['NON_REFUNDABLE']],
    ['no promise', { policy: NO_PROMISE }, ['NO_REFUND_PROMISE']],
    ['window', { at: late }, ['WINDOW_EXPIRED']],
    ['reason', { reason: 'NO_LONGER_NEEDED' }, ['REASON_NOT_COVERED']],
  ] as [string, Case, EligibilityCode[]][]) {
    rows.push([`${name}, confirmed`, { ...c, confirmed: true }, clause, 'BLOCKED']);
    rows.push([
      `${name}, never confirmed`,
      { ...c, confirmed: false },
      ['CLAUSE_NOT_DISCLOSED', 'SEALED_REFUNDABLE'],
      'ELIGIBLE',
    ]);
    rows.push([
      `${name}, never confirmed, past 7 days`,
      { ...c, confirmed: false, at: plus(8 * D) },
      ['RETURN_PERIOD_EXPIRED'],
      'BLOCKED',
    ]);
    // facts are not clauses: a buyer's reveal or an activation blocks confirmed or not
    rows.push([
      `${name}, never confirmed, revealed`,
      { ...c, confirmed: false, state: 'REVEALED' },
      ['REVEALED_NOT_REFUNDABLE'],
      'BLOCKED',
    ]);
    rows.push([
      `${name}, never confirmed, activated`,
      { ...c, confirmed: false, state: 'ACTIVATED' },
      ['KEY_ACTIVATED'],
      'BLOCKED',
    ]);
  }
  it.each(rows)('%s', (_name, c, codes, outcome) => {
    const u = check(c);
    expect(u.codes).toEqual(codes);
    expect(u.outcome).toBe(outcome);
    if (outcome === 'ELIGIBLE') expect(u).toMatchObject({ autoApprovable: true, sealedAndEligible: true });
  });

  it('names the clause that does not bind, and the statutory end', () => {
    const u = check({ policy: NON_REFUNDABLE, confirmed: false });
    expect(u.explanations.zh[0]).toContain('「不退不换」');
    expect(u.explanations.zh[0]).toContain('12-03 23:59');
    expect(u.explanations.en[0]).toContain('terms (no refunds or exchanges) do not bind you');
    const w = check({ reason: 'NO_LONGER_NEEDED', at: late, confirmed: false });
    expect(w.explanations.zh[0]).toContain('「48 小时退款时限」、「个人原因仅限误拍、错拍或重复下单」条款');
    const n = check({ policy: NON_REFUNDABLE });
    expect(n.explanations.zh[0]).toContain('点卡售出不退');
    expect(n.explanations.zh[0]).toContain('11-26 10:04'); // when the buyer confirmed it
  });

  it('a revealed unit under an unconfirmed policy gets only what the policy promises', () => {
    const p = { ...POLICY, revealedRefund: true };
    expect(check({ state: 'REVEALED', policy: p, confirmed: false }).codes).toEqual(['REVEALED_REFUNDABLE']);
    expect(check({ state: 'REVEALED', policy: p, confirmed: false, at: late }).codes).toEqual([
      'WINDOW_EXPIRED',
    ]);
  });

  it('unconfirmed and in the window: refundable until the later of window and statutory period', () => {
    expect(check({ confirmed: false }).explanations.zh[0]).toContain('12-03 23:59');
    expect(check({}).explanations.zh[0]).toContain('11-28 10:05');
  });
});

describe('boundary times', () => {
  it.each<[string, Case, EligibilityCode[]]>([
    ['policy window end', { at: WINDOW_END }, ['SEALED_REFUNDABLE']],
    ['1 ms after the window', { at: new Date(+WINDOW_END + 1) }, ['WINDOW_EXPIRED']],
    [
      'statutory end, unconfirmed',
      { at: RETURN_END, confirmed: false },
      ['CLAUSE_NOT_DISCLOSED', 'SEALED_REFUNDABLE'],
    ],
    [
      '1 ms after the statutory end',
      { at: new Date(+RETURN_END + 1), confirmed: false },
      ['RETURN_PERIOD_EXPIRED'],
    ],
    [
      'quality claim end, proven',
      { reason: 'DEFECTIVE', state: 'INVALID', at: CLAIM_END },
      ['RECORDS_PROVE_FAULT'],
    ],
    [
      '1 ms after the quality claim end',
      { reason: 'DEFECTIVE', state: 'INVALID', at: new Date(+CLAIM_END + 1) },
      ['QUALITY_CLAIM_EXPIRED'],
    ],
    [
      'quality claim end, evidence',
      { reason: 'NOT_AS_DESCRIBED', at: CLAIM_END, evidence: true },
      ['EVIDENCE_ATTACHED'],
    ],
    [
      '1 ms after, evidence',
      { reason: 'NOT_AS_DESCRIBED', at: new Date(+CLAIM_END + 1), evidence: true },
      ['QUALITY_CLAIM_EXPIRED'],
    ],
    [
      'not delivered has no claim period',
      { reason: 'NOT_DELIVERED', state: 'NONE', at: plus(400 * D) },
      ['RECORDS_PROVE_FAULT'],
    ],
  ])('%s', (_name, c, codes) => {
    expect(check(c).codes).toEqual(codes);
  });

  it('the seven days run from the day after delivery, to 24:00 Shanghai time (暂行办法 §7)', () => {
    expect(returnPeriodEnd(new Date(DELIVERED)).toISOString()).toBe(RETURN_END.toISOString());
    // 23:30 Shanghai on 11-26 is 15:30Z; 00:30 on 11-27 is 16:30Z (still 11-26 in UTC)
    expect(returnPeriodEnd(new Date('2026-11-26T15:30:00Z')).toISOString()).toBe('2026-12-03T15:59:59.999Z');
    expect(returnPeriodEnd(new Date('2026-11-26T16:30:00Z')).toISOString()).toBe('2026-12-04T15:59:59.999Z');
  });

  it('a replacement key counts from its own delivery', () => {
    const at = plus(50 * H);
    expect(check({ at }).codes).toEqual(['WINDOW_EXPIRED']);
    expect(check({ at, key: { deliveredAt: iso(24 * H) } }).codes).toEqual(['SEALED_REFUNDABLE']);
  });
});

describe('merchant-fault reasons', () => {
  const early = { activatedAt: '2026-11-26T02:02:00.000Z', activatedBeforeDelivery: true };
  it.each<[string, Case, EligibilityCode[], boolean]>([
    [
      'activated before delivery, proven',
      { reason: 'ACTIVATED_BEFORE_DELIVERY', state: 'ACTIVATED', key: early },
      ['RECORDS_PROVE_FAULT'],
      true,
    ],
    [
      'defective, proven by an early activation',
      { reason: 'DEFECTIVE', state: 'ACTIVATED', key: early },
      ['RECORDS_PROVE_FAULT'],
      true,
    ],
    [
      'not as described, evidence attached',
      { reason: 'NOT_AS_DESCRIBED', evidence: true },
      ['EVIDENCE_ATTACHED'],
      false,
    ],
    [
      'activation recorded after delivery, evidence attached',
      { reason: 'ACTIVATED_BEFORE_DELIVERY', state: 'ACTIVATED', evidence: true },
      ['EVIDENCE_ATTACHED'],
      false,
    ],
    [
      'ignores 不退不换 and the window',
      { reason: 'DEFECTIVE', state: 'INVALID', policy: NON_REFUNDABLE, at: plus(6 * D) },
      ['RECORDS_PROVE_FAULT'],
      true,
    ],
  ])('%s', (_name, c, codes, auto) => {
    const u = check(c);
    expect(u.codes).toEqual(codes);
    expect(u.eligible).toBe(true);
    expect(u.autoApprovable).toBe(auto);
  });

  it('evidence required is a need, not a block, and points to the reason the records prove', () => {
    const u = check({ reason: 'NOT_AS_DESCRIBED', state: 'INVALID' });
    expect(u).toMatchObject({ outcome: 'NEEDS_EVIDENCE', eligible: false, autoApprovable: false });
    expect(u.explanations.zh[0]).toContain('「卡密无效/质量问题」');
    expect(check({ reason: 'ACTIVATED_BEFORE_DELIVERY', state: 'ACTIVATED' }).explanations.zh[0]).toContain(
      '激活时间为 11-26 10:20，晚于发货时间 11-26 10:05',
    );
  });
});

describe('explanations name the recorded times in Asia/Shanghai', () => {
  it("the spec's example: activated at UTC 02:02 reads 10:02, by the issuer, and suggests 卡密无效", () => {
    // delivered 10:00 and revealed 10:01, so the 10:02 activation came after the buyer saw the key
    const u = check({
      state: 'ACTIVATED',
      key: {
        deliveredAt: '2026-11-26T02:00:00.000Z',
        firstRevealedAt: '2026-11-26T02:01:00.000Z',
        activatedAt: '2026-11-26T02:02:00.000Z',
        serialMasked: '',
      },
    });
    expect(u.explanations.zh[0]).toBe(
      '该卡密已于 11-26 10:02 被发行方激活，买家原因无法退款；如卡密本身无效，请选择「卡密无效/质量问题」。',
    );
    expect(u.explanations.en[0]).toBe(
      'This key was activated at 10:02 on 11-26 by the issuer: buyer-side refunds are not possible; if the key was defective, choose "Invalid key / quality problem" (卡密无效/质量问题).',
    );
  });

  it('an activation before delivery points to 发货前已激活 with both times', () => {
    const u = check({
      state: 'ACTIVATED',
      key: { activatedAt: '2026-11-26T02:02:00.000Z', activatedBeforeDelivery: true },
    });
    expect(u.explanations.zh[0]).toContain(
      '卡密 KM88****4321 已于 11-26 10:02 被发行方激活，早于发货时间 11-26 10:05',
    );
    expect(u.explanations.zh[0]).toContain('「发货前已激活」');
    const p = check({
      reason: 'ACTIVATED_BEFORE_DELIVERY',
      state: 'ACTIVATED',
      key: { activatedAt: '2026-11-26T02:02:00.000Z', activatedBeforeDelivery: true },
    });
    expect(p.explanations.en[0]).toContain('activated at 10:02 on 11-26, before delivery at 10:05 on 11-26');
  });

  it.each<[string, Case, string, string]>([
    ['reveal time', { state: 'REVEALED' }, '11-26 10:15', '10:15 on 11-26'],
    ['window end', { at: plus(49 * H) }, '11-28 10:05', '10:05 on 11-28'],
    [
      'quality claim end',
      { reason: 'DEFECTIVE', state: 'INVALID', at: plus(8 * D) },
      '12-03 10:05',
      '10:05 on 12-03',
    ],
    ['delivery time', { reason: 'NOT_DELIVERED' }, '11-26 10:05', '10:05 on 11-26'],
    [
      'use start',
      { state: 'ACTIVATED', productType: 'ENTITLEMENT' },
      '权益 KM88****4321 已于 11-26 10:20',
      '10:20 on 11-26',
    ],
    [
      'a date in another year carries its year',
      {
        reason: 'DEFECTIVE',
        state: 'INVALID',
        deliveredAt: '2025-12-30T02:05:00Z',
        at: new Date('2026-01-10T00:00:00Z'),
      },
      '2025-12-30 10:05',
      '10:05 on 2025-12-30',
    ],
  ])('%s', (_name, c, zh, en) => {
    const u = check(c);
    expect(u.explanations.zh[0]).toContain(zh);
    expect(u.explanations.en[0]).toContain(en);
  });
});

describe('a key activated while still sealed (never shown to the buyer) was not activated by the buyer', () => {
  // Delivered 10:05; activated 10:20 (the factory's time) with no reveal, or a reveal only after it.
  const sealedActivated = (over: Partial<UnitKeyFacts> = {}): Partial<UnitKeyFacts> => ({
    firstRevealedAt: null,
    ...over,
  });
  const everyPolicy: [string, PolicyTerms][] = [
    ['未激活可退 48 h', POLICY],
    ['不退不换', NON_REFUNDABLE],
    ['no promise', NO_PROMISE],
  ];
  const rows: [string, Case][] = [];
  for (const reason of ['MISTAKEN_PURCHASE', 'NO_LONGER_NEEDED', 'DEFECTIVE'] as const)
    for (const [name, policy] of everyPolicy) {
      rows.push([
        `${reason}, ${name}, never revealed`,
        { reason, state: 'ACTIVATED', policy, key: sealedActivated() },
      ]);
      rows.push([
        `${reason}, ${name}, revealed only after the activation`,
        { reason, state: 'ACTIVATED', policy, key: sealedActivated({ firstRevealedAt: iso(30 * 60_000) }) },
      ]);
      rows.push([
        `${reason}, ${name}, past the window, never confirmed`,
        { reason, state: 'ACTIVATED', policy, confirmed: false, at: plus(3 * D), key: sealedActivated() },
      ]);
    }
  it.each(rows)('%s → eligible, ACTIVATED_WHILE_SEALED, auto-approvable', (_name, c) => {
    const u = check(c);
    expect(u.codes).toEqual(['ACTIVATED_WHILE_SEALED']);
    expect(u).toMatchObject({ outcome: 'ELIGIBLE', eligible: true, autoApprovable: true });
    // the key is activated: it cannot go back to stock, so this is not the instant sealed refund
    expect(u.sealedAndEligible).toBe(false);
  });

  it('revealed, then activated: still KEY_ACTIVATED, as before', () => {
    for (const reason of ['MISTAKEN_PURCHASE', 'NO_LONGER_NEEDED'] as const) {
      const u = check({ reason, state: 'ACTIVATED', key: { firstRevealedAt: iso(10 * 60_000) } });
      expect(u.codes).toEqual(['KEY_ACTIVATED']);
      expect(u.outcome).toBe('BLOCKED');
    }
    // at the very instant of the reveal: the buyer had the key, so it is not a sealed activation
    const same = check({ state: 'ACTIVATED', key: { firstRevealedAt: iso(15 * 60_000) } });
    expect(same.codes).toEqual(['KEY_ACTIVATED']);
    const defective = check({
      reason: 'DEFECTIVE',
      state: 'ACTIVATED',
      key: { firstRevealedAt: iso(10 * 60_000) },
    });
    expect(defective.codes).toEqual(['EVIDENCE_REQUIRED']);
  });

  it('activated, then revealed later: a sealed activation, 1 ms before the reveal', () => {
    const u = check({
      state: 'ACTIVATED',
      key: { firstRevealedAt: new Date(Date.parse(iso(15 * 60_000)) + 1).toISOString() },
    });
    expect(u.codes).toEqual(['ACTIVATED_WHILE_SEALED']);
  });

  it('every reason but 未发货 and 其他, whatever the policy and its confirmation', () => {
    for (const reason of REFUND_REASON_CODES) {
      const u = check({
        reason,
        state: 'ACTIVATED',
        policy: NON_REFUNDABLE,
        confirmed: true,
        key: sealedActivated(),
      });
      const expected: EligibilityCode =
        reason === 'OTHER'
          ? 'MANUAL_REVIEW'
          : reason === 'NOT_DELIVERED'
            ? 'UNIT_DELIVERED'
            : 'ACTIVATED_WHILE_SEALED';
      expect(u.codes, reason).toEqual([expected]);
    }
  });

  it('an entitlement activated while sealed is not in use by the buyer either', () => {
    const u = check({
      state: 'ACTIVATED',
      productType: 'ENTITLEMENT',
      key: sealedActivated({ partiallyUsed: true }),
    });
    expect(u.codes).toEqual(['ACTIVATED_WHILE_SEALED']);
  });

  it('within the quality-claim period, as every fault the records prove', () => {
    const c: Case = { state: 'ACTIVATED', key: sealedActivated() };
    expect(check({ ...c, at: CLAIM_END }).codes).toEqual(['ACTIVATED_WHILE_SEALED']);
    expect(check({ ...c, at: new Date(+CLAIM_END + 1) }).codes).toEqual(['QUALITY_CLAIM_EXPIRED']);
    expect(check({ ...c, reason: 'DEFECTIVE', at: new Date(+CLAIM_END + 1) }).codes).toEqual([
      'QUALITY_CLAIM_EXPIRED',
    ]);
  });

  it('an activation before delivery keeps its own path (发货前已激活, proven)', () => {
    const early = {
      activatedAt: '2026-11-26T02:02:00.000Z',
      activatedBeforeDelivery: true,
      firstRevealedAt: null,
    };
    expect(check({ state: 'ACTIVATED', key: early }).codes).toEqual(['KEY_ACTIVATED']);
    expect(check({ reason: 'ACTIVATED_BEFORE_DELIVERY', state: 'ACTIVATED', key: early }).codes).toEqual([
      'RECORDS_PROVE_FAULT',
    ]);
  });

  it('says so in plain words, with the time in Asia/Shanghai and who reported it', () => {
    const plain = check({
      state: 'ACTIVATED',
      key: { ...sealedActivated(), serialMasked: '', activatedBy: null, activationSource: 'REDEEM' },
    });
    expect(plain.explanations.zh[0]).toBe(
      '该卡密在拆封前已被激活（激活时间 11-26 10:20），激活不可能来自买家，按商家责任处理，可申请退款。',
    );
    expect(plain.explanations.en[0]).toBe(
      "This key was activated while still sealed (activated at 10:20 on 11-26), before the buyer ever saw it: the activation cannot have come from the buyer, so it counts as the merchant's fault and can be refunded.",
    );
    const own = check({
      reason: 'NO_LONGER_NEEDED',
      state: 'ACTIVATED',
      key: sealedActivated({ activatedBy: 'merchant', activationSource: 'REPORT' }),
    });
    expect(own.explanations.zh[0]).toBe(
      '卡密 KM88****4321 在拆封前已被激活（激活时间 11-26 10:20，由商家自行报告），激活不可能来自买家，按商家责任处理，可申请退款。',
    );
    expect(own.explanations.en[0]).toContain(
      '(activated at 10:20 on 11-26, reported by the merchant itself)',
    );
    const issuer = check({
      state: 'ACTIVATED',
      key: sealedActivated({ activatedBy: 'issuer', activationSource: 'REDEEM' }),
    });
    expect(issuer.explanations.zh[0]).toContain('（激活时间 11-26 10:20，由发行方核销）');
    expect(issuer.explanations.en[0]).toContain('redeemed by the issuer');
  });

  it('a request of sealed-activated units is auto-approvable as a whole', () => {
    const s = checkEligibility({
      ...inputOf({}),
      units: [unit('ACTIVATED', sealedActivated(), 'a'), unit('ACTIVATED', sealedActivated(), 'b')],
    }).summary;
    expect(s).toMatchObject({ status: 'ALL', autoApprovable: true });
  });
});

describe('summary', () => {
  const base = inputOf({});
  const many = (units: UnitFacts[], over: Partial<EligibilityInput> = {}) =>
    checkEligibility({ ...base, ...over, units }).summary;

  it('all sealed and eligible: approved at once', () => {
    const s = many([unit('SEALED', {}, 'a'), unit('SEALED', {}, 'b')]);
    expect(s).toMatchObject({ status: 'ALL', eligibleUnitIds: ['a', 'b'], autoApprovable: true });
    expect(s.zh).toBe('共 2 件：2 件可退款。');
  });
  it('some: the 60 sealed keys of a partly used bulk order', () => {
    const s = many([unit('SEALED', {}, 'a'), unit('REVEALED', {}, 'b'), unit('ACTIVATED', {}, 'c')]);
    expect(s).toMatchObject({
      status: 'SOME',
      eligibleUnitIds: ['a'],
      blockedUnitIds: ['b', 'c'],
      autoApprovable: false,
    });
    expect(s.en).toBe('1 of 3 units can be refunded; 2 cannot be refunded for this reason.');
  });
  it('none, with units waiting for evidence', () => {
    const s = many([unit('REVEALED', {}, 'a'), unit('INVALID', {}, 'b')], { reason: 'NOT_AS_DESCRIBED' });
    expect(s).toMatchObject({ status: 'NONE', needsEvidenceUnitIds: ['a', 'b'], autoApprovable: false });
    expect(s.zh).toContain('2 件补充证据后可申请');
  });
  it('no units: nothing to approve', () => {
    expect(many([])).toMatchObject({ status: 'NONE', autoApprovable: false });
  });
});

describe('inconsistent records fail loudly', () => {
  it('a delivered key without any delivery time', () => {
    const input = { ...inputOf({}), order: { ...inputOf({}).order, deliveredAt: null } };
    expect(() => checkEligibility(input)).toThrow(RangeError);
  });
  it('a malformed time', () => {
    expect(() =>
      checkEligibility(inputOf({ key: { activatedAt: 'yesterday' }, state: 'ACTIVATED' })),
    ).toThrow(RangeError);
  });
});

describe('vocabulary', () => {
  it('reasons carry the zh labels buyers see', () => {
    expect(REFUND_REASON_CODES.map((r) => REFUND_REASONS[r].zh)).toEqual([
      '误拍/错拍',
      '需求变更',
      '重复下单',
      '描述不符',
      '卡密无效/质量问题',
      '发货前已激活',
      '未发货',
      '其他',
    ]);
  });
  it('every code has titles; exactly the policy restrictions rest on a clause', () => {
    for (const c of ELIGIBILITY_CODES)
      expect(ELIGIBILITY_CODE_INFO[c].zh && ELIGIBILITY_CODE_INFO[c].en).toBeTruthy();
    expect(ELIGIBILITY_CODES.filter((c) => ELIGIBILITY_CODE_INFO[c].clause)).toEqual([
      'NON_REFUNDABLE',
      'NO_REFUND_PROMISE',
      'WINDOW_EXPIRED',
      'REASON_NOT_COVERED',
    ]);
  });
});

describe('properties', () => {
  const terms = fc.record({
    unactivatedRefund: fc.boolean(),
    windowHours: fc.option(fc.integer({ min: 1, max: 720 }), { nil: null }),
    noReasonRefund: fc.boolean(),
    revealedRefund: fc.boolean(),
    nonRefundable: fc.boolean(),
    nonRefundableText: fc.option(fc.string({ maxLength: 20 }), { nil: null }),
  });
  const deliveredMs = fc.integer({
    min: Date.parse('2025-01-01T00:00:00Z'),
    max: Date.parse('2027-12-31T00:00:00Z'),
  });

  it('is deterministic: the same input gives the same answer', () => {
    const arb = fc.record({
      reason: fc.constantFrom(...REFUND_REASON_CODES),
      state: fc.constantFrom(...STATES),
      policy: terms,
      confirmed: fc.boolean(),
      evidence: fc.boolean(),
      used: fc.boolean(),
      early: fc.boolean(),
      offset: fc.integer({ min: 0, max: 30 * D }),
      delivered: deliveredMs,
    });
    fc.assert(
      fc.property(arb, (a) => {
        const deliveredAt = new Date(a.delivered).toISOString();
        const c: Case = {
          reason: a.reason,
          state: a.state,
          policy: a.policy,
          confirmed: a.confirmed,
          evidence: a.evidence,
          deliveredAt,
          at: new Date(a.delivered + a.offset),
          key: { partiallyUsed: a.used, activatedBeforeDelivery: a.early },
        };
        expect(checkEligibility(inputOf(c))).toStrictEqual(checkEligibility(inputOf(c)));
      }),
    );
  });

  it('a merchant-fault claim in the claim period that the records prove is never blocked by policy terms', () => {
    const proof = fc.constantFrom<[RefundReason, KeyState, boolean]>(
      ['ACTIVATED_BEFORE_DELIVERY', 'ACTIVATED', true],
      ['DEFECTIVE', 'ACTIVATED', true],
      ['DEFECTIVE', 'INVALID', false],
      ['DEFECTIVE', 'VOIDED', false],
    );
    fc.assert(
      fc.property(
        proof,
        terms,
        fc.boolean(),
        fc.boolean(),
        deliveredMs,
        fc.integer({ min: 0, max: 7 * D }),
        (p, policy, confirmed, evidence, delivered, offset) => {
          const [reason, state, early] = p;
          const u = check({
            reason,
            state,
            policy,
            confirmed,
            evidence,
            deliveredAt: new Date(delivered).toISOString(),
            at: new Date(delivered + offset),
            key: {
              activatedBeforeDelivery: early,
              activatedAt: early ? new Date(delivered - 60_000).toISOString() : null,
            },
          });
          expect(u).toMatchObject({
            outcome: 'ELIGIBLE',
            autoApprovable: true,
            codes: ['RECORDS_PROVE_FAULT'],
          });
        },
      ),
    );
  });
});

describe('property: a sealed activation never counts against the buyer', () => {
  it('whatever the reason (but 未发货/其他), policy, confirmation or time within the claim period', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...REFUND_REASON_CODES.filter((r) => r !== 'OTHER' && r !== 'NOT_DELIVERED')),
        fc.record({
          unactivatedRefund: fc.boolean(),
          windowHours: fc.option(fc.integer({ min: 1, max: 720 }), { nil: null }),
          noReasonRefund: fc.boolean(),
          revealedRefund: fc.boolean(),
          nonRefundable: fc.boolean(),
          nonRefundableText: fc.constant(null),
        }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 1, max: 3 * D }), // activation after delivery
        fc.option(fc.integer({ min: 1, max: 3 * D }), { nil: null }), // a reveal after it, if any
        fc.integer({ min: 0, max: 7 * D }),
        (reason, policy, confirmed, evidence, activated, revealedLater, offset) => {
          const u = check({
            reason,
            state: 'ACTIVATED',
            policy,
            confirmed,
            evidence,
            at: plus(Math.max(offset, activated)),
            key: {
              activatedAt: iso(activated),
              firstRevealedAt: revealedLater === null ? null : iso(activated + revealedLater),
              partiallyUsed: false,
            },
          });
          if (+plus(Math.max(offset, activated)) > +CLAIM_END) return;
          expect(u).toMatchObject({
            outcome: 'ELIGIBLE',
            autoApprovable: true,
            codes: ['ACTIVATED_WHILE_SEALED'],
          });
        },
      ),
    );
  });
});

describe('coverage of the vocabulary', () => {
  // Runs last (vitest runs a file's tests in order): every code came out of some test above.
  it('every rule code was produced at least once', () => {
    expect([...seen].sort()).toEqual([...ELIGIBILITY_CODES].sort());
  });
});
