import { useQuery } from '@tanstack/react-query';
import { Card, Flex, Tag, Typography, type TableColumnsType } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../../api';
import { EmptyState, ErrorResult } from '../../components/QueryState';
import { RequireUser } from '../../components/RequireUser';
import { useIsPhone } from '../../components/ResponsiveList';
import { ResponsiveList } from '../../components/ResponsiveList';
import { formatTime } from '../../format';
import { useLang } from '../../i18n';
import type { RefundFilter, SupportAlert } from '../../types';
import { ALERTS_KEY, refundListKey, refundPath } from './queries';
import { RefundTable } from './RefundTable';

const SUPPORT: RefundFilter = { queue: 'support', limit: 100 };
const ALERT_KINDS = ['PAYOUT_ABNORMAL', 'PAYOUT_DELAYED', 'REVIEW_OVERDUE'] as const;
type AlertKind = (typeof ALERT_KINDS)[number];
const isAlertKind = (k: string): k is AlertKind => (ALERT_KINDS as readonly string[]).includes(k);
const ALERT_COLOR: Record<AlertKind, string> = {
  PAYOUT_ABNORMAL: 'red',
  PAYOUT_DELAYED: 'orange',
  REVIEW_OVERDUE: 'gold',
};

function Alerts() {
  const { t } = useTranslation();
  const lang = useLang();
  const query = useQuery({
    queryKey: ALERTS_KEY,
    queryFn: api.supportAlerts,
    staleTime: 0,
    refetchInterval: 30_000,
  });
  if (query.isError) return <ErrorResult error={query.error} onRetry={() => void query.refetch()} />;
  const columns: TableColumnsType<SupportAlert> = [
    {
      key: 'kind',
      title: t('aftersales.support.alertKind'),
      render: (_, a) =>
        isAlertKind(a.kind) ? (
          <Tag color={ALERT_COLOR[a.kind]} data-kind={a.kind}>
            {t(`supportAlertKind.${a.kind}`)}
          </Tag>
        ) : (
          <Tag>{a.kind}</Tag>
        ),
    },
    {
      key: 'object',
      title: t('aftersales.support.alertObject'),
      render: (_, a) => (
        // the numbers people use (订单号 / 售后单号), never the payout's or request's raw id
        <Typography.Text data-testid="alert-object">
          {[
            a.orderNo && t('wording.orderRef', { no: a.orderNo }),
            a.requestNo && t('wording.requestRef', { no: a.requestNo }),
          ]
            .filter(Boolean)
            .join(' · ') || t(`wording.objectType.${a.objectType === 'payout' ? 'payout' : 'other'}`)}
        </Typography.Text>
      ),
    },
    {
      key: 'request',
      title: t('aftersales.support.alertRequest'),
      render: (_, a) =>
        a.requestId ? (
          <Link to={refundPath(a.requestId)} data-testid="alert-request-link">
            {t('aftersales.view')}
          </Link>
        ) : (
          '—'
        ),
    },
    {
      key: 'created',
      title: t('aftersales.support.alertCreated'),
      render: (_, a) => formatTime(a.createdAt, lang, true),
    },
    {
      key: 'resolved',
      title: t('aftersales.support.alertResolved'),
      render: (_, a) =>
        a.resolvedAt ? (
          <Tag color="green">
            {t('aftersales.support.resolved', { time: formatTime(a.resolvedAt, lang) })}
          </Tag>
        ) : (
          <Tag color="red">{t('aftersales.support.unresolved')}</Tag>
        ),
    },
  ];
  return (
    <ResponsiveList<SupportAlert>
      card={{ title: 'kind', extra: 'resolved', testId: 'support-alert' }}
      data-testid="support-alerts"
      rowKey="id"
      size="small"
      loading={query.isPending}
      scroll={{ x: 800 }}
      dataSource={query.data?.items ?? []}
      columns={columns}
      pagination={{ pageSize: 20, hideOnSinglePage: true }}
      locale={{
        emptyText: query.isPending ? ' ' : <EmptyState description={t('aftersales.support.noAlerts')} />,
      }}
    />
  );
}

function SupportRequests() {
  const { t } = useTranslation();
  const phone = useIsPhone();
  const query = useQuery({
    queryKey: refundListKey(SUPPORT),
    queryFn: () => api.refunds(SUPPORT),
    staleTime: 0,
    refetchInterval: 30_000,
  });
  return (
    <Card
      title={t('aftersales.support.queue')}
      data-testid="support-queue"
      size={phone ? 'small' : undefined}
    >
      <Typography.Paragraph type="secondary">{t('aftersales.support.queueHint')}</Typography.Paragraph>
      <RefundTable
        query={query}
        linkTo={refundPath}
        emptyText={t('aftersales.support.empty')}
        sortByDeadline
        testId="support-refunds"
      />
    </Card>
  );
}

/** /support/refunds (售后客服): overdue reviews needing judgement, failed refunds, and alerts. */
export default function SupportQueuePage() {
  const { t } = useTranslation();
  return (
    <RequireUser support forbiddenText={t('aftersales.supportOnly')}>
      <Flex vertical gap={16}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('aftersales.support.title')}
        </Typography.Title>
        <SupportRequests />
        <Card title={t('aftersales.support.alerts')}>
          <Alerts />
        </Card>
      </Flex>
    </RequireUser>
  );
}
