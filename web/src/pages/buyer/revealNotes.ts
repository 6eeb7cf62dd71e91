import type { TFunction } from 'i18next';
import type { UnitPolicy } from '../../types';

/**
 * What unsealing (拆封) means for refunds under the policy this unit was bought under — mirrors the
 * server's policy wording: 不退不换 / 拆封未激活可退 / 拆封后个人原因不退 / no personal-reason refunds.
 */
export function revealRefundNotes(p: UnitPolicy, t: TFunction): string[] {
  if (p.nonRefundable) return [t('myKeys.policyNonRefundable')];
  if (!p.unactivatedRefund) return [t('myKeys.policyNoPersonalRefund')];
  if (p.revealedRefund) {
    return [
      p.windowHours !== null
        ? t('myKeys.policyRevealedRefundWindow', { hours: p.windowHours })
        : t('myKeys.policyRevealedRefund'),
    ];
  }
  const notes = [t('myKeys.policyNoRevealedRefund')];
  if (p.windowHours !== null) notes.push(t('myKeys.keepSealedHint', { hours: p.windowHours }));
  return notes;
}

/** Which case applies, for `data-policy` (tests, support screenshots). */
export function revealRefundCase(p: UnitPolicy): string {
  if (p.nonRefundable) return 'NON_REFUNDABLE';
  if (!p.unactivatedRefund) return 'NO_PERSONAL_REFUND';
  return p.revealedRefund ? 'REVEALED_REFUNDABLE' : 'REVEALED_NOT_REFUNDABLE';
}
