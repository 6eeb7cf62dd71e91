import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  App as AntApp,
  Alert,
  Button,
  Card,
  Checkbox,
  Descriptions,
  Grid,
  Pagination,
  Popconfirm,
  Space,
  Table,
  Tag,
  Typography,
  type TableColumnsType,
} from 'antd';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { api } from '../../api';
import { isBuyer, useMe } from '../../auth';
import {
  Countdown,
  OrderKindTag,
  OrderStateTag,
  PaymentMethodText,
  PaymentStateTag,
  PayoutStateTag,
} from '../../components/orderTags';
import { PolicyPlain } from '../../components/PolicyPlain';
import { useErrorText } from '../../components/QueryState';
import { backFor } from '../../roleBack';
import { destinationText } from '../../destination';
import { RequireUser } from '../../components/RequireUser';
import { KeyStateTag, LevelTag, ProductTypeTag } from '../../components/tags';
import { formatDeadline, formatFen, formatTime } from '../../format';
import { useLang } from '../../i18n';
import {
  isKeyEventKind,
  type OrderDetail,
  type OrderPayout,
  type OrderState,
  type OrderUnit,
  type Unit,
} from '../../types';
import { ValidityText } from '../ProductList';
import { goToPayUrl, invalidateMoney, orderKey, UNITS_KEY, WALLET_KEY } from './orderQueries';
import { OrderGoods } from './OrderList';
import { RevealButton } from './RevealButton';
import { BulkReveal, canReveal } from './BulkReveal';
import { ActorText } from '../../components/ActorText';
import {
  AmountText,
  DetailFrame,
  EventTimeline,
  PayoutsTable,
  RecordTitle,
} from '../../components/RecordDetail';
import { AfterSalesButton } from '../aftersales/ApplyRefundDrawer';
import { OrderRefundsCard } from '../aftersales/OrderRefundsCard';
import { ConversationPanel } from '../conversations/ConversationPanel';

const ORDER_ACTIONS = [
  'order.created',
  'order.delivered',
  'order.expired',
  'order.cancelled',
  'order.refunded',
  'order.settled',
  'payment.paid',
  'payment.closed',
  'payout.created',
  'payout.processing',
  'payout.success',
  'payout.abnormal',
  'payout.closed',
  'membership.started',
  'ledger.posted',
  'conversation.message',
] as const;
type OrderAction = (typeof ORDER_ACTIONS)[number];
const isOrderAction = (a: string): a is OrderAction => (ORDER_ACTIONS as readonly string[]).includes(a);

/** The order's unit as RevealButton wants it (the policy bought under comes from the snapshot). */
function toUnit(order: OrderDetail, u: OrderUnit): Unit | null {
  if (!order.snapshot || !u.keyState) return null;
  const p = order.snapshot.policy;
  return {
    unitId: u.unitId,
    productId: order.productId ?? '',
    productName: order.productName ?? '',
    productType: order.snapshot.productType,
    state: u.keyState,
    serialMasked: u.serialMasked ?? '',
    deliveredAt: u.deliveredAt,
    firstRevealedAt: u.firstRevealedAt,
    activatedAt: u.activatedAt,
    reveals: u.events.filter((e) => e.kind === 'REVEALED').length,
    policy: {
      unactivatedRefund: p.unactivatedRefund,
      windowHours: p.windowHours,
      revealedRefund: p.revealedRefund,
      nonRefundable: p.nonRefundable,
      version: order.snapshot.policyVersion,
    },
  };
}

function UnitEvents({ unit }: { unit: OrderUnit }) {
  const { t } = useTranslation();
  return (
    <EventTimeline
      events={unit.events}
      testId="unit-events"
      render={(e) => (
        <span data-testid="unit-event" data-kind={e.kind}>
          {isKeyEventKind(e.kind) ? t(`keyEvent.${e.kind}`) : e.kind} ·{' '}
          <ActorText actor={e.actor} step={e.kind} />
        </span>
      )}
    />
  );
}

/** A unit as a card (phones): checkbox, masked serial, state, times, 查看卡密 — 40-px targets. */
function UnitCardItem({
  order,
  unit: u,
  checked,
  onCheck,
  buyer,
  onRevealed,
}: {
  order: OrderDetail;
  unit: OrderUnit;
  checked: boolean;
  onCheck: (on: boolean) => void;
  buyer: boolean;
  onRevealed: () => void;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const unit = toUnit(order, u);
  const revealable = canReveal(u);
  return (
    <div
      data-testid="unit-card"
      data-unit={u.unitId}
      style={{ border: '1px solid #f0f0f0', borderRadius: 8, padding: 12, minWidth: 0 }}
    >
      <div style={{ display: 'flex', alignItems: 'center', gap: 8, minWidth: 0 }}>
        {buyer && (
          <label
            style={{
              display: 'flex',
              alignItems: 'center',
              justifyContent: 'center',
              minWidth: 40,
              minHeight: 40,
            }}
          >
            <Checkbox
              checked={checked}
              disabled={!revealable}
              onChange={(e) => onCheck(e.target.checked)}
              aria-label={t('bulkReveal.select')}
              data-testid="unit-select"
            />
          </label>
        )}
        <Typography.Text code style={{ minWidth: 0, wordBreak: 'break-all', flex: 1 }}>
          {u.serialMasked ?? '—'}
        </Typography.Text>
        {u.keyState ? <KeyStateTag state={u.keyState} /> : '—'}
      </div>
      <Descriptions
        size="small"
        column={1}
        style={{ marginTop: 8 }}
        items={[
          { key: 'delivered', label: t('keys.deliveredAt'), children: formatTime(u.deliveredAt, lang) },
          {
            key: 'revealed',
            label: t('keys.firstRevealedAt'),
            children: formatTime(u.firstRevealedAt, lang),
          },
          ...(u.activatedAt
            ? [{ key: 'activated', label: t('keys.activatedAt'), children: formatTime(u.activatedAt, lang) }]
            : []),
        ]}
      />
      {buyer && unit && revealable && (
        <div style={{ marginTop: 8 }}>
          <RevealButton unit={unit} onRevealed={onRevealed} size="large" />
        </div>
      )}
      {u.events.length > 0 && (
        <details style={{ marginTop: 8 }}>
          <summary style={{ minHeight: 40, display: 'flex', alignItems: 'center', cursor: 'pointer' }}>
            {t('order.timeline')}
          </summary>
          <UnitEvents unit={u} />
        </details>
      )}
    </div>
  );
}

function UnitsCard({ order }: { order: OrderDetail }) {
  const { t } = useTranslation();
  const lang = useLang();
  const qc = useQueryClient();
  const phone = !Grid.useBreakpoint().md;
  // the merchant and support see the units too (from the conversation's link), but only the buyer reveals
  const buyer = isBuyer(useMe().user);
  const [selected, setSelected] = useState<string[]>([]);
  const [page, setPage] = useState(1);
  const revealed = () => {
    void qc.invalidateQueries({ queryKey: orderKey(order.id) });
    void qc.invalidateQueries({ queryKey: UNITS_KEY });
  };
  const columns: TableColumnsType<OrderUnit> = [
    {
      key: 'serial',
      title: t('myKeys.serial'),
      render: (_, u) => <Typography.Text code>{u.serialMasked ?? '—'}</Typography.Text>,
    },
    {
      key: 'state',
      title: t('keys.state'),
      render: (_, u) => (u.keyState ? <KeyStateTag state={u.keyState} /> : '—'),
    },
    { key: 'delivered', title: t('keys.deliveredAt'), render: (_, u) => formatTime(u.deliveredAt, lang) },
    {
      key: 'revealed',
      title: t('keys.firstRevealedAt'),
      render: (_, u) => formatTime(u.firstRevealedAt, lang),
    },
    { key: 'activated', title: t('keys.activatedAt'), render: (_, u) => formatTime(u.activatedAt, lang) },
    {
      key: 'actions',
      title: t('common.actions'),
      render: (_, u) => {
        const unit = toUnit(order, u);
        return buyer && unit && canReveal(u) ? <RevealButton unit={unit} onRevealed={revealed} /> : null;
      },
    },
  ];
  const PAGE = 20;
  const shown = order.units.slice((page - 1) * PAGE, page * PAGE);
  const toggle = (id: string, on: boolean) =>
    setSelected((s) => (on ? [...new Set([...s, id])] : s.filter((x) => x !== id)));
  return (
    <Card title={t('order.units', { count: order.units.length })}>
      {buyer && <BulkReveal order={order} selected={selected} onSelect={setSelected} onRevealed={revealed} />}
      {phone ? (
        <div data-testid="order-units">
          <Space orientation="vertical" size={8} style={{ width: '100%' }}>
            {shown.map((u) => (
              <UnitCardItem
                key={u.unitId}
                order={order}
                unit={u}
                checked={selected.includes(u.unitId)}
                onCheck={(on) => toggle(u.unitId, on)}
                buyer={buyer}
                onRevealed={revealed}
              />
            ))}
          </Space>
          {order.units.length > PAGE && (
            <Pagination
              simple
              style={{ marginTop: 12, textAlign: 'center' }}
              current={page}
              pageSize={PAGE}
              total={order.units.length}
              onChange={setPage}
            />
          )}
        </div>
      ) : (
        <Table<OrderUnit>
          data-testid="order-units"
          rowKey="unitId"
          size="middle"
          scroll={{ x: 900 }}
          dataSource={order.units}
          pagination={{ pageSize: PAGE, hideOnSinglePage: true, current: page, onChange: setPage }}
          columns={columns}
          rowSelection={
            buyer
              ? {
                  selectedRowKeys: selected,
                  preserveSelectedRowKeys: true,
                  onChange: (keys) => setSelected(keys.map(String)),
                  getCheckboxProps: (u) => ({ disabled: !canReveal(u) }),
                }
              : undefined
          }
          expandable={{
            expandedRowRender: (u) => <UnitEvents unit={u} />,
            rowExpandable: (u) => u.events.length > 0,
          }}
        />
      )}
      <Typography.Text type="secondary">{t('order.unitsHint')}</Typography.Text>
    </Card>
  );
}

function SnapshotCard({ order }: { order: OrderDetail }) {
  const { t } = useTranslation();
  const s = order.snapshot;
  if (!s) return null;
  return (
    <Card title={t('order.snapshot')} data-testid="order-snapshot">
      <Descriptions
        size="small"
        column={{ xs: 1, sm: 2 }}
        items={[
          {
            key: 'goods',
            label: t('orders.goods'),
            children: (
              <Space size={4} wrap>
                {order.productId ? (
                  <Link to={`/products/${encodeURIComponent(order.productId)}`}>{order.productName}</Link>
                ) : (
                  order.productName
                )}
                <ProductTypeTag type={s.productType} />
              </Space>
            ),
          },
          { key: 'merchant', label: t('product.merchant'), children: order.merchantName ?? '—' },
          {
            key: 'face',
            label: t('product.faceValue'),
            children: <span data-testid="order-face-value">{formatFen(s.faceValueFen)}</span>,
          },
          { key: 'validity', label: t('product.validity'), children: <ValidityText days={s.validityDays} /> },
          {
            key: 'price',
            label: t('order.unitPrice'),
            children: (
              <Space size={4} wrap>
                <span data-testid="order-unit-price">{formatFen(order.unitPriceFen)}</span>
                <LevelTag level={order.buyerLevel} />
                {order.memberPrice && (
                  <Tag color="red" data-testid="member-price-tag">
                    {t('order.memberPrice')}
                  </Tag>
                )}
              </Space>
            ),
          },
          { key: 'qty', label: t('orders.quantity'), children: order.quantity },
        ]}
      />
      <Typography.Title level={5}>{t('order.policyAtPurchase')}</Typography.Title>
      <PolicyPlain
        policy={s.policy}
        textHash={s.policyTextHash}
        confirmedAt={s.policyConfirmedAt}
        testId="order-policy"
      />
    </Card>
  );
}

function PaymentCard({ order }: { order: OrderDetail }) {
  const { t } = useTranslation();
  const lang = useLang();
  const p = order.payment;
  const phone = !Grid.useBreakpoint().md;
  const payoutColumns: TableColumnsType<OrderPayout> = [
    { key: 'purpose', title: t('order.payoutPurpose'), render: (_, x) => t(`payoutPurpose.${x.purpose}`) },
    { key: 'amount', title: t('order.amount'), align: 'right', render: (_, x) => formatFen(x.amountFen) },
    { key: 'state', title: t('orders.state'), render: (_, x) => <PayoutStateTag state={x.state} /> },
    { key: 'dest', title: t('order.destination'), render: (_, x) => destinationText(x.destination, lang) },
    {
      key: 'expected',
      title: t('order.expectedArrival'),
      render: (_, x) => formatDeadline(x.expectedArrivalAt, lang),
    },
    { key: 'finished', title: t('order.finishedAt'), render: (_, x) => formatTime(x.finishedAt, lang) },
  ];
  return (
    <Card title={t('order.payment')} data-testid="order-payment">
      <Descriptions
        size="small"
        column={{ xs: 1, sm: 2 }}
        items={[
          { key: 'method', label: t('orders.method'), children: <PaymentMethodText method={p.method} /> },
          { key: 'state', label: t('orders.state'), children: <PaymentStateTag state={p.state} /> },
          { key: 'amount', label: t('order.amount'), children: formatFen(p.amountFen) },
          { key: 'paidAt', label: t('order.paidAt'), children: formatTime(p.paidAt, lang, true) },
          ...(p.providerTradeNo
            ? [{ key: 'trade', label: t('order.providerTradeNo'), children: p.providerTradeNo }]
            : []),
        ]}
      />
      {order.payouts.length > 0 && (
        <>
          <Typography.Title level={5}>{t('order.payouts')}</Typography.Title>
          {phone ? (
            // phones: one card per payout instead of a six-column table
            <Space orientation="vertical" size={8} style={{ width: '100%' }} data-testid="order-payouts">
              {order.payouts.map((x) => (
                <Descriptions
                  key={x.id}
                  size="small"
                  bordered
                  column={1}
                  items={payoutColumns.map((c) => ({
                    key: String(c.key),
                    label: c.title as ReactNode,
                    children: c.render ? (c.render(undefined, x, 0) as ReactNode) : null,
                  }))}
                />
              ))}
            </Space>
          ) : (
            <PayoutsTable payouts={order.payouts} columns={payoutColumns} testId="order-payouts" />
          )}
        </>
      )}
    </Card>
  );
}

function OrderTimelineCard({ order }: { order: OrderDetail }) {
  const { t } = useTranslation();
  return (
    <Card title={t('order.timeline')}>
      <EventTimeline
        events={order.timeline}
        testId="order-timeline"
        render={(e) => (
          <span data-testid="order-timeline-entry" data-action={e.action}>
            {isOrderAction(e.action) ? t(`orderAction.${e.action}`) : e.action} ·{' '}
            <ActorText actor={e.actor} step={e.action} />
          </span>
        )}
      />
    </Card>
  );
}

/** Countdown, 去支付 (pay URL, or ask for one again) and 取消订单 for an unpaid order. */
function PendingActions({ order }: { order: OrderDetail }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const { message } = AntApp.useApp();
  const errorText = useErrorText();
  const pay = useMutation({
    mutationFn: () => api.payOrder(order.id),
    onSuccess: (o) => {
      qc.setQueryData(orderKey(order.id), o);
      if (o.payment.payUrl) goToPayUrl(navigate, o.payment.payUrl);
      else void message.error(t('order.noPayUrl'));
    },
    onError: (err) => void message.error(errorText(err)),
  });
  const cancel = useMutation({
    mutationFn: () => api.cancelOrder(order.id),
    onSuccess: (o) => {
      qc.setQueryData(orderKey(order.id), o);
      invalidateMoney(qc);
      void message.success(t('order.cancelled'));
    },
    onError: (err) => {
      void message.error(errorText(err));
      void qc.invalidateQueries({ queryKey: orderKey(order.id) });
    },
  });
  const onPay = () => {
    if (order.payment.payUrl) goToPayUrl(navigate, order.payment.payUrl);
    else pay.mutate();
  };
  return (
    <Alert
      type="warning"
      showIcon
      data-testid="order-pending"
      title={
        <Space wrap>
          <span>{t('order.pendingTitle')}</span>
          {order.expiresAt && <Countdown to={order.expiresAt} testId="order-countdown" />}
        </Space>
      }
      description={order.paymentMethod === 'BALANCE' ? undefined : t('order.pendingHint')}
      action={
        <Space>
          <Button type="primary" onClick={onPay} loading={pay.isPending} data-testid="order-pay">
            {t('order.pay')}
          </Button>
          <Popconfirm
            title={t('order.cancelConfirm')}
            okText={t('order.cancel')}
            cancelText={t('common.back')}
            onConfirm={() => cancel.mutate()}
            okButtonProps={{ danger: true }}
          >
            <Button danger loading={cancel.isPending} data-testid="order-cancel">
              {t('order.cancel')}
            </Button>
          </Popconfirm>
        </Space>
      }
    />
  );
}

function OrderView({ order }: { order: OrderDetail }) {
  const { t } = useTranslation();
  const lang = useLang();
  const buyer = isBuyer(useMe().user);
  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Card
        data-testid="order-header"
        title={
          <RecordTitle title={t('order.title')} no={order.orderNo} testId="order-no">
            <OrderStateTag state={order.state} />
            <OrderKindTag kind={order.kind} />
          </RecordTitle>
        }
        extra={
          buyer &&
          order.kind === 'GOODS' &&
          order.state === 'DELIVERED' &&
          order.paymentMethod !== 'CHANNEL' ? (
            <AfterSalesButton order={order} />
          ) : undefined
        }
      >
        <Space orientation="vertical" size={12} style={{ width: '100%' }}>
          {order.state === 'PENDING_PAYMENT' && <PendingActions order={order} />}
          <Descriptions
            size="small"
            column={{ xs: 1, sm: 2, lg: 3 }}
            items={[
              { key: 'goods', label: t('orders.goods'), children: <OrderGoods order={order} /> },
              {
                key: 'total',
                label: t('orders.total'),
                children: <AmountText fen={order.totalFen} testId="order-total" />,
              },
              {
                key: 'method',
                label: t('orders.method'),
                children: <PaymentMethodText method={order.paymentMethod} />,
              },
              {
                key: 'created',
                label: t('common.createdAt'),
                children: formatTime(order.createdAt, lang, true),
              },
              { key: 'paid', label: t('order.paidAt'), children: formatTime(order.paidAt, lang, true) },
              {
                key: 'delivered',
                label: t('order.deliveredAt'),
                children: formatTime(order.deliveredAt, lang, true),
              },
              ...(order.kind === 'MEMBERSHIP' && order.membershipTermDays !== null
                ? [
                    {
                      key: 'term',
                      label: t('membership.term'),
                      children: t('membership.termDays', { count: order.membershipTermDays }),
                    },
                  ]
                : []),
            ]}
          />
        </Space>
      </Card>
      {order.kind === 'GOODS' && <ConversationPanel orderId={order.id} />}
      {order.kind === 'GOODS' && <OrderRefundsCard order={order} />}
      <SnapshotCard order={order} />
      {order.kind === 'GOODS' && order.units.length > 0 && <UnitsCard order={order} />}
      <PaymentCard order={order} />
      <OrderTimelineCard order={order} />
    </Space>
  );
}

function OrderDetailView() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const qc = useQueryClient();
  const query = useQuery({
    queryKey: orderKey(id),
    queryFn: () => api.order(id),
    enabled: id !== '',
    staleTime: 0,
    // payment arrives asynchronously (gateway notification): poll while it is awaited
    refetchInterval: (q) => (q.state.data?.state === 'PENDING_PAYMENT' ? 2000 : false),
  });
  // once the payment has landed, balances and lists elsewhere are stale too
  const state = query.data?.state;
  const previous = useRef<OrderState | undefined>(undefined);
  useEffect(() => {
    if (previous.current === 'PENDING_PAYMENT' && state !== undefined && state !== 'PENDING_PAYMENT') {
      void qc.invalidateQueries({ queryKey: WALLET_KEY });
      void qc.invalidateQueries({ queryKey: ['orders', 'list'] });
      void qc.invalidateQueries({ queryKey: UNITS_KEY });
    }
    previous.current = state;
  }, [state, qc]);
  // /orders/:id is also the merchant's and support's way in (conversation notifications)
  const { user } = useMe();
  const back = backFor(user, 'order');
  const [backTo, backLabel] = [back.to, t(back.labelKey)];
  return (
    <DetailFrame
      query={query}
      back={{ to: backTo, label: backLabel, testId: 'order-back' }}
      notFound={t('order.notFound')}
      backButton={isBuyer(user) ? t('orders.backToList') : backLabel}
      backOnError
    >
      {(order) => <OrderView order={order} />}
    </DetailFrame>
  );
}

/** /me/orders/:id (订单详情), and /orders/:id for anyone who may see the order (its conversation's link). */
export default function OrderDetailPage() {
  const { t } = useTranslation();
  return (
    <RequireUser loginText={t('orders.loginRequired')}>
      <OrderDetailView />
    </RequireUser>
  );
}
