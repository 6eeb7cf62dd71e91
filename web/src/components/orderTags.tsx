import { Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OrderKind, OrderState, PaymentMethod, PaymentState, PayoutState } from '../types';
import { serverNow } from '../serverClock';

const ORDER_STATE_COLOR: Record<OrderState, string> = {
  PENDING_PAYMENT: 'gold',
  DELIVERED: 'green',
  EXPIRED: 'default',
  CANCELLED: 'default',
  REFUNDED: 'purple',
};

/** 待支付 / 已发货 / …; `data-state` carries the code. */
export function OrderStateTag({ state }: { state: OrderState }) {
  const { t } = useTranslation();
  return (
    <Tag color={ORDER_STATE_COLOR[state]} data-state={state} data-testid="order-state">
      {t(`orderState.${state}`)}
    </Tag>
  );
}

const KIND_COLOR: Record<OrderKind, string> = { GOODS: 'geekblue', MEMBERSHIP: 'volcano', TOPUP: 'cyan' };

export function OrderKindTag({ kind }: { kind: OrderKind }) {
  const { t } = useTranslation();
  return (
    <Tag color={KIND_COLOR[kind]} data-kind={kind}>
      {t(`orderKind.${kind}`)}
    </Tag>
  );
}

export function PaymentMethodText({ method }: { method: PaymentMethod }) {
  const { t } = useTranslation();
  return <span data-method={method}>{t(`payMethod.${method}`)}</span>;
}

const PAYMENT_STATE_COLOR: Record<PaymentState, string> = {
  PENDING: 'gold',
  PAID: 'green',
  CLOSED: 'default',
};

export function PaymentStateTag({ state }: { state: PaymentState }) {
  const { t } = useTranslation();
  return (
    <Tag color={PAYMENT_STATE_COLOR[state]} data-state={state} data-testid="payment-state">
      {t(`paymentState.${state}`)}
    </Tag>
  );
}

const PAYOUT_STATE_COLOR: Record<PayoutState, string> = {
  PENDING: 'gold',
  PROCESSING: 'processing',
  SUCCESS: 'green',
  ABNORMAL: 'red',
  CLOSED: 'default',
};

export function PayoutStateTag({ state }: { state: PayoutState }) {
  const { t } = useTranslation();
  return (
    <Tag color={PAYOUT_STATE_COLOR[state]} data-state={state} data-testid="payout-state">
      {t(`payoutState.${state}`)}
    </Tag>
  );
}

/** Current time on the server's clock (it sets the deadlines), re-rendering every `intervalMs`. */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => serverNow());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(serverNow()), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/** Milliseconds left -> 'mm:ss' (or 'h:mm:ss'). */
export function formatRemaining(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mmss = `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}

/** Time left to pay, counting down each second; 已超时 once past. */
export function Countdown({ to, testId = 'countdown' }: { to: string; testId?: string }) {
  const { t } = useTranslation();
  const now = useNow();
  const left = new Date(to).getTime() - now;
  if (Number.isNaN(left)) return null;
  return (
    <Typography.Text
      strong
      type={left <= 60_000 ? 'danger' : 'warning'}
      data-testid={testId}
      data-expired={left <= 0 ? 'true' : 'false'}
    >
      {left <= 0 ? t('order.payExpired') : t('order.payWithin', { time: formatRemaining(left) })}
    </Typography.Text>
  );
}
