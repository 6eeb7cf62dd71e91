import type { WordingMessages } from './zh-CN.wording';

const wordingEn: WordingMessages = {
  wording: {
    orderRef: 'Order {{no}}',
    requestRef: 'Request {{no}}',
    objectType: { payout: 'Refund payout', other: 'Record' },
  },
};

export default wordingEn;
