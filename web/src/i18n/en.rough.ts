import type { RoughMessages } from './zh-CN.rough';

const roughEn: RoughMessages = {
  rough: {
    stock: {
      IN_STOCK: 'In stock',
      LOW: 'Low stock',
      SOLD_OUT: 'Sold out',
      soldOut: 'This product is sold out and cannot be bought right now.',
      label: 'Stock',
    },
    qty: {
      overLimit:
        '{{level}} members can buy at most {{count}} per order; you entered {{value}}. Lower the quantity or place several orders.',
      invalid: 'Enter a whole number of at least 1',
    },
    pending: {
      title: 'You have an unpaid order',
      description:
        'You ordered “{{product}}” × {{count}} ({{amount}}). Pay before {{expires}}: its keys are held for you until then. A new order would hold more keys.',
      more: '{{count}} more unpaid orders are in My orders.',
      pay: 'Pay this order',
      cancel: 'Cancel it and continue',
      cancelConfirm: 'Cancel order {{orderNo}}? The keys held for it are released.',
      cancelled: 'Order {{orderNo}} cancelled: you can place a new order',
      cancelOk: 'Cancel order',
      keep: 'Keep it',
    },
    policy: {
      bounds: 'Platform allows {{min}}–{{max}} h',
      windowOutOfBounds:
        'The refund window must be {{min}}–{{max}} hours; you entered {{value}} (it is not changed to {{nearest}} for you)',
      lockedByNonRefundable: 'Not available with “No refunds or exchanges”',
      needsUnactivated: 'Turn on “Refundable if unactivated” first',
      nonRefundableCleared:
        '“No refunds or exchanges” contradicts refund promises: unactivated, no-reason and revealed refunds were turned off.',
      unactivatedCleared: 'With unactivated refunds off, no-reason and revealed refunds were turned off too.',
      lockedByUnactivated:
        'Not available while refunds are promised: turn off “Refundable if unactivated” first',
    },
    refund: {
      prefill: 'Order {{orderNo}}, “{{name}}” × {{count}}, refund of {{amount}} requested. Reason: ',
    },
    request: {
      decidedBy: {
        INSTANT: 'Instant approval',
        MERCHANT: 'Merchant review',
        SUPPORT: 'Support review',
        TIMEOUT: 'Approved on timeout',
        ARBITRATION: 'Arbitration',
        CHANNEL: 'Channel',
        SYSTEM: 'System',
      },
      eligibilityAtApplication: 'Pre-check at application',
      eligibilityAtApplicationHint:
        'As judged when submitted, for reference; the decision above is what counts',
      deadlineMet: '✓ Done at {{time}}',
      deadlineMissed: 'Overdue; ended at {{time}}',
      deadlineDone: '✓ No longer running',
    },
  },
};

export default roughEn;
