import { Col, Progress, Result, Row, Space, Statistic, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { formatBytes, percentOf } from '../../format';
import { useLang } from '../../i18n';
import type { BatchStatus, ImportBatch, ImportReject, Lang } from '../../types';

const STATUS_COLOR: Record<BatchStatus, string> = {
  RUNNING: 'processing',
  COMPLETED: 'success',
  FAILED: 'error',
  INTERRUPTED: 'warning',
};

export function BatchStatusTag({ status }: { status: BatchStatus }) {
  const { t } = useTranslation();
  return (
    <Tag color={STATUS_COLOR[status]} data-status={status}>
      {t(`importer.batchStatus.${status}`)}
    </Tag>
  );
}

const REJECT_REASONS = [
  'INVALID_ENCODING',
  'CONTROL_CHARACTERS',
  'LINE_TOO_LONG',
  'MISSING_PASSWORD',
  'TOO_MANY_FIELDS',
  'FIELD_TOO_LONG',
  'EMPTY_FIELD',
  'CSV_QUOTE_ERROR',
  'DUPLICATE_IN_BATCH',
  'DUPLICATE_EXISTING',
] as const;
type RejectReason = (typeof REJECT_REASONS)[number];
const isRejectReason = (code: string): code is RejectReason =>
  (REJECT_REASONS as readonly string[]).includes(code);

/** The server's wording when it sent one, else ours for known codes, else the code itself. */
function useRejectText(): (r: ImportReject, lang: Lang) => string {
  const { t } = useTranslation();
  return (r, lang) =>
    r.messages?.[lang] || (isRejectReason(r.reason) ? t(`rejectReason.${r.reason}`) : r.reason);
}

function Count({ title, value, testId }: { title: string; value: number; testId: string }) {
  return (
    <Statistic
      title={title}
      value={value}
      valueRender={(node) => (
        <span data-testid={testId} data-value={value}>
          {node}
        </span>
      )}
    />
  );
}

function BatchResult({ batch }: { batch: ImportBatch }) {
  const { t } = useTranslation();
  const lang = useLang();
  const counts = t('importer.resultSub', {
    imported: batch.imported,
    duplicates: batch.duplicates,
    rejected: batch.rejected,
  });
  const errorText = batch.error ? batch.error.messages[lang] || batch.error.code : undefined;
  switch (batch.status) {
    case 'RUNNING':
      return <BatchStatusTag status={batch.status} />;
    case 'COMPLETED': {
      const clean = batch.rejected === 0 && batch.duplicates === 0;
      return (
        <Result
          status={clean ? 'success' : 'warning'}
          title={clean ? t('importer.resultOk') : t('importer.resultPartial')}
          subTitle={counts}
        />
      );
    }
    case 'FAILED':
      return <Result status="error" title={t('importer.resultFailed')} subTitle={errorText ?? counts} />;
    case 'INTERRUPTED':
      return (
        <Result
          status="error"
          title={t('importer.resultInterrupted')}
          subTitle={errorText ?? t('importer.resultInterruptedSub', { imported: batch.imported })}
        />
      );
  }
}

function RejectsTable({ batch }: { batch: ImportBatch }) {
  const { t } = useTranslation();
  const lang = useLang();
  const rejectText = useRejectText();
  const rows = batch.rejects.map((r, i) => ({ ...r, key: `${r.lineNo}-${i}` }));
  return (
    <Space orientation="vertical" size={4} style={{ width: '100%' }}>
      <Typography.Text strong>{t('importer.rejectsTitle')}</Typography.Text>
      {batch.rejectsTruncated && (
        <Typography.Text type="warning" data-testid="import-rejects-truncated">
          {t('importer.rejectsTruncated', { count: batch.rejects.length })}
        </Typography.Text>
      )}
      <Table
        data-testid="import-rejects-table"
        size="small"
        dataSource={rows}
        pagination={{ pageSize: 10, hideOnSinglePage: true, showSizeChanger: false }}
        columns={[
          { key: 'lineNo', title: t('importer.lineNo'), width: 100, align: 'right', dataIndex: 'lineNo' },
          {
            key: 'reason',
            title: t('importer.reason'),
            render: (_, r) => <span data-reason={r.reason}>{rejectText(r, lang)}</span>,
          },
        ]}
      />
    </Space>
  );
}

/** Live progress of an import batch (polled while RUNNING), its outcome and rejected lines. */
export function BatchView({ batch }: { batch: ImportBatch }) {
  const { t } = useTranslation();
  const running = batch.status === 'RUNNING';
  const percent = batch.status === 'COMPLETED' ? 100 : percentOf(batch.bytesRead, batch.bytesTotal);
  return (
    <Space orientation="vertical" size={12} style={{ width: '100%' }} data-testid="import-batch">
      <div>
        <Typography.Text type="secondary">{t('importer.processing')}</Typography.Text>
        <Progress
          percent={percent}
          status={running ? 'active' : batch.status === 'COMPLETED' ? 'success' : 'exception'}
          data-testid="import-progress"
        />
        <Typography.Text type="secondary" data-testid="import-bytes">
          {t('importer.bytesOf', {
            read: formatBytes(batch.bytesRead),
            total: formatBytes(batch.bytesTotal),
          })}
        </Typography.Text>
      </div>
      <Row gutter={16}>
        <Col span={6}>
          <Count title={t('importer.linesRead')} value={batch.linesRead} testId="import-lines" />
        </Col>
        <Col span={6}>
          <Count title={t('importer.imported')} value={batch.imported} testId="import-imported" />
        </Col>
        <Col span={6}>
          <Count title={t('importer.duplicates')} value={batch.duplicates} testId="import-duplicates" />
        </Col>
        <Col span={6}>
          <Count title={t('importer.rejected')} value={batch.rejected} testId="import-rejected" />
        </Col>
      </Row>
      <div data-testid="import-status" data-status={batch.status}>
        <BatchResult batch={batch} />
      </div>
      {batch.rejects.length > 0 && <RejectsTable batch={batch} />}
    </Space>
  );
}
