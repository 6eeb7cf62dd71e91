/** Rejection reason codes a reviewer chooses from (spec §7 step 4), with their zh/en titles. */
export const REJECT_CODES = {
  ACTIVATED: { zh: '商品已激活', en: 'Already activated' },
  LATE: { zh: '超时未申请', en: 'Applied too late' },
  EVIDENCE_INVALID: { zh: '证据无效', en: 'Evidence not valid' },
  NOT_MERCHANT_FAULT: { zh: '非商家责任', en: 'Not the merchant’s fault' },
  NON_REFUNDABLE_DISCLOSED: { zh: '已明示不退不换', en: 'Disclosed as non-refundable' },
  OTHER: { zh: '其他', en: 'Other' },
} as const;
export type RejectCode = keyof typeof REJECT_CODES;
export const REJECTION_CODES = Object.keys(REJECT_CODES) as RejectCode[];
