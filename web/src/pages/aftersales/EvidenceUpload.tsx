import { Alert, Button, Space, Typography, Upload, type UploadFile, type UploadProps } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api';
import { useLang } from '../../i18n';
import type { EvidenceFileRef, UploadedEvidence } from '../../types';
import { uploadEvidence } from '../../upload';
import { pickMessages } from './queries';

export const MAX_EVIDENCE_FILES = 9;
const ACCEPT = 'image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,.txt,.log,.csv';

export interface EvidenceState {
  /** Uploaded and checked by the server: what the request names. */
  files: EvidenceFileRef[];
  /** Some files are still on their way. */
  uploading: boolean;
}

type Item = UploadFile<UploadedEvidence>;

/**
 * Evidence files (截图、PDF、聊天记录) uploaded one by one to POST /evidence/files as they are picked;
 * each shows its progress, its error in words, and the server's reviewer signals (edited, very
 * small, blurry) as warnings. The parent gets the stored files' `{ sha256, name }`.
 */
export function EvidenceUpload({
  onChange,
  testId = 'evidence-upload',
  disabled = false,
}: {
  onChange: (state: EvidenceState) => void;
  testId?: string;
  disabled?: boolean;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const [items, setItems] = useState<Item[]>([]);

  const state = useMemo<EvidenceState>(
    () => ({
      files: items
        .filter((i) => i.status === 'done' && i.response)
        .map((i) => ({ sha256: i.response!.sha256, name: i.response!.name })),
      uploading: items.some((i) => i.status === 'uploading'),
    }),
    [items],
  );
  useEffect(() => onChange(state), [state, onChange]);

  const customRequest: UploadProps<UploadedEvidence>['customRequest'] = ({
    file,
    onProgress,
    onSuccess,
    onError,
  }) => {
    if (!(file instanceof File)) return;
    const handle = uploadEvidence(file, (p) => onProgress?.({ percent: (p.loaded / (p.total || 1)) * 100 }));
    handle.promise.then(
      (uploaded) => onSuccess?.(uploaded),
      (err: unknown) =>
        onError?.(
          new Error(
            t('aftersales.upload.failed', {
              name: file.name,
              message: err instanceof ApiError ? err.localized(lang) : t('errors.generic'),
            }),
          ),
        ),
    );
    return { abort: handle.abort };
  };

  const withSignals = items.filter((i) => i.status === 'done' && (i.response?.signals.length ?? 0) > 0);
  const failed = items.filter((i) => i.status === 'error');

  return (
    <Space orientation="vertical" size={8} style={{ width: '100%' }} data-testid={testId}>
      <Upload<UploadedEvidence>
        multiple
        listType="picture"
        accept={ACCEPT}
        maxCount={MAX_EVIDENCE_FILES}
        fileList={items}
        disabled={disabled}
        customRequest={customRequest}
        onChange={({ fileList }) => setItems(fileList)}
        itemRender={(node, file) => (
          <div data-testid="evidence-item" data-status={file.status} data-name={file.name}>
            {node}
          </div>
        )}
      >
        <Button disabled={disabled || items.length >= MAX_EVIDENCE_FILES} data-testid={`${testId}-button`}>
          {t('aftersales.upload.button')}
        </Button>
      </Upload>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {t('aftersales.apply.filesHint')}
      </Typography.Text>
      {failed.map((i) => (
        <Alert
          key={i.uid}
          type="error"
          showIcon
          data-testid="evidence-error"
          title={i.error instanceof Error ? i.error.message : t('errors.generic')}
        />
      ))}
      {withSignals.map((i) => (
        <Alert
          key={i.uid}
          type="warning"
          showIcon
          data-testid="evidence-signals"
          title={t('aftersales.upload.signalsTitle', { name: i.response?.name ?? i.name })}
          description={
            <ul style={{ margin: 0, paddingInlineStart: 18 }}>
              {i.response?.signals.map((s) => (
                <li key={s.code} data-signal={s.code}>
                  {pickMessages(s.messages, lang) || s.code}
                </li>
              ))}
            </ul>
          }
        />
      ))}
    </Space>
  );
}
