import { useQuery } from '@tanstack/react-query';
import { Button, Col, Result, Row, Space, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useParams } from 'react-router';
import { api } from '../../api';
import { ErrorResult, Loading } from '../../components/QueryState';
import { RequireUser } from '../../components/RequireUser';
import { ProductTypeTag, StatusTag } from '../../components/tags';
import { ImportCard } from './ImportCard';
import { ImportHistory } from './ImportHistory';
import { KeysTable } from './KeysTable';
import { PRODUCTS_KEY } from './queries';
import { StockCard } from './StockCard';

function KeysView({ productId }: { productId: string }) {
  const { t } = useTranslation();
  const location = useLocation();
  const [batchId, setBatchId] = useState<string | null>(null);
  const products = useQuery({ queryKey: PRODUCTS_KEY, queryFn: api.merchantProducts });
  const product = products.data?.items.find((p) => p.id === productId);
  const found = product !== undefined;

  // /merchant/products/:id/keys#import (导入卡密 on the product list) lands on the import card.
  useEffect(() => {
    if (found && location.hash === '#import') document.getElementById('import')?.scrollIntoView();
  }, [found, location.hash]);

  const back = <Link to="/merchant">← {t('keys.backToMerchant')}</Link>;
  if (products.isPending) return <Loading />;
  if (products.isError) {
    return <ErrorResult error={products.error} onRetry={() => void products.refetch()} extra={back} />;
  }
  if (!product) {
    return (
      <Result
        status="404"
        title="404"
        subTitle={t('keys.productNotFound')}
        data-testid="not-found"
        extra={
          <Link to="/merchant">
            <Button type="primary">{t('keys.backToMerchant')}</Button>
          </Link>
        }
      />
    );
  }
  const showBatch = (id: string) => {
    setBatchId(id);
    document.getElementById('import')?.scrollIntoView({ behavior: 'smooth' });
  };
  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }} data-testid="keys-page">
      {back}
      <Space wrap align="center">
        <Typography.Title level={3} style={{ margin: 0 }} data-testid="keys-page-title">
          {t('keys.pageTitle', { name: product.name })}
        </Typography.Title>
        <ProductTypeTag type={product.type} />
        <StatusTag status={product.status} />
      </Space>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={14}>
          <ImportCard productId={product.id} batchId={batchId} onBatch={setBatchId} />
        </Col>
        <Col xs={24} lg={10}>
          <StockCard productId={product.id} />
        </Col>
      </Row>
      <ImportHistory productId={product.id} selectedId={batchId} onSelect={showBatch} />
      <KeysTable productId={product.id} />
    </Space>
  );
}

/** /merchant/products/:id/keys: import keys, stock settings, the key list. Merchant role only. */
export default function KeysPage() {
  const { id = '' } = useParams();
  return (
    <RequireUser merchant>
      <KeysView key={id} productId={id} />
    </RequireUser>
  );
}
