import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  Button,
  Card,
  Col,
  Form,
  Input,
  Radio,
  Row,
  Space,
  Statistic,
  Typography,
  type TableColumnsType,
} from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { api } from '../../api';
import { EmptyState, ErrorResult, Loading, useErrorText } from '../../components/QueryState';
import { RequireUser } from '../../components/RequireUser';
import { ResponsiveList } from '../../components/ResponsiveList';
import { formatFen, formatTime, parseYuanToFen } from '../../format';
import { applyServerErrors } from '../../forms';
import { useIdempotencyKey } from '../../idempotency';
import { useLang } from '../../i18n';
import type { GatewayMethod, WalletEntry } from '../../types';
import { goToPayUrl, invalidateMoney, orderPath, ordersListKey, WALLET_KEY } from './orderQueries';

const LEDGER_KINDS = [
  'TOPUP',
  'ORDER_PAYMENT',
  'MEMBERSHIP_PAYMENT',
  'PAYOUT',
  'REFUND',
  'SETTLEMENT',
] as const;
type LedgerKind = (typeof LEDGER_KINDS)[number];
const isLedgerKind = (k: string): k is LedgerKind => (LEDGER_KINDS as readonly string[]).includes(k);

const PENDING_TOPUPS = { kind: 'TOPUP', state: 'PENDING_PAYMENT' } as const;

interface TopUpValues {
  amount: string;
  method: GatewayMethod;
}

function TopUpCard() {
  const { t } = useTranslation();
  const lang = useLang();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const errorText = useErrorText();
  const idem = useIdempotencyKey();
  const [form] = Form.useForm<TopUpValues>();
  const [error, setError] = useState<unknown>(null);
  const topUp = useMutation({
    mutationFn: (input: { amountFen: number; paymentMethod: GatewayMethod }) =>
      api.topUp(input, idem.keyFor(input)),
    onSuccess: (order) => {
      idem.settle();
      invalidateMoney(qc);
      if (order.payment.payUrl) goToPayUrl(navigate, order.payment.payUrl);
      else void navigate(orderPath(order.id)); // gateway unreachable just now: retry from the order
    },
    onError: (err) => {
      idem.settle(err);
      const attached = applyServerErrors(form, err, lang, [['amount']], { amountFen: ['amount'] });
      setError(attached ? null : err);
    },
  });
  const onFinish = (v: TopUpValues) => {
    setError(null);
    const parsed = parseYuanToFen(v.amount);
    if (!parsed.ok) return;
    topUp.mutate({ amountFen: parsed.fen, paymentMethod: v.method });
  };
  return (
    <Card title={t('wallet.topUp')} data-testid="topup-card">
      <Form<TopUpValues>
        form={form}
        layout="vertical"
        initialValues={{ method: 'WECHAT' }}
        onFinish={onFinish}
        onValuesChange={() => setError(null)}
        requiredMark={false}
      >
        <Form.Item
          name="amount"
          label={t('wallet.amount')}
          extra={t('wallet.amountHint')}
          rules={[
            {
              validator: (_, value: string | undefined) => {
                const r = parseYuanToFen(value ?? '');
                if (r.ok)
                  return r.fen > 0
                    ? Promise.resolve()
                    : Promise.reject(new Error(t('wallet.amountPositive')));
                const msg =
                  r.error === 'empty'
                    ? t('wallet.amountRequired')
                    : r.error === 'decimals'
                      ? t('merchant.validation.amountDecimals')
                      : r.error === 'tooLarge'
                        ? t('merchant.validation.amountTooLarge')
                        : t('merchant.validation.amountInvalid');
                return Promise.reject(new Error(msg));
              },
            },
          ]}
        >
          <Input
            id="topup-amount"
            data-testid="topup-amount"
            inputMode="decimal"
            prefix="¥"
            suffix={t('common.yuanSuffix')}
            placeholder="100.00"
            style={{ maxWidth: 240 }}
          />
        </Form.Item>
        <Form.Item name="method" label={t('checkout.method')}>
          <Radio.Group>
            <Radio value="WECHAT" data-testid="topup-method-WECHAT">
              {t('payMethod.WECHAT')}
            </Radio>
            <Radio value="ALIPAY" data-testid="topup-method-ALIPAY">
              {t('payMethod.ALIPAY')}
            </Radio>
          </Radio.Group>
        </Form.Item>
        {error !== null && (
          <Alert
            type="error"
            showIcon
            title={errorText(error)}
            data-testid="topup-error"
            style={{ marginBottom: 16 }}
          />
        )}
        <Button type="primary" htmlType="submit" loading={topUp.isPending} data-testid="topup-submit">
          {t('wallet.topUpSubmit')}
        </Button>
      </Form>
    </Card>
  );
}

function WalletView() {
  const { t } = useTranslation();
  const lang = useLang();
  // a top-up waiting for its (asynchronous) payment notification: keep the balance fresh meanwhile
  const pending = useQuery({
    queryKey: ordersListKey(PENDING_TOPUPS),
    queryFn: () => api.orders(PENDING_TOPUPS, undefined, 5),
    staleTime: 0,
    refetchInterval: (q) => ((q.state.data?.items.length ?? 0) > 0 ? 2000 : false),
  });
  const waiting = pending.data?.items.length ?? 0;
  const wallet = useQuery({
    queryKey: WALLET_KEY,
    queryFn: api.wallet,
    staleTime: 0,
    refetchInterval: waiting > 0 ? 2000 : false,
  });
  // When a waiting top-up is paid, the pending list shrinks: read the balance once more, or the
  // last poll (taken just before the payment landed) would stay on screen.
  const { refetch: refetchWallet } = wallet;
  useEffect(() => {
    if (pending.isSuccess) void refetchWallet();
  }, [waiting, pending.isSuccess, refetchWallet]);
  const columns: TableColumnsType<WalletEntry> = [
    { key: 'at', title: t('wallet.time'), render: (_, e) => formatTime(e.at, lang, true) },
    {
      key: 'kind',
      title: t('wallet.kind'),
      render: (_, e) => (isLedgerKind(e.kind) ? t(`ledgerKind.${e.kind}`) : e.kind),
    },
    {
      key: 'amount',
      title: t('order.amount'),
      align: 'right',
      render: (_, e) => (
        <Typography.Text
          type={e.amountFen >= 0 ? 'success' : 'danger'}
          strong
          data-testid="wallet-entry-amount"
        >
          {e.amountFen > 0 ? '+' : ''}
          {formatFen(e.amountFen)}
        </Typography.Text>
      ),
    },
    {
      key: 'order',
      title: t('orders.orderNo'),
      render: (_, e) => (e.orderId ? <Link to={orderPath(e.orderId)}>{e.orderNo ?? e.orderId}</Link> : '—'),
    },
  ];
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} lg={14}>
        <Card title={t('wallet.overview')}>
          {wallet.isPending ? (
            <Loading />
          ) : wallet.isError ? (
            <ErrorResult error={wallet.error} onRetry={() => void wallet.refetch()} />
          ) : (
            <Space orientation="vertical" size={16} style={{ width: '100%' }}>
              <Statistic
                title={t('wallet.balance')}
                value={formatFen(wallet.data.balanceFen)}
                styles={{ content: { color: '#d4380d', fontSize: 32 } }}
                data-testid="wallet-balance"
                data-fen={wallet.data.balanceFen}
              />
              <Typography.Text type="secondary" data-testid="wallet-balance-note">
                {t('wallet.balanceNote')}
              </Typography.Text>
              {waiting > 0 && (
                <Alert
                  type="info"
                  showIcon
                  data-testid="wallet-pending"
                  title={t('wallet.pendingTopUps', { count: waiting })}
                />
              )}
              <Typography.Title level={5} style={{ margin: 0 }}>
                {t('wallet.entries')}
              </Typography.Title>
              {wallet.data.entries.length === 0 ? (
                <EmptyState description={t('wallet.empty')} />
              ) : (
                <ResponsiveList<WalletEntry>
                  card={{ title: 'kind', extra: 'amount', testId: 'wallet-entry' }}
                  data-testid="wallet-entries"
                  rowKey={(e) => `${e.at}-${e.kind}-${e.orderId ?? ''}-${e.amountFen}`}
                  size="small"
                  dataSource={wallet.data.entries}
                  pagination={{ pageSize: 20, hideOnSinglePage: true }}
                  columns={columns}
                />
              )}
            </Space>
          )}
        </Card>
      </Col>
      <Col xs={24} lg={10}>
        <TopUpCard />
      </Col>
    </Row>
  );
}

/** /me/wallet (钱包): balance, movements and 充值. */
export default function WalletPage() {
  const { t } = useTranslation();
  return (
    <RequireUser buyer loginText={t('wallet.loginRequired')}>
      <Space orientation="vertical" size={16} style={{ width: '100%' }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('wallet.title')}
        </Typography.Title>
        <WalletView />
      </Space>
    </RequireUser>
  );
}
