/**
 * The audit log (spec §10, §12.6): every state change records an append-only, hash-chained event
 * with actor and time, written in the same transaction as the change. `appendAudit` records it in
 * the current unit of work, which chains its events at its end; the chain itself is in
 * audit-chain.ts.
 */
export { appendAudit } from './unit-of-work.js';
export {
  auditTrail,
  canonicalJson,
  GENESIS_HASH,
  verifyAuditChain,
  type AuditInput,
  type ChainReport,
} from './audit-chain.js';
