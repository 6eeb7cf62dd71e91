/** Member levels (REGULAR, VIP, 超会) and membership periods: offers, purchases' periods, the level that follows them, expiry and refunds. */
// The module's one entry: other modules and the app import only from here (lint: dependency-cruiser).
export { ensureLevels } from './levels.js';
export { membershipDeadlines, refundMembership } from './lifecycle.js';
export {
  LEVEL_RANK,
  levelColumns,
  levelOf,
  listOffers,
  memberLevelAt,
  membershipRefundable,
  startMembership,
} from './offers.js';
export { membershipRoutes } from './routes.js';
