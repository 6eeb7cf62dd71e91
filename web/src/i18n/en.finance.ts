import type { FinanceMessages } from './zh-CN.finance';

const financeEn: FinanceMessages = {
  money: {
    withdrawable: 'Withdrawable',
    withdrawableHelp:
      'The part of the payable balance you can withdraw now; while the deposit is below the platform minimum, the shortfall stays in the balance',
    inFlight: 'Being withdrawn',
    inFlightHelp: 'Taken from the balance, not yet paid by the bank',
    paid: 'Withdrawn so far {{amount}}',
    minDeposit: 'Platform minimum deposit {{amount}}',
    shortfall:
      'The deposit is below the platform minimum of {{min}}: {{shortfall}} stays in the balance and cannot be withdrawn. Top up the deposit from the balance.',
    debt: 'The shop owes {{amount}}: refunds after settlement exceeded the balance and the deposit. No withdrawals until it is settled; it is taken from later settlements.',
    salesNote:
      'Paid by buyers {{gross}}, refunded (or being refunded) {{refunded}}; sales and escrow are net of refunds.',
    amount: 'Amount',
    amountRequired: 'Enter an amount',
    amountPositive: 'The amount must be more than 0',
    amountTooMuch: 'At most {{amount}}',
    topUp: {
      title: 'Top up the deposit',
      help: 'Moves money from the payable balance into the deposit, at once. The deposit answers for refunds after settlement and cannot be withdrawn.',
      available: 'Available {{amount}}',
      submit: 'Move to deposit',
      done: '{{amount}} moved into the deposit',
    },
    withdraw: {
      title: 'Withdraw to a bank account',
      help: 'Withdrawals take only from the payable balance, never from the deposit. The amount leaves the balance at once; if the bank fails the transfer it comes back in full.',
      available: 'Withdrawable {{amount}}',
      accountName: 'Account holder',
      accountNameRequired: 'Enter the account holder’s name',
      accountNo: 'Account number',
      accountNoInvalid: 'Enter an account number of 12–19 digits',
      accountNoHint: 'Stored encrypted; pages and records show the last four digits only',
      bankName: 'Bank (optional)',
      submit: 'Withdraw',
      done: 'Withdrawal {{no}} submitted',
      unavailable: 'No bank is connected; withdrawals are not possible right now',
      testAccounts: 'Sandbox bank test accounts',
      useTest: 'Use',
    },
    withdrawals: {
      title: 'Withdrawals',
      empty: 'No withdrawals yet',
      no: 'Withdrawal no.',
      account: 'Account',
      state: 'State',
      createdAt: 'Requested',
      finishedAt: 'Finished',
      loadMore: 'Load more',
    },
    state: { REQUESTED: 'Submitted', PROCESSING: 'At the bank', PAID: 'Paid', FAILED: 'Failed, returned' },
    failure: {
      NAME_MISMATCH: 'Name does not match the account',
      ACCOUNT_FROZEN: 'Account frozen',
      ACCOUNT_CLOSED: 'Account closed',
      BANK_REJECTED: 'Refused by the bank',
    },
    admin: {
      nav: 'Withdrawals',
      title: 'Withdrawals',
      note: 'Every shop’s withdrawals and what the bank did with them. Account numbers show the last four digits only; failed withdrawals were returned to the shop’s balance.',
      merchant: 'Shop',
      allStates: 'All states',
    },
  },
};

export default financeEn;
