/** Finance: the shop's money — deposit top-ups, withdrawals to a bank (and the sandbox bank), the finance overview. */
// The module's one entry: other modules and the app import only from here (lint: dependency-cruiser).
export type { BankGateway, TransferNotice, TransferStatus } from './bank.js';
export type { FinanceContext } from './context.js';
export { financeRoutes } from './routes.js';
export { SANDBOX_BANK, SandboxBank, TEST_ACCOUNTS } from './sandbox-bank.js';
export type { BankTickReport, DeliverBankNotice, OutgoingBankNotice } from './sandbox-bank.js';
export { reconcileWithdrawals, submitPendingWithdrawals } from './withdrawals.js';
