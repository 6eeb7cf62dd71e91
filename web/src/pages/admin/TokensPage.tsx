import { useTranslation } from 'react-i18next';
import { ConsoleLayout } from './ConsoleLayout';
import { TokensPanel } from './TokensPanel';

/** /admin/tokens (API 令牌): the integration tokens of issuers and channel connectors. */
export default function TokensPage() {
  const { t } = useTranslation();
  return (
    <ConsoleLayout title={t('console.section.tokens')}>
      <TokensPanel admin />
    </ConsoleLayout>
  );
}
