/** The catalog: merchants (shops), products with prices per level, and versioned refund policies. */
// The module's one entry: other modules and the app import only from here (lint: dependency-cruiser).
export { productFor, shopOf } from './access.js';
export { createAccount, createAccountAsAdmin } from './merchants.js';
export type { PolicyTerms } from './policy.js';
export { changeStatus, createProduct } from './products.js';
export { getProduct } from './queries.js';
export type { ProductInput } from './products.js';
export { catalogRoutes } from './routes.js';
export { merchantViewSchema, policyTerms, policyViewSchema, toMerchantView, toPolicyView } from './views.js';
