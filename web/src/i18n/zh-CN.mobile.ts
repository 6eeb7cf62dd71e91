// Mobile navigation (drawer, tab bar) and the desktop user menu (Stage 8). Spread into zh-CN.ts;
// en.mobile.ts has the same keys.
const mobileZhCN = {
  mobileNav: {
    menu: '菜单',
    close: '关闭菜单',
    home: '首页',
    me: '我的',
    tabOrders: '订单',
    tabKeys: '卡密',
    tabRefunds: '售后',
    merchantHome: '商家首页',
    channels: '渠道店铺',
    tokens: 'API 令牌',
    adminConsole: '管理后台',
    notifications: '站内信',
    more: '更多',
    guest: '未登录',
    langShort: 'EN',
    language: '语言',
  },
};

export type MobileMessages = typeof mobileZhCN;
export default mobileZhCN;
