import { currentLang } from './i18n';
import en from './i18n/en';
import zhCN from './i18n/zh-CN';
import type {
  AuthResponse,
  CreateProductInput,
  ItemList,
  ImportBatch,
  KeyRow,
  KeyState,
  KeyTimeline,
  Lang,
  MerchantProfile,
  Messages,
  Policy,
  PolicyInput,
  Problem,
  ProblemFieldError,
  Product,
  ProductStatus,
  ProductType,
  ProfileInput,
  RevealResult,
  StockItem,
  Unit,
  UpdateProductInput,
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

export async function request<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {
    Accept: 'application/json, application/problem+json',
    'Accept-Language': currentLang(),
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
};

export const isConflict = (err: unknown): boolean => err instanceof ApiError && err.status === 409;
