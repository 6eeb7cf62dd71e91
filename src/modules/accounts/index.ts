/** Accounts: users and roles, sessions and API tokens, request authentication, the object-level authorisation rule book. */
// The module's one entry: other modules and the app import only from here (lint: dependency-cruiser).
export {
  adminUserViewSchema,
  searchUsers,
  setUserStatus,
  userSearchSchema,
  userStatusBodySchema,
} from './admin-users.js';
export { actingMerchant, authorize } from './authz.js';
export { unlockLogin } from './login-unlock.js';
export type { Action } from './authz.js';
export { registerAuth } from './http.js';
export { checkPassword, hashPassword, passwordProblem, verifyPassword } from './passwords.js';
export { accountRoutes } from './routes.js';
export {
  createIntegrationToken,
  integrationTokenViewSchema,
  listIntegrationTokens,
  revokeApiToken,
} from './tokens.js';
export {
  findUserByUsername,
  emailKey,
  insertUser,
  passwordSchema,
  toUserView,
  userMachine,
  userViewSchema,
  usernameSchema,
} from './users.js';
