import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  App as AntApp,
  Alert,
  Button,
  Card,
  Checkbox,
  Col,
  Descriptions,
  Flex,
  Grid,
  Popconfirm,
  Radio,
  type ButtonProps,
  Result,
  Row,
  Space,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { ApiError, api, changedPolicy, changedPrice, changedTerms } from '../../api';
import { useMe } from '../../auth';
import { PolicyPlain } from '../../components/PolicyPlain';
import { ErrorResult, Loading, useErrorText } from '../../components/QueryState';
import { RequireUser } from '../../components/RequireUser';
import { LevelTag, ProductTypeTag } from '../../components/tags';
import { QuantityInput, StockTag, useQuantityProblem } from '../../components/buying';
import { formatFen, formatTime } from '../../format';
import { useLang } from '../../i18n';
import { useIdempotencyKey } from '../../idempotency';
import { allOf, type CheckoutInput, type CheckoutMethod, type Policy, type Product } from '../../types';
import { ValidityText } from '../ProductList';
import { goToPayUrl, invalidateMoney, ORDERS_KEY, orderPath, WALLET_KEY } from './orderQueries';

const METHODS = allOf<CheckoutMethod>()(['BALANCE', 'WECHAT', 'ALIPAY']);

/** ?qty=N (1 when missing or not a number); a value over the limit is kept and explained, not capped. */
function initialQty(raw: string | null): number {
  const n = raw === null ? 1 : Number.parseInt(raw, 10);
  if (!Number.isSafeInteger(n) || n < 1) return 1;
  return n;
}

const CANCEL_CONFIRM_PROPS: ButtonProps & { 'data-testid': string } = {
  'data-testid': 'pending-order-cancel-confirm',
};

/**
 * «您有待支付订单»: the buyer's unpaid, unexpired orders of this product (one going back from the
 * cashier left behind). Pay it, or cancel it (its keys are released) and continue.
 */
function PendingOrderOffer({ product }: { product: Product }) {
  const { t } = useTranslation();
  const lang = useLang();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const { message } = AntApp.useApp();
  const errorText = useErrorText();
  const pending = useQuery({
    queryKey: [...ORDERS_KEY, 'pending', product.id],
    queryFn: () => api.pendingOrders(product.id),
    staleTime: 0,
  });
  const pay = useMutation({
    mutationFn: (id: string) => api.payOrder(id),
    onSuccess: (order) => {
      if (order.payment?.payUrl) goToPayUrl(navigate, order.payment.payUrl);
      else void navigate(orderPath(order.id));
    },
  });
  const cancel = useMutation({
    mutationFn: (id: string) => api.cancelOrder(id),
    onSuccess: (order) => {
      void message.success(t('rough.pending.cancelled', { orderNo: order.orderNo }));
      invalidateMoney(qc);
      void qc.invalidateQueries({ queryKey: ['products'] });
    },
  });
  const order = pending.data?.items[0];
  if (!order) return null;
  const more = (pending.data?.items.length ?? 1) - 1;
  const failed = pay.error ?? cancel.error;
  return (
    <Alert
      type="warning"
      showIcon
      data-testid="pending-order-offer"
      data-order-id={order.id}
      title={t('rough.pending.title')}
      description={
        <Space orientation="vertical" size={8} style={{ width: '100%' }}>
          <Typography.Text>
            {t('rough.pending.description', {
              product: order.productName ?? product.name,
              count: order.quantity,
              amount: formatFen(order.totalFen),
              expires: formatTime(order.expiresAt, lang, true),
            })}
          </Typography.Text>
          {more > 0 && (
            <Typography.Text type="secondary">{t('rough.pending.more', { count: more })}</Typography.Text>
          )}
          {failed !== null && <Typography.Text type="danger">{errorText(failed)}</Typography.Text>}
          <Flex gap={8} wrap>
            <Button
              type="primary"
              size="large"
              loading={pay.isPending}
              onClick={() => pay.mutate(order.id)}
              data-testid="pending-order-pay"
            >
              {t('rough.pending.pay')}
            </Button>
            <Popconfirm
              title={t('rough.pending.cancelConfirm', { orderNo: order.orderNo })}
              okText={t('rough.pending.cancelOk')}
              cancelText={t('rough.pending.keep')}
              onConfirm={() => cancel.mutate(order.id)}
              okButtonProps={CANCEL_CONFIRM_PROPS}
            >
              <Button size="large" loading={cancel.isPending} data-testid="pending-order-cancel">
                {t('rough.pending.cancel')}
              </Button>
            </Popconfirm>
          </Flex>
        </Space>
      }
    />
  );
}

type Terms = { faceValueFen: number; validityDays: number | null };

function CheckoutForm({ product }: { product: Product }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const errorText = useErrorText();
  const [params] = useSearchParams();
  const idem = useIdempotencyKey();
  const { viewerPrice } = product;
  const max = viewerPrice.maxQtyPerOrder;
  const phone = Grid.useBreakpoint().sm === false;
  const [typedQuantity, setQuantity] = useState<number | null>(() => initialQty(params.get('qty')));
  const qtyProblem = useQuantityProblem()(typedQuantity, max, viewerPrice.level);
  // the total and the order use a valid quantity only (submit is disabled otherwise)
  const quantity = qtyProblem ? Math.min(Math.max(1, typedQuantity ?? 1), max) : (typedQuantity ?? 1);
  const soldOut = product.stockLevel === 'SOLD_OUT';
  const [method, setMethod] = useState<CheckoutMethod>('BALANCE');
  const [confirmed, setConfirmed] = useState(false);
  // What the buyer is asked to confirm: the product's policy and terms, or the newer ones a 409 sent back.
  const [policyUpdate, setPolicyUpdate] = useState<Policy | null>(null);
  const [termsUpdate, setTermsUpdate] = useState<Terms | null>(null);
  const [priceUpdate, setPriceUpdate] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const wallet = useQuery({ queryKey: WALLET_KEY, queryFn: api.wallet, staleTime: 0 });

  const policy =
    policyUpdate && policyUpdate.version >= product.policy.version ? policyUpdate : product.policy;
  const terms: Terms = termsUpdate ?? {
    faceValueFen: product.faceValueFen,
    validityDays: product.validityDays,
  };
  const regular = product.prices.find((p) => p.level === 'REGULAR')?.priceFen ?? viewerPrice.priceFen;
  // The unit price the buyer confirms: the page's, or the current one a 409 sent back.
  const unitPrice = priceUpdate ?? viewerPrice.priceFen;
  const memberPrice = unitPrice < regular;
  const total = unitPrice * quantity;
  const balance = wallet.data?.balanceFen;
  const short = method === 'BALANCE' && balance !== undefined && balance < total;

  const submit = useMutation({
    mutationFn: (input: CheckoutInput) => api.checkout(input, idem.keyFor(input)),
    onSuccess: (order) => {
      idem.settle();
      invalidateMoney(qc);
      if (order.state === 'PENDING_PAYMENT' && order.payment.payUrl) {
        goToPayUrl(navigate, order.payment.payUrl);
      } else {
        // BALANCE: paid and delivered; a gateway order without a pay URL retries from the detail page
        void navigate(orderPath(order.id));
      }
    },
    onError: (err) => {
      idem.settle(err);
      const newPolicy = changedPolicy(err);
      const newTerms = changedTerms(err);
      const newPrice = changedPrice(err);
      if (newPolicy || newTerms || newPrice) {
        // the buyer must read and confirm again
        if (newPolicy) setPolicyUpdate(newPolicy);
        if (newTerms) setTermsUpdate(newTerms);
        if (newPrice) setPriceUpdate(newPrice.unitPriceFen);
        setConfirmed(false);
        void qc.invalidateQueries({ queryKey: ['products'] });
      }
      if (err instanceof ApiError && err.code === 'ledger.insufficient_funds') {
        void qc.invalidateQueries({ queryKey: WALLET_KEY });
      }
      setError(err);
    },
  });

  const onSubmit = () => {
    setError(null);
    submit.mutate({
      productId: product.id,
      quantity,
      paymentMethod: method,
      policyVersion: policy.version,
      policyConfirmed: confirmed,
      faceValueFen: terms.faceValueFen,
      validityDays: terms.validityDays,
      unitPriceFen: unitPrice,
    });
  };

  const code = error instanceof ApiError ? error.code : null;
  const reconfirm =
    code === 'order.policy_changed' || code === 'order.terms_changed' || code === 'order.price_changed';

  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} lg={14}>
        <Space orientation="vertical" size={16} style={{ width: '100%' }}>
          <Card
            title={
              <Space wrap>
                <Typography.Text strong style={{ fontSize: 18 }} data-testid="checkout-product-name">
                  {product.name}
                </Typography.Text>
                <ProductTypeTag type={product.type} />
              </Space>
            }
            extra={<Typography.Text type="secondary">{product.merchant.name}</Typography.Text>}
          >
            <Alert
              type="warning"
              showIcon
              title={t('checkout.termsTitle')}
              description={t('checkout.termsHint')}
              style={{ marginBottom: 12 }}
            />
            <Descriptions
              bordered
              size="small"
              column={1}
              data-testid="checkout-terms"
              items={[
                {
                  key: 'face',
                  label: t('product.faceValue'),
                  children: (
                    <Typography.Text strong data-testid="checkout-face-value">
                      {formatFen(terms.faceValueFen)}
                    </Typography.Text>
                  ),
                },
                {
                  key: 'validity',
                  label: t('product.validity'),
                  children: (
                    <Typography.Text strong data-testid="checkout-validity">
                      <ValidityText days={terms.validityDays} />
                    </Typography.Text>
                  ),
                },
              ]}
            />
          </Card>
          <Card
            title={t('checkout.policyTitle', { version: policy.version })}
            data-testid="checkout-policy-card"
          >
            {policyUpdate && (
              <Alert
                type="warning"
                showIcon
                data-testid="checkout-policy-changed"
                title={t('checkout.policyChanged', { version: policyUpdate.version })}
                style={{ marginBottom: 12 }}
              />
            )}
            {termsUpdate && (
              <Alert
                type="warning"
                showIcon
                data-testid="checkout-terms-changed"
                title={t('checkout.termsChanged')}
                style={{ marginBottom: 12 }}
              />
            )}
            <PolicyPlain policy={policy} extraBadges={product.badges} testId="checkout-policy" />
            <Alert type="info" showIcon title={t('policy.legalNote')} style={{ marginTop: 12 }} />
          </Card>
        </Space>
      </Col>
      <Col xs={24} lg={10}>
        <Card title={t('checkout.summary')}>
          <Space orientation="vertical" size={16} style={{ width: '100%' }}>
            <Descriptions
              size="small"
              column={1}
              items={[
                {
                  key: 'price',
                  label: t(`level.price.${viewerPrice.level}`),
                  children: (
                    <Space size={4} wrap>
                      <Typography.Text data-testid="checkout-unit-price" data-fen={unitPrice}>
                        {formatFen(unitPrice)}
                      </Typography.Text>
                      <LevelTag level={viewerPrice.level} />
                      {memberPrice && (
                        <Tag color="red" data-testid="member-price-tag">
                          {t('order.memberPrice')}
                        </Tag>
                      )}
                    </Space>
                  ),
                },
                {
                  key: 'qty',
                  label: t('checkout.quantity'),
                  children: (
                    <QuantityInput
                      id="checkout-quantity"
                      testId="checkout-quantity"
                      value={typedQuantity}
                      onChange={setQuantity}
                      max={max}
                      level={viewerPrice.level}
                      large={phone}
                    />
                  ),
                },
                {
                  key: 'total',
                  label: t('checkout.total'),
                  children: (
                    <Typography.Text
                      strong
                      style={{ fontSize: 22, color: '#d4380d' }}
                      data-testid="checkout-total"
                      data-fen={total}
                    >
                      {qtyProblem ? '—' : formatFen(total)}
                    </Typography.Text>
                  ),
                },
              ]}
            />
            <div>
              <Typography.Text strong>{t('checkout.method')}</Typography.Text>
              <Radio.Group
                value={method}
                onChange={(e) => setMethod(e.target.value as CheckoutMethod)}
                style={{ display: 'flex', flexDirection: 'column', gap: 8, marginTop: 8 }}
              >
                {METHODS.map((m) => (
                  <Radio key={m} value={m} data-testid={`checkout-method-${m}`}>
                    {t(`payMethod.${m}`)}
                    {m === 'BALANCE' && (
                      <Typography.Text type="secondary" data-testid="checkout-balance">
                        {' '}
                        (
                        {wallet.isPending
                          ? t('common.loading')
                          : wallet.isError
                            ? '—'
                            : t('checkout.balance', { amount: formatFen(wallet.data.balanceFen) })}
                        )
                      </Typography.Text>
                    )}
                  </Radio>
                ))}
              </Radio.Group>
              {short && (
                <Alert
                  type="warning"
                  showIcon
                  style={{ marginTop: 8 }}
                  data-testid="checkout-balance-short"
                  title={t('checkout.balanceShort')}
                  action={
                    <Link to="/me/wallet">
                      <Button size="small">{t('wallet.topUpLink')}</Button>
                    </Link>
                  }
                />
              )}
            </div>
            {priceUpdate !== null && (
              <Alert
                type="warning"
                showIcon
                data-testid="checkout-price-changed"
                title={t('checkout.priceChanged', { price: formatFen(priceUpdate) })}
              />
            )}
            <Flex align="center" gap={8} wrap>
              <Typography.Text>{t('rough.stock.label')}</Typography.Text>
              <StockTag level={product.stockLevel} />
            </Flex>
            {soldOut && (
              <Alert
                type="warning"
                showIcon
                title={t('rough.stock.soldOut')}
                data-testid="checkout-sold-out"
              />
            )}
            <Checkbox
              checked={confirmed}
              onChange={(e) => setConfirmed(e.target.checked)}
              data-testid="checkout-confirm"
            >
              <Typography.Text strong>
                {t('checkout.confirm', { version: policy.version, price: formatFen(unitPrice) })}
              </Typography.Text>
            </Checkbox>
            {error !== null && (
              <Alert
                type={reconfirm ? 'warning' : 'error'}
                showIcon
                data-testid="checkout-error"
                data-code={code ?? ''}
                title={errorText(error)}
                action={
                  code === 'ledger.insufficient_funds' && (
                    <Link to="/me/wallet">
                      <Button size="small" type="primary">
                        {t('wallet.topUpLink')}
                      </Button>
                    </Link>
                  )
                }
              />
            )}
            <Button
              type="primary"
              size="large"
              block
              disabled={!confirmed || soldOut || qtyProblem !== null}
              loading={submit.isPending}
              onClick={onSubmit}
              data-testid="checkout-submit"
            >
              {method === 'BALANCE'
                ? t('checkout.submitBalance', { amount: formatFen(total) })
                : t('checkout.submitGateway', { amount: formatFen(total) })}
            </Button>
            {!confirmed && <Typography.Text type="secondary">{t('checkout.confirmFirst')}</Typography.Text>}
          </Space>
        </Card>
      </Col>
    </Row>
  );
}

function Checkout() {
  const { t } = useTranslation();
  const { productId = '' } = useParams();
  const me = useMe();
  const query = useQuery({
    enabled: !me.isPending && productId !== '',
    queryKey: ['products', 'detail', me.user?.memberLevel ?? 'ANON', productId],
    queryFn: () => api.product(productId),
  });
  const back = (
    <Link to={`/products/${encodeURIComponent(productId)}`}>
      <Button>{t('common.back')}</Button>
    </Link>
  );
  if (query.isPending) return <Loading />;
  if (query.isError) {
    if (query.error instanceof ApiError && query.error.status === 404) {
      return <Result status="404" title="404" subTitle={t('product.notFound')} data-testid="not-found" />;
    }
    return <ErrorResult error={query.error} onRetry={() => void query.refetch()} extra={back} />;
  }
  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Flex justify="space-between" align="center" wrap>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('checkout.title')}
        </Typography.Title>
        <Link to={`/products/${encodeURIComponent(productId)}`}>← {t('checkout.backToProduct')}</Link>
      </Flex>
      <PendingOrderOffer product={query.data} />
      <CheckoutForm product={query.data} />
    </Space>
  );
}

/** /checkout/:productId?qty=N — buyers only. */
export default function CheckoutPage() {
  const { t } = useTranslation();
  return (
    <RequireUser buyer loginText={t('checkout.loginRequired')}>
      <Checkout />
    </RequireUser>
  );
}
