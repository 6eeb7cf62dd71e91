import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  policyContradiction,
  policyTextHash,
  renderPolicy,
  type PolicyTerms,
} from '../../src/modules/catalog/policy.js';

const base: PolicyTerms = {
  unactivatedRefund: true,
  windowHours: 48,
  noReasonRefund: false,
  revealedRefund: false,
  nonRefundable: false,
  nonRefundableText: null,
};
const codes = (p: PolicyTerms, review24h = false) =>
  renderPolicy(p, { qualityClaimDays: 7, commitments: { review24h } }).zh.badges.map((b) => b.zh);

describe('renderPolicy', () => {
  it('未激活可退 with its window, and 24小时处理 when the merchant commits to it', () => {
    expect(codes(base)).toEqual(['未激活可退', '48小时内可退']);
    expect(codes(base, true)).toEqual(['未激活可退', '48小时内可退', '24小时处理']);
  });

  it('不退不换 shows the merchant text and never a refundable badge', () => {
    const p: PolicyTerms = {
      ...base,
      unactivatedRefund: false,
      windowHours: null,
      nonRefundable: true,
      nonRefundableText: '售出不退',
    };
    const r = renderPolicy(p, { qualityClaimDays: 7 });
    expect(r.zh.badges.map((b) => b.zh)).toEqual(['不退不换']);
    expect(r.zh.text).toContain('售出不退');
    expect(r.en.text).toContain('No refunds or exchanges');
  });

  it('always tells the buyer that quality claims stay open (消法 §24), with the platform period', () => {
    for (const p of [base, { ...base, unactivatedRefund: false, windowHours: null }]) {
      const r = renderPolicy(p, { qualityClaimDays: 10 });
      expect(r.zh.text).toContain('10 天内均可申请售后');
      expect(r.en.text).toContain('within 10 days');
    }
  });

  it('says what revealing a key means under this policy', () => {
    expect(renderPolicy(base, { qualityClaimDays: 7 }).zh.text).toContain('拆封后因个人原因不予退款');
    expect(renderPolicy({ ...base, revealedRefund: true }, { qualityClaimDays: 7 }).zh.text).toContain(
      '退款后该卡密作废',
    );
  });

  it('the text hash changes whenever any term changes (property)', () => {
    const terms = fc.record({
      unactivatedRefund: fc.constant(true),
      windowHours: fc.integer({ min: 24, max: 72 }),
      noReasonRefund: fc.boolean(),
      revealedRefund: fc.boolean(),
      nonRefundable: fc.constant(false),
      nonRefundableText: fc.constant(null),
    });
    fc.assert(
      fc.property(terms, terms, (a, b) => {
        const ra = renderPolicy(a, { qualityClaimDays: 7 });
        const rb = renderPolicy(b, { qualityClaimDays: 7 });
        const same = JSON.stringify(a) === JSON.stringify(b);
        return (policyTextHash(ra.zh.text, ra.en.text) === policyTextHash(rb.zh.text, rb.en.text)) === same;
      }),
    );
  });
});

describe('policyContradiction', () => {
  it.each([
    [{ ...base, windowHours: null }, 'window'],
    [{ ...base, unactivatedRefund: false }, 'window'],
    [{ ...base, unactivatedRefund: false, windowHours: null, revealedRefund: true }, 'require unactivated'],
    [{ ...base, nonRefundable: true, nonRefundableText: 'x' }, 'cannot be combined'],
    [
      { ...base, unactivatedRefund: false, windowHours: null, nonRefundable: true, nonRefundableText: null },
      'needs the text',
    ],
  ])('refuses %o', (p, reason) => {
    expect(policyContradiction(p)?.en).toContain(reason);
  });
  it('accepts consistent policies', () => {
    expect(policyContradiction(base)).toBeNull();
    expect(policyContradiction({ ...base, revealedRefund: true, noReasonRefund: true })).toBeNull();
  });
});
