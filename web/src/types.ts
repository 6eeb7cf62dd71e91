// Mirrors the server's response schemas (the OpenAPI document at /api/openapi.json is authoritative).

export type Lang = 'zh-CN' | 'en';
export type Role = 'buyer' | 'merchant' | 'support' | 'arbitrator' | 'admin';
export type MemberLevel = 'REGULAR' | 'VIP' | 'SUPER';
export const MEMBER_LEVELS: readonly MemberLevel[] = ['REGULAR', 'VIP', 'SUPER'];
export type ProductType = 'CARD_KEY' | 'LICENSE_KEY' | 'ACCOUNT' | 'ENTITLEMENT';
export const PRODUCT_TYPES: readonly ProductType[] = ['CARD_KEY', 'LICENSE_KEY', 'ACCOUNT', 'ENTITLEMENT'];
export type ProductStatus = 'DRAFT' | 'ON_SALE' | 'OFF_SALE';
export type BadgeTone = 'success' | 'warning' | 'error' | 'info';

/** Localised message pair as sent in problem+json. */
export interface Messages {
  'zh-CN': string;
  en: string;
}

export interface User {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  memberLevel: MemberLevel;
  merchantId: string | null;
}

export interface AuthResponse {
  user: User;
  csrfToken: string;
}

export interface Badge {
  code: string;
  zh: string;
  en: string;
  tone: BadgeTone;
}

export interface RenderedPolicyLang {
  text: string;
  badges: Badge[];
}

export interface RenderedPolicy {
  zh: RenderedPolicyLang;
  en: RenderedPolicyLang;
}

export interface PolicyInput {
  unactivatedRefund: boolean;
  /** 24..72 when unactivatedRefund, else null. */
  windowHours: number | null;
  noReasonRefund: boolean;
  revealedRefund: boolean;
  nonRefundable: boolean;
  nonRefundableText: string | null;
}

export interface Policy extends PolicyInput {
  id: string;
  productId: string;
  version: number;
  textHash: string;
  createdAt: string;
  rendered: RenderedPolicy;
}

export interface Price {
  level: MemberLevel;
  priceFen: number;
  maxQtyPerOrder: number;
}

export interface Merchant {
  id: string;
  name: string;
  description: string;
  commitments: { review24h: boolean };
  badges: Badge[];
  version: number;
}

export interface Product {
  id: string;
  merchant: Merchant;
  type: ProductType;
  name: string;
  description: string;
  faceValueFen: number;
  /** null = 长期有效 (no expiry). */
  validityDays: number | null;
  status: ProductStatus;
  version: number;
  prices: Price[];
  viewerPrice: Price;
  policy: Policy;
  badges: Badge[];
  createdAt: string;
  updatedAt: string;
}

export interface ItemList<T> {
  items: T[];
}

export type LevelPrices = Record<MemberLevel, number>;

export interface CreateProductInput {
  type: ProductType;
  name: string;
  description: string;
  faceValueFen: number;
  validityDays: number | null;
  prices: LevelPrices;
  policy: PolicyInput;
}

export interface UpdateProductInput {
  version: number;
  name?: string;
  description?: string;
  faceValueFen?: number;
  validityDays?: number | null;
  prices?: LevelPrices;
}

export interface MerchantProfile extends Merchant {
  depositFen: number;
  creditScore: number;
}

export interface ProfileInput {
  version: number;
  name?: string;
  description?: string;
  commitments?: { review24h: boolean };
}

export interface ProblemFieldError {
  field: string;
  code: string;
  messages: Messages;
}

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  code?: string;
  detail?: string;
  messages?: Messages;
  field?: string;
  errors?: ProblemFieldError[];
  /** Extra machine-readable context, e.g. the new policy of `order.policy_changed`. */
  data?: Record<string, unknown>;
}

// ---- keys (卡密): import batches, stock, key lifecycle, the buyer's units ----

export type KeyState = 'AVAILABLE' | 'RESERVED' | 'SEALED' | 'REVEALED' | 'ACTIVATED' | 'VOIDED' | 'INVALID';
export const KEY_STATES: readonly KeyState[] = [
  'AVAILABLE',
  'RESERVED',
  'SEALED',
  'REVEALED',
  'ACTIVATED',
  'VOIDED',
  'INVALID',
];
export type ImportFormat = 'auto' | 'text' | 'csv';
export const IMPORT_FORMATS: readonly ImportFormat[] = ['auto', 'text', 'csv'];
export type BatchStatus = 'RUNNING' | 'COMPLETED' | 'FAILED' | 'INTERRUPTED';
export type BatchSource = 'API' | 'CLI';

export interface ImportReject {
  lineNo: number;
  /** Reject code, e.g. DUPLICATE_IN_BATCH; `messages` is the server's wording of it. */
  reason: string;
  messages?: Messages | null;
}

export interface ImportBatch {
  id: string;
  productId: string;
  status: BatchStatus;
  source: BatchSource;
  fileName: string | null;
  format: ImportFormat;
  bytesTotal: number;
  bytesRead: number;
  linesRead: number;
  imported: number;
  duplicates: number;
  rejected: number;
  error: { code: string; messages: Messages } | null;
  createdAt: string;
  finishedAt: string | null;
  rejects: ImportReject[];
  rejectsTruncated: boolean;
}

export interface StockItem {
  productId: string;
  available: number;
  reserved: number;
  sold: number;
  invalid: number;
  voided: number;
  activatedUnsold: number;
  /** null = no low-stock warning. */
  lowStockThreshold: number | null;
  lowStock: boolean;
}

/** A key as its merchant sees it: never the secret. */
export interface KeyRow {
  id: string;
  state: KeyState;
  serialMasked: string;
  createdAt: string;
  deliveredAt: string | null;
  firstRevealedAt: string | null;
  activatedAt: string | null;
  activatedBeforeDelivery: boolean;
}

export type KeyEventKind =
  | 'IMPORTED'
  | 'RESERVED'
  | 'RELEASED'
  | 'DELIVERED'
  | 'REVEALED'
  | 'ACTIVATED'
  | 'VOIDED'
  | 'RETURNED'
  | 'INVALIDATED'
  | 'REPLACED'
  | 'BREAK_GLASS_REVEAL';
export const KEY_EVENT_KINDS: readonly KeyEventKind[] = [
  'IMPORTED',
  'RESERVED',
  'RELEASED',
  'DELIVERED',
  'REVEALED',
  'ACTIVATED',
  'VOIDED',
  'RETURNED',
  'INVALIDATED',
  'REPLACED',
  'BREAK_GLASS_REVEAL',
];

export interface KeyEvent {
  at: string;
  kind: KeyEventKind;
  actor: string;
  ip?: string;
  userAgent?: string;
  detail?: string;
}

export interface KeyTimeline {
  key: {
    id: string;
    productId: string;
    state: KeyState;
    serialMasked: string;
    activatedBeforeDelivery: boolean;
    partiallyUsed: boolean;
  };
  events: KeyEvent[];
}

/** The refund terms a unit was bought under. */
export interface UnitPolicy {
  unactivatedRefund: boolean;
  windowHours: number | null;
  revealedRefund: boolean;
  nonRefundable: boolean;
  version: number;
}

/** One delivered key of the logged-in buyer. */
export interface Unit {
  unitId: string;
  productId: string;
  productName: string;
  productType: ProductType;
  state: KeyState;
  serialMasked: string;
  deliveredAt: string | null;
  firstRevealedAt: string | null;
  activatedAt: string | null;
  reveals: number;
  policy: UnitPolicy;
}

/** Held in component state only: never cached, never stored. */
export interface RevealResult {
  unitId: string;
  serial: string | null;
  secret: string;
  firstReveal: boolean;
  revealedAt: string;
}

// ---- orders, payments, wallet, membership (Stage 3) ----

export type OrderKind = 'GOODS' | 'MEMBERSHIP' | 'TOPUP';
export const ORDER_KINDS: readonly OrderKind[] = ['GOODS', 'MEMBERSHIP', 'TOPUP'];
export type OrderState = 'PENDING_PAYMENT' | 'DELIVERED' | 'EXPIRED' | 'CANCELLED' | 'REFUNDED';
export const ORDER_STATES: readonly OrderState[] = [
  'PENDING_PAYMENT',
  'DELIVERED',
  'EXPIRED',
  'CANCELLED',
  'REFUNDED',
];
export type PaymentMethod = 'BALANCE' | 'WECHAT' | 'ALIPAY' | 'CHANNEL';
/** What a buyer can choose at checkout. */
export type CheckoutMethod = Exclude<PaymentMethod, 'CHANNEL'>;
/** Gateways for top-ups. */
export type GatewayMethod = 'WECHAT' | 'ALIPAY';
export type PaidLevel = Exclude<MemberLevel, 'REGULAR'>;

export interface OrderSummary {
  id: string;
  orderNo: string;
  kind: OrderKind;
  state: OrderState;
  productId: string | null;
  productName: string | null;
  merchantId: string | null;
  quantity: number;
  unitPriceFen: number;
  totalFen: number;
  buyerLevel: MemberLevel;
  memberPrice: boolean;
  membershipLevel: PaidLevel | null;
  paymentMethod: PaymentMethod;
  expiresAt: string | null;
  paidAt: string | null;
  deliveredAt: string | null;
  settleAfter: string | null;
  settledAt: string | null;
  createdAt: string;
  version: number;
}

export interface OrderPage {
  items: OrderSummary[];
  nextCursor: string | null;
}

export interface OrderSnapshot {
  productType: ProductType;
  faceValueFen: number;
  validityDays: number | null;
  policyVersion: number;
  policyTextHash: string;
  policyConfirmedAt: string;
  policy: Policy;
}

export type PaymentState = 'PENDING' | 'PAID' | 'CLOSED';

export interface OrderPayment {
  id: string;
  method: PaymentMethod;
  provider: string;
  amountFen: number;
  state: PaymentState;
  /** Only while PENDING; relative (`/sandbox/pay/<id>`) unless the server has a public URL. */
  payUrl: string | null;
  providerTradeNo: string | null;
  paidAt: string | null;
}

export type PayoutPurpose = 'LATE_PAYMENT' | 'REFUND';
export type PayoutState = 'PENDING' | 'PROCESSING' | 'SUCCESS' | 'ABNORMAL' | 'CLOSED';

export interface OrderPayout {
  id: string;
  purpose: PayoutPurpose;
  provider: string;
  amountFen: number;
  state: PayoutState;
  destination: string | null;
  expectedArrivalAt: string | null;
  finishedAt: string | null;
  createdAt: string;
}

export interface OrderUnitEvent {
  at: string;
  /** A KeyEventKind, as a plain string (the server may add kinds). */
  kind: string;
  actor: string;
}

export interface OrderUnit {
  unitId: string;
  keyState: KeyState | null;
  serialMasked: string | null;
  deliveredAt: string | null;
  firstRevealedAt: string | null;
  activatedAt: string | null;
  voidedAt: string | null;
  events: OrderUnitEvent[];
}

export interface OrderTimelineEntry {
  at: string;
  /** Audit action, e.g. order.created, payment.paid, order.delivered. */
  action: string;
  actor: string;
}

/** What creating an order answers (201); the full detail is at `orderUrl`. */
export interface OrderCreated extends OrderSummary {
  orderUrl: string;
  payment: OrderPayment;
}

export interface OrderDetail extends OrderSummary {
  snapshot: OrderSnapshot | null;
  merchantName: string | null;
  membershipTermDays: number | null;
  commissionFen: number | null;
  payment: OrderPayment;
  payouts: OrderPayout[];
  units: OrderUnit[];
  timeline: OrderTimelineEntry[];
}

export interface CheckoutInput {
  productId: string;
  quantity: number;
  paymentMethod: CheckoutMethod;
  policyVersion: number;
  policyConfirmed: boolean;
  /** The unit price the buyer saw and confirms (fen). */
  unitPriceFen: number;
  faceValueFen: number;
  validityDays: number | null;
}

export interface OrderFilter {
  kind?: OrderKind;
  state?: OrderState;
  q?: string;
  /** ISO-8601 UTC instants. */
  from?: string;
  to?: string;
}

export interface WalletEntry {
  at: string;
  /** Ledger transaction kind: TOPUP, ORDER_PAYMENT, MEMBERSHIP_PAYMENT, PAYOUT, … */
  kind: string;
  amountFen: number;
  orderId: string | null;
  orderNo: string | null;
}

export interface Wallet {
  balanceFen: number;
  entries: WalletEntry[];
}

export interface MembershipOffer {
  level: PaidLevel;
  priceFen: number;
  termDays: number;
}

export type MembershipState = 'ACTIVE' | 'EXPIRED' | 'REFUNDED';

export interface Membership {
  id: string;
  orderId: string;
  level: PaidLevel;
  startsAt: string;
  endsAt: string;
  state: MembershipState;
  refundable: boolean;
}

export interface MerchantSettlement {
  orderId: string;
  orderNo: string;
  productName: string | null;
  amountFen: number;
  commissionFen: number;
  netFen: number;
  settledAt: string;
}

export interface MerchantFinance {
  payableFen: number;
  depositFen: number;
  escrowFen: number;
  /** Basis points: 100 = 1%. */
  commissionBp: number;
  sales: { orders: number; units: number; amountFen: number };
  settlements: MerchantSettlement[];
}

// ---- the sandbox cashier (沙箱收银台) ----

export type SandboxProvider = 'sandbox-wechat' | 'sandbox-alipay';
export type SandboxPaymentState = 'NOTPAY' | 'SUCCESS' | 'CLOSED';

export interface SandboxPayer {
  id: string;
  name: Messages;
  destination: string;
  notes: Messages;
}

export interface SandboxPayment {
  id: string;
  provider: SandboxProvider;
  method: GatewayMethod;
  outTradeNo: string;
  amountFen: number;
  description: string;
  state: SandboxPaymentState;
  /** NOTPAY and not yet expired. */
  payable: boolean;
  expiresAt: string;
  paidAt: string | null;
  payerId: string | null;
  payers: SandboxPayer[];
}

// ---- the sandbox gateways' admin switches (沙箱支付管理) ----

export type SandboxNotificationKind = 'PAYMENT' | 'REFUND';
export type SandboxNotificationState = 'PENDING' | 'DELIVERED' | 'GAVE_UP';

/** One asynchronous notification of a sandbox gateway to Kameng, with its delivery attempts. */
export interface SandboxNotification {
  id: string;
  /** 'sandbox-wechat' | 'sandbox-alipay' (a plain string in the API). */
  provider: string;
  kind: SandboxNotificationKind;
  /** out_trade_no / out_refund_no, when the target still exists. */
  reference: string | null;
  state: SandboxNotificationState;
  attempts: number;
  /** Duplicate copies still to be sent after delivery (real gateways notify more than once). */
  duplicatesLeft: number;
  lastStatus: number | null;
  nextAttemptAt: string;
  createdAt: string;
  deliveredAt: string | null;
}

// ---- after-sales (退款/售后): src/modules/aftersales/{views,review,requests,eligibility}.ts ----

/** A sentence pair as the after-sales API words it (`zh` / `en`, not the problem's `zh-CN`). */
export interface ZhEn {
  zh: string;
  en: string;
}

export type RefundReason =
  | 'MISTAKEN_PURCHASE'
  | 'NO_LONGER_NEEDED'
  | 'DUPLICATE_ORDER'
  | 'NOT_AS_DESCRIBED'
  | 'DEFECTIVE'
  | 'ACTIVATED_BEFORE_DELIVERY'
  | 'NOT_DELIVERED'
  | 'OTHER';
export const REFUND_REASONS: readonly RefundReason[] = [
  'MISTAKEN_PURCHASE',
  'NO_LONGER_NEEDED',
  'DUPLICATE_ORDER',
  'NOT_AS_DESCRIBED',
  'DEFECTIVE',
  'ACTIVATED_BEFORE_DELIVERY',
  'NOT_DELIVERED',
  'OTHER',
];
/** BUYER: personal reasons (policy and the return law); MERCHANT: the merchant's fault; REVIEW: a person decides. */
export type ReasonSide = 'BUYER' | 'MERCHANT' | 'REVIEW';
export type EligibilityCodeKind = 'BLOCK' | 'NEED' | 'PASS' | 'REVIEW';

export type RejectCode =
  'ACTIVATED' | 'LATE' | 'EVIDENCE_INVALID' | 'NOT_MERCHANT_FAULT' | 'NON_REFUNDABLE_DISCLOSED' | 'OTHER';
export const REJECT_CODES: readonly RejectCode[] = [
  'ACTIVATED',
  'LATE',
  'EVIDENCE_INVALID',
  'NOT_MERCHANT_FAULT',
  'NON_REFUNDABLE_DISCLOSED',
  'OTHER',
];

/** GET /refunds/vocabulary: titles of reasons, eligibility rule codes and rejection codes. */
export interface RefundVocabulary {
  reasons: Partial<Record<string, ZhEn & { side: ReasonSide }>>;
  codes: Partial<Record<string, ZhEn & { kind: EligibilityCodeKind; clause: boolean }>>;
  rejectCodes: Partial<Record<string, ZhEn>>;
}

export type UnitOutcome = 'ELIGIBLE' | 'NEEDS_EVIDENCE' | 'BLOCKED';

export interface UnitEligibility {
  unitId: string;
  outcome: UnitOutcome;
  eligible: boolean;
  autoApprovable: boolean;
  sealedAndEligible: boolean;
  codes: string[];
  /** One sentence per code, same order. */
  explanations: { zh: string[]; en: string[] };
}

export interface Eligibility {
  reason: string;
  units: UnitEligibility[];
  summary: {
    status: 'ALL' | 'SOME' | 'NONE';
    eligibleUnitIds: string[];
    needsEvidenceUnitIds: string[];
    blockedUnitIds: string[];
    autoApprovable: boolean;
    zh: string;
    en: string;
  };
}

export interface RefundDraftUnit {
  unitId: string;
  keyState: KeyState | null;
  serialMasked: string | null;
  refunded: boolean;
  inOpenRequest: boolean;
}

/** GET /orders/:id/refund-draft: what the 退款/售后 form starts with. */
export interface RefundDraft {
  description: string;
  units: RefundDraftUnit[];
}

export interface RefundPrecheckInput {
  unitIds?: string[];
  reason: RefundReason;
  evidenceAttached: boolean;
}

/** A reviewer hint about an uploaded file (edited, very small, blurry); `messages` has zh-CN / en. */
export interface EvidenceSignal {
  code: string;
  value?: string;
  messages: Partial<Record<string, string>>;
}

export type EvidenceFileKind = 'image' | 'pdf' | 'text';

/** One file of POST /evidence/files (201 `{ files }`). */
export interface UploadedEvidence {
  sha256: string;
  name: string;
  mime: string;
  size: number;
  kind: EvidenceFileKind;
  width?: number;
  height?: number;
  signals: EvidenceSignal[];
}

export interface EvidenceFileRef {
  sha256: string;
  name: string;
}

export interface RefundApplyInput {
  /** Absent: every unit of the order (a full refund). */
  unitIds?: string[];
  reason: RefundReason;
  description: string;
  files: EvidenceFileRef[];
}

export type RefundState =
  | 'PENDING_REVIEW'
  | 'SUPPORT_REVIEW'
  | 'AWAITING_BUYER'
  | 'APPROVED'
  | 'REFUNDING'
  | 'REFUNDED'
  | 'REFUND_ABNORMAL'
  | 'REJECTED'
  | 'DISPUTED'
  | 'CANCELLED'
  | 'CLOSED';
export const REFUND_STATES: readonly RefundState[] = [
  'PENDING_REVIEW',
  'SUPPORT_REVIEW',
  'AWAITING_BUYER',
  'APPROVED',
  'REFUNDING',
  'REFUNDED',
  'REFUND_ABNORMAL',
  'REJECTED',
  'DISPUTED',
  'CANCELLED',
  'CLOSED',
];

export interface RefundSummary {
  id: string;
  requestNo: string;
  orderId: string;
  orderNo: string;
  productName: string | null;
  scope: 'FULL' | 'PARTIAL';
  reason: string;
  reasonText: ZhEn;
  amountFen: number;
  state: RefundState;
  reviewer: 'MERCHANT' | 'SUPPORT';
  reviewDueAt: string | null;
  supplementDueAt: string | null;
  escalationDueAt: string | null;
  units: number;
  large: boolean;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface RefundDecision {
  /** APPROVED, AUTO_SEALED_ELIGIBLE, AUTO_REVIEW_TIMEOUT or a RejectCode. */
  code: string;
  /** The rejection code's title. */
  text: ZhEn | null;
  note: string | null;
  role: string | null;
  at: string | null;
  warnings: (ZhEn & { code: string })[];
}

export type EvidenceSource = 'BUYER' | 'MERCHANT' | 'SUPPORT' | 'SYSTEM';
/** FILE, or a system record: ORDER_SNAPSHOT, POLICY, KEY_TIMELINES, PAYMENT, CONVERSATION. */
export type EvidenceKind = string;

export interface RefundEvidence {
  id: string;
  submission: number;
  source: EvidenceSource;
  kind: EvidenceKind;
  sha256: string | null;
  mime: string | null;
  fileName: string | null;
  size: number | null;
  signals: EvidenceSignal[];
  /** SYSTEM records: the JSON the platform generated (see system-evidence.ts). */
  content: unknown;
  createdAt: string;
}

export interface RefundPayout {
  id: string;
  provider: string;
  amountFen: number;
  state: string;
  /** null for the merchant (where the money went is not theirs to see). */
  destination: string | null;
  expectedArrivalAt: string | null;
  finishedAt: string | null;
  createdAt: string;
}

export interface RefundTimelineEntry {
  at: string;
  /** refund.submitted, refund.<state>, refund.rerouted_to_balance, refund.payout_delayed, … */
  action: string;
  actor: string;
  data: unknown;
}

export type BuyerRefundAction =
  'SUPPLEMENT' | 'RESUBMIT' | 'CANCEL' | 'ACCEPT' | 'ESCALATE' | 'CHOOSE_BALANCE';
export type ReviewerRefundAction = 'APPROVE' | 'REJECT' | 'REQUEST_INFO';

export interface RefundDetail extends RefundSummary {
  description: string;
  submissions: number;
  maxResubmissions: number;
  deadlineWarnings: unknown[];
  /** At the latest submission; null only for malformed records. */
  eligibility: Eligibility | null;
  autoApprovable: boolean;
  infoRequest: string | null;
  decision: RefundDecision | null;
  unitIds: string[];
  evidence: RefundEvidence[];
  payouts: RefundPayout[];
  timeline: RefundTimelineEntry[];
  /** What the viewer may do now (buyer actions, or the reviewer's, plus CHOOSE_BALANCE for support). */
  actions: string[];
}

export interface RefundFilter {
  queue?: 'open' | 'support';
  state?: RefundState;
  orderId?: string;
  limit?: number;
}

export type DecisionInput =
  | {
      action: 'APPROVE';
      version: number;
      note?: string;
      confirmLarge?: boolean;
      acknowledgeWarnings?: boolean;
    }
  | { action: 'REJECT'; version: number; code: RejectCode; note?: string; acknowledgeWarnings?: boolean }
  | { action: 'REQUEST_INFO'; version: number; note: string };

export type BuyerActionInput =
  | { action: 'SUPPLEMENT'; version: number; note: string; files: EvidenceFileRef[] }
  | { action: 'RESUBMIT'; version: number; description: string; files: EvidenceFileRef[] }
  | { action: 'CANCEL'; version: number }
  | { action: 'ACCEPT'; version: number }
  | { action: 'ESCALATE'; version: number; note?: string }
  | { action: 'CHOOSE_BALANCE'; version: number };

/** GET /support/alerts. */
export interface SupportAlert {
  id: string;
  /** PAYOUT_ABNORMAL, PAYOUT_DELAYED, REVIEW_OVERDUE. */
  kind: string;
  objectType: string;
  objectId: string;
  requestId: string | null;
  createdAt: string;
  resolvedAt: string | null;
}

// ---- order conversations (沟通记录) and notifications: src/modules/{conversations,notifications} ----

/** Who someone is in an order's conversation. */
export type ConversationParty = 'buyer' | 'merchant' | 'support';

/** One message of GET /orders/:id/messages (append-only: never edited or deleted). */
export interface ConversationMessage {
  id: string;
  orderId: string;
  senderId: string;
  senderRole: ConversationParty;
  senderName: string;
  /** Sent by the viewer. */
  mine: boolean;
  body: string;
  file: { sha256: string; mime: string; name: string; signals: EvidenceSignal[] } | null;
  createdAt: string;
  /** Each other party of the conversation, and whether it has read this message. */
  readBy: { party: ConversationParty; read: boolean }[];
}

/** GET /orders/:id/messages. */
export interface Conversation {
  orderId: string;
  orderNo: string;
  /** The viewer's part; null for a read-only viewer (an arbitrator). */
  viewerParty: ConversationParty | null;
  participants: ConversationParty[];
  reads: { party: ConversationParty; lastReadId: string | null; readAt: string | null }[];
  /** Messages from others after the viewer's own read mark. */
  unreadCount: number;
  /** Oldest first. */
  messages: ConversationMessage[];
  nextCursor: string | null;
}

/** POST /orders/:id/messages: 1–2000 characters, at most one file uploaded first to /evidence/files. */
export interface PostMessageInput {
  body: string;
  file?: EvidenceFileRef;
}

/** POST /orders/:id/messages/read. */
export interface ReadMark {
  orderId: string;
  lastReadId: string;
  readAt: string;
}

/** One notification of GET /me/notifications (站内信). */
export interface AppNotification {
  id: string;
  /** MESSAGE, REFUND_NEW, REFUND_DECISION, … */
  kind: string;
  title: ZhEn;
  body: ZhEn;
  /** A path of this app (`/orders/<id>#conversation`, `/refunds/<id>`), or null. */
  link: string | null;
  object: { type: string; id: string } | null;
  createdAt: string;
  readAt: string | null;
}

/** GET /me/notifications: newest first, 50 a page. */
export interface NotificationPage {
  items: AppNotification[];
  nextCursor: string | null;
  unreadCount: number;
}

/** POST /me/notifications/read. */
export type MarkNotificationsReadInput = { ids: string[] } | { all: true };
