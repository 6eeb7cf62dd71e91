/** After-sales (售后): eligibility, refund requests and their lifecycle, evidence, review, deadlines and payouts back along the original path. */
// The module's one entry: other modules and the app import only from here (lint: dependency-cruiser).
export { payoutChanged } from './payout.js';
export { applyForRefund } from './apply.js';
export { aftersalesRoutes } from './routes.js';
export { refundDeadlines } from './sweep.js';
export {
  computeFindings,
  merchantFaultKinds,
  FINDING_CODES,
  VIOLATION_KINDS,
  type Finding,
  type FindingCode,
  type FindingsInput,
  type ViolationKind,
} from './findings.js';
export { executeArbitration, requestCaseFacts } from './arbitrated.js';
export { isChannelRequest, merchantMissedReview } from './lifecycle.js';
export { fileRefSchema, inspectStored, insertFileEvidence } from './requests.js';
export type { AfterSalesContext, AfterSalesPorts } from './requests.js';
export { requestDetail, requestDetailSchema } from './views.js';
export { actOnRequest, decide } from './review.js';
export {
  applyChannelOutcome,
  channelActor,
  openChannelRequest,
  reasonFromChannel,
  type ChannelOutcome,
} from './channel.js';
