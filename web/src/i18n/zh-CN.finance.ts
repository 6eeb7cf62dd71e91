// Merchant money (商家资金): deposit top-ups and withdrawals, and the admins' withdrawal list.
// Spread into zh-CN.ts; en.finance.ts has the same keys.
const financeZhCN = {
  money: {
    withdrawable: '可提现',
    withdrawableHelp: '可结算余额中现在可以提现的部分；保证金低于平台最低要求时，差额留在余额中',
    inFlight: '提现中',
    inFlightHelp: '已从余额扣出、银行尚未到账的提现',
    paid: '累计已提现 {{amount}}',
    minDeposit: '平台最低保证金 {{amount}}',
    shortfall: '保证金低于平台最低要求 {{min}}，差额 {{shortfall}} 暂不可提现，可从余额补缴保证金。',
    debt: '店铺欠款 {{amount}}：结算后的售后退款超出了余额与保证金。结清前不能提现，欠款会从之后的结算中扣回。',
    salesNote: '成交总额 {{gross}}，已退款（含退款中）{{refunded}}；成交金额与担保中均已扣除退款。',
    amount: '金额',
    amountRequired: '请输入金额',
    amountPositive: '金额须大于 0',
    amountTooMuch: '不能超过 {{amount}}',
    topUp: {
      title: '补缴保证金',
      help: '从可结算余额转入保证金，立即生效。保证金用于结算后售后退款的赔付，不能提现。',
      available: '可用余额 {{amount}}',
      submit: '转入保证金',
      done: '已转入保证金 {{amount}}',
    },
    withdraw: {
      title: '提现到银行卡',
      help: '提现只从可结算余额中扣除，不动用保证金。提交后金额立即从余额扣出；银行处理失败时原数退回余额。',
      available: '可提现 {{amount}}',
      accountName: '户名',
      accountNameRequired: '请填写户名',
      accountNo: '银行卡号',
      accountNoInvalid: '请输入 12–19 位数字的银行卡号',
      accountNoHint: '卡号加密保存，页面和记录中只显示后四位',
      bankName: '开户银行（选填）',
      submit: '申请提现',
      done: '提现申请已提交：{{no}}',
      unavailable: '当前未接入银行通道，暂不能提现',
      testAccounts: '沙箱银行测试卡号',
      useTest: '填入',
    },
    withdrawals: {
      title: '提现记录',
      empty: '暂无提现记录',
      no: '提现单号',
      account: '收款账户',
      state: '状态',
      createdAt: '申请时间',
      finishedAt: '完成时间',
      loadMore: '加载更多',
    },
    state: { REQUESTED: '已提交', PROCESSING: '银行处理中', PAID: '已到账', FAILED: '失败，已退回' },
    failure: {
      NAME_MISMATCH: '户名与账号不符',
      ACCOUNT_FROZEN: '账户已冻结',
      ACCOUNT_CLOSED: '账户已销户',
      BANK_REJECTED: '银行拒绝',
    },
    admin: {
      nav: '提现管理',
      title: '提现管理',
      note: '所有店铺的提现申请及银行处理结果。银行卡号只显示后四位；失败的提现已自动退回店铺余额。',
      merchant: '店铺',
      allStates: '全部状态',
    },
  },
};

export type FinanceMessages = typeof financeZhCN;
export default financeZhCN;
