// The operator console (运营控制台), part A, and the merchant home. Spread into zh-CN.ts;
// en.console.ts has the same keys (typed by ConsoleMessages).
const consoleZhCN = {
  console: {
    title: '运营控制台',
    back: '返回控制台',
    menu: '控制台菜单',
    intro: '平台管理员在这里配置规则、日历、会员、佣金和令牌，管理用户与商家，查看审计日志和数据看板。',
    section: {
      rules: '平台规则',
      calendar: '节假日日历',
      clock: '测试时钟',
      levels: '会员等级与优惠',
      commissions: '佣金',
      tokens: 'API 令牌',
      dashboard: '数据看板',
      users: '用户与商家',
      audit: '审计日志',
      merchants: '商家处罚',
      withdrawals: '提现管理',
      sandbox: '沙箱支付',
    },
    sectionHelp: {
      rules: '审核期限、阈值和各项限额',
      calendar: '已加载的年份，导入官方放假安排',
      clock: '演示与测试环境下拨快平台时间',
      levels: '会员价格、期限与优惠',
      commissions: '各商家的平台佣金比例',
      tokens: '发卡方和渠道对接用的 API 令牌',
      dashboard: '订单、退款、期限与商家排行图表',
      users: '搜索、停用与恢复账号和商家',
      audit: '按对象、操作人、动作和时间查找；校验哈希链',
      merchants: '违规记分、扣保证金与暂停',
      withdrawals: '各商家的提现申请',
      sandbox: '模拟支付渠道故障与通知延迟',
    },
    group: { config: '平台配置', people: '用户与资金', insight: '监控与审计' },
  },
};

export type ConsoleMessages = typeof consoleZhCN;
export default consoleZhCN;
