import type { ConsoleMessages } from './zh-CN.console';

const consoleEn: ConsoleMessages = {
  console: {
    title: 'Operator console',
    back: 'Back to the console',
    menu: 'Console menu',
    intro:
      'Platform admins configure rules, the calendar, membership, commissions and tokens here, manage users and merchants, and read the audit log and the dashboard.',
    section: {
      rules: 'Platform rules',
      calendar: 'Holiday calendar',
      clock: 'Test clock',
      levels: 'Member levels and offers',
      commissions: 'Commissions',
      tokens: 'API tokens',
      dashboard: 'Dashboard',
      users: 'Users and merchants',
      audit: 'Audit log',
      merchants: 'Merchant penalties',
      withdrawals: 'Withdrawals',
      sandbox: 'Sandbox payments',
    },
    sectionHelp: {
      rules: 'Review deadlines, thresholds and limits',
      calendar: 'Loaded years; import an official holiday arrangement',
      clock: 'Move platform time forward in demo and test setups',
      levels: 'Membership prices, terms and offers',
      commissions: 'Each merchant’s platform commission rate',
      tokens: 'API tokens for issuers and channel connectors',
      dashboard: 'Charts of orders, refunds, deadlines and merchant ranking',
      users: 'Search, disable and reinstate accounts and merchants',
      audit: 'Search by object, actor, action and time; verify the hash chain',
      merchants: 'Violation points, deposit deductions and suspension',
      withdrawals: 'Every shop’s withdrawal requests',
      sandbox: 'Simulate payment channel outages and notification delays',
    },
    group: { config: 'Platform configuration', people: 'People and money', insight: 'Monitoring and audit' },
  },
};

export default consoleEn;
