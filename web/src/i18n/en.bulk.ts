// Bulk reveal on the buyer's order page. Spread into en.ts; zh-CN.bulk.ts has the same keys.
const bulkEn = {
  bulkReveal: {
    selectAllSealed: 'Select all sealed',
    selectAllRevealable: 'Select all revealable',
    clear: 'Clear',
    selected: '{{count}} selected',
    revealN: 'Unseal and show {{count}}',
    showN: 'Show {{count}}',
    select: 'Select',
    confirmTitle: 'Unseal {{count}} keys?',
    confirmCount:
      '{{sealed}} sealed keys will be unsealed ({{total}} shown in all). Viewing a key unseals it; after that, under the refund policy you bought (v{{version}}):',
    confirmAlso: '{{count}} keys already unsealed will be shown again (recorded as views).',
    confirmOk: 'Unseal and show {{count}}',
    working: 'Unsealing and decrypting {{count}} keys…',
    resultTitle: 'Keys · {{count}}',
    firstReveals: '{{count}} viewed for the first time and now marked unsealed.',
    skipped: '{{count}} not shown (refunded, voided, not delivered or in a refund request).',
    copyAll: 'Copy all',
    copied: '{{count}} keys copied',
    copyFailed: 'Copying failed; download instead',
    downloadTxt: 'Download TXT',
    downloadCsv: 'Download CSV',
    index: 'No.',
    fileName: 'keys-{{orderNo}}',
    budget: 'Reveal budget: {{spent}} / {{limit}} keys used; resets {{resetAt}}',
    note: 'Keep them safe. The page keeps no key once this window closes; you can view them again (every view is recorded). Files are made on your device only.',
  },
};
export default bulkEn;
