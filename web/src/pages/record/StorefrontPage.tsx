import { useQuery } from '@tanstack/react-query';
import { Button, Card, Col, Result, Row, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api, ApiError } from '../../api';
import { useMe } from '../../auth';
import { EmptyState, ErrorResult, Loading } from '../../components/QueryState';
import { BadgeTags } from '../../components/tags';
import { useMerchantRecord } from '../disputes/queries';
import { ProductCard } from '../ProductList';
import { MerchantRecordView, SuspendedBanner } from './MerchantRecordView';

function ShopProducts({ merchantId }: { merchantId: string }) {
  const { t } = useTranslation();
  const me = useMe();
  const query = useQuery({
    enabled: !me.isPending,
    // prices are the viewer's member level's
    queryKey: ['products', 'list', me.user?.memberLevel ?? 'ANON', 'merchant', merchantId],
    queryFn: () => api.merchantProductsOf(merchantId),
  });
  if (me.isPending || query.isPending) return <Loading />;
  if (query.isError) return <ErrorResult error={query.error} onRetry={() => void query.refetch()} />;
  if (query.data.items.length === 0) return <EmptyState description={t('storefront.noProducts')} />;
  return (
    <Row gutter={[16, 16]} data-testid="product-list">
      {query.data.items.map((p) => (
        <Col key={p.id} xs={24} sm={12} lg={8}>
          <ProductCard product={p} />
        </Col>
      ))}
    </Row>
  );
}

/** /merchants/:id: a shop's storefront — who it is, its public record, and what it sells. */
export default function StorefrontPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const merchant = useQuery({
    queryKey: ['merchants', id],
    queryFn: () => api.merchant(id),
    enabled: id !== '',
  });
  const record = useMerchantRecord(id);
  const back = (
    <Link to="/products">
      <Button>{t('storefront.backToProducts')}</Button>
    </Link>
  );
  if (merchant.isPending) return <Loading />;
  if (merchant.isError)
    return merchant.error instanceof ApiError && merchant.error.status === 404 ? (
      <Result
        status="404"
        title="404"
        subTitle={t('storefront.notFound')}
        extra={back}
        data-testid="not-found"
      />
    ) : (
      <ErrorResult error={merchant.error} onRetry={() => void merchant.refetch()} extra={back} />
    );
  const m = merchant.data;
  return (
    <Space
      orientation="vertical"
      size={16}
      style={{ width: '100%' }}
      data-testid="storefront"
      data-merchant-id={m.id}
    >
      <Link to="/products">← {t('storefront.backToProducts')}</Link>
      <Card>
        <Space orientation="vertical" size={8} style={{ width: '100%' }}>
          <Typography.Title level={3} style={{ margin: 0 }} data-testid="storefront-name">
            {m.name}
          </Typography.Title>
          {m.description && (
            <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
              {m.description}
            </Typography.Paragraph>
          )}
          <BadgeTags badges={m.badges} testId="storefront-badges" />
        </Space>
      </Card>
      <Card title={t('record.title')}>
        {record.isPending ? (
          <Loading minHeight={120} />
        ) : record.isError ? (
          <ErrorResult error={record.error} onRetry={() => void record.refetch()} />
        ) : (
          <Space orientation="vertical" size={12} style={{ width: '100%' }}>
            <SuspendedBanner record={record.data} />
            <MerchantRecordView record={record.data} />
          </Space>
        )}
      </Card>
      <Typography.Title level={4} style={{ margin: 0 }}>
        {t('storefront.products')}
      </Typography.Title>
      <ShopProducts merchantId={m.id} />
    </Space>
  );
}
