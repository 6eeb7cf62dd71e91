import { Flex, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { RequireUser } from '../../components/RequireUser';
import { TokensPanel } from '../admin/TokensPanel';

/** /merchant/tokens (API 令牌): the merchant's own tokens for its systems. */
export default function MerchantTokensPage() {
  const { t } = useTranslation();
  return (
    <RequireUser merchant>
      <Flex vertical gap={16}>
        <Link to="/merchant/home">← {t('console.home.title')}</Link>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('console.tokens.merchantTitle')}
        </Typography.Title>
        <TokensPanel admin={false} />
      </Flex>
    </RequireUser>
  );
}
