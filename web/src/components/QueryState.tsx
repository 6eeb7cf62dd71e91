import { Alert, Button, Empty, Flex, Result, Spin } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api';
import { useLang } from '../i18n';

export function Loading({ minHeight = 240 }: { minHeight?: number }) {
  const { t } = useTranslation();
  return (
    <Flex align="center" justify="center" style={{ minHeight }} data-testid="loading">
      <Spin size="large" description={t('common.loading')}>
        <div style={{ width: 120, height: 60 }} />
      </Spin>
    </Flex>
  );
}

/** Localised text for any thrown value. */
export function useErrorText(): (err: unknown) => string {
  const lang = useLang();
  const { t } = useTranslation();
  return (err: unknown) => (err instanceof ApiError ? err.localized(lang) : t('errors.generic'));
}

/** Full-page style error with a retry button. */
export function ErrorResult({
  error,
  onRetry,
  extra,
}: {
  error: unknown;
  onRetry?: () => void;
  extra?: ReactNode;
}) {
  const { t } = useTranslation();
  const text = useErrorText();
  return (
    <Result
      status="error"
      title={t('errors.loadFailed')}
      subTitle={text(error)}
      data-testid="error-state"
      extra={
        <>
          {onRetry && (
            <Button type="primary" onClick={onRetry}>
              {t('common.retry')}
            </Button>
          )}
          {extra}
        </>
      }
    />
  );
}

/** Inline error banner (forms, modals). 409 gets the dedicated conflict wording and a reload button. */
export function ErrorAlert({ error, onReload }: { error: unknown; onReload?: () => void }) {
  const { t } = useTranslation();
  const text = useErrorText();
  if (!error) return null;
  if (error instanceof ApiError && error.status === 409) {
    return (
      <Alert
        type="warning"
        showIcon
        data-testid="conflict-alert"
        title={t('errors.conflictTitle')}
        description={t('errors.conflict')}
        action={
          onReload && (
            <Button size="small" onClick={onReload}>
              {t('common.reload')}
            </Button>
          )
        }
        style={{ marginBottom: 16 }}
      />
    );
  }
  return (
    <Alert type="error" showIcon data-testid="form-error" title={text(error)} style={{ marginBottom: 16 }} />
  );
}

export function EmptyState({ description, children }: { description: string; children?: ReactNode }) {
  return (
    <Empty description={description} data-testid="empty-state">
      {children}
    </Empty>
  );
}
