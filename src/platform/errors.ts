/**
 * Typed domain errors with stable codes. Services throw `DomainError`; the HTTP layer maps it to
 * RFC 9457 problem+json in one place (src/platform/http/problem.ts). Services never import Fastify.
 */
export interface Messages {
  'zh-CN': string;
  en: string;
}

interface CatalogEntry {
  status: number;
  zh: string;
  en: string;
}

const catalog = {
  // generic
  'request.invalid': { status: 400, zh: '请求参数有误', en: 'The request is invalid' },
  'request.not_found': { status: 404, zh: '请求的资源不存在', en: 'The requested resource does not exist' },
  'request.conflict': {
    status: 409,
    zh: '数据已被他人修改，请刷新后重试',
    en: 'This record was changed by someone else; reload and try again',
  },
  'request.too_many': {
    status: 429,
    zh: '请求过于频繁，请稍后再试',
    en: 'Too many requests; try again later',
  },
  'request.payload_too_large': { status: 413, zh: '请求内容过大', en: 'The request body is too large' },
  'request.upload_incomplete': {
    status: 400,
    zh: '上传不完整：文件在传输中被截断，请重新上传',
    en: 'The upload is incomplete: the file was cut off in transit; upload it again',
  },
  'request.unsupported_media_type': {
    status: 415,
    zh: '不支持的内容类型',
    en: 'Unsupported content type',
  },
  'internal.error': {
    status: 500,
    zh: '服务器内部错误，请稍后重试',
    en: 'Internal server error; please try again later',
  },
  // validation (one per field problem)
  'validation.required': { status: 400, zh: '此项为必填项', en: 'This field is required' },
  'validation.invalid_type': {
    status: 400,
    zh: '类型不正确，应为 {expected}',
    en: 'Wrong type, expected {expected}',
  },
  'validation.too_small': { status: 400, zh: '不能小于 {minimum}', en: 'Must be at least {minimum}' },
  'validation.too_big': { status: 400, zh: '不能大于 {maximum}', en: 'Must be at most {maximum}' },
  'validation.too_short': {
    status: 400,
    zh: '长度不能少于 {minimum}',
    en: 'Must be at least {minimum} long',
  },
  'validation.too_long': { status: 400, zh: '长度不能超过 {maximum}', en: 'Must be at most {maximum} long' },
  'validation.unknown_field': { status: 400, zh: '不允许的字段 {key}', en: 'Unknown field {key}' },
  'validation.invalid_value': {
    status: 400,
    zh: '取值无效，可选：{options}',
    en: 'Invalid value; allowed: {options}',
  },
  'validation.invalid_format': { status: 400, zh: '格式不正确', en: 'Invalid format' },
  'validation.not_integer': { status: 400, zh: '必须是整数', en: 'Must be a whole number' },
  'validation.invalid': { status: 400, zh: '取值无效', en: 'Invalid value' },
  'validation.nul_character': {
    status: 400,
    zh: '不能包含空字符（NUL，\\u0000）',
    en: 'Must not contain a NUL character (\\u0000)',
  },
  'validation.date_range': {
    status: 400,
    zh: '日期须在 1970 至 9998 年之间',
    en: 'Must be a date in the years 1970–9998',
  },
  // auth
  'auth.unauthenticated': { status: 401, zh: '请先登录', en: 'Please log in first' },
  'auth.invalid_credentials': { status: 401, zh: '用户名或密码错误', en: 'Wrong username or password' },
  'auth.login_locked': {
    status: 429,
    zh: '登录失败次数过多，请 {seconds} 秒后再试',
    en: 'Too many failed logins; try again in {seconds} seconds',
  },
  'auth.login_cooldown': {
    status: 429,
    zh: '该账户近期有多次来自其他地址的失败登录，已暂时保护：请在以前登录过的设备或网络上登录，或 {seconds} 秒后再试，也可以通过邮箱重置密码',
    en: 'This account is protected for now after many failed logins from other addresses: sign in from a device or network you used before, try again in {seconds} seconds, or reset the password by e-mail',
  },
  'auth.forbidden': { status: 403, zh: '无权执行此操作', en: 'You are not allowed to do this' },
  'auth.csrf_invalid': {
    status: 403,
    zh: '安全校验失败（CSRF），请刷新页面后重试',
    en: 'Security check failed (CSRF); reload the page and try again',
  },
  'auth.username_taken': { status: 409, zh: '用户名已被注册', en: 'This username is already taken' },
  'auth.token_name_taken': {
    status: 409,
    zh: '已有同名的有效令牌',
    en: 'A live token with this name already exists',
  },
  'request.duplicate': { status: 409, zh: '记录已存在', en: 'This record already exists' },
  'request.invalid_reference': {
    status: 400,
    zh: '引用的对象不存在',
    en: 'A referenced object does not exist',
  },
  'auth.token_invalid': {
    status: 401,
    zh: 'API 令牌无效或已吊销',
    en: 'The API token is invalid or revoked',
  },
  'auth.account_disabled': { status: 403, zh: '账户已停用', en: 'This account is disabled' },
  'auth.password_too_short': {
    status: 400,
    zh: '密码至少 {min} 位',
    en: 'The password must be at least {min} characters long',
  },
  'auth.password_common': {
    status: 400,
    zh: '这是常见密码，很容易被猜到，请换一个',
    en: 'This is a common password that is easy to guess; choose another',
  },
  'auth.password_contains_username': {
    status: 400,
    zh: '密码不能包含用户名或邮箱',
    en: 'The password must not contain the username or e-mail address',
  },
  'auth.password_pattern': {
    status: 400,
    zh: '密码不能是同一字符重复、连续的数字或字母，或键盘上相邻的一排',
    en: 'The password must not be one repeated character, a run of digits or letters, or a keyboard row',
  },
  'auth.email_taken': {
    status: 409,
    zh: '该邮箱已有账户，请直接登录或找回密码',
    en: 'This e-mail address already has an account; sign in or reset the password',
  },
  'auth.link_invalid': {
    status: 400,
    zh: '链接无效、已使用或已过期，请重新申请',
    en: 'This link is invalid, already used or expired; ask for a new one',
  },
  // catalog
  'catalog.product_not_found': { status: 404, zh: '商品不存在', en: 'Product not found' },
  'catalog.merchant_not_found': { status: 404, zh: '商家不存在', en: 'Merchant not found' },
  'catalog.user_not_found': { status: 404, zh: '用户不存在', en: 'User not found' },
  'catalog.policy_window_out_of_bounds': {
    status: 400,
    zh: '退款时限须在 {min} 到 {max} 小时之间',
    en: 'The refund window must be between {min} and {max} hours',
  },
  'catalog.policy_inconsistent': {
    status: 400,
    zh: '退款政策自相矛盾：{reason}',
    en: 'The refund policy contradicts itself: {reason}',
  },
  'catalog.price_order_invalid': {
    status: 400,
    zh: '会员等级越高价格应越低或相同（普通 ≥ VIP ≥ 超会）',
    en: 'Higher member levels must not cost more (REGULAR ≥ VIP ≥ SUPER)',
  },
  'catalog.transition_not_allowed': {
    status: 409,
    zh: '商品状态不能从 {from} 变为 {to}',
    en: 'Product status cannot change from {from} to {to}',
  },
  'catalog.not_merchant': { status: 403, zh: '仅商家可操作', en: 'Only merchants can do this' },
  'membership.limits_not_ascending': {
    status: 400,
    zh: '会员等级越高，单笔限购数量不能越少',
    en: 'A higher member level cannot have a smaller per-order limit',
  },
  'catalog.level_not_found': { status: 404, zh: '会员等级不存在', en: 'Member level not found' },
  // inventory
  'inventory.transition_not_allowed': {
    status: 409,
    zh: '卡密状态不能从 {from} 变为 {to}',
    en: 'A key cannot move from {from} to {to}',
  },
  'inventory.key_conflict': {
    status: 409,
    zh: '卡密状态已被其他操作改变，请刷新后重试',
    en: 'The key was changed by another operation; reload and try again',
  },
  'inventory.out_of_stock': {
    status: 409,
    zh: '库存不足：需要 {wanted} 个，仅有 {available} 个',
    en: 'Not enough stock: {wanted} wanted, {available} available',
  },
  'inventory.unit_already_allocated': {
    status: 409,
    zh: '该商品单元已分配卡密',
    en: 'This unit already holds a key',
  },
  'inventory.key_not_found': { status: 404, zh: '卡密不存在', en: 'Key not found' },
  'inventory.unit_not_found': { status: 404, zh: '购买的商品单元不存在', en: 'Unit not found' },
  'inventory.batch_not_found': { status: 404, zh: '导入批次不存在', en: 'Import batch not found' },
  'inventory.not_text_file': {
    status: 415,
    zh: '文件不是文本文件（支持 UTF-8 / GBK 的 TXT 或 CSV）',
    en: 'Not a text file (TXT or CSV in UTF-8 or GBK expected)',
  },
  'inventory.csv_header_invalid': {
    status: 400,
    zh: 'CSV 表头缺少密码/卡密列',
    en: 'The CSV header has no password/secret column',
  },
  'inventory.file_too_large': {
    status: 413,
    zh: '文件过大，上限为 {limit}',
    en: 'The file is too large; the limit is {limit}',
  },
  'inventory.file_empty': { status: 400, zh: '文件为空', en: 'The file is empty' },
  'inventory.file_missing': { status: 400, zh: '请上传卡密文件', en: 'Upload a key file' },
  'inventory.import_failed': {
    status: 500,
    zh: '导入中断，已写入的整块保留',
    en: 'The import stopped; whole chunks already written are kept',
  },
  'inventory.not_revealable': {
    status: 409,
    zh: '该卡密已{state}，不能查看',
    en: 'This key is {state} and cannot be revealed',
  },
  'inventory.reveal_units_not_in_order': {
    status: 404,
    zh: '所选的 {count} 件商品不属于该订单，或不是您购买的',
    en: '{count} of the chosen units are not in this order or not yours',
  },
  'inventory.reveal_units_not_revealable': {
    status: 409,
    zh: '所选的 {count} 件商品的卡密当前不能查看（已退款、作废、未发货或售后处理中），请刷新后重新选择',
    en: 'The keys of {count} chosen units cannot be revealed now (refunded, voided, not delivered or in a refund request); reload and choose again',
  },
  'inventory.reveal_nothing': {
    status: 409,
    zh: '该订单没有可查看的卡密',
    en: 'This order has no key that can be revealed',
  },
  'inventory.reveal_budget_exceeded': {
    status: 429,
    zh: '查看卡密额度不足：每 {minutes} 分钟最多查看 {limit} 个，本次需要 {wanted} 个，剩余 {remaining} 个，{resetAt} 后恢复',
    en: 'Reveal limit reached: at most {limit} keys per {minutes} minutes; this needs {wanted}, {remaining} left; it resets at {resetAt}',
  },
  'inventory.break_glass_reason': {
    status: 400,
    zh: '紧急查看必须填写至少 10 个字的理由',
    en: 'A break-glass reveal needs a written reason of at least 10 characters',
  },
  'registry.key_not_found': {
    status: 404,
    zh: '卡号或密码不正确',
    en: 'Unknown card number or password',
  },
  'registry.key_voided': {
    status: 409,
    zh: '该卡密已作废，不能激活',
    en: 'This key was voided and cannot be activated',
  },
  'registry.key_invalid': {
    status: 409,
    zh: '该卡密已被确认无效，不能激活',
    en: 'This key was marked invalid and cannot be activated',
  },
  'registry.already_activated': {
    status: 409,
    zh: '该卡密已于 {at} 激活',
    en: 'This key was already activated at {at}',
  },
  'registry.activation_before_import': {
    status: 400,
    zh: '激活时间早于卡密导入时间，不可能成立',
    en: 'The activation time is before the key was imported',
  },
  'registry.activation_in_future': {
    status: 400,
    zh: '激活时间不能晚于当前时间',
    en: 'The activation time is in the future',
  },
  'crypto.rotation_busy': {
    status: 409,
    zh: '有导入正在进行，不能轮换主密钥',
    en: 'An import is running; the master key cannot be rotated now',
  },
  // ledger
  'ledger.insufficient_funds': {
    status: 409,
    zh: '余额不足',
    en: 'Insufficient balance',
  },
  'ledger.idempotency_conflict': {
    status: 422,
    zh: '同一幂等键已用于不同的资金操作',
    en: 'This idempotency key was already used for a different money movement',
  },
  // orders and checkout
  'order.not_found': { status: 404, zh: '订单不存在', en: 'Order not found' },
  'order.transition_not_allowed': {
    status: 409,
    zh: '订单当前状态（{from}）不能变为 {to}',
    en: 'The order cannot go from {from} to {to}',
  },
  'payment.transition_not_allowed': {
    status: 409,
    zh: '支付/退款记录当前状态（{from}）不能变为 {to}',
    en: 'The payment record cannot go from {from} to {to}',
  },
  'order.idempotency_key_required': {
    status: 400,
    zh: '请求头缺少 Idempotency-Key（8–64 位字母、数字、- 或 _）',
    en: 'The Idempotency-Key header is missing or malformed (8–64 letters, digits, - or _)',
  },
  'order.idempotency_mismatch': {
    status: 422,
    zh: '该 Idempotency-Key 已用于内容不同的请求',
    en: 'This Idempotency-Key was already used for a different request',
  },
  'order.policy_not_confirmed': {
    status: 400,
    zh: '请先阅读并勾选确认退款规则',
    en: 'Read and confirm the refund policy first',
  },
  'order.policy_changed': {
    status: 409,
    zh: '商品的退款规则已更新（第 {version} 版），请阅读新规则后重新确认',
    en: 'The refund policy has changed (version {version}); read the new policy and confirm again',
  },
  'order.terms_changed': {
    status: 409,
    zh: '商品的面额或有效期已变更，请刷新后重新确认',
    en: 'The face value or validity changed; reload and confirm again',
  },
  'order.price_changed': {
    status: 409,
    zh: '商品单价已变为 ¥{price}（您确认的是 ¥{confirmed}），未扣款；请确认新价格后重新下单',
    en: 'The unit price is now ¥{price} (you confirmed ¥{confirmed}); nothing was charged. Confirm the new price and order again',
  },
  'order.product_not_on_sale': { status: 409, zh: '该商品当前不可购买', en: 'This product is not on sale' },
  'order.quantity_over_limit': {
    status: 400,
    zh: '{level}每单最多购买 {max} 件',
    en: 'At most {max} per order at level {level}',
  },
  'order.method_not_allowed': {
    status: 400,
    zh: '该订单不支持此支付方式',
    en: 'This payment method is not available for this order',
  },
  'order.not_payable': {
    status: 409,
    zh: '该订单已不在待支付状态',
    en: 'This order is no longer awaiting payment',
  },
  'order.not_cancellable': {
    status: 409,
    zh: '只有待支付的订单可以取消',
    en: 'Only orders awaiting payment can be cancelled',
  },
  'order.own_product': { status: 403, zh: '不能购买自己店铺的商品', en: 'You cannot buy from your own shop' },
  'order.buyers_only': {
    status: 403,
    zh: '只有买家账号可以下单',
    en: 'Only buyer accounts can place orders',
  },
  'order.export_format': {
    status: 400,
    zh: '导出格式仅支持 csv 或 xlsx',
    en: 'Export format must be csv or xlsx',
  },
  // membership
  'membership.offer_not_found': {
    status: 404,
    zh: '该会员等级暂未开放购买',
    en: 'This membership level is not on sale',
  },
  'membership.price_changed': {
    status: 409,
    zh: '会员价格或期限已变为 ¥{price} / {days} 天，未扣款；请确认后重新购买',
    en: 'The membership is now ¥{price} for {days} days; nothing was charged. Confirm and buy again',
  },
  'membership.lower_than_current': {
    status: 409,
    zh: '您当前的会员等级更高（{current}），无需购买',
    en: 'Your current level ({current}) is already higher',
  },
  // top-ups
  'topup.amount_invalid': {
    status: 400,
    zh: '充值金额须在 ¥{min} 至 ¥{max} 之间',
    en: 'Top-up amount must be between ¥{min} and ¥{max}',
  },
  // merchant money: deposit top-ups and withdrawals (Stage 6)
  'deposit.exceeds_payable': {
    status: 409,
    zh: '补缴金额 ¥{amount} 超过店铺可用余额 ¥{available}',
    en: 'The top-up of ¥{amount} is more than the shop’s available balance of ¥{available}',
  },
  'withdrawal.not_found': { status: 404, zh: '提现记录不存在', en: 'Withdrawal not found' },
  'withdrawal.transition_not_allowed': {
    status: 409,
    zh: '提现记录当前状态（{from}）不能变为 {to}',
    en: 'The withdrawal cannot go from {from} to {to}',
  },
  'withdrawal.exceeds_available': {
    status: 409,
    zh: '提现金额 ¥{amount} 超过可提现余额 ¥{available}',
    en: 'The withdrawal of ¥{amount} is more than the ¥{available} available to withdraw',
  },
  'withdrawal.merchant_in_debt': {
    status: 409,
    zh: '店铺有欠款 ¥{debt}（售后退款超出余额与保证金），结清前不能提现',
    en: 'The shop owes ¥{debt} (refunds beyond its balance and deposit); it cannot withdraw until that is settled',
  },
  'withdrawal.merchant_suspended': {
    status: 409,
    zh: '店铺已被暂停，暂不能提现',
    en: 'The shop is suspended and cannot withdraw for now',
  },
  'withdrawal.account_invalid': {
    status: 400,
    zh: '银行卡号须为 12 至 19 位数字',
    en: 'A bank account number is 12 to 19 digits',
  },
  'withdrawal.bank_unavailable': {
    status: 503,
    zh: '银行通道暂不可用，请稍后再试',
    en: 'The bank is unavailable; try again later',
  },
  'bank.notice_forged': {
    status: 401,
    zh: '银行通知验签失败（{reason}）',
    en: 'The bank notice failed verification ({reason})',
  },
  'bank.notice_mismatch': {
    status: 400,
    zh: '银行通知与提现记录不符（{reason}）',
    en: 'The bank notice does not match the withdrawal ({reason})',
  },
  // payments and gateways
  'payment.unknown_provider': { status: 404, zh: '未知的支付渠道', en: 'Unknown payment provider' },
  'payment.gateway_unavailable': {
    status: 503,
    zh: '支付渠道暂时不可用，请稍后重试或选择其他支付方式',
    en: 'The payment provider is unavailable; try again later or choose another method',
  },
  'payment.notification_forged': {
    status: 401,
    zh: '支付通知验签失败',
    en: 'The payment notification failed signature verification',
  },
  'payment.refund_exceeds_paid': {
    status: 409,
    zh: '退款金额超过该笔支付的剩余可退金额',
    en: 'The refund exceeds what is left refundable of this payment',
  },
  'payment.notification_mismatch': {
    status: 400,
    zh: '支付通知与订单不符（{reason}）',
    en: 'The payment notification does not match the order ({reason})',
  },
  'sandbox.payment_not_found': { status: 404, zh: '支付单不存在', en: 'Payment not found' },
  'sandbox.payment_not_payable': {
    status: 409,
    zh: '该支付单已关闭或已支付',
    en: 'This payment is closed or already paid',
  },
  'sandbox.unknown_payer': { status: 400, zh: '未知的测试付款人', en: 'Unknown test payer' },
  'sandbox.refund_exceeds': {
    status: 400,
    zh: '退款金额超过可退金额',
    en: 'The refund exceeds the refundable amount',
  },
  'sandbox.payment_not_paid': {
    status: 409,
    zh: '原支付未成功，不能退款',
    en: 'The payment did not succeed; nothing to refund',
  },
  // the operator console: accounts
  'admin.cannot_disable_self': {
    status: 409,
    zh: '不能停用自己的账户',
    en: 'You cannot disable your own account',
  },
  'admin.last_admin': {
    status: 409,
    zh: '这是最后一个启用的管理员账户，不能停用',
    en: 'This is the last active admin account; it cannot be disabled',
  },
  'admin.channel_buyer': {
    status: 409,
    zh: '渠道买家账户按设计不可登录，不能恢复',
    en: 'A channel buyer account cannot log in by design and cannot be reinstated',
  },
  'admin.audit_cursor_invalid': {
    status: 400,
    zh: '分页游标无效，请从第一页重新查询',
    en: 'Invalid page cursor; search again from the first page',
  },
  // platform rules
  'rules.version_conflict': {
    status: 409,
    zh: '平台规则已被其他管理员修改（当前为第 {current} 版，您编辑的是第 {expected} 版）；请重新加载后再保存',
    en: 'Another admin changed the platform rules meanwhile (now version {current}; you edited version {expected}); reload and save again',
  },
  // clock and calendar
  'clock.test_clock_disabled': {
    status: 403,
    zh: '测试时钟未启用（生产环境不可用）',
    en: 'The test clock is disabled (not available in production)',
  },
  'calendar.import_invalid': {
    status: 400,
    zh: '节假日文件无效：{reason}',
    en: 'Invalid holiday file: {reason}',
  },
  // evidence files (refund applications, order conversations)
  'evidence.empty': { status: 422, zh: '文件 {name} 是空的', en: 'The file {name} is empty' },
  'evidence.too_large': {
    status: 413,
    zh: '文件 {name} 过大（{size}），{kind}的上限为 {limit}',
    en: 'The file {name} is too large ({size}); the limit for {kind} is {limit}',
  },
  'evidence.type_not_allowed': {
    status: 415,
    zh: '不支持的文件类型：{name} 实际是 {detected}。仅接受 PNG、JPEG、GIF、WebP 图片，PDF 和 UTF-8 文本聊天记录',
    en: 'File type not allowed: {name} is actually {detected}. Accepted: PNG, JPEG, GIF and WebP images, PDF, and UTF-8 text chat logs',
  },
  'evidence.text_not_utf8': {
    status: 415,
    zh: '文本文件 {name} 不是 UTF-8 编码，请另存为 UTF-8 后重新上传',
    en: 'The text file {name} is not UTF-8; save it as UTF-8 and upload it again',
  },
  'evidence.text_binary': {
    status: 415,
    zh: '文件 {name} 含有二进制控制字符（第 {line} 行），不是纯文本',
    en: 'The file {name} contains binary control characters (line {line}); it is not plain text',
  },
  'evidence.image_bomb': {
    status: 422,
    zh: '图片 {name} 声明的尺寸异常（{width}×{height}），超过上限 {limit}，已拒绝',
    en: 'The image {name} declares an abnormal size ({width}×{height}), over the limit of {limit}; refused',
  },
  'evidence.unreadable': {
    status: 422,
    zh: '文件 {name} 已损坏或无法读取',
    en: 'The file {name} is damaged or cannot be read',
  },
  'evidence.too_many': {
    status: 422,
    zh: '每次最多提交 {max} 个文件（本次 {count} 个）',
    en: 'At most {max} files per submission ({count} given)',
  },
  'evidence.total_too_large': {
    status: 413,
    zh: '本次提交的文件合计 {size}，超过上限 {limit}',
    en: 'The files in this submission add up to {size}, over the limit of {limit}',
  },
  'evidence.corrupted': {
    status: 500,
    zh: '存储的证据文件 {sha256} 校验失败，请联系平台客服',
    en: 'The stored evidence file {sha256} failed its integrity check; contact platform support',
  },
  'refund.transition_not_allowed': {
    status: 409,
    zh: '售后申请当前状态（{from}）不能变为 {to}',
    en: 'The refund request cannot go from {from} to {to}',
  },
  'refund.deadline_passed': {
    status: 409,
    zh: '处理期限已过，该操作已不能进行',
    en: 'The deadline for this has passed',
  },
  'refund.not_found': { status: 404, zh: '售后申请不存在', en: 'Refund request not found' },
  'refund.order_not_refundable': {
    status: 409,
    zh: '该订单当前不能申请售后（未付款或已全部退款）',
    en: 'This order cannot be refunded now (not paid, or already fully refunded)',
  },
  'refund.channel_order': {
    status: 409,
    zh: '渠道订单请在下单平台（淘宝/拼多多/闲鱼）申请售后',
    en: 'Channel orders are refunded on the shop where they were placed',
  },
  // channel shops, orders and the key lookup (Stage 7)
  'channel.shop_not_found': { status: 404, zh: '渠道店铺不存在', en: 'Channel shop not found' },
  'channel.shop_taken': {
    status: 409,
    zh: '该渠道店铺已被其他商家绑定',
    en: 'This channel shop is already connected by another merchant',
  },
  'channel.public_url_required': {
    status: 409,
    zh: '连接渠道店铺前请先设置 KAMENG_PUBLIC_URL（渠道推送地址和买家提取链接都基于它）',
    en: 'Set KAMENG_PUBLIC_URL before connecting a channel shop: the channel’s push address and the buyers’ lookup links are built on it',
  },
  'channel.refund_transition_not_allowed': {
    status: 409,
    zh: '渠道退款不能从 {from} 变为 {to}',
    en: 'A channel refund cannot go from {from} to {to}',
  },
  'channel.item_not_mapped': {
    status: 422,
    zh: '渠道商品 {item} 未关联卡盟商品，无法发货',
    en: 'Channel item {item} is not mapped to a Kameng product; it cannot be delivered',
  },
  'channel.order_unsupported': {
    status: 422,
    zh: '暂不支持一个订单包含多个商品',
    en: 'Orders with more than one item are not supported',
  },
  'lookup.not_found': {
    status: 404,
    zh: '订单号或提取码不正确，或提取链接已失效',
    en: 'The order number or lookup code is wrong, or the link is no longer valid',
  },
  'lookup.throttled': {
    status: 429,
    zh: '尝试次数过多，请稍后再试（最长 1 小时）',
    en: 'Too many attempts; try again later (up to an hour)',
  },
  'refund.channel_no_supplement': {
    status: 409,
    zh: '渠道订单的买家没有卡盟账号，请在渠道（淘宝/拼多多/闲鱼）上与买家沟通补充材料',
    en: 'A channel order’s buyer has no Kameng account; ask for material on the channel',
  },
  'refund.units_required': {
    status: 422,
    zh: '请至少选择一件商品（卡密）',
    en: 'Choose at least one unit (key)',
  },
  'refund.unit_not_in_order': {
    status: 422,
    zh: '所选商品不属于该订单',
    en: 'A chosen unit does not belong to this order',
  },
  'refund.unit_in_open_request': {
    status: 409,
    zh: '所选卡密已在另一个处理中的售后申请里',
    en: 'A chosen key is already in another open refund request',
  },
  'refund.unit_refunded': { status: 409, zh: '所选卡密已退款', en: 'A chosen key has already been refunded' },
  'refund.not_eligible': {
    status: 422,
    zh: '所选商品不符合退款条件：{reason}',
    en: 'The chosen units are not eligible for a refund: {reason}',
  },
  'refund.evidence_required': {
    status: 422,
    zh: '商家责任类原因需要提供凭证（截图、聊天记录等）',
    en: 'Merchant-fault reasons need evidence (screenshots, chat logs …)',
  },
  'refund.note_required': {
    status: 422,
    zh: '选择「其他」原因时请填写说明',
    en: 'Add a note when the reason is "other"',
  },
  'refund.confirmation_required': {
    status: 409,
    zh: '退款金额 ¥{amount} 达到大额标准，请再次确认',
    en: 'A refund of ¥{amount} is a large refund: confirm it again',
  },
  'refund.decision_contradicts_records': {
    status: 409,
    zh: '该拒绝理由与订单记录不符：{warnings}。如仍要拒绝，请确认后再提交（会向买家和仲裁显示此提示）',
    en: 'This rejection contradicts the order records: {warnings}. Confirm to reject anyway (the warning is shown to the buyer and in arbitration)',
  },
  'refund.resubmissions_exhausted': {
    status: 409,
    zh: '重新提交次数已用完（最多 {max} 次），可接受结果或申请平台仲裁',
    en: 'No resubmissions left (at most {max}); accept the result or escalate to the platform',
  },
  'refund.not_reviewer': {
    status: 403,
    zh: '该申请当前不由您审核',
    en: 'This request is not in your review queue',
  },
  'refund.abnormal_only': {
    status: 409,
    zh: '只有退款异常的申请可以改退到余额',
    en: 'Only a request whose payout failed can be rerouted to the balance',
  },
  // channels (Stage 7): sandbox and connectors
  'channel.push_forged': {
    status: 401,
    zh: '渠道推送校验失败（{reason}），已拒收',
    en: 'The channel push failed verification ({reason}) and was refused',
  },
  'channel.unavailable': {
    status: 503,
    zh: '渠道服务暂时不可用，稍后将自动重试',
    en: 'The channel is unavailable right now; it is retried later',
  },
  'channel.credentials_rejected': {
    status: 422,
    zh: '渠道拒绝了店铺凭证（{msg}），请核对 AppKey、AppSecret 和授权码',
    en: 'The channel rejected the shop credentials ({msg}); check the app key, secret and session key',
  },
  'channel.rejected': {
    status: 502,
    zh: '渠道拒绝了请求：{code} {msg}',
    en: 'The channel refused the call: {code} {msg}',
  },
  'channel.bad_response': {
    status: 502,
    zh: '渠道返回了无法识别的应答（{reason}）',
    en: 'The channel answered with something unreadable ({reason})',
  },
  'sandbox.channel_shop_not_found': { status: 404, zh: '沙箱店铺不存在', en: 'Sandbox shop not found' },
  'sandbox.channel_item_not_found': { status: 404, zh: '沙箱商品不存在', en: 'Sandbox item not found' },
  'sandbox.channel_order_not_found': { status: 404, zh: '沙箱订单不存在', en: 'Sandbox order not found' },
  'sandbox.channel_refund_not_found': { status: 404, zh: '沙箱退款不存在', en: 'Sandbox refund not found' },
  'sandbox.channel_unknown_profile': {
    status: 400,
    zh: '未知的买家行为模式',
    en: 'Unknown buyer behaviour profile',
  },
  'sandbox.channel_order_state': {
    status: 409,
    zh: '订单当前状态（{state}）不能执行此操作',
    en: 'The order is {state}; this cannot be done now',
  },
  'sandbox.channel_refund_state': {
    status: 409,
    zh: '退款当前状态（{state}）不能执行此操作',
    en: 'The refund is {state}; this cannot be done now',
  },
  'sandbox.channel_refund_open': {
    status: 409,
    zh: '该订单已有进行中的退款，请先处理完再申请',
    en: 'This order already has a refund in progress',
  },
  'sandbox.channel_refund_quantity': {
    status: 400,
    zh: '退款数量须为 1 到 {max} 件',
    en: 'A refund is for 1 to {max} units',
  },
  // order conversations (沟通记录)
  'conversation.body_invalid': {
    status: 400,
    zh: '消息内容须为 1 到 {max} 个字',
    en: 'A message must be 1 to {max} characters long',
  },
  'conversation.file_not_found': {
    status: 422,
    zh: '附件 {name} 未上传或已不存在，请重新上传',
    en: 'The attachment {name} was not uploaded or no longer exists; upload it again',
  },
  'conversation.message_not_found': {
    status: 404,
    zh: '该订单的沟通记录中没有这条消息',
    en: 'This message is not part of the order conversation',
  },
  'conversation.read_only': {
    status: 403,
    zh: '您只能查看该订单的沟通记录，不能发言',
    en: 'You may read this order conversation but not post in it',
  },
  'inventory.unit_in_refund': {
    status: 409,
    zh: '该卡密正在售后处理中，处理结束前不能查看；如需使用，请在审核完成前撤销售后申请',
    en: 'This key is in a refund request under way and stays sealed until it ends; to use the key, cancel the request while it is under review',
  },
  'evidence.not_uploaded': {
    status: 422,
    zh: '文件 {name} 不是您上传的，请先上传该文件',
    en: 'The file {name} was not uploaded by you; upload it first',
  },
  'dispute.not_found': { status: 404, zh: '仲裁案件不存在', en: 'Dispute not found' },
  'dispute.transition_not_allowed': {
    status: 409,
    zh: '仲裁案件当前状态（{from}）不能变为 {to}',
    en: 'The dispute cannot go from {from} to {to}',
  },
  'dispute.final': {
    status: 409,
    zh: '仲裁裁决为终局决定，不能再更改',
    en: 'The arbitration decision is final and cannot be changed',
  },
  'dispute.request_not_disputed': {
    status: 409,
    zh: '该售后申请不在仲裁中',
    en: 'This refund request is not in arbitration',
  },
  'dispute.evidence_closed': {
    status: 409,
    zh: '举证期限已过或您已提交陈述，陈述与证据不能再修改',
    en: 'The evidence deadline has passed or your statement was submitted; it can no longer change',
  },
  'dispute.not_a_party': {
    status: 403,
    zh: '您不是该仲裁案件的当事方',
    en: 'You are not a party to this dispute',
  },
  'dispute.not_in_arbitration': {
    status: 409,
    zh: '举证期尚未结束，双方提交陈述或举证期限届满后方可裁决',
    en: 'The evidence phase is still open: decide once both parties have submitted or the deadline has passed',
  },
  'dispute.unit_not_in_case': {
    status: 422,
    zh: '所选商品单元不属于该仲裁案件',
    en: 'A chosen unit is not part of this dispute',
  },
  'dispute.units_required': {
    status: 422,
    zh: '部分支持的裁决需逐个说明每个商品单元是否退款',
    en: 'A split decision must say for every unit whether it is refunded',
  },
  'dispute.split_not_split': {
    status: 422,
    zh: '部分支持须至少退款一个、不退款一个商品单元；全部退款请选择“支持买家”，全部不退请选择“支持商家”',
    en: 'A split decision refunds at least one unit and keeps at least one; to refund all choose "for the buyer", to refund none "for the merchant"',
  },
  'dispute.arbitrator_conflict': {
    status: 403,
    zh: '您曾处理过该售后申请，不能担任本案仲裁员',
    en: 'You decided this refund request yourself and cannot arbitrate it',
  },
  'dispute.confirmation_required': {
    status: 409,
    zh: '裁决为终局决定，请确认后再提交',
    en: 'The decision is final: confirm it before submitting',
  },
  'dispute.statement_required': {
    status: 422,
    zh: '请先写下您的陈述（至少 2 个字）再提交',
    en: 'Write your statement (at least 2 characters) before submitting it',
  },
  'dispute.channel_order': {
    status: 409,
    zh: '渠道订单的退款由渠道（淘宝/拼多多/闲鱼）裁决，不能在卡盟申请仲裁',
    en: 'A channel order’s refund is decided by the channel; it cannot be taken to arbitration here',
  },
  'dispute.not_contestable': {
    status: 409,
    zh: '只有平台客服同意的退款可以由商家申请仲裁',
    en: 'A merchant may take to arbitration only a refund that platform support approved',
  },
  'dispute.already_open': {
    status: 409,
    zh: '该售后申请已有仲裁案件',
    en: 'This refund request already has a dispute',
  },
  'merchant.suspended': {
    status: 409,
    zh: '该商家因违规已被暂停销售，暂不能购买其商品',
    en: 'This merchant is suspended for violations; its goods cannot be bought for now',
  },
  'merchant.not_suspended': { status: 409, zh: '该商家未被暂停', en: 'This merchant is not suspended' },
} as const satisfies Record<string, CatalogEntry>;

export type ErrorCode = keyof typeof catalog;
/**
 * Every error code, in catalog order: the OpenAPI document lists them as the problem's `code` enum,
 * so the web client's error handling is checked against them. (`Object.keys` of the catalog, which
 * has at least one entry, is exactly its keys: the cast only restores what TypeScript forgets.)
 */
export const ERROR_CODES = Object.freeze(Object.keys(catalog)) as readonly [ErrorCode, ...ErrorCode[]];
/** A parameter is the same in both languages, or given per language. */
export type Params = Record<string, string | number | { zh: string; en: string }>;

function interpolate(template: string, params: Params | undefined, lang: 'zh' | 'en'): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => {
    const v = params[key];
    if (v === undefined) return whole;
    return typeof v === 'object' ? v[lang] : String(v);
  });
}

export function messagesFor(code: ErrorCode, params?: Params): Messages {
  const entry: CatalogEntry = catalog[code];
  return { 'zh-CN': interpolate(entry.zh, params, 'zh'), en: interpolate(entry.en, params, 'en') };
}

export function statusFor(code: ErrorCode): number {
  return catalog[code].status;
}

export interface FieldError {
  field: string;
  code: ErrorCode;
  messages: Messages;
}

export class DomainError extends Error {
  readonly status: number;
  readonly messages: Messages;
  constructor(
    readonly code: ErrorCode,
    readonly options: {
      field?: string;
      params?: Params;
      errors?: FieldError[];
      headers?: Record<string, string>;
      /** Extra facts the client needs to recover (e.g. the new refund policy to confirm). */
      data?: Record<string, unknown>;
    } = {},
  ) {
    const messages = messagesFor(code, options.params);
    super(`${code}: ${messages.en}`);
    this.name = 'DomainError';
    this.status = statusFor(code);
    this.messages = messages;
  }
  get field(): string | undefined {
    return this.options.field;
  }
}

export function fail(code: ErrorCode, options?: DomainError['options']): never {
  throw new DomainError(code, options);
}

export function fieldError(field: string, code: ErrorCode, params?: Params): FieldError {
  return { field, code, messages: messagesFor(code, params) };
}
