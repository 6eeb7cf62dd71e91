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

export interface MerchantsTable {
  id: string;
  owner_user_id: string;
  name: string;
  description: string;
  status: 'ACTIVE' | 'SUSPENDED';
  deposit_fen: number;
  commit_review_24h: Bool;
  credit_score: number;
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
}

export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
}

export interface SettingsTable {
  key: string;
  value: JsonText;
  updated_at: Timestamp;
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

export interface Database {
  users: UsersTable;
  member_levels: MemberLevelsTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  login_throttle: LoginThrottleTable;
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
}

export type Row<T extends keyof Database> = Selectable<Database[T]>;
export type NewRow<T extends keyof Database> = Insertable<Database[T]>;
export type { ColumnType };
