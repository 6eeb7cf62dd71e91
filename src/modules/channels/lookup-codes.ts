/**
 * Lookup codes (提取码) for channel buyers: 8 characters from an alphabet without look-alikes
 * (no 0/O, 1/I/L), ~40 bits — with the per-order throttle (5 wrong codes an hour) a guess has no
 * real chance. Stored only as an HMAC under the vault's key, bound to the order number.
 */
import { randomInt } from 'node:crypto';
import type { Db } from '../../platform/db/dialect.js';
import type { KeyVault } from '../../platform/vault.js';

const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const CODE_LENGTH = 8;

export function newLookupCode(): string {
  let out = '';
  for (let i = 0; i < CODE_LENGTH; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

/** What a person types: case and spaces and dashes do not matter. */
export const normaliseCode = (code: string): string => code.toUpperCase().replace(/[\s-]/g, '');

export async function codeHmac(
  ctx: { vault: KeyVault },
  db: Db,
  orderNo: string,
  code: string,
  at: Date,
): Promise<Buffer> {
  return (await ctx.vault.hmacKey(db, at)).digest(`lookup:${orderNo}:${normaliseCode(code)}`);
}
