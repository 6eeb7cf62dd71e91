import { useQuery } from '@tanstack/react-query';
import { Card, Col, Row, Space, Statistic, Table, Tooltip, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../../api';
import { EmptyState, ErrorResult, Loading } from '../../components/QueryState';
import { RequireUser } from '../../components/RequireUser';
import { formatFen, formatTime } from '../../format';
import { useLang } from '../../i18n';
import type { MerchantFinance, MerchantSettlement, OrderFilter, OrderKind } from '../../types';
import { OrderFilters, OrderTable, useOrderPages } from '../buyer/OrderList';
import { MERCHANT_FINANCE_KEY, merchantOrdersKey } from '../buyer/orderQueries';
import { DepositTopUpCard, MyWithdrawals, WithdrawCard } from './MerchantMoney';

const SHOP_KINDS: readonly OrderKind[] = ['GOODS'];

/** 100 bp -> '1.00%'. */
const percent = (bp: number) => `${(bp / 100).toFixed(2)}%`;

function Balances({ finance }: { finance: MerchantFinance }) {
  const { t } = useTranslation();
  const cards: { key: string; title: string; help: string; value: string; extra?: string }[] = [
    {
      key: 'payable',
      title: t('finance.payable'),
      help: t('finance.payableHelp'),
      value: formatFen(finance.payableFen),
    },
    {
      key: 'withdrawable',
      title: t('money.withdrawable'),
      help: t('money.withdrawableHelp'),
      value: formatFen(finance.withdrawableFen),
    },
    {
      key: 'deposit',
      title: t('finance.deposit'),
      help: t('finance.depositHelp'),
      value: formatFen(finance.depositFen),
      extra: t('money.minDeposit', { amount: formatFen(finance.minDepositFen) }),
    },
    {
      key: 'escrow',
      title: t('finance.escrow'),
      help: t('finance.escrowHelp'),
      value: formatFen(finance.escrowFen),
    },
    {
      key: 'in-flight',
      title: t('money.inFlight'),
      help: t('money.inFlightHelp'),
      value: formatFen(finance.withdrawals.inFlightFen),
      extra: t('money.paid', { amount: formatFen(finance.withdrawals.paidFen) }),
    },
    {
      key: 'commission',
      title: t('finance.commission'),
      help: t('finance.commissionHelp'),
      value: percent(finance.commissionBp),
    },
  ];
  return (
    <Row gutter={[12, 12]}>
      {cards.map((c) => (
        <Col key={c.key} xs={12} md={8}>
          <Card size="small" data-testid={`finance-${c.key}`} style={{ height: '100%' }}>
            <Statistic title={<Tooltip title={c.help}>{c.title}</Tooltip>} value={c.value} />
            {c.extra && (
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {c.extra}
              </Typography.Text>
            )}
          </Card>
        </Col>
      ))}
      <Col xs={24}>
        <Card size="small" data-testid="finance-sales">
          <Row gutter={16}>
            <Col xs={8}>
              <Statistic title={t('finance.salesOrders')} value={finance.sales.orders} />
            </Col>
            <Col xs={8}>
              <Statistic title={t('finance.salesUnits')} value={finance.sales.units} />
            </Col>
            <Col xs={8}>
              <Statistic
                title={t('finance.salesAmount')}
                value={formatFen(finance.sales.amountFen)}
                data-testid="finance-sales-amount"
              />
            </Col>
          </Row>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t('money.salesNote', {
              gross: formatFen(finance.sales.grossFen),
              refunded: formatFen(finance.sales.refundedFen),
            })}
          </Typography.Text>
        </Card>
      </Col>
    </Row>
  );
}

function Settlements({ items }: { items: MerchantSettlement[] }) {
  const { t } = useTranslation();
  const lang = useLang();
  const columns: TableColumnsType<MerchantSettlement> = [
    {
      key: 'no',
      title: t('orders.orderNo'),
      render: (_, s) => <Typography.Text copyable>{s.orderNo}</Typography.Text>,
    },
    { key: 'goods', title: t('orders.goods'), render: (_, s) => s.productName ?? '—' },
    {
      key: 'total',
      title: t('finance.orderAmount'),
      align: 'right',
      render: (_, s) => formatFen(s.orderTotalFen),
    },
    {
      key: 'amount',
      title: t('finance.settledAmount'),
      align: 'right',
      render: (_, s) => formatFen(s.amountFen),
    },
    {
      key: 'commission',
      title: t('finance.commissionFen'),
      align: 'right',
      render: (_, s) => formatFen(-s.commissionFen),
    },
    {
      key: 'net',
      title: t('finance.net'),
      align: 'right',
      render: (_, s) => <Typography.Text strong>{formatFen(s.netFen)}</Typography.Text>,
    },
    { key: 'at', title: t('finance.settledAt'), render: (_, s) => formatTime(s.settledAt, lang) },
  ];
  if (items.length === 0) return <EmptyState description={t('finance.noSettlements')} />;
  return (
    <Table<MerchantSettlement>
      data-testid="finance-settlements"
      rowKey="orderId"
      size="middle"
      scroll={{ x: 920 }}
      dataSource={items}
      pagination={{ pageSize: 20, hideOnSinglePage: true }}
      columns={columns}
    />
  );
}

function Finance() {
  const { t } = useTranslation();
  const query = useQuery({ queryKey: MERCHANT_FINANCE_KEY, queryFn: api.merchantFinance, staleTime: 0 });
  const [filter, setFilter] = useState<OrderFilter>({});
  const orders = useOrderPages(merchantOrdersKey(filter), (cursor) => api.merchantOrders(filter, cursor));
  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <ErrorResult error={query.error} onRetry={() => void query.refetch()} />
      ) : (
        <>
          <Balances finance={query.data} />
          <Row gutter={[16, 16]}>
            <Col xs={24} lg={12}>
              <WithdrawCard finance={query.data} />
            </Col>
            <Col xs={24} lg={12}>
              <DepositTopUpCard finance={query.data} />
            </Col>
          </Row>
          <MyWithdrawals />
          <Card title={t('finance.settlements')}>
            <Typography.Paragraph type="secondary">{t('finance.settlementRule')}</Typography.Paragraph>
            <Settlements items={query.data.settlements} />
          </Card>
        </>
      )}
      <Card title={t('finance.shopOrders')} data-testid="shop-orders">
        <Space orientation="vertical" size={12} style={{ width: '100%' }}>
          <OrderFilters onChange={setFilter} kinds={SHOP_KINDS} />
          <OrderTable query={orders} merchant emptyText={t('finance.noOrders')} />
        </Space>
      </Card>
    </Space>
  );
}

/** /merchant/finance (销售与结算): balances, deposit top-up, withdrawals, settlements; merchant role only. */
export default function FinancePage() {
  const { t } = useTranslation();
  return (
    <RequireUser merchant>
      <Space orientation="vertical" size={16} style={{ width: '100%' }}>
        <Space style={{ justifyContent: 'space-between', width: '100%' }} wrap>
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t('finance.title')}
          </Typography.Title>
          <Link to="/merchant">← {t('keys.backToMerchant')}</Link>
        </Space>
        <Finance />
      </Space>
    </RequireUser>
  );
}
