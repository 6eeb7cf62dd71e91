import type { MobileMessages } from './zh-CN.mobile';

const mobileEn: MobileMessages = {
  mobileNav: {
    menu: 'Menu',
    close: 'Close menu',
    home: 'Home',
    me: 'Me',
    tabOrders: 'Orders',
    tabKeys: 'Keys',
    tabRefunds: 'After-sales',
    merchantHome: 'Merchant home',
    channels: 'Channel shops',
    tokens: 'API tokens',
    adminConsole: 'Admin console',
    notifications: 'Notifications',
    more: 'More',
    guest: 'Not logged in',
    langShort: '中文',
    language: 'Language',
  },
};

export default mobileEn;
