import { currentLang } from './i18n';
import en from './i18n/en';
import zhCN from './i18n/zh-CN';
import type {
  AuthResponse,
  BuyerActionInput,
  CheckoutInput,
  Conversation,
  ConversationMessage,
  CreateProductInput,
  DecisionInput,
  GatewayMethod,
  ItemList,
  ImportBatch,
  KeyRow,
  KeyState,
  KeyTimeline,
  Lang,
  MarkNotificationsReadInput,
  MerchantFinance,
  MerchantProfile,
  Membership,
  MembershipOffer,
  Messages,
  NotificationPage,
  OrderCreated,
  OrderDetail,
  OrderFilter,
  OrderPage,
  PaidLevel,
  Policy,
  PolicyInput,
  PostMessageInput,
  Problem,
  ProblemFieldError,
  Product,
  ProductStatus,
  ProductType,
  ProfileInput,
  ReadMark,
  RefundApplyInput,
  RefundDetail,
  RefundDraft,
  RefundFilter,
  RefundPrecheckInput,
  RefundSummary,
  RefundVocabulary,
  Eligibility,
  RevealResult,
  SandboxNotification,
  SandboxPayment,
  SandboxProvider,
  StockItem,
  SupportAlert,
  Unit,
  UpdateProductInput,
  Wallet,
} from './types';

export const API_BASE = '/api';
const BASE = API_BASE;

/** CSRF token from register/login/me; kept in memory only. */
let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** For requests not made through `request` (the XHR file upload). */
export function getCsrfToken(): string | null {
  return csrfToken;
}

/** Error carrying a parsed application/problem+json body (or a synthesised one). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly messages: Messages;
  readonly field: string | undefined;
  readonly errors: ProblemFieldError[];
  readonly problem: Problem | undefined;

  constructor(status: number, code: string, messages: Messages, problem?: Problem) {
    super(messages.en || code);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.messages = messages;
    this.field = problem?.field;
    this.errors = problem?.errors ?? [];
    this.problem = problem;
  }

  /** Message in the given UI language. */
  localized(lang: Lang): string {
    return this.messages[lang] || this.messages['zh-CN'] || this.messages.en || this.code;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asMessages(v: unknown): Messages | undefined {
  if (!isRecord(v)) return undefined;
  const zh = v['zh-CN'];
  const e = v['en'];
  if (typeof zh !== 'string' && typeof e !== 'string') return undefined;
  return { 'zh-CN': typeof zh === 'string' ? zh : String(e), en: typeof e === 'string' ? e : String(zh) };
}

function asProblem(v: unknown): Problem | undefined {
  if (!isRecord(v)) return undefined;
  const errors: ProblemFieldError[] = [];
  if (Array.isArray(v.errors)) {
    for (const item of v.errors as unknown[]) {
      if (!isRecord(item) || typeof item.field !== 'string') continue;
      const code = typeof item.code === 'string' ? item.code : '';
      const messages = asMessages(item.messages) ?? { 'zh-CN': code, en: code };
      errors.push({ field: item.field, code, messages });
    }
  }
  return {
    type: typeof v.type === 'string' ? v.type : undefined,
    title: typeof v.title === 'string' ? v.title : undefined,
    status: typeof v.status === 'number' ? v.status : undefined,
    code: typeof v.code === 'string' ? v.code : undefined,
    detail: typeof v.detail === 'string' ? v.detail : undefined,
    messages: asMessages(v.messages),
    field: typeof v.field === 'string' ? v.field : undefined,
    errors,
    data: isRecord(v.data) ? v.data : undefined,
  };
}

function httpMessages(status: number): Messages {
  const fill = (s: string) => s.replace('{{status}}', String(status));
  return { 'zh-CN': fill(zhCN.errors.http), en: fill(en.errors.http) };
}

/**
 * ApiError from a response body (problem+json when possible). `fallback` words the error when the
 * server sent no localized messages (e.g. 413 from the body-size limit).
 */
export function errorFromBody(status: number, text: string, fallback?: Messages): ApiError {
  let body: unknown;
  try {
    body = text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    body = undefined;
  }
  const problem = asProblem(body);
  const rateLimited =
    status === 429 ? { 'zh-CN': zhCN.auth.rateLimited, en: en.auth.rateLimited } : undefined;
  const detail = problem?.detail ? { 'zh-CN': problem.detail, en: problem.detail } : undefined;
  return new ApiError(
    status,
    problem?.code ?? `HTTP_${status}`,
    problem?.messages ?? fallback ?? detail ?? rateLimited ?? httpMessages(status),
    problem,
  );
}

export const networkError = (): ApiError =>
  new ApiError(0, 'NETWORK_ERROR', { 'zh-CN': zhCN.errors.network, en: en.errors.network });

async function toApiError(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  return errorFromBody(res.status, text);
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export async function request<T>(
  method: Method,
  path: string,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<T> {
  const headers: Record<string, string> = {
    Accept: 'application/json, application/problem+json',
    'Accept-Language': currentLang(),
    ...extraHeaders,
  };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(`${BASE}${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw networkError();
  }
  if (!res.ok) throw await toApiError(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

function withAuth(r: AuthResponse): AuthResponse {
  setCsrfToken(r.csrfToken);
  return r;
}

export interface ProductQuery {
  type?: ProductType;
  q?: string;
}

const enc = encodeURIComponent;

/** Rows per merchant key listing (the API has no paging yet). */
export const KEYS_PAGE_SIZE = 50;

export const api = {
  register: async (input: { username: string; password: string; displayName?: string }) =>
    withAuth(await request<AuthResponse>('POST', '/auth/register', input)),
  login: async (input: { username: string; password: string }) =>
    withAuth(await request<AuthResponse>('POST', '/auth/login', input)),
  logout: async () => {
    try {
      await request<void>('POST', '/auth/logout');
    } finally {
      setCsrfToken(null);
    }
  },
  /** Current session, or null when logged out (401). */
  me: async (): Promise<AuthResponse | null> => {
    try {
      return withAuth(await request<AuthResponse>('GET', '/auth/me'));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        setCsrfToken(null);
        return null;
      }
      throw err;
    }
  },
  products: (query: ProductQuery) => {
    const params = new URLSearchParams();
    if (query.type) params.set('type', query.type);
    if (query.q) params.set('q', query.q);
    const qs = params.toString();
    return request<ItemList<Product>>('GET', `/products${qs ? `?${qs}` : ''}`);
  },
  product: (id: string) => request<Product>('GET', `/products/${enc(id)}`),
  policies: (productId: string) => request<ItemList<Policy>>('GET', `/products/${enc(productId)}/policies`),
  merchantProducts: () => request<ItemList<Product>>('GET', '/merchant/products'),
  createProduct: (input: CreateProductInput) => request<Product>('POST', '/merchant/products', input),
  updateProduct: (id: string, input: UpdateProductInput) =>
    request<Product>('PATCH', `/merchant/products/${enc(id)}`, input),
  createPolicy: (id: string, version: number, input: PolicyInput) =>
    request<Product>('POST', `/merchant/products/${enc(id)}/policy`, { version, ...input }),
  setStatus: (id: string, version: number, status: Exclude<ProductStatus, 'DRAFT'>) =>
    request<Product>('POST', `/merchant/products/${enc(id)}/status`, { version, status }),
  merchantProfile: () => request<MerchantProfile>('GET', '/merchant/profile'),
  updateMerchantProfile: (input: ProfileInput) =>
    request<MerchantProfile>('PATCH', '/merchant/profile', input),
  // keys (卡密); the import upload itself is `uploadImport` in upload.ts (XHR, for progress)
  importBatches: (productId: string) =>
    request<ItemList<ImportBatch>>('GET', `/merchant/imports?productId=${enc(productId)}`),
  importBatch: (batchId: string) => request<ImportBatch>('GET', `/merchant/imports/${enc(batchId)}`),
  stock: () => request<ItemList<StockItem>>('GET', '/merchant/stock'),
  updateStockSettings: (productId: string, lowStockThreshold: number | null) =>
    request<StockItem>('PATCH', `/merchant/products/${enc(productId)}/stock-settings`, { lowStockThreshold }),
  productKeys: (productId: string, state?: KeyState) => {
    const params = new URLSearchParams({ limit: String(KEYS_PAGE_SIZE) });
    if (state) params.set('state', state);
    return request<ItemList<KeyRow>>('GET', `/merchant/products/${enc(productId)}/keys?${params.toString()}`);
  },
  voidKey: (keyId: string) => request<KeyRow>('POST', `/merchant/keys/${enc(keyId)}/void`, {}),
  markKeyInvalid: (keyId: string, input: { reason: string; replace: boolean }) =>
    request<KeyRow>('POST', `/merchant/keys/${enc(keyId)}/invalid`, input),
  keyTimeline: (keyId: string) => request<KeyTimeline>('GET', `/keys/${enc(keyId)}/timeline`),
  unitTimeline: (unitId: string) => request<KeyTimeline>('GET', `/units/${enc(unitId)}/timeline`),
  myUnits: () => request<ItemList<Unit>>('GET', '/me/units'),
  /** The secret: keep the result in component state only (never in the query cache). */
  revealUnit: (unitId: string) => request<RevealResult>('POST', `/units/${enc(unitId)}/reveal`, {}),
  // orders, wallet and membership: creating calls carry an Idempotency-Key (see useIdempotencyKey)
  checkout: (input: CheckoutInput, idempotencyKey: string) =>
    request<OrderCreated>('POST', '/orders', input, { 'Idempotency-Key': idempotencyKey }),
  orders: (filter: OrderFilter, cursor?: string, limit = ORDERS_PAGE_SIZE) =>
    request<OrderPage>('GET', `/orders?${orderQuery(filter, cursor, limit)}`),
  order: (id: string) => request<OrderDetail>('GET', `/orders/${enc(id)}`),
  payOrder: (id: string) => request<OrderDetail>('POST', `/orders/${enc(id)}/pay`, {}),
  cancelOrder: (id: string) => request<OrderDetail>('POST', `/orders/${enc(id)}/cancel`, {}),
  wallet: () => request<Wallet>('GET', '/me/wallet'),
  topUp: (input: { amountFen: number; paymentMethod: GatewayMethod }, idempotencyKey: string) =>
    request<OrderCreated>('POST', '/me/topups', input, { 'Idempotency-Key': idempotencyKey }),
  membershipOffers: () => request<ItemList<MembershipOffer>>('GET', '/membership/offers'),
  memberships: () => request<ItemList<Membership>>('GET', '/me/memberships'),
  buyMembership: (input: { level: PaidLevel; priceFen: number; termDays: number }, idempotencyKey: string) =>
    request<OrderCreated>('POST', '/me/membership', input, { 'Idempotency-Key': idempotencyKey }),
  merchantOrders: (filter: OrderFilter, cursor?: string, limit = ORDERS_PAGE_SIZE) =>
    request<OrderPage>('GET', `/merchant/orders?${orderQuery(filter, cursor, limit)}`),
  merchantFinance: () => request<MerchantFinance>('GET', '/merchant/finance'),
  // after-sales (退款/售后); evidence uploads are `uploadEvidence` in upload.ts (XHR, for progress)
  refundVocabulary: () => request<RefundVocabulary>('GET', '/refunds/vocabulary'),
  refundDraft: (orderId: string) => request<RefundDraft>('GET', `/orders/${enc(orderId)}/refund-draft`),
  refundPrecheck: (orderId: string, input: RefundPrecheckInput) =>
    request<Eligibility>('POST', `/orders/${enc(orderId)}/refund-precheck`, input),
  /** The key is made once per opened form: a double click or a retry gives the same request. */
  applyRefund: (orderId: string, input: RefundApplyInput, idempotencyKey: string) =>
    request<RefundDetail>('POST', `/orders/${enc(orderId)}/refunds`, input, {
      'Idempotency-Key': idempotencyKey,
    }),
  refunds: (filter: RefundFilter = {}) =>
    request<ItemList<RefundSummary>>('GET', `/refunds${refundQuery(filter)}`),
  refund: (id: string) => request<RefundDetail>('GET', `/refunds/${enc(id)}`),
  refundDecision: (id: string, input: DecisionInput) =>
    request<RefundDetail>('POST', `/refunds/${enc(id)}/decision`, input),
  refundAction: (id: string, input: BuyerActionInput) =>
    request<RefundDetail>('POST', `/refunds/${enc(id)}/actions`, input),
  supportAlerts: () => request<ItemList<SupportAlert>>('GET', '/support/alerts'),
  // order conversations (沟通记录); attachments are uploaded first with `uploadEvidence`
  conversation: (orderId: string, after?: string) =>
    request<Conversation>('GET', `/orders/${enc(orderId)}/messages${after ? `?after=${enc(after)}` : ''}`),
  postMessage: (orderId: string, input: PostMessageInput) =>
    request<ConversationMessage>('POST', `/orders/${enc(orderId)}/messages`, input),
  markConversationRead: (orderId: string, lastReadId: string) =>
    request<ReadMark>('POST', `/orders/${enc(orderId)}/messages/read`, { lastReadId }),
  // notifications (站内信)
  notifications: (query: { cursor?: string; unread?: boolean } = {}) => {
    const params = new URLSearchParams();
    if (query.cursor) params.set('cursor', query.cursor);
    if (query.unread) params.set('unread', 'true');
    const qs = params.toString();
    return request<NotificationPage>('GET', `/me/notifications${qs ? `?${qs}` : ''}`);
  },
  markNotificationsRead: (input: MarkNotificationsReadInput) =>
    request<{ updated: number; unreadCount: number }>('POST', '/me/notifications/read', input),
  // the sandbox cashier (public: the payment id in the pay URL is the capability)
  sandboxPayment: (id: string) => request<SandboxPayment>('GET', `/sandbox/payments/${enc(id)}`),
  sandboxPay: (id: string, payerId: string) =>
    request<SandboxPayment>('POST', `/sandbox/payments/${enc(id)}/pay`, { payerId }),
  sandboxSettings: (provider: SandboxProvider) =>
    request<SandboxSettings>('GET', `/admin/sandbox/${enc(provider)}`),
  updateSandboxSettings: (provider: SandboxProvider, input: Omit<SandboxSettings, 'provider'>) =>
    request<SandboxSettings>('PUT', `/admin/sandbox/${enc(provider)}`, input),
  sandboxNotifications: (limit = 50) =>
    request<ItemList<SandboxNotification>>('GET', `/admin/sandbox/notifications?limit=${limit}`),
};

export interface SandboxSettings {
  provider: SandboxProvider;
  down: boolean;
  notificationDelaySeconds: number;
}

function refundQuery(filter: RefundFilter): string {
  const params = new URLSearchParams();
  if (filter.queue) params.set('queue', filter.queue);
  if (filter.state) params.set('state', filter.state);
  if (filter.orderId) params.set('orderId', filter.orderId);
  if (filter.limit) params.set('limit', String(filter.limit));
  const qs = params.toString();
  return qs ? `?${qs}` : '';
}

/** An evidence file of a request, for <img> and download links (the session cookie authorises it). */
export const evidenceFileUrl = (sha256: string, requestId: string): string =>
  `${BASE}/evidence/files/${enc(sha256)}?requestId=${enc(requestId)}`;

/** An attachment of an order's conversation, for <img> and download links (the session cookie authorises it). */
export const conversationFileUrl = (orderId: string, sha256: string): string =>
  `${BASE}/orders/${enc(orderId)}/messages/files/${enc(sha256)}`;

/** Rows per page of an order listing ("加载更多" fetches the next page). */
export const ORDERS_PAGE_SIZE = 20;

function orderQuery(filter: OrderFilter, cursor: string | undefined, limit: number): string {
  const params = new URLSearchParams({ limit: String(limit) });
  if (filter.kind) params.set('kind', filter.kind);
  if (filter.state) params.set('state', filter.state);
  if (filter.q) params.set('q', filter.q);
  if (filter.from) params.set('from', filter.from);
  if (filter.to) params.set('to', filter.to);
  if (cursor) params.set('cursor', cursor);
  return params.toString();
}

export type RecordsDataset = 'orders' | 'payments' | 'keys' | 'refunds';

/** Plain download links (the browser saves the file; the session cookie authorises it). */
export const recordsUrl = (format: 'xlsx' | { csv: RecordsDataset }): string =>
  format === 'xlsx'
    ? `${BASE}/me/records?format=xlsx`
    : `${BASE}/me/records?format=csv&dataset=${enc(format.csv)}`;

/** The problem's `data.policy` of a 409 `order.policy_changed`, when it looks like a policy. */
export function changedPolicy(err: unknown): Policy | null {
  if (!(err instanceof ApiError) || err.code !== 'order.policy_changed') return null;
  const p = err.problem?.data?.policy;
  if (!isRecord(p) || typeof p.version !== 'number' || !isRecord(p.rendered)) return null;
  return p as unknown as Policy;
}

/** The problem's `data` of a 409 `order.terms_changed`: the product's current face value and validity. */
export function changedTerms(err: unknown): { faceValueFen: number; validityDays: number | null } | null {
  if (!(err instanceof ApiError) || err.code !== 'order.terms_changed') return null;
  const d = err.problem?.data;
  if (!d || typeof d.faceValueFen !== 'number') return null;
  const v = d.validityDays;
  return { faceValueFen: d.faceValueFen, validityDays: typeof v === 'number' ? v : null };
}

/** The problem's `data` of a 409 `order.price_changed`: the unit price the buyer would pay now. */
export function changedPrice(err: unknown): { unitPriceFen: number } | null {
  if (!(err instanceof ApiError) || err.code !== 'order.price_changed') return null;
  const v = err.problem?.data?.unitPriceFen;
  return typeof v === 'number' ? { unitPriceFen: v } : null;
}

/** The problem's `data` of a 409 `membership.price_changed`: the offer's price and term now. */
export function changedOffer(err: unknown): { priceFen: number; termDays: number } | null {
  if (!(err instanceof ApiError) || err.code !== 'membership.price_changed') return null;
  const d = err.problem?.data;
  return d && typeof d.priceFen === 'number' && typeof d.termDays === 'number'
    ? { priceFen: d.priceFen, termDays: d.termDays }
    : null;
}

export const isConflict = (err: unknown): boolean => err instanceof ApiError && err.status === 409;
