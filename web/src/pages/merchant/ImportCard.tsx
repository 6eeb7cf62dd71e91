import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  App as AntApp,
  Button,
  Card,
  Divider,
  Form,
  Progress,
  Select,
  Space,
  Typography,
  Upload,
} from 'antd';
import type { UploadFile } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api } from '../../api';
import { ErrorAlert, ErrorResult, Loading } from '../../components/QueryState';
import { formatBytes, percentOf } from '../../format';
import { IMPORT_FORMATS, type ImportBatch, type ImportFormat } from '../../types';
import { UPLOAD_ABORTED, uploadImport, type UploadHandle, type UploadProgress } from '../../upload';
import { BatchView } from './BatchView';
import { batchKey, importsKey, invalidateKeyData } from './queries';

/** Server-side progress of one batch: polled every second while RUNNING. */
function useBatch(productId: string, batchId: string | null) {
  const qc = useQueryClient();
  const query = useQuery({
    queryKey: batchKey(batchId ?? ''),
    queryFn: () => api.importBatch(batchId ?? ''),
    enabled: batchId !== null,
    staleTime: 0,
    refetchInterval: (q) => (q.state.data?.status === 'RUNNING' ? 1000 : false),
  });
  // When a batch we watched running finishes, stock, keys and history are stale.
  const status = query.data?.status;
  const last = useRef<{ id: string | null; status: string | undefined }>({ id: null, status: undefined });
  useEffect(() => {
    const prev = last.current;
    last.current = { id: batchId, status };
    if (prev.id === batchId && prev.status === 'RUNNING' && status && status !== 'RUNNING') {
      invalidateKeyData(qc, productId);
      void qc.invalidateQueries({ queryKey: importsKey(productId) });
    }
  }, [qc, productId, batchId, status]);
  return query;
}

/** Upload a key file (XHR with byte progress), then follow the server's import batch. */
export function ImportCard({
  productId,
  batchId,
  onBatch,
}: {
  productId: string;
  batchId: string | null;
  onBatch: (id: string) => void;
}) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const { message } = AntApp.useApp();
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState<ImportFormat>('auto');
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [uploading, setUploading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const handle = useRef<UploadHandle | null>(null);
  const batch = useBatch(productId, batchId);

  useEffect(() => () => handle.current?.abort(), []);

  const fileList: UploadFile[] = file
    ? [{ uid: 'import-file', name: file.name, size: file.size, status: 'done' }]
    : [];

  const submit = async () => {
    if (!file) return;
    setError(null);
    setUploading(true);
    setProgress({ loaded: 0, total: file.size });
    const h = uploadImport(productId, file, format, setProgress);
    handle.current = h;
    try {
      const created: ImportBatch = await h.promise;
      qc.setQueryData(batchKey(created.id), created);
      void qc.invalidateQueries({ queryKey: importsKey(productId) });
      if (created.status !== 'RUNNING') invalidateKeyData(qc, productId);
      setFile(null);
      onBatch(created.id);
    } catch (err) {
      if (err instanceof ApiError && err.code === UPLOAD_ABORTED) {
        setProgress(null);
        void message.info(t('importer.uploadCancelled'));
      } else {
        setError(err);
      }
    } finally {
      handle.current = null;
      setUploading(false);
    }
  };

  return (
    <Card title={t('importer.title')} id="import" data-testid="import-card">
      <Form layout="vertical">
        <Form.Item label={t('importer.file')} extra={t('importer.fileHint')}>
          <Upload
            data-testid="import-file"
            maxCount={1}
            disabled={uploading}
            fileList={fileList}
            beforeUpload={(f) => {
              setFile(f);
              setProgress(null);
              setError(null);
              return false;
            }}
            onRemove={() => {
              setFile(null);
              return true;
            }}
          >
            <Button disabled={uploading}>{t('importer.pickFile')}</Button>
          </Upload>
        </Form.Item>
        <Form.Item label={t('importer.format')}>
          <Select<ImportFormat>
            data-testid="import-format"
            value={format}
            onChange={setFormat}
            disabled={uploading}
            style={{ maxWidth: 240 }}
            options={IMPORT_FORMATS.map((f) => ({ value: f, label: t(`importer.formats.${f}`) }))}
          />
        </Form.Item>
        <Space wrap>
          <Button
            type="primary"
            disabled={!file}
            loading={uploading}
            onClick={() => void submit()}
            data-testid="import-submit"
          >
            {uploading ? t('importer.uploading') : t('importer.submit')}
          </Button>
          {uploading && (
            <Button onClick={() => handle.current?.abort()} data-testid="import-cancel">
              {t('importer.cancelUpload')}
            </Button>
          )}
        </Space>
      </Form>
      {progress && (
        <div style={{ marginTop: 16 }}>
          <Typography.Text type="secondary">{t('importer.uploadProgress')}</Typography.Text>
          <Progress
            percent={percentOf(progress.loaded, progress.total)}
            status={uploading ? 'active' : error ? 'exception' : undefined}
            data-testid="import-upload-progress"
          />
          <Typography.Text type="secondary">
            {t('importer.bytesOf', {
              read: formatBytes(progress.loaded),
              total: formatBytes(progress.total),
            })}
          </Typography.Text>
        </div>
      )}
      {error !== null && (
        <div style={{ marginTop: 16 }}>
          <ErrorAlert error={error} />
        </div>
      )}
      {batchId !== null && (
        <>
          <Divider style={{ margin: '8px 0 16px' }} />
          {batch.data ? (
            <BatchView batch={batch.data} />
          ) : batch.isError ? (
            <ErrorResult error={batch.error} onRetry={() => void batch.refetch()} />
          ) : (
            <Loading minHeight={120} />
          )}
        </>
      )}
    </Card>
  );
}
