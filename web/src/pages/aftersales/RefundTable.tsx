import type { UseQueryResult } from '@tanstack/react-query';
import { Space, Typography, type TableColumnsType } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { EmptyState, ErrorResult } from '../../components/QueryState';
import { ResponsiveList } from '../../components/ResponsiveList';
import { formatFen, formatTime } from '../../format';
import { useLang } from '../../i18n';
import type { RefundList, RefundSummary } from '../../types';
import { pickText } from './queries';
import { currentDeadline, LargeTag, RefundStateTag, RunningDeadline } from './RefundTags';

/** Requests by their running deadline, soonest first; those without one after, newest first. */
export function byDeadline(items: RefundSummary[]): RefundSummary[] {
  const due = (r: RefundSummary) => {
    const d = currentDeadline(r);
    return d ? new Date(d.at).getTime() : Number.POSITIVE_INFINITY;
  };
  return [...items].sort((a, b) => due(a) - due(b) || b.createdAt.localeCompare(a.createdAt));
}

/** A list of refund requests; `linkTo` is where a row opens (the buyer's or the merchant's path). */
export function RefundTable({
  query,
  linkTo,
  emptyText,
  sortByDeadline = false,
  testId = 'refund-table',
}: {
  query: UseQueryResult<RefundList>;
  linkTo: (id: string) => string;
  emptyText: string;
  sortByDeadline?: boolean;
  testId?: string;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  if (query.isError) return <ErrorResult error={query.error} onRetry={() => void query.refetch()} />;
  const items = query.data?.items ?? [];
  const columns: TableColumnsType<RefundSummary> = [
    {
      key: 'no',
      title: t('aftersales.requestNo'),
      render: (_, r) => (
        <Space orientation="vertical" size={0}>
          <Link to={linkTo(r.id)} data-testid="refund-link" data-request-id={r.id}>
            {r.requestNo}
          </Link>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t('aftersales.orderNo')} {r.orderNo}
          </Typography.Text>
        </Space>
      ),
    },
    {
      key: 'goods',
      title: t('aftersales.goods'),
      render: (_, r) => (
        <Space orientation="vertical" size={0}>
          <span>{r.productName ?? '—'}</span>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {r.scope === 'FULL' ? t('aftersales.scopeFull') : t('aftersales.scopePartial')} ·{' '}
            {t('aftersales.unitsCount', { count: r.units })}
          </Typography.Text>
        </Space>
      ),
    },
    {
      key: 'amount',
      title: t('aftersales.amount'),
      align: 'right',
      render: (_, r) => (
        <Space size={4}>
          {r.large && <LargeTag />}
          <Typography.Text strong data-testid="refund-row-amount" data-fen={r.amountFen}>
            {formatFen(r.amountFen)}
          </Typography.Text>
        </Space>
      ),
    },
    { key: 'reason', title: t('aftersales.reason'), render: (_, r) => pickText(r.reasonText, lang) },
    { key: 'state', title: t('aftersales.state'), render: (_, r) => <RefundStateTag state={r.state} /> },
    { key: 'deadline', title: t('aftersales.deadline'), render: (_, r) => <RunningDeadline r={r} /> },
    {
      key: 'created',
      title: t('aftersales.createdAt'),
      render: (_, r) => formatTime(r.createdAt, lang, true),
    },
  ];
  return (
    <ResponsiveList<RefundSummary>
      card={{
        title: 'no',
        extra: 'state',
        testId: 'refund-card',
        attrs: (r) => ({ 'data-request-id': r.id }),
      }}
      data-testid={testId}
      rowKey="id"
      size="middle"
      loading={query.isPending}
      scroll={{ x: 1000 }}
      dataSource={sortByDeadline ? byDeadline(items) : items}
      columns={columns}
      pagination={{ pageSize: 20, hideOnSinglePage: true }}
      locale={{ emptyText: query.isPending ? ' ' : <EmptyState description={emptyText} /> }}
    />
  );
}
