/**
 * Signing and value formats the three channels share. What was checked against public sources
 * (the facts, not their code):
 *
 * - TOP (Taobao open platform, "API调用方法详解", developer.alibaba.com articleId=101617 and the
 *   English common-parameters page articleId=105423): common parameters `method`, `app_key`,
 *   `session`, `timestamp` ("yyyy-MM-dd HH:mm:ss", GMT+8; the server allows 10 minutes of skew),
 *   `v=2.0`, `sign_method` (md5 | hmac | hmac-sha256), `format=json`; for md5 the sign is
 *   MD5(secret + every non-empty parameter but `sign`, sorted by name, as name+value + secret) in
 *   32 upper-case hex. Worked example (segmentfault.com/q/1010000002569107): secret `test`,
 *   taobao.user.seller.get … → 72CB4D809B375A54502C09360D879C64, reproduced in
 *   test/unit/channel-wire.test.ts.
 * - PDD (gw-api.pinduoduo.com/api/router, as public clients call it, e.g. the SDKs in
 *   differentname123/Shop-Fusion and ruhao/pinduoduo): `type`, `client_id`, `access_token`,
 *   `timestamp` in Unix seconds, `data_type=JSON`, and the same MD5 scheme with client_secret,
 *   upper-case.
 * - 闲管家 (闲鱼's open platform, open.goofish.pro, per public integration notes): a JSON body, the
 *   query `appid`, `timestamp` (Unix seconds) and `sign` = lower-case md5(`appKey,md5(body),
 *   timestamp,appSecret`). Its supplier (货源) interface signs with more fields:
 *   md5(`appId,appSecret,md5(body),timestamp,mchId,mchSecret`) — checked against the official
 *   example (body {"goods_type":1,"goods_no":"12344532"}, timestamp 1724414553, mch 1001 →
 *   fda5954f48ab32b3b271c84450440ead); Kameng uses the ERP form.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export const md5Hex = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

/** TOP and PDD: MD5(secret + sorted name+value pairs + secret), upper-case hex. */
export function md5ParamSign(params: Readonly<Record<string, string | undefined>>, secret: string): string {
  const keys = Object.keys(params)
    .filter((k) => k !== 'sign' && k !== '' && params[k] !== undefined && params[k] !== '')
    .sort();
  return md5Hex(`${secret}${keys.map((k) => `${k}${params[k]}`).join('')}${secret}`).toUpperCase();
}

/** 闲管家: md5(`appKey,md5(body),timestamp,appSecret`), lower-case hex. */
export const xianyuSign = (appKey: string, body: string, timestamp: string, appSecret: string): string =>
  md5Hex(`${appKey},${md5Hex(body)},${timestamp},${appSecret}`);

/** Constant-time comparison of two signatures (case-insensitive hex). */
export function signaturesMatch(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase(), 'utf8');
  const y = Buffer.from(b.toLowerCase(), 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

// ---- times ------------------------------------------------------------------------------------

// China has had one UTC+8 offset with no DST since 1991, so fixed arithmetic is exact.
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/** "yyyy-MM-dd HH:mm:ss" in Beijing time, as TOP and PDD write times. */
export function beijingTime(at: Date): string {
  return new Date(at.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** Parses "yyyy-MM-dd HH:mm:ss" (Beijing time); null when malformed. */
export function parseBeijingTime(text: unknown): Date | null {
  if (typeof text !== 'string' || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(text)) return null;
  const at = new Date(`${text.replace(' ', 'T')}+08:00`);
  return Number.isNaN(at.getTime()) ? null : at;
}

export const unixSeconds = (at: Date): number => Math.floor(at.getTime() / 1000);

/** A Unix-seconds value (number or digit string) as a Date; null otherwise. */
export function fromUnixSeconds(v: unknown): Date | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,12}$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? new Date(n * 1000) : null;
}

/** Drops the milliseconds: TOP, PDD and 闲鱼 count time in whole seconds. */
export const floorSecond = (at: Date): Date => new Date(Math.floor(at.getTime() / 1000) * 1000);

// ---- money ------------------------------------------------------------------------------------

/** Integer fen as TOP/PDD yuan text: 1230 → "12.30". */
export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Yuan text ("12.3", "12.30", "12") as integer fen, parsed as text (no float); null otherwise. */
export function fenOfYuan(text: unknown): number | null {
  const s = typeof text === 'number' ? String(text) : text;
  if (typeof s !== 'string') return null;
  const m = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '0').padEnd(2, '0'));
}

// ---- HTTP bits --------------------------------------------------------------------------------

/** Header lookup ignoring case (Node lower-cases incoming names). */
export function header(
  headers: Readonly<Record<string, string | undefined>>,
  name: string,
): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === wanted) return v;
  return undefined;
}

export const formBody = (params: Readonly<Record<string, string>>): string =>
  new URLSearchParams(Object.entries(params)).toString();

export function parseForm(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(text)) out[k] = v;
  return out;
}

/** JSON.parse that answers null instead of throwing, for bytes from outside. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
