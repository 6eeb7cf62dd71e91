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
}
