import type { ProductInput } from '../../src/modules/catalog/products.js';

export function productInput(over: Partial<ProductInput> = {}): ProductInput {
  return {
    type: 'CARD_KEY',
    name: '测试点卡 100元',
    description: '测试用点卡',
    faceValueFen: 10000,
    validityDays: 365,
    prices: { REGULAR: 9850, VIP: 9780, SUPER: 9690 },
    policy: {
      unactivatedRefund: true,
      windowHours: 24,
      noReasonRefund: false,
      revealedRefund: false,
      nonRefundable: false,
      nonRefundableText: null,
    },
    ...over,
  };
}
