import type { UseQueryResult } from '@tanstack/react-query';
import { Card, Flex, List, Space, Table, Typography, type TableColumnsType } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { EmptyState, ErrorResult, Loading } from '../../components/QueryState';
import { useIsPhone } from '../../components/ResponsiveList';
import { formatFen, formatTime } from '../../format';
import { useLang } from '../../i18n';
import type { DisputeSummary } from '../../types';
import { DisputeDeadline, DisputeOutcomeTag, DisputeStateTag } from './DisputeTags';

function ClaimCell({ d }: { d: DisputeSummary }) {
  const { t } = useTranslation();
  return (
    <Space orientation="vertical" size={0}>
      <Typography.Text strong data-testid="dispute-row-claim" data-fen={d.claimFen}>
        {formatFen(d.claimFen)}
      </Typography.Text>
      {d.refundFen !== null && (
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t('disputes.refund')} {formatFen(d.refundFen)}
        </Typography.Text>
      )}
    </Space>
  );
}

/**
 * Disputes as cards on a phone and as a table on a wider screen; `linkTo` is where a case opens
 * (a party's page or the arbitrators' case file). The order is the server's: open cases by their
 * next deadline, then decided ones newest first.
 */
export function DisputeList({
  query,
  linkTo,
  emptyText,
  testId = 'dispute-list',
}: {
  query: UseQueryResult<{ items: DisputeSummary[] }>;
  linkTo: (id: string) => string;
  emptyText: string;
  testId?: string;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const phone = useIsPhone();
  if (query.isError) return <ErrorResult error={query.error} onRetry={() => void query.refetch()} />;
  if (query.isPending) return <Loading minHeight={160} />;
  const items = query.data.items;
  const link = (d: DisputeSummary) => (
    <Link to={linkTo(d.id)} data-testid="dispute-link" data-dispute-id={d.id}>
      {d.disputeNo}
    </Link>
  );
  if (phone)
    return (
      <List<DisputeSummary>
        data-testid={testId}
        dataSource={items}
        locale={{ emptyText: <EmptyState description={emptyText} /> }}
        renderItem={(d) => (
          <List.Item key={d.id} style={{ paddingInline: 0 }} data-testid="dispute-row" data-id={d.id}>
            <Card size="small" style={{ width: '100%' }}>
              <Flex vertical gap={6}>
                <Flex justify="space-between" align="center" gap={8} wrap>
                  {link(d)}
                  <Space size={4} wrap>
                    <DisputeStateTag state={d.state} />
                    {d.outcome && <DisputeOutcomeTag outcome={d.outcome} />}
                  </Space>
                </Flex>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {t('disputes.requestNo')} {d.requestNo}
                </Typography.Text>
                <Flex justify="space-between" align="flex-end" gap={8} wrap>
                  <ClaimCell d={d} />
                  <DisputeDeadline d={d} />
                </Flex>
              </Flex>
            </Card>
          </List.Item>
        )}
      />
    );
  const columns: TableColumnsType<DisputeSummary> = [
    {
      key: 'no',
      title: t('disputes.disputeNo'),
      render: (_, d) => (
        <Space orientation="vertical" size={0}>
          {link(d)}
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t('disputes.requestNo')} {d.requestNo}
          </Typography.Text>
        </Space>
      ),
    },
    {
      key: 'state',
      title: t('disputes.state'),
      render: (_, d) => (
        <Space size={4} wrap>
          <DisputeStateTag state={d.state} />
          {d.outcome && <DisputeOutcomeTag outcome={d.outcome} />}
        </Space>
      ),
    },
    { key: 'claim', title: t('disputes.claim'), align: 'right', render: (_, d) => <ClaimCell d={d} /> },
    { key: 'deadline', title: t('disputes.nextDeadline'), render: (_, d) => <DisputeDeadline d={d} /> },
    {
      key: 'opened',
      title: t('disputes.openedAt'),
      render: (_, d) => formatTime(d.createdAt, lang, true),
    },
  ];
  return (
    <Table<DisputeSummary>
      data-testid={testId}
      rowKey="id"
      size="middle"
      dataSource={items}
      columns={columns}
      pagination={{ pageSize: 20, hideOnSinglePage: true }}
      locale={{ emptyText: <EmptyState description={emptyText} /> }}
    />
  );
}
