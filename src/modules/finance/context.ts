import type { DataContext } from '../../platform/context.js';
import type { ErrorLogger } from '../../platform/logger.js';
import type { KeyVault } from '../../platform/vault.js';
import type { BankGateway } from './bank.js';

/** What the finance use cases need: data access, the vault (bank account numbers) and the bank. */
export type FinanceContext = DataContext & {
  vault: KeyVault;
  /** The bank withdrawals are paid through; null when none is configured (withdrawals refused). */
  bank: BankGateway | null;
  log?: ErrorLogger;
};
