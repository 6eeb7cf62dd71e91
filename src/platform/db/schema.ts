/**
 * Row types as both engines return them (see dialect.ts for how values are normalised):
 * timestamps are ISO-8601 UTC strings, booleans are 0/1, JSON is a string, money is integer fen.
 */
import type { ColumnType, Insertable, Selectable } from 'kysely';

export type Bool = 0 | 1;
export type Timestamp = string;
export type JsonText = string;
export type MemberLevel = 'REGULAR' | 'VIP' | 'SUPER';
export type Role = 'buyer' | 'merchant' | 'support' | 'arbitrator' | 'admin';
export type ProductType = 'CARD_KEY' | 'LICENSE_KEY' | 'ACCOUNT' | 'ENTITLEMENT';
export type ProductStatus = 'DRAFT' | 'ON_SALE' | 'OFF_SALE';
export type TokenScope = 'merchant' | 'issuer' | 'channel';

export interface UsersTable {
  id: string;
  username: string;
  username_key: string;
  password_hash: string;
  display_name: string;
  role: Role;
  member_level: MemberLevel;
  level_expires_at: Timestamp | null;
  status: 'ACTIVE' | 'DISABLED';
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
  email: string | null;
  /** lower(trim(email)): unique, for signing in and resets by address (null without one; ADR 0009). */
  email_key: ColumnType<string | null, string | null | undefined, string | null>;
  /** A China mobile number (1[3-9] + 9 digits), given at registration, not verified. */
  phone: string | null;
  /** Set on the login-less user that owns a connected channel shop's orders (Stage 7). */
  channel_shop_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** Why an operator disabled the account, and when (Stage 8); null while active. */
  disabled_reason: ColumnType<string | null, string | null | undefined, string | null>;
  disabled_at: ColumnType<Timestamp | null, Timestamp | null | undefined, Timestamp | null>;
}

/** A registration waiting for its e-mail to be confirmed (ADR 0009); the token is stored hashed. */
export interface RegistrationsTable {
  id: string;
  token_hash: string;
  username: string;
  email: string;
  phone: string | null;
  display_name: string;
  password_hash: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

/** A password reset sent by e-mail: single use, 30 minutes, the token stored hashed. */
export interface PasswordResetsTable {
  id: string;
  token_hash: string;
  user_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface MemberLevelsTable {
  level: MemberLevel;
  rank: number;
  name_zh: string;
  name_en: string;
  max_qty_per_order: number;
  updated_at: Timestamp;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  csrf_token: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  last_seen_at: Timestamp;
}

export interface ApiTokensTable {
  id: string;
  token_hash: string;
  prefix: string;
  name: string;
  scope: TokenScope;
  user_id: string | null;
  merchant_id: string | null;
  created_by: string;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface LoginThrottleTable {
  key: string;
  failures: number;
  locked_until: Timestamp | null;
  updated_at: Timestamp;
}

/** Addresses a user has logged in from (ADR 0010, migration 0014). */
export interface LoginKnownAddressesTable {
  user_id: string;
  address: string;
  last_login_at: Timestamp;
}

export interface MerchantsTable {
  id: string;
  owner_user_id: string;
  name: string;
  description: string;
  status: 'ACTIVE' | 'SUSPENDED';
  deposit_fen: number;
  commit_review_24h: Bool;
  credit_score: number;
  /** Why the merchant is suspended (shown to it); null when active. */
  suspended_reason: string | null;
  suspended_at: Timestamp | null;
  /** Platform commission on settlement, in basis points (1/100 of a percent). */
  commission_bp: number;
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ProductsTable {
  id: string;
  merchant_id: string;
  type: ProductType;
  name: string;
  description: string;
  face_value_fen: number;
  validity_days: number | null;
  status: ProductStatus;
  current_policy_id: string;
  low_stock_threshold: number | null;
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ProductPricesTable {
  product_id: string;
  level: MemberLevel;
  price_fen: number;
}

export interface RefundPoliciesTable {
  id: string;
  product_id: string;
  version: number;
  unactivated_refund: Bool;
  window_hours: number | null;
  no_reason_refund: Bool;
  revealed_refund: Bool;
  non_refundable: Bool;
  non_refundable_text: string | null;
  text_zh: string;
  text_en: string;
  text_hash: string;
  created_by: string;
  created_at: Timestamp;
}

export interface AuditEventsTable {
  seq: number;
  id: string;
  at: Timestamp;
  actor_id: string | null;
  actor_role: string;
  action: string;
  object_type: string;
  object_id: string;
  data: JsonText;
  prev_hash: string;
  hash: string;
  /** The audit key the hash was made with; null: an event from before the keyed chain (0015). */
  key_id: ColumnType<string | null, string | null | undefined, never>;
}

export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
  /** The audit key new events are chained with (null until the first start after 0015). */
  key_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface SettingsTable {
  key: string;
  value: JsonText;
  updated_at: Timestamp;
  /** Bumped on every write (optimistic concurrency of the platform rules); 0011. */
  version: ColumnType<number, number | undefined, number>;
}

export interface CalendarDaysTable {
  date: string;
  year: number;
  kind: 'HOLIDAY' | 'WORKDAY';
  name: string;
  source: string;
  imported_by: string | null;
  imported_at: Timestamp;
}

export type KeyState = 'AVAILABLE' | 'RESERVED' | 'SEALED' | 'REVEALED' | 'ACTIVATED' | 'VOIDED' | 'INVALID';
export type BatchStatus = 'RUNNING' | 'COMPLETED' | 'FAILED' | 'INTERRUPTED';
export type KeyEventKind =
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

export interface CryptoKeysTable {
  id: string;
  purpose: 'DATA' | 'HMAC';
  wrapped: Buffer;
  master_fingerprint: string;
  created_at: Timestamp;
  rewrapped_at: Timestamp | null;
}

export interface UnitsTable {
  id: string;
  product_id: string;
  buyer_id: string;
  policy_id: string;
  created_at: Timestamp;
  order_id: string | null;
  refunded_at: Timestamp | null;
  /** A final arbitration decided this unit is not refunded: it is never offered for a refund again. */
  refund_barred_at: Timestamp | null;
}

export interface KeyBatchesTable {
  id: string;
  product_id: string;
  merchant_id: string;
  source: 'API' | 'CLI';
  file_name: string | null;
  format: 'auto' | 'text' | 'csv';
  status: BatchStatus;
  bytes_total: number;
  bytes_read: number;
  lines_read: number;
  imported: number;
  duplicates: number;
  rejected: number;
  error_code: string | null;
  data_key_id: string | null;
  created_by: string;
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
  finished_at: Timestamp | null;
  /** The instance (process) running the import, for recovery after its death (0015). */
  owner_instance: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface KeyBatchRejectsTable {
  batch_id: string;
  line_no: number;
  reason: string;
}

export interface KeysTable {
  id: string;
  product_id: string;
  merchant_id: string;
  batch_id: string;
  line_no: number;
  state: KeyState;
  serial_masked: string;
  lookup_hmac: Buffer;
  secret_hmac: Buffer;
  data_key_id: string;
  ciphertext: Buffer;
  unit_id: string | null;
  buyer_id: string | null;
  reserved_at: Timestamp | null;
  delivered_at: Timestamp | null;
  first_revealed_at: Timestamp | null;
  activated_at: Timestamp | null;
  activated_by: string | null;
  activation_source: 'REDEEM' | 'REPORT' | null;
  activated_before_delivery: Bool;
  voided_at: Timestamp | null;
  invalid_at: Timestamp | null;
  invalid_reason: string | null;
  replacement_key_id: string | null;
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface KeyEventsTable {
  id: string;
  key_id: string;
  unit_id: string | null;
  at: Timestamp;
  kind: KeyEventKind;
  actor_id: string | null;
  actor_role: string;
  ip: string | null;
  user_agent: string | null;
  detail: string | null;
}

export type AccountKind =
  'WALLET' | 'MERCHANT_PAYABLE' | 'MERCHANT_DEPOSIT' | 'ESCROW' | 'PLATFORM_REVENUE' | 'GATEWAY_CLEARING';

export interface LedgerAccountsTable {
  id: string;
  kind: AccountKind;
  owner_id: string;
  balance_fen: number;
  allow_negative: Bool;
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface LedgerTransactionsTable {
  id: string;
  idempotency_key: string;
  kind: string;
  reference_type: string;
  reference_id: string;
  fingerprint: string;
  created_at: Timestamp;
}

export interface LedgerPostingsTable {
  id: string;
  transaction_id: string;
  account_id: string;
  amount_fen: number;
  created_at: Timestamp;
}

export type OrderKind = 'GOODS' | 'MEMBERSHIP' | 'TOPUP';
export type OrderState = 'PENDING_PAYMENT' | 'DELIVERED' | 'EXPIRED' | 'CANCELLED' | 'REFUNDED';
export type PaymentMethod = 'BALANCE' | 'WECHAT' | 'ALIPAY' | 'CHANNEL';
export type PaymentState = 'PENDING' | 'PAID' | 'CLOSED';
export type PayoutState = 'PENDING' | 'PROCESSING' | 'SUCCESS' | 'ABNORMAL' | 'CLOSED';
export type GatewayPaymentState = 'NOTPAY' | 'SUCCESS' | 'CLOSED';
export type GatewayRefundState = 'PROCESSING' | 'SUCCESS' | 'ABNORMAL' | 'CLOSED';

export interface OrdersTable {
  id: string;
  order_no: string;
  kind: OrderKind;
  buyer_id: string;
  merchant_id: string | null;
  product_id: string | null;
  quantity: number;
  unit_price_fen: number;
  total_fen: number;
  buyer_level: MemberLevel;
  member_price: Bool;
  product_name: string | null;
  product_type: ProductType | null;
  face_value_fen: number | null;
  validity_days: number | null;
  policy_id: string | null;
  policy_version: number | null;
  policy_text_hash: string | null;
  policy_confirmed_at: Timestamp | null;
  membership_level: MemberLevel | null;
  membership_term_days: number | null;
  payment_method: PaymentMethod;
  state: OrderState;
  expires_at: Timestamp | null;
  paid_at: Timestamp | null;
  delivered_at: Timestamp | null;
  settle_after: Timestamp | null;
  settled_at: Timestamp | null;
  commission_bp: number | null;
  commission_fen: number | null;
  idempotency_key: string;
  request_hash: string;
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PaymentsTable {
  id: string;
  order_id: string;
  buyer_id: string;
  method: PaymentMethod;
  provider: string;
  amount_fen: number;
  state: PaymentState;
  provider_trade_no: string | null;
  payer_ref: string | null;
  pay_url: string | null;
  paid_at: Timestamp | null;
  closed_at: Timestamp | null;
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PaymentNotificationsTable {
  id: string;
  provider: string;
  received_at: Timestamp;
  verified: Bool;
  outcome: string;
  reference: string | null;
  detail: string | null;
  ip: string | null;
}

export interface PayoutsTable {
  id: string;
  order_id: string;
  payment_id: string;
  buyer_id: string;
  purpose: 'LATE_PAYMENT' | 'REFUND';
  provider: string;
  amount_fen: number;
  state: PayoutState;
  replaces_id: string | null;
  destination: string | null;
  provider_refund_id: string | null;
  expected_arrival_at: Timestamp | null;
  error_code: string | null;
  attempts: number;
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
  finished_at: Timestamp | null;
  refund_request_id: string | null;
}

export interface MembershipsTable {
  id: string;
  user_id: string;
  order_id: string;
  level: 'VIP' | 'SUPER';
  starts_at: Timestamp;
  ends_at: Timestamp;
  state: 'ACTIVE' | 'EXPIRED' | 'REFUNDED';
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface DeadlinesTable {
  id: string;
  kind: string;
  object_id: string;
  due_at: Timestamp;
  state: 'OPEN' | 'DONE' | 'CANCELLED';
  attempts: number;
  last_error: string | null;
  fired_at: Timestamp | null;
  created_at: Timestamp;
}

export interface SandboxGatewayPaymentsTable {
  id: string;
  provider: string;
  out_trade_no: string;
  amount_fen: number;
  description: string;
  state: GatewayPaymentState;
  payer_id: string | null;
  refunded_fen: number;
  expires_at: Timestamp;
  paid_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SandboxGatewayRefundsTable {
  id: string;
  provider: string;
  out_refund_no: string;
  payment_id: string;
  amount_fen: number;
  state: GatewayRefundState;
  destination: string;
  outcome: string;
  complete_at: Timestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
  finished_at: Timestamp | null;
}

export interface GatewayCredentialsTable {
  provider: string;
  public_key_pem: string;
  sealed_secrets: Buffer;
  created_at: Timestamp;
}

export interface SandboxGatewayNotificationsTable {
  id: string;
  provider: string;
  kind: 'PAYMENT' | 'REFUND';
  target_id: string;
  state: 'PENDING' | 'DELIVERED' | 'GAVE_UP';
  attempts: number;
  extra_deliveries: number;
  next_attempt_at: Timestamp;
  last_status: number | null;
  created_at: Timestamp;
  delivered_at: Timestamp | null;
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
/** States in which a request holds its units and its order's money (settlement waits). */
export const OPEN_REFUND_STATES: readonly RefundState[] = [
  'PENDING_REVIEW',
  'SUPPORT_REVIEW',
  'AWAITING_BUYER',
  'APPROVED',
  'REFUNDING',
  'REFUND_ABNORMAL',
  'REJECTED',
  'DISPUTED',
];
export type DisputeState = 'EVIDENCE' | 'ARBITRATION' | 'DECIDED';
export type DisputeOutcome = 'BUYER' | 'MERCHANT' | 'SPLIT';
export type DisputeParty = 'BUYER' | 'MERCHANT';
export type ViolationKind =
  'ACTIVATED_KEY_DELIVERED' | 'PROMISE_BROKEN' | 'UNJUSTIFIED_REFUSAL' | 'DEADLINES_MISSED';

export interface DisputesTable {
  id: string;
  dispute_no: string;
  request_id: string;
  order_id: string;
  buyer_id: string;
  merchant_id: string | null;
  opened_by: DisputeParty;
  state: DisputeState;
  claim_fen: number;
  evidence_due_at: Timestamp;
  decision_due_at: Timestamp | null;
  deadline_warnings: JsonText | null;
  buyer_missed_evidence: Bool;
  merchant_missed_evidence: Bool;
  outcome: DisputeOutcome | null;
  rationale: string | null;
  refund_fen: number | null;
  decided_by: string | null;
  decided_at: Timestamp | null;
  findings_at_decision: JsonText | null;
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface DisputeUnitsTable {
  dispute_id: string;
  unit_id: string;
  amount_fen: number;
  outcome: 'REFUND' | 'NO_REFUND' | null;
}

export interface DisputeStatementsTable {
  id: string;
  dispute_id: string;
  party: DisputeParty;
  author_id: string;
  text: string;
  /** [{ sha256, name }] — the author's own uploads (Stage 4 rules). */
  files: JsonText;
  state: 'DRAFT' | 'SUBMITTED';
  submitted_at: Timestamp | null;
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface MerchantViolationsTable {
  id: string;
  merchant_id: string;
  dispute_id: string;
  kind: ViolationKind;
  points: number;
  deposit_fen: number;
  compensated_user_id: string | null;
  created_at: Timestamp;
}

export type EvidenceSource = 'BUYER' | 'MERCHANT' | 'SUPPORT' | 'SYSTEM';

export interface RefundRequestsTable {
  id: string;
  request_no: string;
  order_id: string;
  buyer_id: string;
  merchant_id: string | null;
  scope: 'FULL' | 'PARTIAL';
  reason: string;
  description: string;
  amount_fen: number;
  state: RefundState;
  reviewer: 'MERCHANT' | 'SUPPORT';
  submissions: number;
  review_due_at: Timestamp | null;
  supplement_due_at: Timestamp | null;
  escalation_due_at: Timestamp | null;
  deadline_warnings: JsonText | null;
  eligibility: JsonText;
  auto_approvable: Bool;
  large: Bool;
  info_request: string | null;
  decision_code: string | null;
  decision_note: string | null;
  decided_by: string | null;
  decided_role: string | null;
  decided_at: Timestamp | null;
  decision_warnings: JsonText | null;
  idempotency_key: string;
  request_hash: string;
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
  closed_at: Timestamp | null;
}

export interface RefundRequestUnitsTable {
  request_id: string;
  unit_id: string;
  amount_fen: number;
  released_at: Timestamp | null;
}

export interface RefundEvidenceTable {
  id: string;
  request_id: string;
  submission: number;
  source: EvidenceSource;
  uploaded_by: string | null;
  kind: string;
  sha256: string | null;
  mime: string | null;
  file_name: string | null;
  size: number | null;
  signals: JsonText | null;
  content: JsonText | null;
  created_at: Timestamp;
}

export interface EvidenceUploadsTable {
  sha256: string;
  user_id: string;
  created_at: Timestamp;
}

/** The shareable copy of an evidence image: metadata removed, its own hash (migration 0016). */
export interface EvidenceDerivativesTable {
  /** The original's SHA-256. */
  sha256: string;
  derived_sha256: string;
  /** How it was derived: METADATA_REMOVED (same pixels, containers rewritten) or REENCODED. */
  method: 'METADATA_REMOVED' | 'REENCODED';
  created_at: Timestamp;
}

export interface ConversationMessagesTable {
  id: string;
  order_id: string;
  sender_id: string;
  sender_role: 'buyer' | 'merchant' | 'support';
  body: string;
  sha256: string | null;
  mime: string | null;
  file_name: string | null;
  signals: JsonText | null;
  created_at: Timestamp;
}

export interface ConversationReadsTable {
  order_id: string;
  user_id: string;
  last_read_id: string;
  read_at: Timestamp;
}

export interface NotificationsTable {
  id: string;
  user_id: string;
  kind: string;
  title_zh: string;
  title_en: string;
  body_zh: string;
  body_en: string;
  link: string | null;
  object_type: string | null;
  object_id: string | null;
  created_at: Timestamp;
  read_at: Timestamp | null;
}

export interface OutboxTable {
  id: string;
  channel: 'EMAIL' | 'SMS';
  recipient: string;
  subject: string;
  body: string;
  state: 'PENDING' | 'SENT' | 'FAILED';
  attempts: number;
  last_error: string | null;
  created_at: Timestamp;
  sent_at: Timestamp | null;
}

export interface AlertsTable {
  id: string;
  kind: string;
  object_type: string;
  object_id: string;
  request_id: string | null;
  data: JsonText;
  created_at: Timestamp;
  resolved_at: Timestamp | null;
  resolved_by: string | null;
  resolution: string | null;
}

export type WithdrawalState = 'REQUESTED' | 'PROCESSING' | 'PAID' | 'FAILED';

export interface DepositTopupsTable {
  id: string;
  merchant_id: string;
  amount_fen: number;
  source: 'PAYABLE';
  created_by: string;
  idempotency_key: string;
  request_hash: string;
  created_at: Timestamp;
}

export interface WithdrawalsTable {
  id: string;
  withdrawal_no: string;
  merchant_id: string;
  requested_by: string;
  amount_fen: number;
  bank: string;
  bank_name: string | null;
  account_name: string;
  account_masked: string;
  /** The account number, sealed by the vault (never stored in clear). */
  account_sealed: Buffer;
  state: WithdrawalState;
  bank_ref: string | null;
  failure_code: string | null;
  attempts: number;
  last_error: string | null;
  idempotency_key: string;
  request_hash: string;
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
  submitted_at: Timestamp | null;
  finished_at: Timestamp | null;
}

export interface SandboxBankTransfersTable {
  id: string;
  bank: string;
  out_transfer_no: string;
  amount_fen: number;
  account_masked: string;
  state: 'PROCESSING' | 'SUCCESS' | 'FAILED';
  outcome: 'SUCCESS' | 'FAILED';
  failure_code: string | null;
  notices: number;
  complete_at: Timestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
  finished_at: Timestamp | null;
}

export interface SandboxBankNoticesTable {
  id: string;
  bank: string;
  transfer_id: string;
  state: 'PENDING' | 'DELIVERED' | 'GAVE_UP';
  attempts: number;
  extra_deliveries: number;
  next_attempt_at: Timestamp;
  last_status: number | null;
  created_at: Timestamp;
  delivered_at: Timestamp | null;
}

export interface BankNoticeLogTable {
  id: string;
  bank: string;
  received_at: Timestamp;
  verified: Bool;
  outcome: string;
  reference: string | null;
  detail: string | null;
  ip: string | null;
}

export type ChannelKindColumn = 'TAOBAO' | 'PDD' | 'XIANYU';
export type ChannelRefundStatusColumn =
  'REQUESTED' | 'REFUSED' | 'INTERVENING' | 'AGREED' | 'SUCCESS' | 'CLOSED';

export interface ChannelShopsTable {
  id: string;
  merchant_id: string;
  channel: ChannelKindColumn;
  name: string;
  channel_shop_id: string;
  app_key: string;
  credentials_sealed: Buffer;
  credentials_masked: string;
  buyer_user_id: string;
  status: 'ACTIVE' | 'DISCONNECTED';
  refund_url_template: string;
  reconciled_until: Timestamp | null;
  last_error: string | null;
  version: number;
  created_by: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ChannelItemsTable {
  shop_id: string;
  channel_item_id: string;
  product_id: string;
  created_by: string;
  created_at: Timestamp;
}

export interface ChannelOrdersTable {
  id: string;
  shop_id: string;
  channel_order_id: string;
  order_id: string | null;
  state: 'DELIVERED' | 'FAILED' | 'CLOSED';
  channel_status: string;
  channel_item_id: string;
  quantity: number;
  total_fen: number;
  buyer_ref: string;
  failure_code: string | null;
  lookup_token_hash: string | null;
  lookup_code_hmac: Buffer | null;
  lookup_sealed: Buffer | null;
  delivery_state: 'PENDING' | 'SENT' | 'GAVE_UP';
  delivery_attempts: number;
  delivery_error: string | null;
  channel_modified_at: Timestamp;
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ChannelRefundsTable {
  id: string;
  shop_id: string;
  channel_refund_id: string;
  channel_order_id: string;
  request_id: string | null;
  status: ChannelRefundStatusColumn;
  channel_status: string;
  quantity: number;
  amount_fen: number;
  reason: string;
  decided_by: string | null;
  intervened: Bool;
  overridden: Bool;
  answer: 'AGREE' | 'REFUSE' | null;
  answer_message: string | null;
  answer_state: 'PENDING' | 'SENT' | 'GAVE_UP' | null;
  answer_attempts: number;
  answer_error: string | null;
  channel_modified_at: Timestamp;
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ChannelMessageLogTable {
  id: string;
  shop_id: string | null;
  source: 'PUSH' | 'PULL' | 'POLL' | 'CHECK';
  received_at: Timestamp;
  verified: Bool;
  outcome: string;
  reference: string | null;
  detail: string | null;
  ip: string | null;
}

/** Keys revealed per user in the current fixed window (the reveal budget, 0013). */
export interface RevealBudgetTable {
  user_id: string;
  spent: number;
  window_start: Timestamp;
}

export interface LookupThrottleTable {
  key: string;
  failures: number;
  window_start: Timestamp;
  locked_until: Timestamp | null;
}

/** Shared rate-limit counters (migration 0018): hits in the window ending at `expires_ms` (epoch ms). */
export interface RateLimitCountersTable {
  key: string;
  hits: number;
  /** bigint: pg hands it back as a string */
  expires_ms: ColumnType<string | number, number, number>;
}

export type SandboxChannelKind = 'TAOBAO' | 'PDD' | 'XIANYU';
export type SandboxChannelOrderState = 'PAID' | 'SHIPPED' | 'FINISHED' | 'CLOSED';
export type SandboxChannelRefundState = 'WAIT_SELLER' | 'REFUSED' | 'AGREED' | 'SUCCESS' | 'CLOSED';

export interface SandboxChannelShopsTable {
  id: string;
  channel: SandboxChannelKind;
  name: string;
  seller_id: string;
  app_key: string;
  sealed_secrets: Buffer;
  owner_user_id: string | null;
  notify_url: string | null;
  subscribed_at: Timestamp | null;
  down: Bool;
  push_delay_seconds: number;
  seller_answer_seconds: number;
  buyer_response_seconds: number;
  auto_confirm_seconds: number;
  version: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SandboxChannelItemsTable {
  id: string;
  shop_id: string;
  title: string;
  price_fen: number;
  created_at: Timestamp;
}

export interface SandboxChannelOrdersTable {
  id: string;
  shop_id: string;
  item_id: string;
  title: string;
  quantity: number;
  unit_price_fen: number;
  total_fen: number;
  buyer_nick: string;
  profile: string;
  state: SandboxChannelOrderState;
  refunded_quantity: number;
  close_reason: string | null;
  paid_at: Timestamp;
  shipped_at: Timestamp | null;
  finished_at: Timestamp | null;
  closed_at: Timestamp | null;
  auto_finish_at: Timestamp | null;
  delivery_ok: Bool | null;
  delivery_message: string | null;
  delivery_fail_reason: string | null;
  delivery_out_id: string | null;
  delivered_at: Timestamp | null;
  modified_at: Timestamp;
  version: number;
  created_at: Timestamp;
}

export interface SandboxChannelRefundsTable {
  id: string;
  shop_id: string;
  order_id: string;
  quantity: number;
  amount_fen: number;
  reason: string;
  state: SandboxChannelRefundState;
  intervention: 'NONE' | 'APPLIED' | 'DECIDED';
  phase: 'ONSALE' | 'AFTERSALE' | null;
  decided_by: 'SELLER' | 'CHANNEL' | 'BUYER' | 'TIMEOUT' | null;
  seller_message: string | null;
  answer_out_id: string | null;
  check_state: 'NONE' | 'PENDING' | 'REFUNDABLE' | 'NOT_REFUNDABLE' | 'FAILED';
  check_message: string | null;
  due_at: Timestamp | null;
  finished_at: Timestamp | null;
  modified_at: Timestamp;
  version: number;
  created_at: Timestamp;
}

export interface SandboxChannelMessagesTable {
  id: string;
  shop_id: string;
  kind: 'PUSH' | 'TMC' | 'CHECK';
  topic: string;
  target_type: 'ORDER' | 'REFUND';
  target_id: string;
  order_id: string;
  payload: string;
  state: 'PENDING' | 'DELIVERED' | 'CONFIRMED' | 'GAVE_UP' | 'LOST';
  copy_of: string | null;
  attempts: number;
  next_attempt_at: Timestamp;
  last_status: number | null;
  last_reply: string | null;
  created_at: Timestamp;
  delivered_at: Timestamp | null;
}

export interface Database {
  users: UsersTable;
  member_levels: MemberLevelsTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  login_throttle: LoginThrottleTable;
  login_known_addresses: LoginKnownAddressesTable;
  registrations: RegistrationsTable;
  password_resets: PasswordResetsTable;
  merchants: MerchantsTable;
  products: ProductsTable;
  product_prices: ProductPricesTable;
  refund_policies: RefundPoliciesTable;
  audit_events: AuditEventsTable;
  audit_head: AuditHeadTable;
  settings: SettingsTable;
  calendar_days: CalendarDaysTable;
  crypto_keys: CryptoKeysTable;
  units: UnitsTable;
  key_batches: KeyBatchesTable;
  key_batch_rejects: KeyBatchRejectsTable;
  keys: KeysTable;
  key_events: KeyEventsTable;
  ledger_accounts: LedgerAccountsTable;
  ledger_transactions: LedgerTransactionsTable;
  ledger_postings: LedgerPostingsTable;
  orders: OrdersTable;
  payments: PaymentsTable;
  payment_notifications: PaymentNotificationsTable;
  payouts: PayoutsTable;
  memberships: MembershipsTable;
  deadlines: DeadlinesTable;
  gateway_credentials: GatewayCredentialsTable;
  sandbox_gateway_payments: SandboxGatewayPaymentsTable;
  sandbox_gateway_refunds: SandboxGatewayRefundsTable;
  sandbox_gateway_notifications: SandboxGatewayNotificationsTable;
  refund_requests: RefundRequestsTable;
  refund_request_units: RefundRequestUnitsTable;
  refund_evidence: RefundEvidenceTable;
  evidence_uploads: EvidenceUploadsTable;
  evidence_derivatives: EvidenceDerivativesTable;
  conversation_messages: ConversationMessagesTable;
  conversation_reads: ConversationReadsTable;
  notifications: NotificationsTable;
  outbox: OutboxTable;
  alerts: AlertsTable;
  deposit_topups: DepositTopupsTable;
  withdrawals: WithdrawalsTable;
  sandbox_bank_transfers: SandboxBankTransfersTable;
  sandbox_bank_notices: SandboxBankNoticesTable;
  bank_notice_log: BankNoticeLogTable;
  disputes: DisputesTable;
  dispute_units: DisputeUnitsTable;
  dispute_statements: DisputeStatementsTable;
  merchant_violations: MerchantViolationsTable;
  channel_shops: ChannelShopsTable;
  channel_items: ChannelItemsTable;
  channel_orders: ChannelOrdersTable;
  channel_refunds: ChannelRefundsTable;
  channel_message_log: ChannelMessageLogTable;
  lookup_throttle: LookupThrottleTable;
  rate_limit_counters: RateLimitCountersTable;
  reveal_budget: RevealBudgetTable;
  // sandbox channel tables (migration 0009)
  sandbox_channel_shops: SandboxChannelShopsTable;
  sandbox_channel_items: SandboxChannelItemsTable;
  sandbox_channel_orders: SandboxChannelOrdersTable;
  sandbox_channel_refunds: SandboxChannelRefundsTable;
  sandbox_channel_messages: SandboxChannelMessagesTable;
}

export type Row<T extends keyof Database> = Selectable<Database[T]>;
export type NewRow<T extends keyof Database> = Insertable<Database[T]>;
export type { ColumnType };
