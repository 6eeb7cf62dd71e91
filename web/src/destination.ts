// The languages shown (as types.ts's Lang; no imports so unit tests can load this file)
type Lang = 'zh-CN' | 'en';

/*
 * A refund's destination as the gateway words it (微信零钱, 支付宝余额, 招商银行储蓄卡(尾号1234),
 * 平台余额), for English readers: the wallet, or the card's bank and last digits. The server's
 * exports use the same words (src/platform/labels.ts destinationLabel).
 */
const BANKS: Record<string, string> = {
  招商银行: 'China Merchants Bank',
  工商银行: 'ICBC',
  中国工商银行: 'ICBC',
  农业银行: 'Agricultural Bank of China',
  中国农业银行: 'Agricultural Bank of China',
  建设银行: 'China Construction Bank',
  中国建设银行: 'China Construction Bank',
  中国银行: 'Bank of China',
  交通银行: 'Bank of Communications',
  邮储银行: 'Postal Savings Bank of China',
  中国邮政储蓄银行: 'Postal Savings Bank of China',
};
const WALLETS: Record<string, string> = {
  平台余额: 'Platform balance',
  余额: 'Platform balance',
  微信零钱: 'WeChat Change (wallet)',
  零钱: 'WeChat Change (wallet)',
  支付用户零钱: 'WeChat Change (wallet)',
  支付宝余额: 'Alipay balance',
};

export function destinationText(destination: string | null | undefined, lang: Lang): string {
  if (!destination) return '—';
  if (lang !== 'en') return destination;
  const d = destination.trim();
  const wallet = WALLETS[d];
  if (wallet) return wallet;
  const card = /^(.*?银行)?(储蓄卡|借记卡|信用卡)?\s*[(（]?\s*尾号\s*(\d{3,4})\s*[)）]?$/.exec(d);
  if (card) {
    const bank = card[1] ? (BANKS[card[1]] ?? card[1]) : 'Bank';
    const kind = card[2] === '信用卡' ? 'credit card' : card[2] ? 'debit card' : 'card';
    return `${bank} ${kind} ending ${card[3]}`;
  }
  return destination;
}
