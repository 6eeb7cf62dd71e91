import { useQuery } from '@tanstack/react-query';
import { Card, Flex, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { RequireUser } from '../../components/RequireUser';
import { useIsPhone } from '../../components/ResponsiveList';
import type { RefundFilter } from '../../types';
import { refundListKey, refundPath } from './queries';
import { RefundTable } from './RefundTable';

const MINE: RefundFilter = { limit: 100 };

function MyRefunds() {
  const { t } = useTranslation();
  const phone = useIsPhone();
  const query = useQuery({ queryKey: refundListKey(MINE), queryFn: () => api.refunds(MINE), staleTime: 0 });
  return (
    <Card data-testid="my-refunds" size={phone ? 'small' : undefined}>
      <Typography.Paragraph type="secondary">{t('aftersales.list.hint')}</Typography.Paragraph>
      <RefundTable query={query} linkTo={refundPath} emptyText={t('aftersales.list.empty')} />
    </Card>
  );
}

/** /me/refunds (我的售后): the buyer's own requests, newest first. */
export default function MyRefundsPage() {
  const { t } = useTranslation();
  return (
    <RequireUser buyer loginText={t('aftersales.loginRequired')}>
      <Flex vertical gap={16}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('aftersales.list.title')}
        </Typography.Title>
        <MyRefunds />
      </Flex>
    </RequireUser>
  );
}
