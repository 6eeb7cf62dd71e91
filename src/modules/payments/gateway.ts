/**
 * The payment-gateway interface. Kameng talks to WeChat Pay and Alipay only through this, so a
 * real adapter (e.g. wechatpay-node-v3 or alipay-sdk configured with merchant credentials) can
 * replace a sandbox one without touching orders or refunds. Contract, as the real services have it:
 *
 * - Kameng writes its own row first and passes its id as the idempotency key the gateway sees
 *   (`outTradeNo` for payments, `outRefundNo` for refunds). Calling again with the same key must
 *   return the same object, never create a second one.
 * - Results arrive asynchronously as signed notifications to `/api/payments/notify/:provider`;
 *   `verifyNotification` checks the signature (and decrypts, for WeChat v3) and returns the facts,
 *   or throws `payment.notification_forged`. Kameng then checks amount, currency and state itself.
 * - `queryPayment` / `queryRefund` give the gateway's current view (for reconciliation when a
 *   notification is late or lost).
 * - Amounts are integer fen, currency CNY. Times are `Date`s.
 * - A gateway that cannot be reached throws `payment.gateway_unavailable`; the caller keeps its
 *   row and retries later under the same key.
 */
export type Provider = 'sandbox-wechat' | 'sandbox-alipay';
export type GatewayMethod = 'WECHAT' | 'ALIPAY';

export interface CreatePaymentInput {
  outTradeNo: string;
  amountFen: number;
  /** Shown to the payer (order number and goods). */
  description: string;
  /** The gateway refuses payment after this (time_expire / timeout_express). */
  expiresAt: Date;
}

export interface CreatedPayment {
  /** Where the payer goes to pay (the sandbox pay page; a QR/H5 URL for real gateways). */
  payUrl: string;
}

export interface PaymentStatus {
  outTradeNo: string;
  state: 'NOTPAY' | 'SUCCESS' | 'CLOSED';
  amountFen: number;
  currency: string;
  providerTradeNo: string | null;
  paidAt: Date | null;
  /** An opaque payer reference (openid / buyer_id), never a secret. */
  payerRef: string | null;
}

export interface PaymentNotice {
  type: 'PAYMENT';
  outTradeNo: string;
  providerTradeNo: string;
  state: 'SUCCESS' | 'CLOSED' | 'NOTPAY';
  amountFen: number;
  currency: string;
  paidAt: Date | null;
  payerRef: string | null;
}

export type RefundState = 'PROCESSING' | 'SUCCESS' | 'ABNORMAL' | 'CLOSED';

export interface RefundStatus {
  outRefundNo: string;
  providerRefundId: string;
  state: RefundState;
  amountFen: number;
  /** Where the money goes back to, in words the buyer understands (零钱 / 余额 / 银行卡尾号1234). */
  destination: string;
  /** When the payer should see the money: minutes for 零钱/余额, 1–3 working days for a card. */
  expectedArrivalAt: Date | null;
  finishedAt: Date | null;
}

export interface RefundNotice extends RefundStatus {
  type: 'REFUND';
}

export interface CreateRefundInput {
  outRefundNo: string;
  outTradeNo: string;
  amountFen: number;
  /** The original payment's amount (WeChat requires it; Alipay ignores it). */
  totalFen: number;
  reason: string;
}

export interface IncomingNotification {
  headers: Record<string, string | undefined>;
  /** The body exactly as received: signatures cover the raw bytes. */
  rawBody: string;
}

export interface NotificationAck {
  status: number;
  contentType: string;
  body: string;
}

export interface PaymentGateway {
  readonly provider: Provider;
  readonly method: GatewayMethod;
  createPayment(input: CreatePaymentInput): Promise<CreatedPayment>;
  queryPayment(outTradeNo: string): Promise<PaymentStatus | null>;
  /** Closes an unpaid payment so it can no longer be paid (order expired or cancelled). */
  closePayment(outTradeNo: string): Promise<void>;
  verifyNotification(input: IncomingNotification): PaymentNotice | RefundNotice;
  /** The reply the gateway expects: WeChat wants 200/204 with JSON, Alipay the text `success`. */
  ack(ok: boolean): NotificationAck;
  createRefund(input: CreateRefundInput): Promise<RefundStatus>;
  queryRefund(outRefundNo: string): Promise<RefundStatus | null>;
}
