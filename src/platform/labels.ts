/**
 * What people read for the codes the server stores (TOPUP, WECHAT, DELIVERED …): one zh-CN / en
 * table per code set, used by exports, the case file and notifications. The web client has its own
 * copies in web/src/i18n (same words); keep both in step when a code is added.
 */

export type Lang = 'zh-CN' | 'en';

export interface Pair {
  zh: string;
  en: string;
}

export type Labels = Readonly<Record<string, Pair>>;

/** The code's words in `lang`; an unknown code is shown as it is (never an empty cell). */
export function label(table: Labels, code: string | null | undefined, lang: Lang): string {
  if (code === null || code === undefined || code === '') return '';
  const p = table[code];
  return p ? (lang === 'en' ? p.en : p.zh) : code;
}

/** One string of the two in `lang`. */
export const pick = (p: Pair, lang: Lang): string => (lang === 'en' ? p.en : p.zh);

export const ORDER_KINDS: Labels = {
  GOODS: { zh: '商品', en: 'Goods' },
  MEMBERSHIP: { zh: '会员', en: 'Membership' },
  TOPUP: { zh: '余额充值', en: 'Balance top-up' },
};

export const ORDER_STATES: Labels = {
  PENDING_PAYMENT: { zh: '待支付', en: 'Awaiting payment' },
  DELIVERED: { zh: '已完成', en: 'Completed' },
  EXPIRED: { zh: '已超时', en: 'Expired' },
  CANCELLED: { zh: '已取消', en: 'Cancelled' },
  REFUNDED: { zh: '已退款', en: 'Refunded' },
};

export const MEMBER_LEVELS: Labels = {
  REGULAR: { zh: '普通会员', en: 'Regular member' },
  VIP: { zh: 'VIP会员', en: 'VIP member' },
  SUPER: { zh: '超级会员（超会）', en: 'Super member' },
};

export const PAYMENT_METHODS: Labels = {
  BALANCE: { zh: '余额', en: 'Balance' },
  WECHAT: { zh: '微信支付', en: 'WeChat Pay' },
  ALIPAY: { zh: '支付宝', en: 'Alipay' },
  CHANNEL: { zh: '第三方渠道', en: 'Third-party channel' },
};

export const PAYMENT_STATES: Labels = {
  PENDING: { zh: '待支付', en: 'Awaiting payment' },
  PAID: { zh: '已支付', en: 'Paid' },
  CLOSED: { zh: '已关闭', en: 'Closed' },
};

export const PAYOUT_STATES: Labels = {
  PENDING: { zh: '待发起', en: 'Not yet sent' },
  PROCESSING: { zh: '处理中', en: 'Processing' },
  SUCCESS: { zh: '已到账', en: 'Arrived' },
  ABNORMAL: { zh: '退款异常', en: 'Refund failed' },
  CLOSED: { zh: '已关闭', en: 'Closed' },
};

export const PAYOUT_PURPOSES: Labels = {
  LATE_PAYMENT: { zh: '超时支付退回', en: 'Late payment returned' },
  REFUND: { zh: '退款', en: 'Refund' },
};

/** Payment providers: the real gateways and their sandboxes. */
export const PROVIDERS: Labels = {
  wechat: { zh: '微信支付', en: 'WeChat Pay' },
  alipay: { zh: '支付宝', en: 'Alipay' },
  'sandbox-wechat': { zh: '微信支付（沙箱）', en: 'WeChat Pay (sandbox)' },
  'sandbox-alipay': { zh: '支付宝（沙箱）', en: 'Alipay (sandbox)' },
  balance: { zh: '平台余额', en: 'Platform balance' },
  BALANCE: { zh: '平台余额', en: 'Platform balance' },
};

export const KEY_STATES: Labels = {
  AVAILABLE: { zh: '在库', en: 'In stock' },
  RESERVED: { zh: '已预留', en: 'Reserved' },
  SEALED: { zh: '未拆封', en: 'Sealed' },
  REVEALED: { zh: '已拆封', en: 'Revealed' },
  ACTIVATED: { zh: '已激活', en: 'Activated' },
  VOIDED: { zh: '已作废', en: 'Voided' },
  INVALID: { zh: '无效', en: 'Invalid' },
};

export const KEY_EVENTS: Labels = {
  IMPORTED: { zh: '导入入库', en: 'Imported' },
  RESERVED: { zh: '下单预留', en: 'Reserved for an order' },
  RELEASED: { zh: '释放预留', en: 'Reservation released' },
  DELIVERED: { zh: '发货（未拆封）', en: 'Delivered (sealed)' },
  REVEALED: { zh: '查看卡密（拆封）', en: 'Revealed (unsealed)' },
  ACTIVATED: { zh: '激活', en: 'Activated' },
  VOIDED: { zh: '作废', en: 'Voided' },
  RETURNED: { zh: '退回库存', en: 'Returned to stock' },
  INVALIDATED: { zh: '标记无效', en: 'Marked invalid' },
  REPLACED: { zh: '补发替换', en: 'Replacement delivered' },
  BREAK_GLASS_REVEAL: { zh: '紧急调阅（已审计）', en: 'Break-glass reveal (audited)' },
};

/**
 * Who acted. Jobs, gateways and channels are the platform, never the buyer: `system:payouts`
 * and friends read as 系统 (see actorLabel).
 */
export const ACTORS: Labels = {
  buyer: { zh: '买家', en: 'Buyer' },
  merchant: { zh: '商家', en: 'Merchant' },
  system: { zh: '系统', en: 'System' },
  support: { zh: '平台客服', en: 'Platform support' },
  arbitrator: { zh: '仲裁员', en: 'Arbitrator' },
  admin: { zh: '平台管理员', en: 'Administrator' },
  issuer: { zh: '发行方', en: 'Issuer' },
  channel: { zh: '渠道', en: 'Channel' },
  gateway: { zh: '支付渠道', en: 'Payment gateway' },
};

/** An actor label (`buyer`, `system:payouts`, `gateway:wechat` …) in words. */
export function actorLabel(actor: string | null | undefined, lang: Lang): string {
  if (!actor) return '';
  const role = actor.split(':')[0] ?? actor;
  return label(ACTORS, role, lang);
}

export const REFUND_SCOPES: Labels = {
  FULL: { zh: '整单', en: 'Whole order' },
  PARTIAL: { zh: '部分', en: 'Part' },
};

/** Why a buyer asks for a refund (spec §7). after-sales adds which side each one falls on. */
export const REFUND_REASON_LABELS = {
  MISTAKEN_PURCHASE: { zh: '误拍/错拍', en: 'Bought by mistake' },
  NO_LONGER_NEEDED: { zh: '需求变更', en: 'No longer needed' },
  DUPLICATE_ORDER: { zh: '重复下单', en: 'Duplicate order' },
  NOT_AS_DESCRIBED: { zh: '描述不符', en: 'Not as described' },
  DEFECTIVE: { zh: '卡密无效/质量问题', en: 'Invalid key / quality problem' },
  ACTIVATED_BEFORE_DELIVERY: { zh: '发货前已激活', en: 'Activated before delivery' },
  NOT_DELIVERED: { zh: '未发货', en: 'Not delivered' },
  OTHER: { zh: '其他', en: 'Other' },
} as const satisfies Labels;

export const REQUEST_STATES: Labels = {
  PENDING_REVIEW: { zh: '待商家审核', en: 'Awaiting merchant review' },
  SUPPORT_REVIEW: { zh: '平台客服审核中', en: 'With platform support' },
  AWAITING_BUYER: { zh: '待补充材料', en: 'More material needed' },
  APPROVED: { zh: '已同意', en: 'Approved' },
  REFUNDING: { zh: '退款中', en: 'Refunding' },
  REFUNDED: { zh: '已退款', en: 'Refunded' },
  REFUND_ABNORMAL: { zh: '退款异常', en: 'Refund failed' },
  REJECTED: { zh: '已拒绝', en: 'Rejected' },
  DISPUTED: { zh: '平台仲裁中', en: 'In arbitration' },
  CANCELLED: { zh: '已撤销', en: 'Withdrawn' },
  CLOSED: { zh: '已关闭', en: 'Closed' },
};

/** Rejection reason codes a reviewer chooses from (spec §7 step 4). */
export const REJECT_CODE_LABELS = {
  ACTIVATED: { zh: '商品已激活', en: 'Already activated' },
  LATE: { zh: '超时未申请', en: 'Applied too late' },
  EVIDENCE_INVALID: { zh: '证据无效', en: 'Evidence not valid' },
  NOT_MERCHANT_FAULT: { zh: '非商家责任', en: 'Not the merchant’s fault' },
  NON_REFUNDABLE_DISCLOSED: { zh: '已明示不退不换', en: 'Disclosed as non-refundable' },
  OTHER: { zh: '其他', en: 'Other' },
} as const satisfies Labels;

/** How a request was decided: approvals, automatic and arbitrated outcomes, then rejections. */
export const DECISION_CODES: Labels = {
  APPROVED: { zh: '同意退款', en: 'Refund approved' },
  AUTO_SEALED_ELIGIBLE: {
    zh: '未拆封且符合条件，系统自动同意',
    en: 'Sealed and eligible: approved automatically',
  },
  AUTO_REVIEW_TIMEOUT: {
    zh: '商家超时未处理，系统自动同意',
    en: 'The merchant did not review in time: approved automatically',
  },
  ARBITRATION_BUYER: {
    zh: '平台仲裁支持买家，退款',
    en: 'Platform arbitration found for the buyer: refunded',
  },
  ARBITRATION_MERCHANT: {
    zh: '平台仲裁支持商家，不退款',
    en: 'Platform arbitration found for the merchant: no refund',
  },
  CHANNEL_REFUSED: { zh: '渠道拒绝退款', en: 'Refused by the channel' },
  ...REJECT_CODE_LABELS,
};

/**
 * A payout's destination as the gateway words it (微信零钱, 招商银行储蓄卡(尾号1234), 平台余额) in
 * `lang`: Chinese stays as it is; English names the wallet or the card's bank and last digits.
 */
const BANKS: Record<string, string> = {
  招商银行: 'China Merchants Bank',
  工商银行: 'ICBC',
  中国工商银行: 'ICBC',
  农业银行: 'Agricultural Bank of China',
  中国农业银行: 'Agricultural Bank of China',
  建设银行: 'China Construction Bank',
  中国建设银行: 'China Construction Bank',
  中国银行: 'Bank of China',
  交通银行: 'Bank of Communications',
  邮储银行: 'Postal Savings Bank of China',
  中国邮政储蓄银行: 'Postal Savings Bank of China',
};
const WALLETS: Record<string, string> = {
  平台余额: 'Platform balance',
  余额: 'Platform balance',
  微信零钱: 'WeChat Change (wallet)',
  零钱: 'WeChat Change (wallet)',
  支付用户零钱: 'WeChat Change (wallet)',
  支付宝余额: 'Alipay balance',
};
export function destinationLabel(destination: string | null | undefined, lang: Lang): string {
  if (!destination) return '';
  if (lang !== 'en') return destination;
  const wallet = WALLETS[destination.trim()];
  if (wallet) return wallet;
  const card = /^(.*?银行)?(储蓄卡|借记卡|信用卡)?\s*[(（]?\s*尾号\s*(\d{3,4})\s*[)）]?$/.exec(
    destination.trim(),
  );
  if (card) {
    const bank = card[1] ? (BANKS[card[1]] ?? card[1]) : 'Bank';
    const kind = card[2] === '信用卡' ? 'credit card' : card[2] ? 'debit card' : 'card';
    return `${bank} ${kind} ending ${card[3]}`;
  }
  return destination;
}
