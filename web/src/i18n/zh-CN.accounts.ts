// Registration and account recovery (Stage 8, ADR 0009): register, confirm by e-mail, forgot and
// reset password, the sandbox mailbox. Spread into zh-CN.ts; en.accounts.ts has the same keys.
const accountsZhCN = {
  accounts: {
    usernameOrEmail: '用户名或邮箱',
    forgot: '忘记密码？',
    usernameHelp: '2–32 位，可用中文、字母、数字和 _ . -',
    email: '邮箱',
    emailHelp: '用于接收订单与售后通知，以及找回密码',
    emailRequired: '请输入邮箱',
    emailInvalid: '邮箱格式不正确',
    phoneOptional: '手机号（可选）',
    phoneHelp: '中国大陆手机号，目前仅保存，暂不验证',
    phoneInvalid: '请输入 11 位中国大陆手机号（1 开头）',
    passwordHelp: '至少 8 位；不能用常见密码（如 12345678、woaini1314），不能包含用户名',
    confirmPassword: '确认密码',
    confirmRequired: '请再输入一次密码',
    mismatch: '两次输入的密码不一致',
    strength: { label: '密码强度', weak: '弱', medium: '中', strong: '强' },
    sent: {
      title: '请查收邮件',
      register:
        '我们已向 {{email}} 发送了一封邮件。打开邮件中的链接即可完成注册并登录（24 小时内有效）。如果该邮箱已有账户，邮件会告诉您如何登录或找回密码。',
      reset: '如果该账户存在且留有邮箱，我们已发送重置密码的链接（30 分钟内有效）。请查收邮件。',
      sandbox: '沙箱模式：在沙箱邮箱中查看这封邮件',
      noMail: '没有收到？请检查垃圾邮件，或稍后再试。',
    },
    confirm: {
      title: '完成注册',
      intro: '点击下面的按钮创建账户并登录。',
      submit: '完成注册并登录',
      chooseUsername: '该用户名已被占用，请另选一个用户名',
      missing: '链接不完整，请从邮件中重新打开。',
    },
    forgotPage: {
      title: '找回密码',
      intro: '输入注册时的用户名或邮箱，我们会向账户的邮箱发送重置链接。',
      submit: '发送重置邮件',
    },
    resetPage: {
      title: '设置新密码',
      newPassword: '新密码',
      submit: '保存新密码',
      done: '密码已重置，所有设备已退出登录。请用新密码登录。',
      missing: '链接不完整，请从邮件中重新打开，或重新申请。',
      again: '重新申请',
    },
    mailbox: {
      title: '沙箱邮箱',
      intro: '仅在沙箱/演示模式下提供：查看平台发往某个邮箱的邮件（注册确认、重置密码、通知）。',
      address: '邮箱地址',
      open: '查看',
      empty: '暂时没有发往这个地址的邮件（邮件可能需要几秒钟才出现）。',
      refresh: '刷新',
      state: { PENDING: '待发送', SENT: '已发送', FAILED: '发送失败' },
    },
  },
};

export default accountsZhCN;
