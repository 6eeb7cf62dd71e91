// The API's shapes come from the contract (api/schema.ts, generated from docs/openapi.json by
// `npm run openapi`); this file names them for the pages. What is written by hand here is only what
// the server does not describe: UI-only types, and the lists of enum values selects and filters show.
import type { BodyOf, ItemOf, QueryOf, ResponseOf, Schemas } from './api/contract';

export type Lang = 'zh-CN' | 'en';

/**
 * Every value of the union T, in the order given. `satisfies readonly T[]` alone would let a value
 * the server added go missing from a select or filter; this fails to compile, naming the value,
 * until the list has it.
 */
export const allOf =
  <T extends string>() =>
  <const A extends readonly T[]>(
    values: A & ([Exclude<T, A[number]>] extends [never] ? unknown : { missing: Exclude<T, A[number]> }),
  ): readonly T[] =>
    values;

// ---- accounts, catalog ----

export type Problem = Schemas['Problem'];
export type ProblemFieldError = NonNullable<Problem['errors']>[number];
/** Localised message pair as sent in problem+json. */
export type Messages = Problem['messages'];

export type AuthResponse = ResponseOf<'/api/auth/me', 'get'>;
export type User = AuthResponse['user'];
export type MemberLevel = User['memberLevel'];
export const MEMBER_LEVELS = allOf<MemberLevel>()(['REGULAR', 'VIP', 'SUPER']);

export type Product = Schemas['Product'];
export type ProductType = Product['type'];
export const PRODUCT_TYPES = allOf<ProductType>()(['CARD_KEY', 'LICENSE_KEY', 'ACCOUNT', 'ENTITLEMENT']);
export type ProductStatus = Product['status'];
export type Price = Product['viewerPrice'];
export type Badge = Product['badges'][number];
export type BadgeTone = Badge['tone'];
export type Merchant = Schemas['Merchant'];
export type MerchantProfile = Schemas['MerchantProfile'];
export type Policy = Schemas['RefundPolicy'];

export type CreateProductInput = BodyOf<'/api/merchant/products', 'post'>;
export type UpdateProductInput = BodyOf<'/api/merchant/products/{id}', 'patch'>;
export type LevelPrices = CreateProductInput['prices'];
export type PolicyInput = CreateProductInput['policy'];
export type ProfileInput = BodyOf<'/api/merchant/profile', 'patch'>;

// ---- keys (卡密): import batches, stock, key lifecycle, the buyer's units ----

export type KeyRow = Schemas['KeyRow'];
export type KeyState = KeyRow['state'];
export const KEY_STATES = allOf<KeyState>()([
  'AVAILABLE',
  'RESERVED',
  'SEALED',
  'REVEALED',
  'ACTIVATED',
  'VOIDED',
  'INVALID',
]);
/** For a key state the API sends as a plain string (the refund draft's units). */
export const isKeyState = (s: string): s is KeyState => (KEY_STATES as readonly string[]).includes(s);
export type ImportBatch = Schemas['KeyBatch'];
export type ImportFormat = ImportBatch['format'];
export const IMPORT_FORMATS = allOf<ImportFormat>()(['auto', 'text', 'csv']);
export type BatchStatus = ImportBatch['status'];
export type ImportReject = ImportBatch['rejects'][number];
export type StockItem = Schemas['Stock'];
export type StockList = ResponseOf<'/api/merchant/stock', 'get'>;

export type KeyTimeline = Schemas['KeyTimeline'];
export type KeyEvent = KeyTimeline['events'][number];
/**
 * The key event kinds this app has words and colours for. The API sends `kind` as a plain string
 * (the server may add kinds), so pages check membership before using one as a KeyEventKind.
 */
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
export const KEY_EVENT_KINDS = allOf<KeyEventKind>()([
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
]);
export const isKeyEventKind = (k: string): k is KeyEventKind =>
  (KEY_EVENT_KINDS as readonly string[]).includes(k);

/** One delivered key of the logged-in buyer. */
export type Unit = Schemas['BuyerUnit'];
/** The refund terms a unit was bought under. */
export type UnitPolicy = Unit['policy'];
/** Held in component state only: never cached, never stored. */
export type RevealResult = ResponseOf<'/api/units/{id}/reveal', 'post'>;
export type BulkRevealInput = BodyOf<'/api/orders/{id}/reveal', 'post'>;
export type BulkRevealResult = ResponseOf<'/api/orders/{id}/reveal', 'post'>;

// ---- orders, payments, wallet, membership ----

export type OrderSummary = Schemas['OrderSummary'];
export type OrderKind = OrderSummary['kind'];
export const ORDER_KINDS = allOf<OrderKind>()(['GOODS', 'MEMBERSHIP', 'TOPUP']);
export type OrderState = OrderSummary['state'];
export const ORDER_STATES = allOf<OrderState>()([
  'PENDING_PAYMENT',
  'DELIVERED',
  'EXPIRED',
  'CANCELLED',
  'REFUNDED',
]);
export type PaymentMethod = OrderSummary['paymentMethod'];
export type OrderPage = ResponseOf<'/api/orders', 'get'>;
export type OrderDetail = Schemas['OrderDetail'];
export type OrderSnapshot = NonNullable<OrderDetail['snapshot']>;
export type PaymentState = OrderDetail['payment']['state'];
export type OrderPayout = OrderDetail['payouts'][number];
export type PayoutState = OrderPayout['state'];
export type OrderUnit = OrderDetail['units'][number];

export type CheckoutInput = BodyOf<'/api/orders', 'post'>;
/** What a buyer can choose at checkout. */
export type CheckoutMethod = CheckoutInput['paymentMethod'];
export type TopUpInput = BodyOf<'/api/me/topups', 'post'>;
/** Gateways for top-ups. */
export type GatewayMethod = TopUpInput['paymentMethod'];
export type MembershipPurchaseInput = BodyOf<'/api/me/membership', 'post'>;
/** The filters of an order listing (the page and its size are the listing's own). */
export type OrderFilter = Pick<QueryOf<'/api/orders', 'get'>, 'kind' | 'state' | 'q' | 'from' | 'to'>;

export type WalletEntry = Schemas['Wallet']['entries'][number];
export type MembershipOffer = Schemas['MembershipOffer'];
export type Membership = Schemas['Membership'];
export type MembershipState = Membership['state'];
export type MerchantFinance = Schemas['MerchantFinance'];
export type MerchantSettlement = MerchantFinance['settlements'][number];

// ---- merchant money: deposit top-ups and withdrawals (提现) ----

export type Withdrawal = Schemas['Withdrawal'];
export type WithdrawalState = Withdrawal['state'];
export const WITHDRAWAL_STATES = allOf<WithdrawalState>()(['REQUESTED', 'PROCESSING', 'PAID', 'FAILED']);
export type WithdrawalFailure = NonNullable<Withdrawal['failureCode']>;
export type WithdrawalPage = ResponseOf<'/api/merchant/withdrawals', 'get'>;
export type WithdrawalInput = BodyOf<'/api/merchant/withdrawals', 'post'>;
export type DepositTopUpInput = BodyOf<'/api/merchant/deposit/topups', 'post'>;
export type BankInfo = Schemas['BankInfo'];

// ---- the sandbox cashier (沙箱收银台) and its admin switches ----

export type SandboxPayment = ResponseOf<'/api/sandbox/payments/{id}', 'get'>;
export type SandboxProvider = SandboxPayment['provider'];
export type SandboxSettings = ResponseOf<'/api/admin/sandbox/{provider}', 'get'>;
export type SandboxSettingsInput = BodyOf<'/api/admin/sandbox/{provider}', 'put'>;
/** One asynchronous notification of a sandbox gateway to Kameng, with its delivery attempts. */
export type SandboxNotification = ItemOf<'/api/admin/sandbox/notifications', 'get'>;
export type SandboxNotificationKind = SandboxNotification['kind'];
export type SandboxNotificationState = SandboxNotification['state'];

// ---- after-sales (退款/售后) ----

export type RefundDetail = ResponseOf<'/api/refunds/{id}', 'get'>;
export type RefundList = ResponseOf<'/api/refunds', 'get'>;
export type RefundSummary = RefundList['items'][number];
export type RefundState = RefundSummary['state'];
export type RefundFilter = QueryOf<'/api/refunds', 'get'>;
/** A sentence pair as the after-sales API words it (`zh` / `en`, not the problem's `zh-CN`). */
export type ZhEn = RefundSummary['reasonText'];
export type RefundEvidence = RefundDetail['evidence'][number];
export type EvidenceSource = RefundEvidence['source'];
export type RefundPayout = RefundDetail['payouts'][number];
export type RefundTimelineEntry = RefundDetail['timeline'][number];

export type RefundApplyInput = BodyOf<'/api/orders/{id}/refunds', 'post'>;
export type RefundReason = RefundApplyInput['reason'];
export const REFUND_REASONS = allOf<RefundReason>()([
  'MISTAKEN_PURCHASE',
  'NO_LONGER_NEEDED',
  'DUPLICATE_ORDER',
  'NOT_AS_DESCRIBED',
  'DEFECTIVE',
  'ACTIVATED_BEFORE_DELIVERY',
  'NOT_DELIVERED',
  'OTHER',
]);
export type EvidenceFileRef = NonNullable<RefundApplyInput['files']>[number];
export type RefundPrecheckInput = BodyOf<'/api/orders/{id}/refund-precheck', 'post'>;
export type Eligibility = ResponseOf<'/api/orders/{id}/refund-precheck', 'post'>;
export type UnitEligibility = Eligibility['units'][number];
export type UnitOutcome = UnitEligibility['outcome'];
/** GET /orders/:id/refund-draft: what the 退款/售后 form starts with. */
export type RefundDraft = ResponseOf<'/api/orders/{id}/refund-draft', 'get'>;
/** One file of POST /evidence/files (201 `{ files }`). */
export type UploadedEvidence = ResponseOf<'/api/evidence/files', 'post'>['files'][number];

export type DecisionInput = BodyOf<'/api/refunds/{id}/decision', 'post'>;
export type ReviewerRefundAction = DecisionInput['action'];
export type RejectCode = Extract<DecisionInput, { action: 'REJECT' }>['code'];
export const REJECT_CODES = allOf<RejectCode>()([
  'ACTIVATED',
  'LATE',
  'EVIDENCE_INVALID',
  'NOT_MERCHANT_FAULT',
  'NON_REFUNDABLE_DISCLOSED',
  'OTHER',
]);
export type BuyerActionInput = BodyOf<'/api/refunds/{id}/actions', 'post'>;
export type BuyerRefundAction = BuyerActionInput['action'];

/** GET /support/alerts. */
export type SupportAlert = ItemOf<'/api/support/alerts', 'get'>;

/**
 * GET /refunds/vocabulary: titles of reasons, eligibility rule codes and rejection codes. The
 * contract leaves these `unknown`, so api/untyped.ts reads them into this shape.
 */
export interface RefundVocabulary {
  reasons: Partial<Record<string, ZhEn & { side: ReasonSide }>>;
  codes: Partial<Record<string, ZhEn & { kind: EligibilityCodeKind; clause: boolean }>>;
  rejectCodes: Partial<Record<string, ZhEn>>;
}
/** BUYER: personal reasons (policy and the return law); MERCHANT: the merchant's fault; REVIEW: a person decides. */
export type ReasonSide = 'BUYER' | 'MERCHANT' | 'REVIEW';
export type EligibilityCodeKind = 'BLOCK' | 'NEED' | 'PASS' | 'REVIEW';

// ---- disputes (平台仲裁), merchants' public records and sanctions ----

export type DisputeSummary = Schemas['DisputeSummary'];
export type Dispute = Schemas['Dispute'];
export type DisputeState = Dispute['state'];
export type DisputeOutcome = NonNullable<Dispute['outcome']>;
export const DISPUTE_OUTCOMES = allOf<DisputeOutcome>()(['BUYER', 'MERCHANT', 'SPLIT']);
export type DisputeStatement = Dispute['statements'][number];
export type DisputeParty = DisputeStatement['party'];
export type StatementFile = DisputeStatement['files'][number];
export type DisputeFinding = Dispute['findings'][number];
export type FindingFavours = DisputeFinding['favours'];
export type DisputeUnit = Dispute['units'][number];
export type DisputeViewer = Dispute['viewer'];
export type DisputeQueue = NonNullable<QueryOf<'/api/disputes', 'get'>['queue']>;
export type StatementInput = BodyOf<'/api/disputes/{id}/statement', 'put'>;
export type DisputeDecisionInput = BodyOf<'/api/disputes/{id}/decision', 'post'>;
export type MerchantRecord = Schemas['MerchantRecord'];
export type MerchantViolation = MerchantRecord['violations'][number];
export type MerchantStatus = MerchantRecord['status'];
export type PenaltyRules = ResponseOf<'/api/admin/penalty-rules', 'get'>;
export type ViolationKind = keyof PenaltyRules['kinds'];
export const VIOLATION_KINDS = allOf<ViolationKind>()([
  'ACTIVATED_KEY_DELIVERED',
  'PROMISE_BROKEN',
  'UNJUSTIFIED_REFUSAL',
  'DEADLINES_MISSED',
]);
export type MerchantStatusInput = BodyOf<'/api/admin/merchants/{id}/status', 'post'>;

// ---- order conversations (沟通记录) and notifications (站内信) ----

export type ConversationMessage = Schemas['ConversationMessage'];
/** Who someone is in an order's conversation. */
export type ConversationParty = ConversationMessage['senderRole'];
export type Conversation = Schemas['Conversation'];
/** POST /orders/:id/messages: 1–2000 characters, at most one file uploaded first to /evidence/files. */
export type PostMessageInput = BodyOf<'/api/orders/{id}/messages', 'post'>;

export type AppNotification = Schemas['Notification'];
export type MarkNotificationsReadInput = BodyOf<'/api/me/notifications/read', 'post'>;
