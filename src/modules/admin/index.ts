/** The operator's console over HTTP: platform rules, the test clock, the holiday calendar, the audit check, accounts and integration tokens. */
// The module's one entry: other modules and the app import only from here (lint: dependency-cruiser).
export { adminRoutes } from './routes.js';
export { formatReport, VERIFY_CHECKS, verifyDatabase, type VerifyReport } from './verify.js';
