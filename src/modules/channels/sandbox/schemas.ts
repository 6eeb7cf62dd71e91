/** The sandbox channel pages' response shapes (zod) and the view → JSON conversions. */
import { z } from 'zod';
import type { BuyerProfile } from './profiles.js';
import type {
  SandboxItemView,
  SandboxMessageView,
  SandboxOrderView,
  SandboxRefundView,
  SandboxShopView,
} from './views.js';

const messages = z.object({ 'zh-CN': z.string(), en: z.string() });
const iso = z.string().describe('ISO 8601');
const isoOrNull = iso.nullable();
const t = (d: Date): string => d.toISOString();
const tn = (d: Date | null): string | null => (d === null ? null : d.toISOString());

export const channelSchema = z.enum(['TAOBAO', 'PDD', 'XIANYU']);

export const settingsSchema = z.object({
  down: z
    .boolean()
    .describe('Every API call fails with the channel’s "service unavailable"; no message goes out'),
  pushDelaySeconds: z.number().int().describe('Added before the first delivery of every message'),
  sellerAnswerSeconds: z
    .number()
    .int()
    .describe('An unanswered refund is agreed by the channel after this (TIMEOUT)'),
  buyerResponseSeconds: z
    .number()
    .int()
    .describe('After a refusal the buyer has this long to act; then the refund closes'),
  autoConfirmSeconds: z
    .number()
    .int()
    .describe('A shipped order is confirmed received by the channel after this'),
});

export const settingsInput = z.strictObject({
  down: z.boolean().optional(),
  pushDelaySeconds: z.number().int().min(0).max(86_400).optional(),
  sellerAnswerSeconds: z
    .number()
    .int()
    .min(1)
    .max(30 * 86_400)
    .optional(),
  buyerResponseSeconds: z
    .number()
    .int()
    .min(1)
    .max(30 * 86_400)
    .optional(),
  autoConfirmSeconds: z
    .number()
    .int()
    .min(1)
    .max(30 * 86_400)
    .optional(),
});

export const shopSchema = z.object({
  id: z.string(),
  channel: channelSchema,
  name: z.string(),
  sellerId: z.string().describe('Taobao user_id / PDD mall_id / 闲管家 authorize_id'),
  appKey: z.string(),
  notifyUrl: z.string().nullable(),
  subscribedAt: isoOrNull,
  settings: settingsSchema,
  createdAt: iso,
});

export const credentialsSchema = z.object({
  appKey: z.string(),
  appSecret: z.string(),
  sessionKey: z.string().nullable().describe('Taobao session key / PDD access_token; 闲鱼 has none'),
});

export const itemSchema = z.object({
  id: z.string(),
  shopId: z.string(),
  title: z.string(),
  priceFen: z.number().int(),
  createdAt: iso,
});

export const refundSchema = z.object({
  id: z.string(),
  orderId: z.string(),
  quantity: z.number().int(),
  amountFen: z.number().int(),
  reason: z.string(),
  state: z.enum(['WAIT_SELLER', 'REFUSED', 'AGREED', 'SUCCESS', 'CLOSED']),
  rawStatus: z.string().describe('The channel’s own status words'),
  intervention: z.enum(['NONE', 'APPLIED', 'DECIDED']),
  phase: z.enum(['ONSALE', 'AFTERSALE']).nullable(),
  decidedBy: z.enum(['SELLER', 'CHANNEL', 'BUYER', 'TIMEOUT']).nullable(),
  sellerMessage: z.string().nullable(),
  checkState: z.enum(['NONE', 'PENDING', 'REFUNDABLE', 'NOT_REFUNDABLE', 'FAILED']).describe('闲鱼 二次校验'),
  checkMessage: z.string().nullable(),
  dueAt: isoOrNull,
  createdAt: iso,
  modifiedAt: iso,
  finishedAt: isoOrNull,
});

export const orderSchema = z.object({
  id: z.string(),
  shopId: z.string(),
  channel: channelSchema,
  itemId: z.string(),
  title: z.string(),
  quantity: z.number().int(),
  unitPriceFen: z.number().int(),
  totalFen: z.number().int(),
  buyerNick: z.string(),
  profile: z.string(),
  state: z.enum(['PAID', 'SHIPPED', 'FINISHED', 'CLOSED']),
  rawStatus: z.string(),
  refundedQuantity: z.number().int(),
  closeReason: z.string().nullable(),
  paidAt: iso,
  shippedAt: isoOrNull,
  finishedAt: isoOrNull,
  closedAt: isoOrNull,
  autoFinishAt: isoOrNull,
  delivery: z
    .object({
      ok: z.boolean(),
      message: z.string().nullable().describe('What the buyer was sent: the lookup link and code'),
      failReason: z.string().nullable(),
      outId: z.string().nullable(),
      at: isoOrNull,
    })
    .nullable(),
  modifiedAt: iso,
  refunds: z.array(refundSchema),
});

export const messageSchema = z.object({
  id: z.string(),
  shopId: z.string(),
  kind: z.enum(['PUSH', 'TMC', 'CHECK']),
  topic: z.string(),
  targetType: z.enum(['ORDER', 'REFUND']),
  targetId: z.string(),
  orderId: z.string(),
  state: z.enum(['PENDING', 'DELIVERED', 'CONFIRMED', 'GAVE_UP', 'LOST']),
  attempts: z.number().int(),
  copyOf: z.string().nullable().describe('The message this one duplicates (duplicate profile)'),
  nextAttemptAt: iso,
  lastStatus: z.number().int().nullable(),
  lastReply: z.string().nullable(),
  createdAt: iso,
  deliveredAt: isoOrNull,
  payload: z.string(),
});

export const profileSchema = z.object({ id: z.string(), name: messages, notes: messages });

export const shopJson = (s: SandboxShopView): z.infer<typeof shopSchema> => ({
  id: s.id,
  channel: s.channel,
  name: s.name,
  sellerId: s.sellerId,
  appKey: s.appKey,
  notifyUrl: s.notifyUrl,
  subscribedAt: tn(s.subscribedAt),
  settings: s.settings,
  createdAt: t(s.createdAt),
});

export const itemJson = (i: SandboxItemView): z.infer<typeof itemSchema> => ({
  ...i,
  createdAt: t(i.createdAt),
});

export const refundJson = (r: SandboxRefundView): z.infer<typeof refundSchema> => ({
  ...r,
  dueAt: tn(r.dueAt),
  createdAt: t(r.createdAt),
  modifiedAt: t(r.modifiedAt),
  finishedAt: tn(r.finishedAt),
});

export const orderJson = (o: SandboxOrderView): z.infer<typeof orderSchema> => ({
  ...o,
  paidAt: t(o.paidAt),
  shippedAt: tn(o.shippedAt),
  finishedAt: tn(o.finishedAt),
  closedAt: tn(o.closedAt),
  autoFinishAt: tn(o.autoFinishAt),
  delivery: o.delivery && { ...o.delivery, at: tn(o.delivery.at) },
  modifiedAt: t(o.modifiedAt),
  refunds: o.refunds.map(refundJson),
});

export const messageJson = (m: SandboxMessageView): z.infer<typeof messageSchema> => ({
  ...m,
  nextAttemptAt: t(m.nextAttemptAt),
  createdAt: t(m.createdAt),
  deliveredAt: tn(m.deliveredAt),
});

export const profileJson = (p: BuyerProfile): z.infer<typeof profileSchema> => ({
  id: p.id,
  name: p.name,
  notes: p.notes,
});
