/**
 * The keyed hashes a key is found by, without decrypting anything: duplicate detection at import
 * and the activation registry's look-up. Both hash the normalised card number and secret with the
 * vault's HMAC key.
 */
import type { HmacSha256 } from '../../platform/crypto.js';
import type { SecretPayload } from '../../platform/vault.js';
import { normaliseSecret, normaliseSerial, type ProductType } from './parse.js';

/**
 * HMAC-SHA256 truncated to 128 bits: collisions stay out of reach (~2^64 keys for a birthday
 * collision) and the two random-order indexes over them are half the size, which is what keeps a
 * million-key import fast once the indexes outgrow the page cache.
 */
const HMAC_BYTES = 16;
const LOOKUP_BYTES = 8;

/** Duplicate detection: a keyed hash of the normalised card number and secret. */
export function secretHmac(hmacKey: HmacSha256, type: ProductType, payload: SecretPayload): Buffer {
  const serial = payload.serial === null ? '' : normaliseSerial(payload.serial);
  return hmacKey
    .digest(`secret\u0000${serial}\u0000${normaliseSecret(type, payload.secret)}`)
    .subarray(0, HMAC_BYTES);
}

/**
 * Activation look-up: by card number when there is one, else by the secret itself. Only a
 * 64-bit prefix: it narrows the search and every candidate is then checked against the full
 * `secret_hmac`, so a prefix collision can never activate the wrong key; the shorter value keeps
 * this random-order index small during bulk imports.
 */
export function lookupHmac(hmacKey: HmacSha256, type: ProductType, payload: SecretPayload): Buffer {
  return (
    payload.serial === null
      ? secretHmac(hmacKey, type, payload)
      : hmacKey.digest(`serial\u0000${normaliseSerial(payload.serial)}`)
  ).subarray(0, LOOKUP_BYTES);
}
