import { Button, Card, Dropdown, Flex, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, recordsUrl, type RecordsDataset } from '../../api';
import { RequireUser } from '../../components/RequireUser';
import { useLang } from '../../i18n';
import { useIsPhone } from '../../components/ResponsiveList';
import { allOf, type OrderFilter } from '../../types';
import { OrderFilters, OrderTable, useOrderPages } from './OrderList';
import { ordersListKey } from './orderQueries';

const CSV_DATASETS = allOf<RecordsDataset>()(['orders', 'payments', 'keys', 'refunds']);

/** 下载记录: the whole history as one XLSX, or one dataset as CSV. Never contains key secrets. */
function RecordsDownload() {
  const { t } = useTranslation();
  const lang = useLang();
  return (
    <Space wrap>
      <Button href={recordsUrl('xlsx', lang)} download type="primary" data-testid="records-xlsx">
        {t('records.xlsx')}
      </Button>
      <Dropdown
        trigger={['click']}
        menu={{
          items: CSV_DATASETS.map((d) => ({
            key: d,
            label: (
              <a href={recordsUrl({ csv: d }, lang)} download data-testid={`records-csv-${d}`}>
                {t(`records.csv.${d}`)}
              </a>
            ),
          })),
        }}
      >
        <Button data-testid="records-csv">{t('records.csvMenu')}</Button>
      </Dropdown>
    </Space>
  );
}

function MyOrders() {
  const { t } = useTranslation();
  const [filter, setFilter] = useState<OrderFilter>({});
  const query = useOrderPages(ordersListKey(filter), (cursor) => api.orders(filter, cursor));
  // on a phone the downloads go under the heading: the card's header has no room beside the title
  const phone = useIsPhone();
  return (
    <Card
      title={phone ? undefined : t('orders.title')}
      extra={phone ? undefined : <RecordsDownload />}
      size={phone ? 'small' : undefined}
      data-testid="my-orders"
    >
      <Space orientation="vertical" size={12} style={{ width: '100%' }}>
        {phone && <RecordsDownload />}
        <OrderFilters onChange={setFilter} />
        <Typography.Text type="secondary">{t('records.note')}</Typography.Text>
        <OrderTable query={query} emptyText={t('orders.empty')} />
      </Space>
    </Card>
  );
}

/** /me/orders (我的订单): goods, memberships and top-ups of the logged-in buyer. */
export default function OrdersPage() {
  const { t } = useTranslation();
  return (
    <RequireUser buyer loginText={t('orders.loginRequired')}>
      <Flex vertical gap={16}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('orders.title')}
        </Typography.Title>
        <MyOrders />
      </Flex>
    </RequireUser>
  );
}
