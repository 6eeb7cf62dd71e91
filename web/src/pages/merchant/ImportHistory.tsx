import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Card, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { EmptyState, ErrorResult, Loading } from '../../components/QueryState';
import { formatTime } from '../../format';
import { useLang } from '../../i18n';
import type { ImportBatch } from '../../types';
import { BatchStatusTag } from './BatchView';
import { batchKey, importsKey } from './queries';

/** Past imports of a product, newest first (also CLI imports); refreshed while one is running. */
export function ImportHistory({
  productId,
  selectedId,
  onSelect,
}: {
  productId: string;
  selectedId: string | null;
  onSelect: (batchId: string) => void;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const qc = useQueryClient();
  const query = useQuery({
    queryKey: importsKey(productId),
    queryFn: () => api.importBatches(productId),
    refetchInterval: (q) => (q.state.data?.items.some((b) => b.status === 'RUNNING') ? 2000 : false),
  });
  const num = (field: 'linesRead' | 'imported' | 'duplicates' | 'rejected', title: string) => ({
    key: field,
    title,
    align: 'right' as const,
    render: (_: unknown, b: ImportBatch) => b[field],
  });
  const columns: TableColumnsType<ImportBatch> = [
    { key: 'createdAt', title: t('importer.startedAt'), render: (_, b) => formatTime(b.createdAt, lang) },
    {
      key: 'file',
      title: t('importer.fileName'),
      render: (_, b) => (
        <>
          <Typography.Text ellipsis style={{ maxWidth: 220 }}>
            {b.fileName ?? '—'}
          </Typography.Text>{' '}
          <Tag>{t(`importer.source.${b.source}`)}</Tag>
        </>
      ),
    },
    { key: 'format', title: t('importer.format'), render: (_, b) => t(`importer.formats.${b.format}`) },
    {
      key: 'status',
      title: t('merchant.statusColumn'),
      render: (_, b) => <BatchStatusTag status={b.status} />,
    },
    num('linesRead', t('importer.linesRead')),
    num('imported', t('importer.imported')),
    num('duplicates', t('importer.duplicates')),
    num('rejected', t('importer.rejected')),
    { key: 'finishedAt', title: t('importer.finishedAt'), render: (_, b) => formatTime(b.finishedAt, lang) },
    {
      key: 'actions',
      title: t('common.actions'),
      fixed: 'end',
      render: (_, b) => (
        <Button
          size="small"
          type={b.id === selectedId ? 'primary' : 'default'}
          onClick={() => {
            qc.setQueryData(batchKey(b.id), b);
            onSelect(b.id);
          }}
          data-testid="import-history-view"
        >
          {t('importer.view')}
        </Button>
      ),
    },
  ];
  return (
    <Card title={t('importer.history')}>
      {query.isPending ? (
        <Loading minHeight={120} />
      ) : query.isError ? (
        <ErrorResult error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.items.length === 0 ? (
        <EmptyState description={t('importer.historyEmpty')} />
      ) : (
        <Table<ImportBatch>
          data-testid="import-history"
          rowKey="id"
          size="small"
          scroll={{ x: 1100 }}
          dataSource={query.data.items}
          pagination={{ pageSize: 10, hideOnSinglePage: true }}
          columns={columns}
        />
      )}
    </Card>
  );
}
