import en from '../i18n/en';
import zhCN from '../i18n/zh-CN';
import type { Lang, Messages, Problem, ProblemFieldError } from '../types';
import type { ErrorCode } from './contract';

/**
 * Codes the client makes up itself: no answer at all (NETWORK_ERROR), an upload the user stopped
 * (UPLOAD_ABORTED), or an error status whose body was not a problem (HTTP_413 from a proxy, …).
 */
export type ClientErrorCode = 'NETWORK_ERROR' | 'UPLOAD_ABORTED' | `HTTP_${number}`;

/** What `ApiError.code` can be: a server code from the contract, or one the client made up. */
export type ApiErrorCode = ErrorCode | ClientErrorCode;

/** Error carrying a parsed application/problem+json body (or a synthesised one). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ApiErrorCode;
  readonly messages: Messages;
  readonly field: string | undefined;
  readonly errors: ProblemFieldError[];
  /** What the body held of a problem (every part checked; absent when the body was not one). */
  readonly problem: Partial<Problem> | undefined;

  constructor(status: number, code: ApiErrorCode, messages: Messages, problem?: Partial<Problem>) {
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

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A problem's `code`. The contract lists every code the server sends (the ErrorCode enum, from the
 * catalog in src/platform/errors.ts), and the client takes a problem body at the contract's word as
 * it does every answer it parses: only "is it a string" can be checked here.
 */
function isErrorCode(v: unknown): v is ErrorCode {
  return typeof v === 'string' && v !== '';
}

function asMessages(v: unknown): Messages | undefined {
  if (!isRecord(v)) return undefined;
  const zh = v['zh-CN'];
  const e = v['en'];
  if (typeof zh !== 'string' && typeof e !== 'string') return undefined;
  return { 'zh-CN': typeof zh === 'string' ? zh : String(e), en: typeof e === 'string' ? e : String(zh) };
}

function asProblem(v: unknown): Partial<Problem> | undefined {
  if (!isRecord(v)) return undefined;
  const errors: ProblemFieldError[] = [];
  if (Array.isArray(v.errors)) {
    for (const item of v.errors as unknown[]) {
      if (!isRecord(item) || typeof item.field !== 'string' || !isErrorCode(item.code)) continue;
      const messages = asMessages(item.messages) ?? { 'zh-CN': item.code, en: item.code };
      errors.push({ field: item.field, code: item.code, messages });
    }
  }
  return {
    type: typeof v.type === 'string' ? v.type : undefined,
    title: typeof v.title === 'string' ? v.title : undefined,
    status: typeof v.status === 'number' ? v.status : undefined,
    code: isErrorCode(v.code) ? v.code : undefined,
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
