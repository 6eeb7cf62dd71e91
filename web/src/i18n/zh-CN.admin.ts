// Platform admin pages (沙箱支付管理). Spread into zh-CN.ts; en.admin.ts has the same keys.
const adminZhCN = {
  sandboxAdmin: {
    title: '沙箱支付',
    note: '这些开关用于演示和测试：模拟支付渠道故障、延迟异步通知，并查看通知的投递情况。生产环境不启用沙箱支付渠道。',
    provider: { 'sandbox-wechat': '微信支付沙箱', 'sandbox-alipay': '支付宝沙箱' },
    down: '模拟渠道故障',
    downHelp: '开启后，该渠道的下单、查询和退款请求全部失败，也不再发送通知。',
    delay: '通知延迟（秒）',
    delayHelp: '每条通知首次投递前额外等待的时间，0–3600 秒。',
    delayInvalid: '请输入 0–3600 之间的整数',
    statusUp: '正常',
    statusDown: '故障中',
    saved: '{{provider}}设置已保存',
    notifications: '最近的通知',
    notificationsHelp: '沙箱渠道发给平台的支付/退款异步通知，每 3 秒刷新。',
    noNotifications: '暂无通知',
    kind: { PAYMENT: '支付', REFUND: '退款' },
    state: { PENDING: '待投递', DELIVERED: '已送达', GAVE_UP: '已放弃' },
    colProvider: '渠道',
    colKind: '类型',
    colReference: '商户单号',
    colState: '状态',
    colAttempts: '投递次数',
    colDuplicates: '剩余重复通知',
    colLastStatus: '最近 HTTP 状态',
    colNextAttempt: '下次投递',
    colCreated: '创建时间',
    colDelivered: '送达时间',
  },
};

export type AdminMessages = typeof adminZhCN;
export default adminZhCN;
