import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  App as AntApp,
  Button,
  Card,
  Popconfirm,
  Select,
  Space,
  Table,
  Typography,
  type ButtonProps,
  type TableColumnsType,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, KEYS_PAGE_SIZE } from '../../api';
import { KeyTimelineDrawer, type TimelineTarget } from '../../components/KeyTimelineDrawer';
import { EmptyState, ErrorResult, Loading, useErrorText } from '../../components/QueryState';
import { EarlyActivationTag, KeyStateTag } from '../../components/tags';
import { formatTime } from '../../format';
import { useLang } from '../../i18n';
import { KEY_STATES, type KeyRow, type KeyState } from '../../types';
import { INVALIDATABLE, InvalidKeyModal } from './InvalidKeyModal';
import { invalidateKeyData, keysListKey } from './queries';

const VOID_OK_PROPS: ButtonProps & { 'data-testid': string } = {
  danger: true,
  'data-testid': 'key-void-confirm',
};

/** A product's keys (masked serials only) with void / mark-invalid / timeline actions. */
export function KeysTable({ productId }: { productId: string }) {
  const { t } = useTranslation();
  const lang = useLang();
  const qc = useQueryClient();
  const { message } = AntApp.useApp();
  const errorText = useErrorText();
  const [state, setState] = useState<KeyState | undefined>(undefined);
  const [invalidKey, setInvalidKey] = useState<KeyRow | null>(null);
  const [timeline, setTimeline] = useState<TimelineTarget | null>(null);
  const query = useQuery({
    queryKey: keysListKey(productId, state),
    queryFn: () => api.productKeys(productId, state),
  });

  const voidKey = useMutation({
    mutationFn: (k: KeyRow) => api.voidKey(k.id),
    onSuccess: (k) => {
      invalidateKeyData(qc, productId, k.id);
      void message.success(t('keys.voided'));
    },
    onError: (err) => void message.error(errorText(err)),
  });

  const time = (field: 'createdAt' | 'deliveredAt' | 'firstRevealedAt' | 'activatedAt', title: string) => ({
    key: field,
    title,
    render: (_: unknown, k: KeyRow) => formatTime(k[field], lang),
  });
  const columns: TableColumnsType<KeyRow> = [
    {
      key: 'serial',
      title: t('keys.serial'),
      render: (_, k) => <Typography.Text code>{k.serialMasked}</Typography.Text>,
    },
    {
      key: 'state',
      title: t('keys.state'),
      render: (_, k) => (
        <Space size={4} wrap>
          <KeyStateTag state={k.state} />
          {k.activatedBeforeDelivery && <EarlyActivationTag />}
        </Space>
      ),
    },
    time('createdAt', t('keys.importedAt')),
    time('deliveredAt', t('keys.deliveredAt')),
    time('firstRevealedAt', t('keys.firstRevealedAt')),
    time('activatedAt', t('keys.activatedAt')),
    {
      key: 'actions',
      title: t('common.actions'),
      fixed: 'end',
      render: (_, k) => (
        <Space wrap size={4}>
          {k.state === 'AVAILABLE' && (
            <Popconfirm
              title={t('keys.voidConfirm')}
              okText={t('keys.void')}
              cancelText={t('common.cancel')}
              okButtonProps={VOID_OK_PROPS}
              onConfirm={() => voidKey.mutate(k)}
            >
              <Button
                size="small"
                danger
                loading={voidKey.isPending && voidKey.variables.id === k.id}
                data-testid="key-void"
              >
                {t('keys.void')}
              </Button>
            </Popconfirm>
          )}
          {INVALIDATABLE.includes(k.state) && (
            <Button size="small" onClick={() => setInvalidKey(k)} data-testid="key-invalid">
              {t('keys.markInvalid')}
            </Button>
          )}
          <Button
            size="small"
            onClick={() => setTimeline({ kind: 'key', id: k.id })}
            data-testid="key-timeline"
          >
            {t('keys.timeline')}
          </Button>
        </Space>
      ),
    },
  ];

  return (
    <Card
      title={t('keys.listTitle')}
      data-testid="keys-card"
      extra={
        <Select<KeyState | 'ALL'>
          data-testid="keys-state-filter"
          aria-label={t('keys.stateFilter')}
          value={state ?? 'ALL'}
          onChange={(v) => setState(v === 'ALL' ? undefined : v)}
          style={{ width: 140 }}
          options={[
            { value: 'ALL', label: t('common.all') },
            ...KEY_STATES.map((s) => ({ value: s, label: t(`keyState.${s}`) })),
          ]}
        />
      }
    >
      <Typography.Paragraph type="secondary">
        {t('keys.noSecretNote')} {t('keys.limitNote', { count: KEYS_PAGE_SIZE })}
      </Typography.Paragraph>
      {query.isPending ? (
        <Loading minHeight={120} />
      ) : query.isError ? (
        <ErrorResult error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.items.length === 0 ? (
        <EmptyState description={t('keys.empty')} />
      ) : (
        <Table<KeyRow>
          data-testid="keys-table"
          rowKey="id"
          size="small"
          scroll={{ x: 1100 }}
          dataSource={query.data.items}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          columns={columns}
        />
      )}
      <InvalidKeyModal
        keyRow={invalidKey}
        onClose={() => setInvalidKey(null)}
        onDone={(k) => {
          setInvalidKey(null);
          invalidateKeyData(qc, productId, k.id);
          void message.success(t('keys.invalidated'));
        }}
      />
      <KeyTimelineDrawer target={timeline} onClose={() => setTimeline(null)} />
    </Card>
  );
}
