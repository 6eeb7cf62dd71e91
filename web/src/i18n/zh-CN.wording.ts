// Stage 8 wording fixes (human references instead of raw ids). Spread into zh-CN.ts;
// en.wording.ts has the same keys.
const wordingZhCN = {
  wording: {
    orderRef: '订单 {{no}}',
    requestRef: '售后单 {{no}}',
    objectType: { payout: '退款单', other: '记录' },
  },
};

export type WordingMessages = typeof wordingZhCN;
export default wordingZhCN;
