/** Disputes (平台仲裁): the dispute aggregate, statements, arbitration and its final decision, merchant accountability (violations, penalties, suspension) and the public merchant record. */
// The module's one entry: other modules and the app import only from here (lint: dependency-cruiser).
export { disputeDeadlines } from './arbitration.js';
export { openDispute } from './open.js';
export { disputeRoutes } from './routes.js';
export { saveDraft, submitStatement } from './statements.js';
