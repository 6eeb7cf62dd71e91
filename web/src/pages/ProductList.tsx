import { useQuery } from '@tanstack/react-query';
import { Card, Col, Flex, Input, Row, Select, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api } from '../api';
import { useMe } from '../auth';
import { EmptyState, ErrorResult, Loading } from '../components/QueryState';
import { StockTag } from '../components/buying';
import { useIsPhone } from '../components/ResponsiveList';
import { BadgeTags, ProductTypeTag } from '../components/tags';
import { formatFen } from '../format';
import { PRODUCT_TYPES, type Product, type ProductType } from '../types';

const isProductType = (v: string | null): v is ProductType =>
  v !== null && (PRODUCT_TYPES as string[]).includes(v);

export function ValidityText({ days }: { days: number | null }) {
  const { t } = useTranslation();
  return <>{days === null ? t('product.validityForever') : t('product.validityDays', { count: days })}</>;
}

export function ProductCard({ product }: { product: Product }) {
  const { t } = useTranslation();
  const { viewerPrice } = product;
  const navigate = useNavigate();
  const path = `/products/${encodeURIComponent(product.id)}`;
  return (
    <Card
      hoverable
      data-testid="product-card"
      data-product-id={product.id}
      title={
        <Link to={path} data-testid="product-link">
          {product.name}
        </Link>
      }
      extra={<ProductTypeTag type={product.type} />}
      style={{ height: '100%', cursor: 'pointer' }}
      // the whole card is the touch target (the name's link navigates by itself)
      onClick={(e) => {
        if (!(e.target instanceof Element && e.target.closest('a'))) void navigate(path);
      }}
      // long names wrap instead of being cut off
      styles={{ title: { whiteSpace: 'normal', overflowWrap: 'anywhere', paddingBlock: 8 } }}
    >
      <Space orientation="vertical" size={8} style={{ width: '100%' }}>
        <Flex justify="space-between">
          <Typography.Text type="secondary">{t('product.faceValue')}</Typography.Text>
          <Typography.Text>{formatFen(product.faceValueFen)}</Typography.Text>
        </Flex>
        <Flex justify="space-between">
          <Typography.Text type="secondary">{t('product.validity')}</Typography.Text>
          <Typography.Text>
            <ValidityText days={product.validityDays} />
          </Typography.Text>
        </Flex>
        <Flex justify="space-between" align="baseline">
          <Typography.Text type="secondary" data-testid="viewer-price-label">
            {t(`level.price.${viewerPrice.level}`)}
          </Typography.Text>
          <Typography.Text strong style={{ fontSize: 20, color: '#d4380d' }} data-testid="viewer-price">
            {formatFen(viewerPrice.priceFen)}
          </Typography.Text>
        </Flex>
        <Typography.Text type="secondary" ellipsis>
          {t('product.merchant')}: {product.merchant.name}
        </Typography.Text>
        <StockTag level={product.stockLevel} />
        <BadgeTags badges={product.badges} testId="product-badges" />
      </Space>
    </Card>
  );
}

export function ProductListPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const rawType = params.get('type');
  const type = isProductType(rawType) ? rawType : undefined;
  const q = params.get('q')?.trim() ?? '';
  const me = useMe();
  const user = me.user;
  const phone = useIsPhone();
  const query = useQuery({
    enabled: !me.isPending,
    // viewer level is part of the key: prices differ per member level
    queryKey: ['products', 'list', user?.memberLevel ?? 'ANON', type ?? '', q],
    queryFn: () => api.products({ type, q: q || undefined }),
  });

  const update = (next: { type?: ProductType | null; q?: string }) => {
    const p = new URLSearchParams(params);
    if (next.type !== undefined) {
      if (next.type) p.set('type', next.type);
      else p.delete('type');
    }
    if (next.q !== undefined) {
      if (next.q.trim()) p.set('q', next.q.trim());
      else p.delete('q');
    }
    setParams(p, { replace: true });
  };

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Flex justify="space-between" align="center" wrap gap={12}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('product.listTitle')}
        </Typography.Title>
        <Flex wrap gap={8} style={phone ? { width: '100%' } : undefined}>
          <Select<ProductType | ''>
            data-testid="type-filter"
            aria-label={t('product.typeFilter')}
            style={{ width: phone ? 120 : 160 }}
            value={type ?? ''}
            onChange={(v) => update({ type: v === '' ? null : v })}
            options={[
              { value: '', label: t('common.all') },
              ...PRODUCT_TYPES.map((pt) => ({ value: pt, label: t(`productType.${pt}`) })),
            ]}
          />
          <Input.Search
            key={q}
            data-testid="product-search"
            id="product-search"
            allowClear
            defaultValue={q}
            placeholder={t('product.searchPlaceholder')}
            onSearch={(v) => update({ q: v })}
            style={phone ? { flex: 1, minWidth: 0 } : { width: 260 }}
          />
        </Flex>
      </Flex>
      {me.isPending || query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <ErrorResult error={query.error} onRetry={() => void query.refetch()} />
      ) : query.data.items.length === 0 ? (
        <EmptyState description={t('product.empty')} />
      ) : (
        <Row gutter={phone ? [12, 12] : [16, 16]} data-testid="product-list">
          {query.data.items.map((p) => (
            <Col key={p.id} xs={24} sm={12} lg={8}>
              <ProductCard product={p} />
            </Col>
          ))}
        </Row>
      )}
    </Space>
  );
}
