/**
 * Refund eligibility (退款前提, spec §6): one pure function that answers, per unit, whether a refund
 * for the given reason can be had, with rule codes and plain sentences built from the records.
 * The pre-check API, applications, auto-approval and arbitration findings all call it, so it reads
 * no clock and no database: the caller passes `at` and every fact.
 *
 * The legal frame (spec §3) decides which rules may block:
 * - Facts always count: a key that is activated, used, invalid or revealed by the buyer.
 * - Policy clauses (codes with `clause: true`) restrict the seven-day no-reason return a *sealed*
 *   unit has under 消法 §25; such a restriction binds only with the recorded checkout confirmation
 *   (`policyConfirmedAt`). Without it the unit is refundable within that statutory period and the
 *   result says CLAUSE_NOT_DISCLOSED instead of the clause.
 * - A revealed key is unsealed, which §25 itself excludes: no statutory right is left to restrict,
 *   so what the policy promises for revealed keys (revealedRefund, within its window, for the
 *   reasons it covers) is all there is, confirmed or not. A promise binds the merchant who
 *   published it; only restrictions need the buyer's confirmation.
 * - Merchant-fault reasons are 消法 §24 claims: no policy term limits them; the platform's
 *   quality-claim period and proof (records, else the buyer's evidence) do.
 * - A key activated while still sealed (delivered, never shown to the buyer — or first shown only
 *   after the activation) was not activated by the buyer: that activation never counts against
 *   the buyer, whatever the reason, and is merchant fault the records prove (ACTIVATED_WHILE_SEALED,
 *   within the quality-claim period like RECORDS_PROVE_FAULT).
 */
import type { KeyState, ProductType } from '../../platform/db/schema.js';
import { shanghaiDate } from '../../platform/calendar.js';
import type { PolicyTerms } from '../catalog/index.js';
import {
  ELIGIBILITY_CODE_INFO,
  explain,
  REFUND_REASONS,
  type ClauseCode,
  type EligibilityCode,
  type ExplainContext,
  type RefundReason,
} from './explain.js';

export {
  ELIGIBILITY_CODES,
  ELIGIBILITY_CODE_INFO,
  REFUND_REASON_CODES,
  REFUND_REASONS,
  type ClauseCode,
  type CodeInfo,
  type CodeKind,
  type EligibilityCode,
  type ReasonInfo,
  type ReasonSide,
  type RefundReason,
} from './explain.js';

/** The unit's current key (the replacement, when one was delivered for an invalid key). */
export interface UnitKeyFacts {
  state: KeyState;
  serialMasked: string;
  /** When this key reached the buyer, if not the order's delivery time (a replacement key). */
  deliveredAt?: string | null;
  firstRevealedAt: string | null;
  activatedAt: string | null;
  /** Who activated it, when the registry knows the caller's role; only for the explanation. */
  activatedBy?: 'issuer' | 'merchant' | null;
  activationSource: 'REDEEM' | 'REPORT' | null;
  /** Proven by the activation registry: first use came before delivery. */
  activatedBeforeDelivery: boolean;
  /** ENTITLEMENT units: any usage at all. */
  partiallyUsed: boolean;
}

export interface UnitFacts {
  unitId: string;
  /** null: no key was ever delivered for the unit. */
  key: UnitKeyFacts | null;
  alreadyRefunded: boolean;
  /** A final arbitration decided the unit is not refunded. */
  arbitrated?: boolean;
  inOpenRequest: boolean;
}

export interface OrderFacts {
  deliveredAt: string | null;
  /** The version number of the order's policy, to cite it (`refund_policies.v3`); optional. */
  policyVersion?: number | null;
  /** The recorded prominent confirmation at checkout; null when the policy was never acknowledged. */
  policyConfirmedAt: string | null;
  /** The policy version the order was placed under. */
  policy: PolicyTerms;
  productType: ProductType;
}

export interface EligibilityInput {
  at: Date;
  reason: RefundReason;
  order: OrderFacts;
  units: readonly UnitFacts[];
  /** PlatformRules.qualityClaimDays */
  qualityClaimDays: number;
  /** The buyer has attached evidence (images, PDF, chat logs) to the request. */
  evidenceAttached: boolean;
}

/** ELIGIBLE: may be refunded; NEEDS_EVIDENCE: eligible once evidence is attached; BLOCKED: not for this reason. */
export type UnitOutcome = 'ELIGIBLE' | 'NEEDS_EVIDENCE' | 'BLOCKED';

export interface UnitEligibility {
  unitId: string;
  outcome: UnitOutcome;
  eligible: boolean;
  /** Eligible with no human judgement needed: sealed buyer-side, or a fault the records prove. */
  autoApprovable: boolean;
  /** The instant-refund case (spec §7): nothing can be lost, the key returns to stock. */
  sealedAndEligible: boolean;
  codes: EligibilityCode[];
  /** One sentence per code, in the same order. */
  explanations: { zh: string[]; en: string[] };
}

export interface EligibilitySummary {
  status: 'ALL' | 'SOME' | 'NONE';
  eligibleUnitIds: string[];
  needsEvidenceUnitIds: string[];
  blockedUnitIds: string[];
  /** Every unit is auto-approvable: the request is approved the moment it is made. */
  autoApprovable: boolean;
  zh: string;
  en: string;
}

export interface EligibilityResult {
  reason: RefundReason;
  units: UnitEligibility[];
  summary: EligibilitySummary;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** 消法 §25 七日无理由退货. */
const STATUTORY_RETURN_DAYS = 7;

function parseTime(iso: string | null | undefined, what: string): Date | null {
  if (iso === null || iso === undefined) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new RangeError(`eligibility: ${what} is not a time: ${iso}`);
  return d;
}

/**
 * Last instant of the seven-day return period. 网络购买商品七日无理由退货暂行办法 §7 counts it from
 * the day after receipt, so it ends at 24:00 Shanghai time on the seventh day after delivery.
 */
export function returnPeriodEnd(deliveredAt: Date): Date {
  const deliveryDayStart = Date.parse(`${shanghaiDate(deliveredAt)}T00:00:00+08:00`);
  return new Date(deliveryDayStart + (STATUTORY_RETURN_DAYS + 1) * DAY_MS - 1);
}

/** Keys in these states have not reached the buyer (still reserved) or are back in stock. */
const UNDELIVERED_STATES: readonly KeyState[] = ['AVAILABLE', 'RESERVED'];

interface Verdict {
  codes: EligibilityCode[];
  undisclosed?: ClauseCode[];
  refundableUntil?: Date | null;
}

/** A unit's facts parsed, with the deadlines derived from them; also the explanation context. */
export type ParsedUnit = ExplainContext & { key: UnitKeyFacts | null; delivered: boolean };

/** Parses one unit's records and derives its deadlines (window, return period, claim period). */
export function parseUnit(
  input: Pick<EligibilityInput, 'at' | 'order' | 'qualityClaimDays'>,
  unit: UnitFacts,
): ParsedUnit {
  const { at, order, qualityClaimDays } = input;
  const key = unit.key;
  const deliveredAt = parseTime(key?.deliveredAt ?? order.deliveredAt, `unit ${unit.unitId} delivery`);
  const delivered = key !== null && !UNDELIVERED_STATES.includes(key.state);
  // A delivered key without a delivery time is a data error: guessing either way could pay out
  // a refund nobody owes or refuse one that is owed.
  if (delivered && deliveredAt === null)
    throw new RangeError(
      `eligibility: unit ${unit.unitId} has a ${key?.state ?? '?'} key but no delivery time`,
    );
  const returnPeriodEndsAt = deliveredAt && returnPeriodEnd(deliveredAt);
  const { windowHours } = order.policy;
  return {
    at,
    key,
    delivered,
    productType: order.productType,
    serialMasked: key?.serialMasked || null,
    keyState: key?.state ?? null,
    policy: order.policy,
    policyConfirmedAt: parseTime(order.policyConfirmedAt, 'policyConfirmedAt'),
    deliveredAt: delivered ? deliveredAt : null,
    firstRevealedAt: parseTime(key?.firstRevealedAt, `unit ${unit.unitId} reveal`),
    activatedAt: parseTime(key?.activatedAt, `unit ${unit.unitId} activation`),
    activatedBy: key?.activatedBy ?? null,
    activationSource: key?.activationSource ?? null,
    activatedBeforeDelivery: key?.activatedBeforeDelivery ?? false,
    // A promise with no stated window (not storable, see policyContradiction) is read as lasting
    // as long as the statutory period rather than forever.
    windowEndsAt:
      deliveredAt &&
      (windowHours === null ? returnPeriodEndsAt : new Date(+deliveredAt + windowHours * HOUR_MS)),
    returnPeriodEndsAt,
    qualityClaimDays,
    qualityClaimEndsAt: deliveredAt && new Date(+deliveredAt + qualityClaimDays * DAY_MS),
    refundableUntil: null,
    undisclosed: [],
    provableReason: null,
  };
}

/** `at` is past `end` (the end instant itself still counts as within). */
const after = (at: Date, end: Date | null): boolean => end !== null && at.getTime() > end.getTime();

/**
 * When the key was activated, relative to what the buyer could do (spec §6):
 * - BEFORE_DELIVERY: the registry proves first use before the key reached the buyer;
 * - WHILE_SEALED: after delivery but while still sealed — never revealed, or first revealed only
 *   after the activation — so never shown to the buyer: not the buyer's activation;
 * - AFTER_REVEAL: at or after the buyer first saw the key.
 * null: not activated (or no activation time on record, which proves nothing either way).
 */
export type ActivationKind = 'BEFORE_DELIVERY' | 'WHILE_SEALED' | 'AFTER_REVEAL';

export function activationKind(f: ParsedUnit): ActivationKind | null {
  if (f.activatedBeforeDelivery) return 'BEFORE_DELIVERY';
  if (f.activatedAt === null || !f.delivered) return null;
  return f.firstRevealedAt === null || f.activatedAt.getTime() < f.firstRevealedAt.getTime()
    ? 'WHILE_SEALED'
    : 'AFTER_REVEAL';
}

/** Codes that rest on a merchant fault the records prove: eligible with no evidence and no judgement. */
export const PROVEN_FAULT_CODES: readonly EligibilityCode[] = [
  'RECORDS_PROVE_FAULT',
  'ACTIVATED_WHILE_SEALED',
];

/** The merchant-fault reason the records prove for this unit, if any. */
function provenReason(f: ParsedUnit): RefundReason | null {
  if (f.activatedBeforeDelivery) return 'ACTIVATED_BEFORE_DELIVERY';
  if (f.keyState === 'INVALID' || f.keyState === 'VOIDED') return 'DEFECTIVE';
  return null;
}

/**
 * What the policy's own terms refuse for this reason, before asking whether they bind.
 * DUPLICATE_ORDER is covered like MISTAKEN_PURCHASE without noReasonRefund: the rendered policy the
 * buyer confirms says "个人原因仅限误拍、错拍或重复下单", so the merchant promised it.
 */
function policyRefusals(reason: RefundReason, f: ParsedUnit): ClauseCode[] {
  const p = f.policy;
  if (p.nonRefundable) return ['NON_REFUNDABLE'];
  if (!p.unactivatedRefund) return ['NO_REFUND_PROMISE'];
  const codes: ClauseCode[] = [];
  if (after(f.at, f.windowEndsAt)) codes.push('WINDOW_EXPIRED');
  if (reason === 'NO_LONGER_NEEDED' && !p.noReasonRefund) codes.push('REASON_NOT_COVERED');
  return codes;
}

/**
 * A sealed key's activation was not the buyer's: merchant fault the records prove, claimable
 * within the quality-claim period as any proven fault is (for every reason but 未发货 and 其他).
 */
function sealedActivation(f: ParsedUnit): Verdict {
  return { codes: [after(f.at, f.qualityClaimEndsAt) ? 'QUALITY_CLAIM_EXPIRED' : 'ACTIVATED_WHILE_SEALED'] };
}

function buyerSide(reason: RefundReason, f: ParsedUnit): Verdict {
  const key = f.key;
  if (!f.delivered || key === null) return { codes: ['UNIT_NOT_DELIVERED'] };
  // Never counted against the buyer, for any reason: use that began with it is not the buyer's either.
  if (activationKind(f) === 'WHILE_SEALED') return sealedActivation(f);
  // Facts first: use and activation end buyer-side refunds whatever the policy or its disclosure.
  const activated = key.state === 'ACTIVATED' || f.activatedAt !== null;
  if (key.partiallyUsed || (activated && f.productType === 'ENTITLEMENT'))
    return { codes: ['PARTIALLY_USED'] };
  if (activated) return { codes: ['KEY_ACTIVATED'] };
  if (key.state === 'INVALID' || key.state === 'VOIDED') return { codes: ['KEY_UNUSABLE'] };

  const refusals = policyRefusals(reason, f);
  // A recorded reveal proves unsealing even if the state says otherwise.
  const sealed = key.state === 'SEALED' && f.firstRevealedAt === null;
  if (!sealed) {
    if (!f.policy.revealedRefund) return { codes: ['REVEALED_NOT_REFUNDABLE'] };
    return refusals.length > 0
      ? { codes: refusals }
      : { codes: ['REVEALED_REFUNDABLE'], refundableUntil: f.windowEndsAt };
  }
  const confirmed = f.policyConfirmedAt !== null;
  if (refusals.length === 0) {
    // Unconfirmed, the statutory period may outlast the policy window: show the later end.
    const until =
      !confirmed && f.returnPeriodEndsAt && f.windowEndsAt && f.returnPeriodEndsAt > f.windowEndsAt
        ? f.returnPeriodEndsAt
        : f.windowEndsAt;
    return { codes: ['SEALED_REFUNDABLE'], refundableUntil: until };
  }
  if (confirmed) return { codes: refusals };
  if (!after(f.at, f.returnPeriodEndsAt))
    return {
      codes: ['CLAUSE_NOT_DISCLOSED', 'SEALED_REFUNDABLE'],
      undisclosed: refusals,
      refundableUntil: f.returnPeriodEndsAt,
    };
  // Past the statutory period the undisclosed clause no longer matters: nothing grants a refund.
  return { codes: ['RETURN_PERIOD_EXPIRED'] };
}

function merchantFault(reason: RefundReason, f: ParsedUnit, evidenceAttached: boolean): Verdict {
  // Nothing to count a claim period from when nothing was delivered: goods paid for and never
  // delivered are owed back whenever the buyer asks.
  if (reason === 'NOT_DELIVERED') return { codes: [f.delivered ? 'UNIT_DELIVERED' : 'RECORDS_PROVE_FAULT'] };
  if (!f.delivered) return { codes: ['UNIT_NOT_DELIVERED'] };
  if (after(f.at, f.qualityClaimEndsAt)) return { codes: ['QUALITY_CLAIM_EXPIRED'] };
  // Whichever fault the buyer names (a key used before they saw it reads as 发货前已激活 or 卡密无效
  // to them), the records already prove one.
  if (activationKind(f) === 'WHILE_SEALED') return sealedActivation(f);
  const proven = provenReason(f);
  // An activated-before-delivery key is also defective; an invalid key is not proof of a
  // mismatch with the description, nor of when it was activated.
  if (
    (reason === 'ACTIVATED_BEFORE_DELIVERY' && proven === 'ACTIVATED_BEFORE_DELIVERY') ||
    (reason === 'DEFECTIVE' && proven !== null)
  )
    return { codes: ['RECORDS_PROVE_FAULT'] };
  return { codes: [evidenceAttached ? 'EVIDENCE_ATTACHED' : 'EVIDENCE_REQUIRED'] };
}

function verdictFor(input: EligibilityInput, unit: UnitFacts, f: ParsedUnit): Verdict {
  // Facts that hold whatever the reason: a unit is refunded once and is in one open request at most.
  if (unit.alreadyRefunded) return { codes: ['UNIT_REFUNDED'] };
  if (unit.arbitrated) return { codes: ['ARBITRATION_FINAL'] };
  if (unit.inOpenRequest) return { codes: ['UNIT_IN_OPEN_REQUEST'] };
  const side = REFUND_REASONS[input.reason].side;
  switch (side) {
    case 'REVIEW':
      return { codes: ['MANUAL_REVIEW'] };
    case 'MERCHANT':
      return merchantFault(input.reason, f, input.evidenceAttached);
    case 'BUYER':
      return buyerSide(input.reason, f);
  }
}

function evaluateUnit(input: EligibilityInput, unit: UnitFacts): UnitEligibility {
  const facts = parseUnit(input, unit);
  const verdict = verdictFor(input, unit, facts);
  const ctx: ExplainContext = {
    ...facts,
    undisclosed: verdict.undisclosed ?? [],
    refundableUntil: verdict.refundableUntil ?? null,
    provableReason: provenReason(facts),
  };
  const kinds = verdict.codes.map((c) => ELIGIBILITY_CODE_INFO[c].kind);
  const outcome: UnitOutcome = kinds.includes('BLOCK')
    ? 'BLOCKED'
    : kinds.includes('NEED')
      ? 'NEEDS_EVIDENCE'
      : 'ELIGIBLE';
  const eligible = outcome === 'ELIGIBLE';
  const sealedAndEligible = eligible && verdict.codes.includes('SEALED_REFUNDABLE');
  const sentences = verdict.codes.map((c) => explain(c, ctx));
  return {
    unitId: unit.unitId,
    outcome,
    eligible,
    autoApprovable:
      sealedAndEligible || (eligible && verdict.codes.some((c) => PROVEN_FAULT_CODES.includes(c))),
    sealedAndEligible,
    codes: verdict.codes,
    explanations: { zh: sentences.map((s) => s.zh), en: sentences.map((s) => s.en) },
  };
}

function summarise(units: readonly UnitEligibility[]): EligibilitySummary {
  const ids = (o: UnitOutcome): string[] => units.filter((u) => u.outcome === o).map((u) => u.unitId);
  const eligibleUnitIds = ids('ELIGIBLE');
  const needsEvidenceUnitIds = ids('NEEDS_EVIDENCE');
  const blockedUnitIds = ids('BLOCKED');
  const n = units.length;
  const e = eligibleUnitIds.length;
  const status = n > 0 && e === n ? 'ALL' : e > 0 ? 'SOME' : 'NONE';
  const zh = [`共 ${n} 件：${e} 件可退款`];
  const en = [`${e} of ${n} units can be refunded`];
  if (needsEvidenceUnitIds.length > 0) {
    zh.push(`${needsEvidenceUnitIds.length} 件补充证据后可申请`);
    en.push(`${needsEvidenceUnitIds.length} once evidence is attached`);
  }
  if (blockedUnitIds.length > 0) {
    zh.push(`${blockedUnitIds.length} 件不可退款`);
    en.push(`${blockedUnitIds.length} cannot be refunded for this reason`);
  }
  return {
    status,
    eligibleUnitIds,
    needsEvidenceUnitIds,
    blockedUnitIds,
    autoApprovable: n > 0 && units.every((u) => u.autoApprovable),
    zh: `${zh.join('，')}。`,
    en: `${en.join('; ')}.`,
  };
}

/** Refund eligibility of each unit for one reason at one instant (spec §6). Pure. */
export function checkEligibility(input: EligibilityInput): EligibilityResult {
  const units = input.units.map((u) => evaluateUnit(input, u));
  return { reason: input.reason, units, summary: summarise(units) };
}
