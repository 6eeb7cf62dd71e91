/**
 * Readers for the few answers the contract leaves `unknown` (docs/openapi.json describes them as
 * `{}`): the refund vocabulary, the eligibility stored with a refund request, and the policy a
 * problem carries in its free-form `data`. Each part is
 * checked before it is used, and what does not fit is left out rather than trusted. When the server
 * describes these in its route schemas, the generated types replace this file.
 */
import type {
  Badge,
  BadgeTone,
  Eligibility,
  EligibilityCodeKind,
  Policy,
  ReasonSide,
  RefundVocabulary,
  UnitEligibility,
  UnitOutcome,
  ZhEn,
} from '../types';
import { isRecord } from './errors';

const oneOf = <T extends string>(list: readonly T[], v: unknown): T | null =>
  typeof v === 'string' && (list as readonly string[]).includes(v) ? (v as T) : null;

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

function zhEn(v: Record<string, unknown>): ZhEn | null {
  return typeof v.zh === 'string' && typeof v.en === 'string' ? { zh: v.zh, en: v.en } : null;
}

/** Every entry of an object `{ [code]: {...} }` that `read` accepts. */
function entries<T>(
  v: unknown,
  read: (entry: Record<string, unknown>) => T | null,
): Partial<Record<string, T>> {
  const out: Partial<Record<string, T>> = {};
  if (!isRecord(v)) return out;
  for (const [key, entry] of Object.entries(v)) {
    const value = isRecord(entry) ? read(entry) : null;
    if (value) out[key] = value;
  }
  return out;
}

const SIDES: readonly ReasonSide[] = ['BUYER', 'MERCHANT', 'REVIEW'];
const CODE_KINDS: readonly EligibilityCodeKind[] = ['BLOCK', 'NEED', 'PASS', 'REVIEW'];

/** GET /refunds/vocabulary, read into the shape the pages use. */
export function readVocabulary(raw: {
  reasons: unknown;
  codes: unknown;
  rejectCodes: unknown;
}): RefundVocabulary {
  return {
    reasons: entries(raw.reasons, (e) => {
      const text = zhEn(e);
      const side = oneOf(SIDES, e.side);
      return text && side ? { ...text, side } : null;
    }),
    codes: entries(raw.codes, (e) => {
      const text = zhEn(e);
      const kind = oneOf(CODE_KINDS, e.kind);
      return text && kind ? { ...text, kind, clause: e.clause === true } : null;
    }),
    rejectCodes: entries(raw.rejectCodes, zhEn),
  };
}

const OUTCOMES: readonly UnitOutcome[] = ['ELIGIBLE', 'NEEDS_EVIDENCE', 'BLOCKED'];
const STATUSES: readonly Eligibility['summary']['status'][] = ['ALL', 'SOME', 'NONE'];

function readUnit(v: unknown): UnitEligibility | null {
  if (!isRecord(v) || typeof v.unitId !== 'string' || !isStrings(v.codes)) return null;
  const outcome = oneOf(OUTCOMES, v.outcome);
  const ex = v.explanations;
  if (!outcome || !isRecord(ex) || !isStrings(ex.zh) || !isStrings(ex.en)) return null;
  return {
    unitId: v.unitId,
    outcome,
    eligible: v.eligible === true,
    autoApprovable: v.autoApprovable === true,
    sealedAndEligible: v.sealedAndEligible === true,
    codes: v.codes,
    explanations: { zh: ex.zh, en: ex.en },
  };
}

/**
 * The eligibility answer a refund request keeps from its latest submission (the same shape as the
 * pre-check's answer), or null when there is none or it is not of that shape.
 */
export function readEligibility(v: unknown): Eligibility | null {
  if (!isRecord(v) || typeof v.reason !== 'string' || !Array.isArray(v.units)) return null;
  const s = v.summary;
  if (!isRecord(s)) return null;
  const status = oneOf(STATUSES, s.status);
  const text = zhEn(s);
  if (!status || !text) return null;
  if (!isStrings(s.eligibleUnitIds) || !isStrings(s.needsEvidenceUnitIds) || !isStrings(s.blockedUnitIds)) {
    return null;
  }
  const units = (v.units as unknown[]).map(readUnit);
  if (units.some((u) => u === null)) return null;
  return {
    reason: v.reason,
    units: units.filter((u): u is UnitEligibility => u !== null),
    summary: {
      status,
      eligibleUnitIds: s.eligibleUnitIds,
      needsEvidenceUnitIds: s.needsEvidenceUnitIds,
      blockedUnitIds: s.blockedUnitIds,
      autoApprovable: s.autoApprovable === true,
      ...text,
    },
  };
}

const TONES: readonly BadgeTone[] = ['success', 'warning', 'error', 'info'];

function readBadges(v: unknown): Badge[] | null {
  if (!Array.isArray(v)) return null;
  const badges: Badge[] = [];
  for (const b of v as unknown[]) {
    if (!isRecord(b) || typeof b.code !== 'string') return null;
    const text = zhEn(b);
    const tone = oneOf(TONES, b.tone);
    if (!text || !tone) return null;
    badges.push({ code: b.code, ...text, tone });
  }
  return badges;
}

function readRendered(v: unknown): Policy['rendered']['zh'] | null {
  if (!isRecord(v) || typeof v.text !== 'string') return null;
  const badges = readBadges(v.badges);
  return badges && { text: v.text, badges };
}

const isNullableNumber = (v: unknown): v is number | null => v === null || typeof v === 'number';

/** A refund policy as a problem's `data.policy` carries it (409 order.policy_changed), or null. */
export function readPolicy(v: unknown): Policy | null {
  if (!isRecord(v) || !isRecord(v.rendered)) return null;
  const { id, productId, version, textHash, createdAt, windowHours, nonRefundableText } = v;
  const zh = readRendered(v.rendered.zh);
  const en = readRendered(v.rendered.en);
  const flags = [v.unactivatedRefund, v.noReasonRefund, v.revealedRefund, v.nonRefundable];
  if (
    typeof id !== 'string' ||
    typeof productId !== 'string' ||
    typeof version !== 'number' ||
    typeof textHash !== 'string' ||
    typeof createdAt !== 'string' ||
    !isNullableNumber(windowHours) ||
    !(nonRefundableText === null || typeof nonRefundableText === 'string') ||
    !flags.every((f) => typeof f === 'boolean') ||
    !zh ||
    !en
  ) {
    return null;
  }
  return {
    id,
    productId,
    version,
    unactivatedRefund: v.unactivatedRefund === true,
    windowHours,
    noReasonRefund: v.noReasonRefund === true,
    revealedRefund: v.revealedRefund === true,
    nonRefundable: v.nonRefundable === true,
    nonRefundableText,
    textHash,
    createdAt,
    rendered: { zh, en },
  };
}
