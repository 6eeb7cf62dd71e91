import { useQuery } from '@tanstack/react-query';
import { Card } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import type { OrderDetail, RefundFilter } from '../../types';
import { refundListKey, refundPath } from './queries';
import { RefundTable } from './RefundTable';

/** The order's refund requests, on the order page (shown once there is one). */
export function OrderRefundsCard({ order }: { order: OrderDetail }) {
  const { t } = useTranslation();
  const filter: RefundFilter = { orderId: order.id };
  const query = useQuery({
    queryKey: refundListKey(filter),
    queryFn: () => api.refunds(filter),
    staleTime: 0,
  });
  if (!query.data || query.data.items.length === 0) return null;
  return (
    <Card title={t('aftersales.orderRequests')} data-testid="order-refunds">
      <RefundTable
        query={query}
        linkTo={refundPath}
        emptyText={t('aftersales.list.empty')}
        testId="order-refunds-table"
      />
    </Card>
  );
}
