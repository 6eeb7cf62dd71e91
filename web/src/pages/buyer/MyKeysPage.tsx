import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Button, Card, Space, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../../api';
import { KeyTimelineDrawer, timelineKey, type TimelineTarget } from '../../components/KeyTimelineDrawer';
import { EmptyState, ErrorResult, Loading } from '../../components/QueryState';
import { RequireUser } from '../../components/RequireUser';
import { ResponsiveList, useIsPhone } from '../../components/ResponsiveList';
import { KeyStateTag, ProductTypeTag } from '../../components/tags';
import { formatTime } from '../../format';
import { useLang } from '../../i18n';
import type { Unit } from '../../types';
import { RevealButton } from './RevealButton';

/** The buyer's delivered keys, masked only: secrets come from the reveal dialog and are never cached. */
const UNITS_KEY = ['me', 'units'] as const;

function MyKeys() {
  const { t } = useTranslation();
  const lang = useLang();
  const qc = useQueryClient();
  const [timeline, setTimeline] = useState<TimelineTarget | null>(null);
  const query = useQuery({ queryKey: UNITS_KEY, queryFn: api.myUnits });
  const phone = useIsPhone();

  const revealed = (u: Unit) => {
    // state (SEALED → REVEALED) and reveal count changed; the unit list itself carries no secret
    void qc.invalidateQueries({ queryKey: UNITS_KEY });
    void qc.invalidateQueries({ queryKey: timelineKey({ kind: 'unit', id: u.unitId }) });
  };

  const columns: TableColumnsType<Unit> = [
    {
      key: 'product',
      title: t('myKeys.product'),
      render: (_, u) => (
        <Space orientation="vertical" size={2}>
          <Link to={`/products/${encodeURIComponent(u.productId)}`}>{u.productName}</Link>
          <ProductTypeTag type={u.productType} />
        </Space>
      ),
    },
    {
      key: 'state',
      title: t('keys.state'),
      render: (_, u) => <KeyStateTag state={u.state} />,
    },
    {
      key: 'serial',
      title: t('myKeys.serial'),
      render: (_, u) => <Typography.Text code>{u.serialMasked}</Typography.Text>,
    },
    { key: 'delivered', title: t('myKeys.deliveredAt'), render: (_, u) => formatTime(u.deliveredAt, lang) },
    {
      key: 'firstRevealed',
      title: t('keys.firstRevealedAt'),
      render: (_, u) => formatTime(u.firstRevealedAt, lang),
    },
    {
      key: 'reveals',
      title: t('myKeys.reveals'),
      align: 'right',
      render: (_, u) => <span data-testid="unit-reveals">{u.reveals}</span>,
    },
    {
      key: 'actions',
      title: t('common.actions'),
      fixed: 'end',
      render: (_, u) => (
        <Space wrap size={4}>
          <RevealButton unit={u} onRevealed={() => revealed(u)} />
          <Button
            size="small"
            onClick={() => setTimeline({ kind: 'unit', id: u.unitId })}
            data-testid="unit-timeline"
          >
            {t('keys.timeline')}
          </Button>
        </Space>
      ),
    },
  ];

  return (
    <Card title={phone ? undefined : t('myKeys.title')} size={phone ? 'small' : undefined}>
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <ErrorResult error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.items.length === 0 ? (
        <EmptyState description={t('myKeys.empty')}>
          <Link to="/products">
            <Button type="primary">{t('nav.products')}</Button>
          </Link>
        </EmptyState>
      ) : (
        <ResponsiveList<Unit>
          data-testid="my-units"
          rowKey="unitId"
          size="middle"
          scroll={{ x: 1000 }}
          dataSource={query.data.items}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          columns={columns}
          card={{ title: 'product', extra: 'state', footer: 'actions', testId: 'unit-card' }}
        />
      )}
      <KeyTimelineDrawer target={timeline} onClose={() => setTimeline(null)} />
    </Card>
  );
}

/** /me/keys (我的卡密): any logged-in user. */
export default function MyKeysPage() {
  const { t } = useTranslation();
  return (
    <RequireUser loginText={t('myKeys.loginRequired')}>
      <Space orientation="vertical" size={16} style={{ width: '100%' }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('myKeys.title')}
        </Typography.Title>
        <MyKeys />
      </Space>
    </RequireUser>
  );
}
