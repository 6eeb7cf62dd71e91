/** Payments: the ledger, payment gateways (and the sandbox ones), payment notifications, payouts and settlement. */
// The module's one entry: other modules and the app import only from here (lint: dependency-cruiser).
export { applyPaymentNotice, markPaid } from './apply.js';
export { lockMerchant, merchantBalances, moveToDeposit } from './deposit.js';
export type { MerchantBalances } from './deposit.js';
export { escrowOwner, orderPaymentMovement, postOrderPayment } from './flows.js';
export type { PaymentStatus } from './gateway.js';
export { applyPosting, ensureAccount, postingCtes, postTransaction, preparePosting } from './ledger.js';
export type { PreparedPosting } from './ledger.js';
export { closeRerouted, closeUnpaidPayment, paymentMachine } from './lifecycle.js';
export {
  applyRefundNotice,
  createPayout,
  reconcileProcessingPayouts,
  submitPendingPayouts,
} from './payouts.js';
export { compensateFromDeposit, compensateMerchant } from './penalties.js';
export { startRefund } from './refunds.js';
export { BALANCE_PROVIDER, GatewayRegistry } from './registry.js';
export type { PaymentPorts, PaymentsContext } from './registry.js';
export { paymentRoutes } from './routes.js';
export { createSandboxGateways } from './sandbox/index.js';
export type { SandboxGateways } from './sandbox/index.js';
export { sandboxRoutes } from './sandbox/routes.js';
export { paymentDeadlines } from './settlement.js';
export { merchantFinance, merchantFinanceSchema } from './wallet.js';
export type { MerchantFinance } from './wallet.js';
