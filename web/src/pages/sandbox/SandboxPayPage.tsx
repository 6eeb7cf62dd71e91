import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, ConfigProvider, Flex, Radio, Result, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { ApiError, api } from '../../api';
import { useMe } from '../../auth';
import { formatRemaining, useNow } from '../../components/orderTags';
import { ErrorResult, Loading, useErrorText } from '../../components/QueryState';
import { formatFen, formatTime } from '../../format';
import { useLang } from '../../i18n';
import type { GatewayMethod, SandboxPayment } from '../../types';
import { invalidateMoney } from '../buyer/orderQueries';

const BRAND: Record<GatewayMethod, { color: string; soft: string }> = {
  WECHAT: { color: '#07c160', soft: '#f0fbf4' },
  ALIPAY: { color: '#1677ff', soft: '#f0f6ff' },
};

const paymentKey = (id: string) => ['sandbox', 'payment', id] as const;

/** Where to go after paying: back into Kameng (the buyer's orders and wallet). */
function BackLinks() {
  const { t } = useTranslation();
  const { user } = useMe();
  if (!user) return null;
  return (
    <Space wrap>
      <Link to="/me/orders" data-testid="cashier-back-orders">
        <Button type="primary">{t('cashier.backToOrders')}</Button>
      </Link>
      <Link to="/me/wallet" data-testid="cashier-back-wallet">
        <Button>{t('cashier.backToWallet')}</Button>
      </Link>
    </Space>
  );
}

function CashierBody({ payment }: { payment: SandboxPayment }) {
  const { t } = useTranslation();
  const lang = useLang();
  const qc = useQueryClient();
  const errorText = useErrorText();
  const now = useNow();
  const [payerId, setPayerId] = useState<string | undefined>(payment.payers[0]?.id);
  const left = new Date(payment.expiresAt).getTime() - now;
  const expired = payment.state === 'NOTPAY' && (!payment.payable || left <= 0);

  const pay = useMutation({
    mutationFn: (id: string) => api.sandboxPay(payment.id, id),
    onSuccess: (p) => {
      qc.setQueryData(paymentKey(payment.id), p);
      // the merchant (Kameng) hears of it through the asynchronous notification; refresh its views
      invalidateMoney(qc);
    },
    onError: (err) => {
      if (err instanceof ApiError && err.status === 409)
        void qc.invalidateQueries({ queryKey: paymentKey(payment.id) });
    },
  });

  if (payment.state === 'SUCCESS') {
    const justPaid = pay.isSuccess;
    return (
      <Result
        status="success"
        data-testid={justPaid ? 'cashier-success' : 'cashier-already-paid'}
        title={justPaid ? t('cashier.paid') : t('cashier.alreadyPaid')}
        subTitle={
          <Space orientation="vertical" size={2}>
            <span>{formatFen(payment.amountFen)}</span>
            {payment.paidAt && (
              <span>
                {t('cashier.paidAt')}: {formatTime(payment.paidAt, lang, true)}
              </span>
            )}
            <span>{t('cashier.asyncNote')}</span>
          </Space>
        }
        extra={<BackLinks />}
      />
    );
  }
  // A late payer (延迟到账) confirmed: the money lands after the trade's expiry, closed or not.
  if (payment.payerId !== null) {
    return (
      <Result
        status="info"
        data-testid="cashier-on-its-way"
        title={t('cashier.onItsWay')}
        subTitle={t('cashier.onItsWayHint')}
        extra={<BackLinks />}
      />
    );
  }
  if (payment.state === 'CLOSED' || expired) {
    return (
      <Result
        status="warning"
        data-testid={payment.state === 'CLOSED' ? 'cashier-closed' : 'cashier-expired'}
        title={payment.state === 'CLOSED' ? t('cashier.closed') : t('cashier.expired')}
        subTitle={t('cashier.closedHint')}
        extra={<BackLinks />}
      />
    );
  }

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Flex vertical align="center" gap={4}>
        <Typography.Text type="secondary" data-testid="cashier-description">
          {payment.description}
        </Typography.Text>
        <Typography.Text
          strong
          style={{ fontSize: 36 }}
          data-testid="cashier-amount"
          data-fen={payment.amountFen}
        >
          {formatFen(payment.amountFen)}
        </Typography.Text>
        <Typography.Text type="warning" data-testid="cashier-countdown">
          {t('cashier.countdown', { time: formatRemaining(left) })}
        </Typography.Text>
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t('cashier.tradeNo')}: {payment.outTradeNo}
        </Typography.Text>
      </Flex>
      <div>
        <Typography.Text strong>{t('cashier.choosePayer')}</Typography.Text>
        <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
          {t('cashier.payerHint')}
        </Typography.Paragraph>
        <Radio.Group
          value={payerId}
          onChange={(e) => setPayerId(String(e.target.value))}
          style={{ display: 'flex', flexDirection: 'column', gap: 8, width: '100%' }}
        >
          {payment.payers.map((p) => (
            <Card
              key={p.id}
              size="small"
              hoverable
              onClick={() => setPayerId(p.id)}
              style={{ borderColor: p.id === payerId ? BRAND[payment.method].color : undefined }}
              data-testid="cashier-payer"
              data-payer-id={p.id}
            >
              <Radio value={p.id} data-testid={`cashier-payer-${p.id}`}>
                <Space orientation="vertical" size={0}>
                  <Typography.Text strong>{p.name[lang]}</Typography.Text>
                  <Typography.Text type="secondary">
                    {t('cashier.destination')}: {p.destination}
                  </Typography.Text>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {p.notes[lang]}
                  </Typography.Text>
                </Space>
              </Radio>
            </Card>
          ))}
        </Radio.Group>
      </div>
      {pay.isError && (
        <Alert type="error" showIcon data-testid="cashier-error" title={errorText(pay.error)} />
      )}
      <Button
        type="primary"
        size="large"
        block
        disabled={!payerId}
        loading={pay.isPending}
        onClick={() => payerId && pay.mutate(payerId)}
        data-testid="cashier-pay"
      >
        {t('cashier.pay', { amount: formatFen(payment.amountFen) })}
      </Button>
    </Space>
  );
}

/** /sandbox/pay/:id — the sandbox's WeChat Pay / Alipay cashier (public, like the real ones). */
export default function SandboxPayPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const query = useQuery({
    queryKey: paymentKey(id),
    queryFn: () => api.sandboxPayment(id),
    enabled: id !== '',
    staleTime: 0,
  });
  const method: GatewayMethod = query.data?.method ?? 'WECHAT';
  const brand = BRAND[method];
  return (
    <Flex justify="center">
      <Card
        style={{ width: 520, maxWidth: '100%', overflow: 'hidden' }}
        styles={{ header: { background: brand.color }, body: { background: brand.soft } }}
        data-testid="cashier"
        data-method={query.data?.method ?? ''}
        title={
          <Flex justify="space-between" align="center">
            <Typography.Text strong style={{ color: '#fff', fontSize: 18 }} data-testid="cashier-brand">
              {query.data ? t(`cashier.brand.${query.data.method}`) : t('cashier.title')}
            </Typography.Text>
            <Tag color="#fa541c" data-testid="sandbox-label" style={{ marginInlineEnd: 0 }}>
              {t('cashier.sandbox')}
            </Tag>
          </Flex>
        }
      >
        <Alert type="warning" showIcon title={t('cashier.sandboxNote')} style={{ marginBottom: 16 }} />
        {query.isPending ? (
          <Loading />
        ) : query.isError ? (
          query.error instanceof ApiError && (query.error.status === 404 || query.error.status === 400) ? (
            <Result status="404" title={t('cashier.notFound')} data-testid="cashier-not-found" />
          ) : (
            <ErrorResult error={query.error} onRetry={() => void query.refetch()} />
          )
        ) : (
          // the provider's colours inside its cashier (radio, links), not Kameng's
          <ConfigProvider theme={{ token: { colorPrimary: brand.color } }}>
            <CashierBody payment={query.data} />
          </ConfigProvider>
        )}
      </Card>
    </Flex>
  );
}
