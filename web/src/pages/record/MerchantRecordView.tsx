import {
  Alert,
  Card,
  Col,
  Empty,
  Flex,
  Grid,
  List,
  Row,
  Space,
  Statistic,
  Table,
  Tag,
  Typography,
} from 'antd';
import type { TableColumnsType } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ErrorResult, Loading } from '../../components/QueryState';
import { formatFen, formatTime } from '../../format';
import { useLang } from '../../i18n';
import type { MerchantRecord, MerchantViolation } from '../../types';
import { bpPercent, storefrontPath, useMerchantRecord } from '../disputes/queries';

/** The suspension banner with its reason (for buyers on the storefront, for the merchant itself). */
export function SuspendedBanner({
  record,
  merchantView = false,
}: {
  record: MerchantRecord;
  merchantView?: boolean;
}) {
  const { t } = useTranslation();
  if (record.status !== 'SUSPENDED') return null;
  return (
    <Alert
      type="error"
      showIcon
      data-testid="merchant-suspended"
      title={t('record.suspendedTitle')}
      description={
        <Space orientation="vertical" size={2}>
          <span>{merchantView ? t('record.suspendedMerchant') : t('record.suspendedBuyer')}</span>
          {record.suspendedReason && (
            <span data-testid="merchant-suspended-reason">
              {t('record.suspendedReason', { reason: record.suspendedReason })}
            </span>
          )}
        </Space>
      }
    />
  );
}

function Figure({
  title,
  value,
  detail,
  testId,
  danger = false,
}: {
  title: string;
  value: string;
  detail?: string;
  testId: string;
  danger?: boolean;
}) {
  return (
    <Card size="small" style={{ height: '100%' }} data-testid={testId}>
      <Statistic
        title={title}
        value={value}
        styles={{ content: { fontSize: 20, color: danger ? '#cf1322' : undefined } }}
      />
      {detail && (
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {detail}
        </Typography.Text>
      )}
    </Card>
  );
}

function Violations({ record }: { record: MerchantRecord }) {
  const { t } = useTranslation();
  const lang = useLang();
  const screens = Grid.useBreakpoint();
  const text = (v: MerchantViolation) => (lang === 'en' ? v.en : v.zh);
  if (record.violations.length === 0)
    return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('record.noViolations')} />;
  if (!screens.md)
    return (
      <List<MerchantViolation>
        data-testid="record-violations"
        dataSource={record.violations}
        renderItem={(v) => (
          <List.Item style={{ paddingInline: 0 }} data-testid="record-violation" data-kind={v.kind}>
            <Flex vertical gap={2} style={{ width: '100%' }}>
              <Typography.Text strong>{text(v)}</Typography.Text>
              <Flex gap={6} wrap>
                <Tag color="red">
                  {t('record.points')} -{v.points}
                </Tag>
                {v.depositFen > 0 && (
                  <Tag color="orange">
                    {t('record.depositPaid')} {formatFen(v.depositFen)}
                  </Tag>
                )}
              </Flex>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {formatTime(v.at, lang, true)} · {t('record.dispute')} {v.disputeNo}
              </Typography.Text>
            </Flex>
          </List.Item>
        )}
      />
    );
  const columns: TableColumnsType<MerchantViolation> = [
    { key: 'at', title: t('record.violationAt'), render: (_, v) => formatTime(v.at, lang, true) },
    {
      key: 'kind',
      title: t('record.violationKind'),
      render: (_, v) => (
        <span data-testid="record-violation" data-kind={v.kind}>
          {text(v)}
        </span>
      ),
    },
    { key: 'points', title: t('record.points'), align: 'right', render: (_, v) => `-${v.points}` },
    {
      key: 'deposit',
      title: t('record.depositPaid'),
      align: 'right',
      render: (_, v) => (v.depositFen > 0 ? formatFen(v.depositFen) : '—'),
    },
    { key: 'dispute', title: t('record.dispute'), render: (_, v) => v.disputeNo },
  ];
  return (
    <Table<MerchantViolation>
      data-testid="record-violations"
      rowKey={(v) => `${v.disputeNo}-${v.kind}-${v.at}`}
      size="small"
      pagination={false}
      dataSource={record.violations}
      columns={columns}
    />
  );
}

/**
 * A shop's public record in full: refund rate, median review time, the 24-hour commitment kept,
 * disputes won and lost, deposit held, credit score, and its violations with their sanctions.
 */
export function MerchantRecordView({ record }: { record: MerchantRecord }) {
  const { t } = useTranslation();
  const window = t('record.window', { days: record.windowDays });
  const { disputes } = record;
  return (
    <Space
      orientation="vertical"
      size={16}
      style={{ width: '100%' }}
      data-testid="merchant-record"
      data-status={record.status}
    >
      <Row gutter={[12, 12]}>
        <Col xs={12} md={8}>
          <Figure
            testId="record-refund-rate"
            title={t('record.refundRate')}
            value={bpPercent(record.refundRateBp)}
            detail={`${window} · ${t('record.refundRateDetail', { refunded: record.unitsRefunded, delivered: record.unitsDelivered })}`}
          />
        </Col>
        <Col xs={12} md={8}>
          <Figure
            testId="record-median-review"
            title={t('record.medianReview')}
            value={
              record.medianReviewHours === null ? '—' : t('record.hours', { value: record.medianReviewHours })
            }
            detail={`${window} · ${t('record.reviewsDetail', { count: record.reviewsDecided })}`}
          />
        </Col>
        <Col xs={12} md={8}>
          <Figure
            testId="record-commit24h"
            title={t('record.commit24h')}
            value={record.commitReview24h ? bpPercent(record.reviewsWithin24hBp) : t('record.noCommit')}
            detail={window}
          />
        </Col>
        <Col xs={12} md={8}>
          <Card
            size="small"
            style={{ height: '100%' }}
            data-testid="record-disputes"
            data-won={disputes.won}
            data-lost={disputes.lost}
          >
            <Statistic
              title={t('record.disputes')}
              value={t('record.disputesValue', {
                won: disputes.won,
                lost: disputes.lost,
                partly: disputes.partly,
              })}
              styles={{ content: { fontSize: 16 } }}
            />
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('record.disputesOpen', { count: disputes.open })}
            </Typography.Text>
          </Card>
        </Col>
        <Col xs={12} md={8}>
          <Figure testId="record-deposit" title={t('record.deposit')} value={formatFen(record.depositFen)} />
        </Col>
        <Col xs={12} md={8}>
          <Figure
            testId="record-credit"
            title={t('record.creditScore')}
            value={String(record.creditScore)}
            danger={record.violations.length > 0}
          />
        </Col>
      </Row>
      <Card size="small" title={t('record.violations')}>
        <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
          {t('record.violationsHint')}
        </Typography.Paragraph>
        <Violations record={record} />
      </Card>
    </Space>
  );
}

/** The product page's compact record: refund rate, disputes lost, deposit, and a link to the storefront. */
export function MerchantRecordSummary({ merchantId }: { merchantId: string }) {
  const { t } = useTranslation();
  const query = useMerchantRecord(merchantId);
  if (query.isPending) return <Loading minHeight={60} />;
  if (query.isError) return <ErrorResult error={query.error} onRetry={() => void query.refetch()} />;
  const r = query.data;
  return (
    <Space orientation="vertical" size={8} style={{ width: '100%' }} data-testid="record-summary">
      <SuspendedBanner record={r} />
      <Flex justify="space-between" gap={8} wrap>
        <Typography.Text type="secondary">{t('record.refundRate')}</Typography.Text>
        <Typography.Text data-testid="summary-refund-rate">{bpPercent(r.refundRateBp)}</Typography.Text>
      </Flex>
      <Flex justify="space-between" gap={8} wrap>
        <Typography.Text type="secondary">{t('record.disputesLost')}</Typography.Text>
        <Typography.Text data-testid="summary-disputes-lost">{r.disputes.lost}</Typography.Text>
      </Flex>
      <Flex justify="space-between" gap={8} wrap>
        <Typography.Text type="secondary">{t('record.deposit')}</Typography.Text>
        <Typography.Text data-testid="summary-deposit">{formatFen(r.depositFen)}</Typography.Text>
      </Flex>
      <Link to={storefrontPath(merchantId)} data-testid="storefront-link">
        {t('record.summaryLink')} →
      </Link>
    </Space>
  );
}
