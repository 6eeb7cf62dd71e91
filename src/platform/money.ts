/**
 * Yuan as decimal strings ("12.34") and integer fen, converted on the digits: through floating point
 * 0.29 yuan would become 28.999… fen. Used by the gateways (Alipay amounts), exports and messages.
 */

/** 1234 → "12.34", 5 → "0.05", -150 → "-1.50". */
export function fenToYuan(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`fen must be a safe integer, got ${fen}`);
  const sign = fen < 0 ? '-' : '';
  const digits = String(Math.abs(fen)).padStart(3, '0');
  return `${sign}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

// Plain non-negative decimals with at most two decimals, no exponent, no leading zeros ("012").
const YUAN = /^(0|[1-9]\d*)(?:\.(\d{1,2}))?$/;

/** "12.34" → 1234, "12.3" → 1230, "12" → 1200; anything else (3 decimals, "1e2", "-1") → RangeError. */
export function yuanToFen(yuan: string): number {
  const m = YUAN.exec(yuan);
  if (!m) throw new RangeError(`not a yuan amount: ${JSON.stringify(yuan)}`);
  const fen = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  if (!Number.isSafeInteger(fen)) throw new RangeError(`yuan amount too large: ${yuan}`);
  return fen;
}
