/**
 * The bank-payout interface. Kameng pays merchants' withdrawals out only through this, so a real
 * bank adapter (银企直连 / a payment company's 代付 API with the platform's credentials) can replace
 * the sandbox bank without touching withdrawals. Contract, as real banks have it:
 *
 * - Kameng writes its withdrawal row first and passes its id as the idempotency key the bank sees
 *   (`outTransferNo`). Calling again with the same key returns the same transfer, never a second.
 * - The bank may refuse at once (a frozen or closed account: state FAILED in the answer), or
 *   accept (PROCESSING) and report the result later in a signed notice to
 *   `/api/finance/bank/notify/:bank`; `verifyNotice` checks the signature and returns the facts or
 *   throws `bank.notice_forged`. Kameng then checks amount and state itself.
 * - `queryTransfer` gives the bank's current view, for reconciliation when a notice is late or lost.
 * - A bank that cannot be reached throws `withdrawal.bank_unavailable`; Kameng keeps its row and
 *   retries later under the same key.
 * - Amounts are integer fen (CNY).
 */
export type TransferState = 'PROCESSING' | 'SUCCESS' | 'FAILED';

/** Why a bank refused or failed a transfer (the UI has words for each). */
export const TRANSFER_FAILURES = [
  'NAME_MISMATCH',
  'ACCOUNT_FROZEN',
  'ACCOUNT_CLOSED',
  'BANK_REJECTED',
] as const;
export type TransferFailure = (typeof TRANSFER_FAILURES)[number];

export interface TransferStatus {
  outTransferNo: string;
  /** The bank's own id of the transfer. */
  transferId: string;
  state: TransferState;
  amountFen: number;
  failureCode: TransferFailure | null;
  finishedAt: Date | null;
}

export interface TransferNotice extends TransferStatus {
  type: 'TRANSFER';
}

export interface CreateTransferInput {
  outTransferNo: string;
  amountFen: number;
  /** The full account number: passed to the bank, never logged or stored in clear. */
  accountNo: string;
  accountName: string;
  bankName: string | null;
  /** The transfer's remark (附言), e.g. the withdrawal number. */
  remark: string;
}

export interface IncomingBankNotice {
  headers: Record<string, string | undefined>;
  /** The body exactly as received: the signature covers its bytes. */
  rawBody: string;
}

export interface BankAck {
  status: number;
  contentType: string;
  body: string;
}

/** A test account number of the sandbox bank and what it does (shown on the withdraw form). */
export interface TestBankAccount {
  accountNo: string;
  label: { zh: string; en: string };
}

export interface BankGateway {
  /** The bank's name in URLs and records, e.g. `sandbox-bank`. */
  readonly bank: string;
  /** The sandbox's test accounts (empty for a real bank). */
  readonly testAccounts: readonly TestBankAccount[];
  createTransfer(input: CreateTransferInput): Promise<TransferStatus>;
  queryTransfer(outTransferNo: string): Promise<TransferStatus | null>;
  verifyNotice(input: IncomingBankNotice): TransferNotice;
  /** The reply the bank expects for a notice (a refused one is sent again). */
  ack(ok: boolean): BankAck;
}
