/** Rejection reason codes a reviewer chooses from (spec §7 step 4), with their zh/en titles. */
import { REJECT_CODE_LABELS } from '../../platform/labels.js';

export const REJECT_CODES = REJECT_CODE_LABELS;
export type RejectCode = keyof typeof REJECT_CODES;
export const REJECTION_CODES = Object.keys(REJECT_CODES) as RejectCode[];
