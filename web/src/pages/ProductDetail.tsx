import { useQuery } from '@tanstack/react-query';
import {
  Alert,
  Button,
  Card,
  Col,
  Descriptions,
  Divider,
  Flex,
  Grid,
  Result,
  Row,
  Space,
  Table,
  Tooltip,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, api } from '../api';
import { isBuyer, loginPath, useMe } from '../auth';
import { QuantityInput, StockTag, useQuantityProblem } from '../components/buying';
import { PolicyHistoryDrawer } from '../components/PolicyHistoryDrawer';
import { ErrorResult, Loading } from '../components/QueryState';
import { BadgeTags, LevelTag, mergeBadges, ProductTypeTag } from '../components/tags';
import { formatFen, formatTime, shortHash } from '../format';
import { contentKey, useLang } from '../i18n';
import { MEMBER_LEVELS, type Price, type Product } from '../types';
import { storefrontPath } from './disputes/queries';
import { ValidityText } from './ProductList';
import { MerchantRecordSummary } from './record/MerchantRecordView';

function PriceTable({ product }: { product: Product }) {
  const { t } = useTranslation();
  const rows = MEMBER_LEVELS.map((level) => product.prices.find((p) => p.level === level)).filter(
    (p): p is Price => p !== undefined,
  );
  return (
    <Table<Price>
      data-testid="price-table"
      size="small"
      pagination={false}
      rowKey="level"
      dataSource={rows}
      rowClassName={(r) => (r.level === product.viewerPrice.level ? 'ant-table-row-selected' : '')}
      columns={[
        {
          key: 'level',
          title: t('product.level'),
          render: (_, r) => (
            <Space>
              <LevelTag level={r.level} long />
              {r.level === product.viewerPrice.level && (
                <Typography.Text type="secondary">({t('product.yourLevel')})</Typography.Text>
              )}
            </Space>
          ),
        },
        {
          key: 'price',
          title: t('product.price'),
          align: 'right',
          render: (_, r) => <Typography.Text strong>{formatFen(r.priceFen)}</Typography.Text>,
        },
        {
          key: 'max',
          title: t('product.maxQty'),
          align: 'right',
          render: (_, r) => t('product.maxQtyValue', { count: r.maxQtyPerOrder }),
        },
      ]}
    />
  );
}

function PolicySection({ product }: { product: Product }) {
  const { t } = useTranslation();
  const lang = useLang();
  const [historyOpen, setHistoryOpen] = useState(false);
  const { policy } = product;
  const rendered = policy.rendered[contentKey(lang)];
  // policy badges first, then merchant commitments (e.g. 24小时处理) from product.badges
  const badges = mergeBadges(rendered.badges, product.badges);
  return (
    <Card
      title={
        <Typography.Title level={4} style={{ margin: 0 }} id="refund-policy">
          {t('policy.title')}
        </Typography.Title>
      }
      extra={
        <Button size="small" onClick={() => setHistoryOpen(true)} data-testid="policy-history-open">
          {t('policy.history')}
        </Button>
      }
      data-testid="policy-section"
    >
      <Space orientation="vertical" size={12} style={{ width: '100%' }}>
        <BadgeTags badges={badges} testId="policy-badges" />
        <Typography.Paragraph
          data-testid="policy-text"
          style={{ whiteSpace: 'pre-wrap', fontSize: 15, margin: 0 }}
        >
          {rendered.text}
        </Typography.Paragraph>
        <Descriptions
          size="small"
          column={1}
          items={[
            {
              key: 'version',
              label: t('policy.version'),
              children: (
                <span data-testid="policy-version">
                  {t('policy.versionValue', { version: policy.version })}
                </span>
              ),
            },
            {
              key: 'hash',
              label: t('policy.textHash'),
              children: (
                <Tooltip title={policy.textHash}>
                  <Typography.Text code data-testid="policy-hash">
                    {shortHash(policy.textHash)}
                  </Typography.Text>
                </Tooltip>
              ),
            },
            { key: 'at', label: t('policy.effectiveAt'), children: formatTime(policy.createdAt, lang) },
          ]}
        />
        <Alert type="info" showIcon title={t('policy.legalNote')} />
      </Space>
      <PolicyHistoryDrawer productId={product.id} open={historyOpen} onClose={() => setHistoryOpen(false)} />
    </Card>
  );
}

/**
 * 立即购买: buyers go to checkout; visitors log in first and come back; other roles cannot buy.
 * Sold out disables buying; a quantity over the level's limit is explained, never lowered silently.
 */
function BuyBox({ product }: { product: Product }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { user } = useMe();
  const phone = Grid.useBreakpoint().sm === false;
  const max = product.viewerPrice.maxQtyPerOrder;
  const [qty, setQty] = useState<number | null>(1);
  const problem = useQuantityProblem()(qty, max, product.viewerPrice.level);
  const checkout = `/checkout/${encodeURIComponent(product.id)}?qty=${qty ?? 1}`;
  const suspended = product.merchant.status === 'SUSPENDED';
  const soldOut = product.stockLevel === 'SOLD_OUT';
  const canBuy = (user === null || isBuyer(user)) && !suspended;
  const onBuy = () => void navigate(user === null ? loginPath(checkout) : checkout);
  return (
    <Card data-testid="buy-box">
      <Space orientation="vertical" size={12} style={{ width: '100%' }}>
        <Flex align="center" gap={8} wrap>
          <Typography.Text>{t('rough.stock.label')}</Typography.Text>
          <StockTag level={product.stockLevel} />
        </Flex>
        <Flex align="flex-start" gap={12} wrap>
          <Typography.Text style={{ lineHeight: phone ? '40px' : '32px' }}>
            <label htmlFor="buy-qty">{t('checkout.quantity')}</label>
          </Typography.Text>
          <QuantityInput
            id="buy-qty"
            testId="buy-qty"
            value={qty}
            onChange={setQty}
            max={max}
            level={product.viewerPrice.level}
            large={phone}
          />
        </Flex>
        {suspended && (
          <Alert type="error" showIcon title={t('record.suspendedBuyer')} data-testid="buy-suspended" />
        )}
        {soldOut && (
          <Alert type="warning" showIcon title={t('rough.stock.soldOut')} data-testid="buy-sold-out" />
        )}
        <Tooltip title={canBuy || suspended ? undefined : t('errors.buyersOnly')}>
          <Button
            type="primary"
            size="large"
            block
            disabled={!canBuy || soldOut || problem !== null}
            onClick={onBuy}
            data-testid="buy-now"
          >
            {soldOut
              ? t('rough.stock.SOLD_OUT')
              : `${t('checkout.buyNow')} · ${formatFen(product.viewerPrice.priceFen * (problem ? 1 : (qty ?? 1)))}`}
          </Button>
        </Tooltip>
        {user === null && <Typography.Text type="secondary">{t('checkout.loginToBuy')}</Typography.Text>}
      </Space>
    </Card>
  );
}

function ProductView({ product }: { product: Product }) {
  const { t } = useTranslation();
  const { viewerPrice, merchant } = product;
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} lg={14}>
        <Space orientation="vertical" size={16} style={{ width: '100%' }}>
          <Card
            title={
              <Space wrap>
                <Typography.Title level={3} style={{ margin: 0 }} data-testid="product-name">
                  {product.name}
                </Typography.Title>
                <ProductTypeTag type={product.type} />
                <StockTag level={product.stockLevel} />
              </Space>
            }
          >
            <Descriptions
              column={{ xs: 1, sm: 2 }}
              items={[
                {
                  key: 'price',
                  label: t(`level.price.${viewerPrice.level}`),
                  children: (
                    <Typography.Text
                      strong
                      style={{ fontSize: 20, color: '#d4380d' }}
                      data-testid="viewer-price"
                    >
                      {formatFen(viewerPrice.priceFen)}
                    </Typography.Text>
                  ),
                },
                { key: 'face', label: t('product.faceValue'), children: formatFen(product.faceValueFen) },
                {
                  key: 'validity',
                  label: t('product.validity'),
                  children: <ValidityText days={product.validityDays} />,
                },
                {
                  key: 'max',
                  label: t('product.maxQty'),
                  children: t('product.maxQtyValue', { count: viewerPrice.maxQtyPerOrder }),
                },
              ]}
            />
            <div style={{ marginTop: 8 }}>
              <BadgeTags badges={product.badges} testId="product-badges" />
            </div>
            <Typography.Title level={5} style={{ marginTop: 16 }}>
              {t('product.description')}
            </Typography.Title>
            <Typography.Paragraph style={{ whiteSpace: 'pre-wrap' }} data-testid="product-description">
              {product.description}
            </Typography.Paragraph>
          </Card>
          <Card title={t('product.priceTable')}>
            <PriceTable product={product} />
          </Card>
        </Space>
      </Col>
      <Col xs={24} lg={10}>
        <Space orientation="vertical" size={16} style={{ width: '100%' }}>
          <BuyBox product={product} />
          <PolicySection product={product} />
          <Card title={t('product.merchant')} data-testid="merchant-card">
            <Typography.Title level={5} style={{ marginTop: 0 }}>
              <Link to={storefrontPath(merchant.id)} data-testid="merchant-name-link">
                {merchant.name}
              </Link>
            </Typography.Title>
            {merchant.description && (
              <Typography.Paragraph type="secondary">{merchant.description}</Typography.Paragraph>
            )}
            <BadgeTags badges={merchant.badges} testId="merchant-badges" />
            <Divider style={{ marginBlock: 12 }} />
            <MerchantRecordSummary merchantId={merchant.id} />
          </Card>
        </Space>
      </Col>
    </Row>
  );
}

export function ProductDetailPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const me = useMe();
  const query = useQuery({
    enabled: !me.isPending && id !== '',
    queryKey: ['products', 'detail', me.user?.memberLevel ?? 'ANON', id],
    queryFn: () => api.product(id),
  });
  const back = (
    <Link to="/products">
      <Button>{t('common.back')}</Button>
    </Link>
  );
  if (me.isPending || query.isPending) return <Loading />;
  if (query.isError) {
    if (query.error instanceof ApiError && query.error.status === 404) {
      return (
        <Result
          status="404"
          title="404"
          subTitle={t('product.notFound')}
          extra={back}
          data-testid="not-found"
        />
      );
    }
    return <ErrorResult error={query.error} onRetry={() => void query.refetch()} extra={back} />;
  }
  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Link to="/products">← {t('product.listTitle')}</Link>
      <ProductView product={query.data} />
    </Space>
  );
}
