// Stage 8 rough edges a first-time user hit: stock levels, quantity limits, the pending-order offer,
// the product form's policy rules and bounds, the refund prefill and the request page's labels.
// Spread into zh-CN.ts; en.rough.ts has the same keys.
const roughZhCN = {
  rough: {
    stock: {
      IN_STOCK: '库存充足',
      LOW: '库存紧张',
      SOLD_OUT: '售罄',
      soldOut: '该商品已售罄，暂时不能购买。',
      label: '库存',
    },
    qty: {
      overLimit: '{{level}}每单最多 {{count}} 件，您填写了 {{value}} 件：请减少数量或分多单购买。',
      invalid: '请填写 1 以上的整数',
    },
    pending: {
      title: '您有待支付订单',
      description:
        '您已下单「{{product}}」× {{count}}（{{amount}}），请在 {{expires}} 前支付，卡密一直为您保留到那时。再下一单会另外占用卡密。',
      more: '另有 {{count}} 笔待支付订单，可在「我的订单」中查看。',
      pay: '去支付这笔订单',
      cancel: '取消它并继续下单',
      cancelConfirm: '取消订单 {{orderNo}}？为它保留的卡密将被释放。',
      cancelled: '已取消订单 {{orderNo}}，可以继续下单',
      cancelOk: '取消订单',
      keep: '保留',
    },
    policy: {
      bounds: '平台允许 {{min}}–{{max}} 小时',
      windowOutOfBounds:
        '退款时限须在 {{min}}–{{max}} 小时之间，您填写了 {{value}} 小时（不会被自动改成 {{nearest}}）',
      lockedByNonRefundable: '已选择「不退不换」，不能同时开启',
      needsUnactivated: '需先开启「未激活可退款」',
      nonRefundableCleared: '「不退不换」与退款承诺互相矛盾：已关闭未激活可退款、无理由退款和拆封可退。',
      unactivatedCleared: '关闭「未激活可退款」后，无理由退款和拆封可退也随之关闭。',
      lockedByUnactivated: '已开启退款承诺时不能选择「不退不换」，请先关闭「未激活可退款」',
    },
    refund: {
      prefill: '订单号 {{orderNo}}，商品「{{name}}」× {{count}}，申请退款 {{amount}}。原因说明：',
    },
    request: {
      decidedBy: {
        INSTANT: '即时通过',
        MERCHANT: '商家审核',
        SUPPORT: '平台客服审核',
        TIMEOUT: '超时自动通过',
        ARBITRATION: '仲裁裁决',
        CHANNEL: '渠道处理',
        SYSTEM: '系统处理',
      },
      eligibilityAtApplication: '申请时的资格预检',
      eligibilityAtApplicationHint: '提交时的判断，仅供参考；结果以处理决定为准',
      deadlineMet: '✓ 已于 {{time}} 完成',
      deadlineMissed: '已超时，于 {{time}} 结束',
      deadlineDone: '✓ 已结束',
    },
  },
};

export type RoughMessages = typeof roughZhCN;
export default roughZhCN;
