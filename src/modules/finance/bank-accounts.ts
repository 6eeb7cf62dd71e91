/**
 * Bank account numbers are secrets (like card keys): sealed at rest through the key vault, bound
 * to the withdrawal they belong to, shown masked (`6222 **** **** 0001` → `****0001`), never
 * logged, exported or put in an audit event.
 */
import type { Db } from '../../platform/db/dialect.js';
import { fail } from '../../platform/errors.js';
import type { KeyVault } from '../../platform/vault.js';

/** Digits only: spaces and dashes people type between groups are dropped. */
export function normaliseAccountNo(input: string): string {
  const digits = input.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(digits)) fail('withdrawal.account_invalid', { field: 'accountNo' });
  return digits;
}

/** The last four digits only (what a bank statement shows). */
export const maskAccountNo = (digits: string): string => `****${digits.slice(-4)}`;

const aad = (withdrawalId: string): string => `bank-account:${withdrawalId}`;

export function sealAccountNo(
  vault: KeyVault,
  db: Db,
  at: Date,
  withdrawalId: string,
  digits: string,
): Promise<Buffer> {
  return vault.sealBlob(db, at, aad(withdrawalId), Buffer.from(digits, 'utf8'));
}

export async function openAccountNo(
  vault: KeyVault,
  db: Db,
  withdrawalId: string,
  sealed: Buffer,
): Promise<string> {
  return (await vault.openBlob(db, aad(withdrawalId), sealed)).toString('utf8');
}

/** A keyed fingerprint of the number (for the idempotency hash: a plain hash could be brute-forced). */
export async function accountFingerprint(vault: KeyVault, db: Db, at: Date, digits: string): Promise<string> {
  return (await vault.hmacKey(db, at)).digest(`bank-account:${digits}`).toString('hex');
}
