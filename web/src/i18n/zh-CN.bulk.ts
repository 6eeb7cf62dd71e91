// Bulk reveal (批量查看) on the buyer's order page. Spread into zh-CN.ts; en.bulk.ts has the same keys.
const bulkZhCN = {
  bulkReveal: {
    selectAllSealed: '全选未拆封',
    selectAllRevealable: '全选可查看',
    clear: '清空选择',
    selected: '已选 {{count}} 件',
    revealN: '拆封并显示 {{count}} 个',
    showN: '显示 {{count}} 个',
    select: '选择',
    confirmTitle: '确认拆封 {{count}} 个卡密？',
    confirmCount:
      '将拆封 {{sealed}} 个未拆封的卡密（本次共显示 {{total}} 个）。查看即视为拆封，拆封后按您下单时的退款政策（v{{version}}）：',
    confirmAlso: '另有 {{count}} 个已拆封的卡密将再次显示（记为查看）。',
    confirmOk: '确认拆封并显示 {{count}} 个',
    working: '正在拆封并解密 {{count}} 个卡密…',
    resultTitle: '卡密 · {{count}} 个',
    firstReveals: '本次首次查看 {{count}} 个，已标记为“已拆封”。',
    skipped: '{{count}} 件未显示（已退款、作废、未发货或售后处理中）。',
    copyAll: '复制全部',
    copied: '已复制 {{count}} 个卡密',
    copyFailed: '复制失败，请使用下载',
    downloadTxt: '下载 TXT',
    downloadCsv: '下载 CSV',
    index: '序号',
    fileName: '卡密-{{orderNo}}',
    budget: '查看额度：已用 {{spent}} / {{limit}} 个，{{resetAt}} 重置',
    note: '请妥善保管。关闭窗口后页面不会保留卡密，需要时可再次查看（每次查看都会记录）。文件只在您的设备上生成。',
  },
};
export default bulkZhCN;
