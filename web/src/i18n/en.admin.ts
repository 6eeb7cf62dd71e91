import type { AdminMessages } from './zh-CN.admin';

const adminEn: AdminMessages = {
  sandboxAdmin: {
    title: 'Sandbox payments',
    note: 'These switches are for demos and tests: simulate a payment channel outage, delay the asynchronous notifications and watch how they are delivered. The sandbox channels are disabled in production.',
    provider: { 'sandbox-wechat': 'WeChat Pay sandbox', 'sandbox-alipay': 'Alipay sandbox' },
    down: 'Simulate channel outage',
    downHelp:
      'While on, every order, query and refund call to this channel fails and no notifications are sent.',
    delay: 'Notification delay (seconds)',
    delayHelp: 'Extra wait before the first delivery of each notification, 0–3600 seconds.',
    delayInvalid: 'Enter a whole number from 0 to 3600',
    statusUp: 'Up',
    statusDown: 'Down',
    saved: '{{provider}} settings saved',
    notifications: 'Recent notifications',
    notificationsHelp:
      'Asynchronous payment and refund notifications from the sandbox channels to the platform; refreshed every 3 seconds.',
    noNotifications: 'No notifications yet',
    kind: { PAYMENT: 'Payment', REFUND: 'Refund' },
    state: { PENDING: 'Pending', DELIVERED: 'Delivered', GAVE_UP: 'Gave up' },
    colProvider: 'Channel',
    colKind: 'Kind',
    colReference: 'Merchant ref.',
    colState: 'State',
    colAttempts: 'Attempts',
    colDuplicates: 'Duplicates left',
    colLastStatus: 'Last HTTP status',
    colNextAttempt: 'Next attempt',
    colCreated: 'Created',
    colDelivered: 'Delivered',
  },
};

export default adminEn;
