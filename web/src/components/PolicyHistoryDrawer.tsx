import { useQuery } from '@tanstack/react-query';
import { Card, Descriptions, Drawer, Space, Tag, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { formatTime, shortHash } from '../format';
import { contentKey, useLang } from '../i18n';
import type { Policy } from '../types';
import { EmptyState, ErrorResult, Loading } from './QueryState';
import { BadgeTags } from './tags';

export const policiesKey = (productId: string) => ['policies', productId] as const;

export function PolicyVersionCard({ policy, current }: { policy: Policy; current?: boolean }) {
  const { t } = useTranslation();
  const lang = useLang();
  const rendered = policy.rendered[contentKey(lang)];
  return (
    <Card
      size="small"
      data-testid="policy-version"
      title={
        <Space>
          {t('policy.versionValue', { version: policy.version })}
          {current && <Tag color="green">{t('policy.current')}</Tag>}
        </Space>
      }
    >
      <BadgeTags badges={rendered.badges} />
      <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', marginTop: 8 }}>
        {rendered.text}
      </Typography.Paragraph>
      <Descriptions
        size="small"
        column={1}
        items={[
          { key: 'at', label: t('policy.effectiveAt'), children: formatTime(policy.createdAt, lang) },
          {
            key: 'hash',
            label: t('policy.textHash'),
            children: (
              <Tooltip title={policy.textHash}>
                <Typography.Text code copyable={{ text: policy.textHash }}>
                  {shortHash(policy.textHash)}
                </Typography.Text>
              </Tooltip>
            ),
          },
        ]}
      />
    </Card>
  );
}

/** Version history of a product's refund policy (newest first). */
export function PolicyHistoryDrawer({
  productId,
  title,
  open,
  onClose,
}: {
  productId: string;
  title?: string;
  open: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const query = useQuery({
    queryKey: policiesKey(productId),
    queryFn: () => api.policies(productId),
    enabled: open,
  });
  return (
    <Drawer
      open={open}
      onClose={onClose}
      size={520}
      title={title ?? t('policy.historyTitle')}
      destroyOnHidden
      data-testid="policy-history"
    >
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <ErrorResult error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.items.length === 0 ? (
        <EmptyState description={t('policy.historyEmpty')} />
      ) : (
        <Space orientation="vertical" size={12} style={{ width: '100%' }}>
          {query.data.items.map((p, i) => (
            <PolicyVersionCard key={p.id} policy={p} current={i === 0} />
          ))}
        </Space>
      )}
    </Drawer>
  );
}
