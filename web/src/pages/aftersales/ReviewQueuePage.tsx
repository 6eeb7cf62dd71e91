import { useQuery } from '@tanstack/react-query';
import { Card, Flex, Segmented, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { RequireUser } from '../../components/RequireUser';
import { useIsPhone } from '../../components/ResponsiveList';
import type { RefundFilter } from '../../types';
import { merchantRefundPath, refundListKey } from './queries';
import { RefundTable } from './RefundTable';

const OPEN: RefundFilter = { queue: 'open', limit: 100 };
const ALL: RefundFilter = { limit: 100 };

function Queue() {
  const { t } = useTranslation();
  const phone = useIsPhone();
  const [which, setWhich] = useState<'open' | 'all'>('open');
  const filter = which === 'open' ? OPEN : ALL;
  const query = useQuery({
    queryKey: refundListKey(filter),
    queryFn: () => api.refunds(filter),
    staleTime: 0,
    refetchInterval: 30_000,
  });
  return (
    <Card
      data-testid="review-queue"
      size={phone ? 'small' : undefined}
      extra={
        <Segmented
          value={which}
          onChange={(v) => setWhich(v as 'open' | 'all')}
          options={[
            {
              value: 'open',
              label: <span data-testid="review-queue-open">{t('aftersales.queue.open')}</span>,
            },
            { value: 'all', label: <span data-testid="review-queue-all">{t('aftersales.queue.all')}</span> },
          ]}
        />
      }
    >
      <Typography.Paragraph type="secondary">{t('aftersales.queue.hint')}</Typography.Paragraph>
      <RefundTable
        query={query}
        linkTo={merchantRefundPath}
        emptyText={t('aftersales.queue.empty')}
        sortByDeadline={which === 'open'}
        testId="refund-queue"
      />
    </Card>
  );
}

/** /merchant/refunds (售后审核): the shop's requests, the open ones by deadline. */
export default function ReviewQueuePage() {
  const { t } = useTranslation();
  return (
    <RequireUser merchant forbiddenText={t('aftersales.merchantOnly')}>
      <Flex vertical gap={16}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('aftersales.queue.title')}
        </Typography.Title>
        <Queue />
      </Flex>
    </RequireUser>
  );
}
