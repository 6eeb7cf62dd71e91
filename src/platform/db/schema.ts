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
}

export type Row<T extends keyof Database> = Selectable<Database[T]>;
export type NewRow<T extends keyof Database> = Insertable<Database[T]>;
export type { ColumnType };
