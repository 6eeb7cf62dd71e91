import type { MerchantBalances } from '../payments/index.js';

export interface Available {
  /** What the deposit lacks to the platform's minimum. */
  depositShortfallFen: number;
  /** What a withdrawal may take now. */
  withdrawableFen: number;
  /** A negative payable balance: refunds beyond the balance and the deposit. */
  debtFen: number;
}

/**
 * What a merchant may withdraw (docs/rules.md §4): withdrawals take only from the payable balance,
 * never from the deposit — and while the deposit is below the platform's minimum, the shortfall
 * stays in the payable balance (it can be moved into the deposit with a top-up). A merchant in
 * debt withdraws nothing.
 */
export function availableOf(b: MerchantBalances, minDepositFen: number): Available {
  const depositShortfallFen = Math.max(0, minDepositFen - b.depositFen);
  return {
    depositShortfallFen,
    withdrawableFen: Math.max(0, b.payableFen - depositShortfallFen),
    debtFen: Math.max(0, -b.payableFen),
  };
}
