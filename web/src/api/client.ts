/**
 * The typed HTTP client: openapi-fetch over the generated contract, so every path, parameter, body
 * and answer is checked by tsc against docs/openapi.json. Middleware does what every call needs:
 * the UI language, the CSRF header, and problem+json / network failures as ApiError.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import { currentLang } from '../i18n';
import type { paths } from './contract';
import { errorFromBody, networkError } from './errors';

export const API_BASE = '/api';

/** CSRF token from register/login/me; kept in memory only. */
let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** For requests not made through the client (the XHR file uploads). */
export function getCsrfToken(): string | null {
  return csrfToken;
}

/** Accept-Language from the UI language; the CSRF token on every call that may change something. */
const sessionHeaders: Middleware = {
  onRequest({ request }) {
    request.headers.set('Accept-Language', currentLang());
    if (request.method !== 'GET' && csrfToken) request.headers.set('x-csrf-token', csrfToken);
    return request;
  },
};

/**
 * Every error status becomes an ApiError from its problem+json body (thrown, so a call resolves only
 * with its success answer); no answer at all becomes networkError().
 */
const problems: Middleware = {
  async onResponse({ response }) {
    if (!response.ok) throw errorFromBody(response.status, await response.text().catch(() => ''));
    return undefined;
  },
  onError() {
    return networkError();
  },
};

// The contract's paths already start with /api: the base is the page's own origin.
export const client = createClient<paths>({
  baseUrl: '',
  credentials: 'same-origin',
  headers: { Accept: 'application/json, application/problem+json' },
});
client.use(sessionHeaders, problems);

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * A call's JSON answer. The `problems` middleware has already thrown for every error status, so what
 * is left is a success; one without the body the contract promises is an error all the same.
 */
export async function ok<T>(call: Promise<Answer<T>>): Promise<T> {
  const { data, response } = await call;
  if (data === undefined) throw errorFromBody(response.status, '');
  return data;
}

/** A call answered with 204 No Content (errors were thrown by the `problems` middleware). */
export async function noContent(call: Promise<Answer<unknown>>): Promise<void> {
  await call;
}
