/**
 * The API as the pages call it: one method per use, each a typed call of the generated contract
 * (./schema.ts) through the openapi-fetch client (./client.ts), unwrapped to its answer. Failures
 * reject with ApiError.
 */
import type {
  BulkRevealInput,
  AuthResponse,
  BuyerActionInput,
  CheckoutInput,
  CreateProductInput,
  DecisionInput,
  DepositTopUpInput,
  DisputeDecisionInput,
  DisputeQueue,
  KeyState,
  MarkNotificationsReadInput,
  MembershipPurchaseInput,
  MerchantStatusInput,
  OrderFilter,
  PenaltyRules,
  Policy,
  PolicyInput,
  PostMessageInput,
  ProductStatus,
  ProfileInput,
  RefundApplyInput,
  RefundFilter,
  RefundPrecheckInput,
  SandboxProvider,
  SandboxSettingsInput,
  StatementInput,
  TopUpInput,
  UpdateProductInput,
  WithdrawalInput,
  WithdrawalState,
} from '../types';
import { API_BASE, client, noContent, ok, setCsrfToken } from './client';
import type { BodyOf, QueryOf } from './contract';
import { ApiError } from './errors';
import { readPolicy, readVocabulary } from './untyped';

export { API_BASE, getCsrfToken, setCsrfToken } from './client';
export { ApiError, errorFromBody, networkError, type ApiErrorCode } from './errors';
export type { SandboxSettings } from '../types';

function withAuth(r: AuthResponse): AuthResponse {
  setCsrfToken(r.csrfToken);
  return r;
}

export type ProductQuery = Pick<QueryOf<'/api/products', 'get'>, 'type' | 'q'>;

/** Rows per merchant key listing (the API has no paging yet). */
export const KEYS_PAGE_SIZE = 50;

/** Rows per page of a withdrawal listing ("加载更多" fetches the next page). */
export const WITHDRAWALS_PAGE_SIZE = 20;

/** Rows per page of an order listing ("加载更多" fetches the next page). */
export const ORDERS_PAGE_SIZE = 20;

/** An empty string is no filter (a text box cleared), not a filter on "". */
const text = (s: string | undefined): string | undefined => s || undefined;

function orderQuery(filter: OrderFilter, cursor: string | undefined, limit: number) {
  return {
    kind: filter.kind,
    state: filter.state,
    q: text(filter.q),
    from: text(filter.from),
    to: text(filter.to),
    cursor: text(cursor),
    limit,
  } satisfies QueryOf<'/api/orders', 'get'>;
}

const idempotent = (key: string) => ({ header: { 'idempotency-key': key } });

export const api = {
  /** Always "e-mail sent" (ADR 0009): the mailed link finishes registering (`confirmRegistration`). */
  register: (body: BodyOf<'/api/auth/register', 'post'>) => ok(client.POST('/api/auth/register', { body })),
  confirmRegistration: async (body: BodyOf<'/api/auth/register/confirm', 'post'>) =>
    withAuth(await ok(client.POST('/api/auth/register/confirm', { body }))),
  requestPasswordReset: (login: string) => ok(client.POST('/api/auth/password-reset', { body: { login } })),
  confirmPasswordReset: (body: BodyOf<'/api/auth/password-reset/confirm', 'post'>) =>
    noContent(client.POST('/api/auth/password-reset/confirm', { body })),
  changePassword: (body: BodyOf<'/api/auth/password', 'post'>) =>
    noContent(client.POST('/api/auth/password', { body })),
  /** The sandbox mailbox (only while the sandbox is on). */
  sandboxMail: async (to: string) =>
    (await ok(client.GET('/api/sandbox/mail', { params: { query: { to } } }))).items,
  login: async (body: BodyOf<'/api/auth/login', 'post'>) =>
    withAuth(await ok(client.POST('/api/auth/login', { body }))),
  logout: async () => {
    try {
      await noContent(client.POST('/api/auth/logout'));
    } finally {
      setCsrfToken(null);
    }
  },
  /** Current session, or null when logged out (401). */
  me: async (): Promise<AuthResponse | null> => {
    try {
      return withAuth(await ok(client.GET('/api/auth/me')));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        setCsrfToken(null);
        return null;
      }
      throw err;
    }
  },
  products: (query: ProductQuery) =>
    ok(client.GET('/api/products', { params: { query: { type: query.type, q: text(query.q) } } })),
  product: (id: string) => ok(client.GET('/api/products/{id}', { params: { path: { id } } })),
  policies: (id: string) => ok(client.GET('/api/products/{id}/policies', { params: { path: { id } } })),
  merchantProducts: () => ok(client.GET('/api/merchant/products')),
  createProduct: (body: CreateProductInput) => ok(client.POST('/api/merchant/products', { body })),
  updateProduct: (id: string, body: UpdateProductInput) =>
    ok(client.PATCH('/api/merchant/products/{id}', { params: { path: { id } }, body })),
  createPolicy: (id: string, version: number, input: PolicyInput) =>
    ok(
      client.POST('/api/merchant/products/{id}/policy', {
        params: { path: { id } },
        body: { version, ...input },
      }),
    ),
  setStatus: (id: string, version: number, status: Exclude<ProductStatus, 'DRAFT'>) =>
    ok(
      client.POST('/api/merchant/products/{id}/status', {
        params: { path: { id } },
        body: { version, status },
      }),
    ),
  policyBounds: () => ok(client.GET('/api/merchant/policy-bounds')),
  merchantProfile: () => ok(client.GET('/api/merchant/profile')),
  updateMerchantProfile: (body: ProfileInput) => ok(client.PATCH('/api/merchant/profile', { body })),
  // keys (卡密); the import upload itself is `uploadImport` in upload.ts (XHR, for progress)
  importBatches: (productId: string) =>
    ok(client.GET('/api/merchant/imports', { params: { query: { productId } } })),
  importBatch: (id: string) => ok(client.GET('/api/merchant/imports/{id}', { params: { path: { id } } })),
  stock: () => ok(client.GET('/api/merchant/stock')),
  updateStockSettings: (id: string, lowStockThreshold: number | null) =>
    ok(
      client.PATCH('/api/merchant/products/{id}/stock-settings', {
        params: { path: { id } },
        body: { lowStockThreshold },
      }),
    ),
  productKeys: (id: string, state?: KeyState) =>
    ok(
      client.GET('/api/merchant/products/{id}/keys', {
        params: { path: { id }, query: { limit: KEYS_PAGE_SIZE, state } },
      }),
    ),
  voidKey: (id: string) =>
    ok(client.POST('/api/merchant/keys/{id}/void', { params: { path: { id } }, body: {} })),
  markKeyInvalid: (id: string, body: BodyOf<'/api/merchant/keys/{id}/invalid', 'post'>) =>
    ok(client.POST('/api/merchant/keys/{id}/invalid', { params: { path: { id } }, body })),
  keyTimeline: (id: string) => ok(client.GET('/api/keys/{id}/timeline', { params: { path: { id } } })),
  unitTimeline: (id: string) => ok(client.GET('/api/units/{id}/timeline', { params: { path: { id } } })),
  myUnits: () => ok(client.GET('/api/me/units')),
  /** The secret: keep the result in component state only (never in the query cache). */
  revealUnit: (id: string) =>
    ok(client.POST('/api/units/{id}/reveal', { params: { path: { id } }, body: {} })),
  revealOrderUnits: (id: string, body: BulkRevealInput) =>
    ok(client.POST('/api/orders/{id}/reveal', { params: { path: { id } }, body })),
  // orders, wallet and membership: creating calls carry an Idempotency-Key (see useIdempotencyKey)
  checkout: (body: CheckoutInput, idempotencyKey: string) =>
    ok(client.POST('/api/orders', { params: idempotent(idempotencyKey), body })),
  orders: (filter: OrderFilter, cursor?: string, limit = ORDERS_PAGE_SIZE) =>
    ok(client.GET('/api/orders', { params: { query: orderQuery(filter, cursor, limit) } })),
  order: (id: string) => ok(client.GET('/api/orders/{id}', { params: { path: { id } } })),
  payOrder: (id: string) => ok(client.POST('/api/orders/{id}/pay', { params: { path: { id } } })),
  pendingOrders: (productId: string) =>
    ok(client.GET('/api/orders/pending', { params: { query: { productId } } })),
  cancelOrder: (id: string) => ok(client.POST('/api/orders/{id}/cancel', { params: { path: { id } } })),
  wallet: () => ok(client.GET('/api/me/wallet')),
  topUp: (body: TopUpInput, idempotencyKey: string) =>
    ok(client.POST('/api/me/topups', { params: idempotent(idempotencyKey), body })),
  membershipOffers: () => ok(client.GET('/api/membership/offers')),
  memberships: () => ok(client.GET('/api/me/memberships')),
  buyMembership: (body: MembershipPurchaseInput, idempotencyKey: string) =>
    ok(client.POST('/api/me/membership', { params: idempotent(idempotencyKey), body })),
  merchantOrders: (filter: OrderFilter, cursor?: string, limit = ORDERS_PAGE_SIZE) =>
    ok(client.GET('/api/merchant/orders', { params: { query: orderQuery(filter, cursor, limit) } })),
  merchantFinance: () => ok(client.GET('/api/merchant/finance')),
  // merchant money: deposit top-ups and withdrawals carry an Idempotency-Key too
  bankInfo: () => ok(client.GET('/api/finance/bank')),
  topUpDeposit: (body: DepositTopUpInput, idempotencyKey: string) =>
    ok(client.POST('/api/merchant/deposit/topups', { params: idempotent(idempotencyKey), body })),
  withdraw: (body: WithdrawalInput, idempotencyKey: string) =>
    ok(client.POST('/api/merchant/withdrawals', { params: idempotent(idempotencyKey), body })),
  withdrawals: (cursor?: string, limit = WITHDRAWALS_PAGE_SIZE) =>
    ok(client.GET('/api/merchant/withdrawals', { params: { query: { cursor: text(cursor), limit } } })),
  adminWithdrawals: (state?: WithdrawalState, cursor?: string, limit = WITHDRAWALS_PAGE_SIZE) =>
    ok(client.GET('/api/admin/withdrawals', { params: { query: { state, cursor: text(cursor), limit } } })),
  // after-sales (退款/售后); evidence uploads are `uploadEvidence` in upload.ts (XHR, for progress)
  refundVocabulary: async () => readVocabulary(await ok(client.GET('/api/refunds/vocabulary'))),
  refundDraft: (id: string) => ok(client.GET('/api/orders/{id}/refund-draft', { params: { path: { id } } })),
  refundPrecheck: (id: string, body: RefundPrecheckInput) =>
    ok(client.POST('/api/orders/{id}/refund-precheck', { params: { path: { id } }, body })),
  /** The key is made once per opened form: a double click or a retry gives the same request. */
  applyRefund: (id: string, body: RefundApplyInput, idempotencyKey: string) =>
    ok(
      client.POST('/api/orders/{id}/refunds', {
        params: { path: { id }, ...idempotent(idempotencyKey) },
        body,
      }),
    ),
  refunds: (filter: RefundFilter = {}) =>
    ok(client.GET('/api/refunds', { params: { query: { ...filter, orderId: text(filter.orderId) } } })),
  refund: (id: string) => ok(client.GET('/api/refunds/{id}', { params: { path: { id } } })),
  refundDecision: (id: string, body: DecisionInput) =>
    ok(client.POST('/api/refunds/{id}/decision', { params: { path: { id } }, body })),
  refundAction: (id: string, body: BuyerActionInput) =>
    ok(client.POST('/api/refunds/{id}/actions', { params: { path: { id } }, body })),
  supportAlerts: () => ok(client.GET('/api/support/alerts')),
  // disputes (平台仲裁): statement files are uploaded first with `uploadEvidence`
  disputes: (query: { queue?: DisputeQueue; requestId?: string } = {}) =>
    ok(
      client.GET('/api/disputes', {
        params: { query: { queue: query.queue, requestId: text(query.requestId) } },
      }),
    ),
  dispute: (id: string) => ok(client.GET('/api/disputes/{id}', { params: { path: { id } } })),
  /** The merchant contests a refund platform support approved. */
  openMerchantDispute: (requestId: string, note: string) =>
    ok(client.POST('/api/refunds/{id}/dispute', { params: { path: { id: requestId } }, body: { note } })),
  saveStatement: (id: string, body: StatementInput) =>
    ok(client.PUT('/api/disputes/{id}/statement', { params: { path: { id } }, body })),
  submitStatement: (id: string, version: number) =>
    noContent(
      client.POST('/api/disputes/{id}/statement/submit', { params: { path: { id } }, body: { version } }),
    ),
  decideDispute: (id: string, body: DisputeDecisionInput) =>
    ok(client.POST('/api/disputes/{id}/decision', { params: { path: { id } }, body })),
  merchant: (id: string) => ok(client.GET('/api/merchants/{id}', { params: { path: { id } } })),
  merchantRecord: (id: string) => ok(client.GET('/api/merchants/{id}/record', { params: { path: { id } } })),
  adminMerchants: (status?: 'ACTIVE' | 'SUSPENDED') =>
    ok(client.GET('/api/admin/merchants', { params: { query: { status } } })),
  merchantProductsOf: (merchantId: string) =>
    ok(client.GET('/api/products', { params: { query: { merchantId } } })),
  penaltyRules: () => ok(client.GET('/api/admin/penalty-rules')),
  updatePenaltyRules: (body: PenaltyRules) => ok(client.PUT('/api/admin/penalty-rules', { body })),
  setMerchantStatus: (id: string, body: MerchantStatusInput) =>
    ok(client.POST('/api/admin/merchants/{id}/status', { params: { path: { id } }, body })),
  // order conversations (沟通记录); attachments are uploaded first with `uploadEvidence`
  conversation: (id: string, after?: string) =>
    ok(client.GET('/api/orders/{id}/messages', { params: { path: { id }, query: { after: text(after) } } })),
  postMessage: (id: string, body: PostMessageInput) =>
    ok(client.POST('/api/orders/{id}/messages', { params: { path: { id } }, body })),
  markConversationRead: (id: string, lastReadId: string) =>
    ok(client.POST('/api/orders/{id}/messages/read', { params: { path: { id } }, body: { lastReadId } })),
  // notifications (站内信)
  notifications: (query: { cursor?: string; unread?: boolean } = {}) =>
    ok(
      client.GET('/api/me/notifications', {
        params: { query: { cursor: text(query.cursor), unread: query.unread ? 'true' : undefined } },
      }),
    ),
  markNotificationsRead: (body: MarkNotificationsReadInput) =>
    ok(client.POST('/api/me/notifications/read', { body })),
  // the sandbox cashier (public: the payment id in the pay URL is the capability)
  sandboxPayment: (id: string) => ok(client.GET('/api/sandbox/payments/{id}', { params: { path: { id } } })),
  sandboxPay: (id: string, payerId: string) =>
    ok(client.POST('/api/sandbox/payments/{id}/pay', { params: { path: { id } }, body: { payerId } })),
  sandboxSettings: (provider: SandboxProvider) =>
    ok(client.GET('/api/admin/sandbox/{provider}', { params: { path: { provider } } })),
  updateSandboxSettings: (provider: SandboxProvider, body: SandboxSettingsInput) =>
    ok(client.PUT('/api/admin/sandbox/{provider}', { params: { path: { provider } }, body })),
  sandboxNotifications: (limit = 50) =>
    ok(client.GET('/api/admin/sandbox/notifications', { params: { query: { limit } } })),
};

const enc = encodeURIComponent;

/** An evidence file of a request, for <img> and download links (the session cookie authorises it). */
export const evidenceFileUrl = (sha256: string, requestId: string): string =>
  `${API_BASE}/evidence/files/${enc(sha256)}?requestId=${enc(requestId)}`;

/** A dispute's case file to keep (a ZIP: summary, records, evidence, manifest), for a download link. */
export const disputeCaseFileUrl = (id: string, lang: 'zh-CN' | 'en'): string =>
  `${API_BASE}/disputes/${enc(id)}/case-file?lang=${enc(lang)}`;

/** An attachment of an order's conversation, for <img> and download links (the session cookie authorises it). */
export const conversationFileUrl = (orderId: string, sha256: string): string =>
  `${API_BASE}/orders/${enc(orderId)}/messages/files/${enc(sha256)}`;

export type RecordsDataset = NonNullable<QueryOf<'/api/me/records', 'get'>['dataset']>;

/** Plain download links (the browser saves the file; the session cookie authorises it). */
export const recordsUrl = (format: 'xlsx' | { csv: RecordsDataset }, lang: 'zh-CN' | 'en'): string =>
  format === 'xlsx'
    ? `${API_BASE}/me/records?format=xlsx&lang=${enc(lang)}`
    : `${API_BASE}/me/records?format=csv&dataset=${enc(format.csv)}&lang=${enc(lang)}`;

/** The problem's `data.policy` of a 409 `order.policy_changed`, when it reads as a policy. */
export function changedPolicy(err: unknown): Policy | null {
  if (!(err instanceof ApiError) || err.code !== 'order.policy_changed') return null;
  return readPolicy(err.problem?.data?.policy);
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
