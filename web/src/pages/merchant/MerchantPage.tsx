import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App as AntApp, Button, Card, Space, Table, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, isConflict } from '../../api';
import { policiesKey } from '../../components/PolicyHistoryDrawer';
import { EmptyState, ErrorAlert, ErrorResult, Loading, useErrorText } from '../../components/QueryState';
import { RequireUser } from '../../components/RequireUser';
import { BadgeTags, ProductTypeTag, StatusTag } from '../../components/tags';
import { formatFen, formatTime } from '../../format';
import { contentKey, useLang } from '../../i18n';
import type { Product } from '../../types';
import { ValidityText } from '../ProductList';
import { PolicyModal } from './PolicyModal';
import { ProductFormModal } from './ProductFormModal';
import { ProfileCard } from './ProfileCard';
import { PRODUCTS_KEY } from './queries';
import { useStockColumns } from './stockColumns';

const keysPath = (p: Product) => `/merchant/products/${encodeURIComponent(p.id)}/keys`;

type Editing = { mode: 'closed' } | { mode: 'create' } | { mode: 'edit'; product: Product };

function MerchantDashboard() {
  const { t } = useTranslation();
  const lang = useLang();
  const qc = useQueryClient();
  const { message } = AntApp.useApp();
  const errorText = useErrorText();
  const [editing, setEditing] = useState<Editing>({ mode: 'closed' });
  const [policyProduct, setPolicyProduct] = useState<Product | null>(null);
  const [pageError, setPageError] = useState<unknown>(null);
  const query = useQuery({ queryKey: PRODUCTS_KEY, queryFn: api.merchantProducts });
  const stockColumns = useStockColumns();

  const reload = () => {
    setPageError(null);
    void qc.invalidateQueries({ queryKey: PRODUCTS_KEY });
  };
  /** Put a fresh product into the cached list and refresh everything derived from it. */
  const saved = (p: Product) => {
    qc.setQueryData(PRODUCTS_KEY, (old: { items: Product[] } | undefined) =>
      old
        ? {
            items: old.items.some((x) => x.id === p.id)
              ? old.items.map((x) => (x.id === p.id ? p : x))
              : [p, ...old.items],
          }
        : old,
    );
    void qc.invalidateQueries({ queryKey: PRODUCTS_KEY });
    void qc.invalidateQueries({ queryKey: ['products'] });
    void qc.invalidateQueries({ queryKey: policiesKey(p.id) });
  };

  const status = useMutation({
    mutationFn: (p: Product) =>
      api.setStatus(p.id, p.version, p.status === 'ON_SALE' ? 'OFF_SALE' : 'ON_SALE'),
    onSuccess: (p) => {
      setPageError(null);
      saved(p);
      void message.success(t('merchant.statusChanged'));
    },
    onError: (err) => {
      if (isConflict(err)) setPageError(err);
      else void message.error(errorText(err));
    },
  });
  const closeForms = () => {
    setEditing({ mode: 'closed' });
    setPolicyProduct(null);
  };
  const reloadFromModal = () => {
    closeForms();
    reload();
  };

  const columns: TableColumnsType<Product> = [
    {
      key: 'name',
      title: t('product.name'),
      fixed: 'start',
      render: (_, p) => (
        <Space orientation="vertical" size={2}>
          {p.status === 'ON_SALE' ? (
            <Link to={`/products/${encodeURIComponent(p.id)}`}>{p.name}</Link>
          ) : (
            p.name
          )}
          <ProductTypeTag type={p.type} />
        </Space>
      ),
    },
    { key: 'status', title: t('merchant.statusColumn'), render: (_, p) => <StatusTag status={p.status} /> },
    { key: 'version', title: t('common.version'), align: 'right', render: (_, p) => p.version },
    ...stockColumns,
    {
      key: 'face',
      title: t('product.faceValue'),
      align: 'right',
      render: (_, p) => formatFen(p.faceValueFen),
    },
    {
      key: 'price',
      title: t('merchant.priceRegular'),
      align: 'right',
      render: (_, p) => {
        const regular = p.prices.find((x) => x.level === 'REGULAR');
        return regular ? formatFen(regular.priceFen) : '—';
      },
    },
    {
      key: 'validity',
      title: t('product.validity'),
      render: (_, p) => <ValidityText days={p.validityDays} />,
    },
    {
      key: 'policy',
      title: t('merchant.policyVersion'),
      render: (_, p) => (
        <Space orientation="vertical" size={2}>
          <Typography.Text>{t('policy.versionValue', { version: p.policy.version })}</Typography.Text>
          <BadgeTags badges={p.policy.rendered[contentKey(lang)].badges} />
        </Space>
      ),
    },
    { key: 'updated', title: t('common.updatedAt'), render: (_, p) => formatTime(p.updatedAt, lang) },
    {
      key: 'actions',
      title: t('common.actions'),
      fixed: 'end',
      render: (_, p) => (
        <Space wrap size={4}>
          <Button
            size="small"
            onClick={() => setEditing({ mode: 'edit', product: p })}
            data-testid="product-edit"
          >
            {t('merchant.edit')}
          </Button>
          <Button
            size="small"
            type={p.status === 'ON_SALE' ? 'default' : 'primary'}
            danger={p.status === 'ON_SALE'}
            loading={status.isPending && status.variables.id === p.id}
            onClick={() => status.mutate(p)}
            data-testid={p.status === 'ON_SALE' ? 'product-take-off-sale' : 'product-put-on-sale'}
          >
            {p.status === 'ON_SALE' ? t('merchant.takeOffSale') : t('merchant.putOnSale')}
          </Button>
          <Button size="small" onClick={() => setPolicyProduct(p)} data-testid="product-edit-policy">
            {t('merchant.editPolicy')}
          </Button>
          <Link to={`${keysPath(p)}#import`}>
            <Button size="small" data-testid="product-import-keys">
              {t('keys.import')}
            </Button>
          </Link>
          <Link to={keysPath(p)}>
            <Button size="small" data-testid="product-manage-keys">
              {t('keys.manage')}
            </Button>
          </Link>
        </Space>
      ),
    },
  ];

  return (
    <Card
      title={t('merchant.products')}
      extra={
        <Button type="primary" onClick={() => setEditing({ mode: 'create' })} data-testid="product-create">
          {t('merchant.create')}
        </Button>
      }
    >
      <ErrorAlert error={pageError} onReload={reload} />
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <ErrorResult error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.items.length === 0 ? (
        <EmptyState description={t('merchant.empty')}>
          <Button type="primary" onClick={() => setEditing({ mode: 'create' })}>
            {t('merchant.create')}
          </Button>
        </EmptyState>
      ) : (
        <Table<Product>
          data-testid="merchant-products"
          rowKey="id"
          size="middle"
          scroll={{ x: 1400 }}
          dataSource={query.data.items}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          columns={columns}
        />
      )}
      <ProductFormModal
        open={editing.mode !== 'closed'}
        product={editing.mode === 'edit' ? editing.product : undefined}
        onClose={closeForms}
        onReload={reloadFromModal}
        onSaved={(p, created) => {
          saved(p);
          closeForms();
          void message.success(created ? t('merchant.created') : t('merchant.saved'));
        }}
      />
      <PolicyModal
        product={policyProduct}
        onClose={closeForms}
        onReload={reloadFromModal}
        onSaved={(p) => {
          saved(p);
          closeForms();
          void message.success(t('merchant.policyForm.saved', { version: p.policy.version }));
        }}
      />
    </Card>
  );
}

/** /merchant: merchant role only. */
export default function MerchantPage() {
  const { t } = useTranslation();
  return (
    <RequireUser merchant>
      <Space orientation="vertical" size={16} style={{ width: '100%' }}>
        <Space wrap style={{ justifyContent: 'space-between', width: '100%' }}>
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t('merchant.title')}
          </Typography.Title>
          {/* The header menu is full (a mobile menu comes with Stage 8): the shop's channels start here. */}
          <Link to="/merchant/channels" data-testid="merchant-channels-link">
            <Button>{t('channels.nav')}</Button>
          </Link>
        </Space>
        <MerchantDashboard />
        <ProfileCard />
      </Space>
    </RequireUser>
  );
}
