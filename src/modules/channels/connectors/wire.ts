/**
 * The JSON shapes the three channels answer and push, as zod schemas: the connectors parse what
 * arrives with them (anything else is `channel.bad_response` or a forged push) and the sandbox
 * writes its answers to the same types. Field names follow the real services where they are
 * public (TOP Trade/Refund, PDD order and `pdd.refund.list.increment.get`, 闲管家 order list);
 * where a real ERP would make a second call for a detail (TOP's TMC content is short; the
 * negotiation history says who decided), the sandbox puts the field in the object itself and it
 * is marked "sandbox" below.
 */
import { z } from 'zod';

const digits = z.string().regex(/^\d{1,32}$/);
const yuanText = z.union([z.string(), z.number()]);

// ---- Taobao (TOP) ---------------------------------------------------------------------------

export const TOP_TRADE_STATUSES = [
  'WAIT_SELLER_SEND_GOODS',
  'WAIT_BUYER_CONFIRM_GOODS',
  'TRADE_FINISHED',
  'TRADE_CLOSED',
] as const;
export const TOP_REFUND_STATUSES = ['WAIT_SELLER_AGREE', 'SELLER_REFUSE_BUYER', 'CLOSED', 'SUCCESS'] as const;

export const topOrderSchema = z.looseObject({
  oid: digits,
  num_iid: digits,
  title: z.string(),
  num: z.number().int().positive(),
  price: yuanText,
});

export const topTradeSchema = z.looseObject({
  tid: digits,
  status: z.string(),
  buyer_nick: z.string(),
  /** The buyer's stable open id (Taobao masks nicks; ERPs key buyers on this). */
  buyer_open_uid: z.string(),
  payment: yuanText,
  pay_time: z.string().nullable(),
  modified: z.string(),
  orders: z.looseObject({ order: z.array(topOrderSchema) }),
});
export type TopTrade = z.infer<typeof topTradeSchema>;

export const topRefundSchema = z.looseObject({
  refund_id: digits,
  tid: digits,
  oid: digits,
  status: z.string(),
  /** 1 不需客服介入, 2 需要客服介入, 3 客服已经介入, 4 初审完成, 5 复审失败, 6 客服处理完成. */
  cs_status: z.number().int(),
  refund_phase: z.enum(['onsale', 'aftersale']),
  refund_fee: yuanText,
  num: z.number().int().positive(),
  reason: z.string(),
  refund_version: z.number().int(),
  created: z.string(),
  modified: z.string(),
  /** sandbox: who decided (the real service shows it in the negotiation history). */
  decided_by: z.enum(['SELLER', 'CHANNEL', 'BUYER', 'TIMEOUT']).nullable(),
});
export type TopRefund = z.infer<typeof topRefundSchema>;

export const tmcMessageSchema = z.looseObject({
  id: digits,
  topic: z.string(),
  /** The message body as a JSON string, as TMC delivers it. */
  content: z.string(),
  pub_time: z.string(),
  user_id: z.string(),
  user_nick: z.string(),
});
export type TmcMessage = z.infer<typeof tmcMessageSchema>;

export const topErrorSchema = z.looseObject({
  code: z.number(),
  msg: z.string(),
  sub_code: z.string().optional(),
  sub_msg: z.string().optional(),
});
export type TopError = z.infer<typeof topErrorSchema>;

// ---- Pinduoduo ------------------------------------------------------------------------------

/**
 * after_sales_status (pdd.refund.list.increment.get): 2 买家申请退款，待商家处理; 4 商家同意退款，
 * 退款中; 5 平台同意退款，退款中; 6 驳回退款，待买家处理; 8 平台处理中; 9 平台拒绝退款，退款关闭;
 * 10 退款成功; 11 买家撤销; 12 买家逾期未处理，退款失败.
 */
export const PDD_AFTER_SALES_LABELS: Readonly<Record<number, string>> = {
  2: '买家申请退款，待商家处理',
  4: '商家同意退款，退款中',
  5: '平台同意退款，退款中',
  6: '驳回退款，待买家处理',
  8: '平台处理中',
  9: '平台拒绝退款，退款关闭',
  10: '退款成功',
  11: '买家撤销',
  12: '买家逾期未处理，退款失败',
};

export const pddOrderSchema = z.looseObject({
  order_sn: z.string().min(1),
  /** 1 待发货, 2 已发货待签收, 3 已签收. */
  order_status: z.number().int(),
  /** 1 无售后或售后关闭, 2 售后处理中, 3 退款中, 4 退款成功. */
  refund_status: z.number().int(),
  pay_amount: yuanText,
  confirm_time: z.string().nullable(),
  updated_at: z.string(),
  /** sandbox: PDD shows no buyer; a stable opaque id stands in for one. */
  buyer_open_id: z.string(),
  item_list: z.array(
    z.looseObject({
      goods_id: digits,
      goods_name: z.string(),
      goods_count: z.number().int().positive(),
      goods_price: yuanText,
    }),
  ),
});
export type PddOrder = z.infer<typeof pddOrderSchema>;

export const pddRefundSchema = z.looseObject({
  id: digits,
  order_sn: z.string().min(1),
  after_sales_status: z.number().int(),
  after_sales_type: z.number().int(),
  refund_amount: yuanText,
  goods_number: z.union([z.string(), z.number()]),
  after_sale_reason: z.string(),
  created_time: z.string(),
  updated_time: z.string(),
  /** sandbox: who decided. */
  decided_by: z.enum(['SELLER', 'CHANNEL', 'BUYER', 'TIMEOUT']).nullable(),
});
export type PddRefund = z.infer<typeof pddRefundSchema>;

/** A PDD message pushed to Kameng's notify URL; `content` is the order or refund as JSON text. */
export const pddPushSchema = z.looseObject({
  client_id: z.string(),
  mall_id: z.string(),
  type: z.string(),
  timestamp: z.string(),
  content: z.string(),
  sign: z.string(),
});
export type PddPush = z.infer<typeof pddPushSchema>;

export const pddErrorSchema = z.looseObject({ error_code: z.number(), error_msg: z.string() });

// ---- 闲鱼 (闲管家) --------------------------------------------------------------------------

/** order_status: 12 待发货, 21 已发货, 22 已完成, 23 已退款, 24 已关闭. */
export const XIANYU_ORDER_LABELS: Readonly<Record<number, string>> = {
  12: '待发货',
  21: '已发货',
  22: '已完成',
  23: '已退款',
  24: '已关闭',
};
/** refund_status: 1 待商家处理, 4 退款关闭, 5 退款成功, 6 已拒绝. */
export const XIANYU_REFUND_LABELS: Readonly<Record<number, string>> = {
  1: '待商家处理',
  4: '退款关闭',
  5: '退款成功',
  6: '已拒绝',
};

export const xianyuRefundSchema = z.looseObject({
  refund_no: z.string().min(1),
  order_no: z.string().min(1),
  refund_status: z.number().int(),
  refund_num: z.number().int().positive(),
  refund_amount: z.number().int().positive(),
  reason: z.string(),
  /** The buyer asked the platform to step in (平台介入) and it has not decided yet. */
  platform_intervene: z.boolean(),
  apply_time: z.number().int(),
  update_time: z.number().int(),
  /** sandbox: who decided. */
  decided_by: z.enum(['SELLER', 'CHANNEL', 'BUYER', 'TIMEOUT']).nullable(),
});
export type XianyuRefund = z.infer<typeof xianyuRefundSchema>;

export const xianyuOrderSchema = z.looseObject({
  order_no: z.string().min(1),
  order_status: z.number().int(),
  item_id: digits,
  item_title: z.string(),
  item_price: z.number().int().positive(),
  quantity: z.number().int().positive(),
  total_amount: z.number().int().positive(),
  buyer_eid: z.string(),
  pay_time: z.number().int().nullable(),
  update_time: z.number().int(),
  refunds: z.array(xianyuRefundSchema),
});
export type XianyuOrder = z.infer<typeof xianyuOrderSchema>;

/** A 闲管家 push: an order or a refund changed. */
export const xianyuPushSchema = z.discriminatedUnion('notify_type', [
  z.looseObject({ notify_type: z.literal('order'), authorize_id: z.string(), data: xianyuOrderSchema }),
  z.looseObject({ notify_type: z.literal('refund'), authorize_id: z.string(), data: xianyuRefundSchema }),
]);
export type XianyuPush = z.infer<typeof xianyuPushSchema>;

/** 闲鱼's 二次校验: before agreeing a refund, the platform asks the supplier to void the codes. */
export const xianyuCheckSchema = z.looseObject({
  authorize_id: z.string(),
  refund_no: z.string().min(1),
  order_no: z.string().min(1),
  refund_num: z.number().int().positive(),
  refund_amount: z.number().int().positive(),
  reason: z.string(),
  apply_time: z.number().int(),
});
export type XianyuCheck = z.infer<typeof xianyuCheckSchema>;

export const xianyuCheckReplySchema = z.looseObject({
  code: z.number(),
  msg: z.string(),
  data: z.looseObject({ refundable: z.boolean(), message: z.string() }).optional(),
});

/** The envelope of every 闲管家 answer: code 0 is success. */
export const xianyuEnvelopeSchema = z.looseObject({ code: z.number(), msg: z.string(), data: z.unknown() });

/** Header names the sandbox 闲管家 uses for its push signature (the real one puts them in the query). */
export const XIANYU_PUSH_HEADERS = {
  appid: 'x-xgj-appid',
  timestamp: 'x-xgj-timestamp',
  sign: 'x-xgj-sign',
} as const;
