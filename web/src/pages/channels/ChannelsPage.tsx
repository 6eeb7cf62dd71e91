import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App as AntApp,
  Button,
  Card,
  Descriptions,
  Flex,
  Form,
  Grid,
  Input,
  List,
  Popconfirm,
  Radio,
  Select,
  Space,
  Table,
  Tabs,
  Tag,
  Typography,
  type ButtonProps,
  type TableColumnsType,
} from 'antd';
import { useState, type HTMLAttributes } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../../api';
import { EmptyState, ErrorAlert, ErrorResult, Loading, useErrorText } from '../../components/QueryState';
import { RequireUser } from '../../components/RequireUser';
import { applyServerErrors } from '../../forms';
import { formatFen, formatTime } from '../../format';
import { useLang } from '../../i18n';
import type { RefundState } from '../../types';
import { RefundStateTag } from '../aftersales/RefundTags';
import { PRODUCTS_KEY } from '../merchant/queries';
import {
  CHANNEL_KIND_LIST,
  channelsApi,
  SHOPS_KEY,
  shopItemsKey,
  shopOrdersKey,
  type ChannelKind,
  type ChannelOrder,
  type ChannelRefund,
  type ChannelShop,
  type ConnectShopInput,
  type ItemMappingInput,
} from './api';

type RowProps = HTMLAttributes<HTMLElement> & Record<`data-${string}`, string>;
const DISCONNECT_OK: ButtonProps & { 'data-testid': string } = {
  danger: true,
  'data-testid': 'channel-shop-disconnect-ok',
};

const CHANNEL_COLOR: Record<ChannelKind, string> = { TAOBAO: 'orange', PDD: 'red', XIANYU: 'gold' };

export function ChannelTag({ channel }: { channel: ChannelKind }) {
  const { t } = useTranslation();
  return (
    <Tag color={CHANNEL_COLOR[channel]} data-channel={channel}>
      {t(`channels.kind.${channel}`)}
    </Tag>
  );
}

const REFUND_STATES: readonly string[] = [
  'PENDING_REVIEW',
  'SUPPORT_REVIEW',
  'AWAITING_BUYER',
  'APPROVED',
  'REFUNDING',
  'REFUNDED',
  'REFUND_ABNORMAL',
  'REJECTED',
  'DISPUTED',
  'CANCELLED',
  'CLOSED',
] satisfies readonly RefundState[];
const isRefundState = (s: string | null): s is RefundState => s !== null && REFUND_STATES.includes(s);

/** Request states in which the merchant still has a decision to make on the Kameng side. */
const MERCHANT_TO_DECIDE: readonly string[] = ['PENDING_REVIEW'];

interface ConnectForm {
  channel: ChannelKind;
  appKey: string;
  appSecret: string;
  sessionKey?: string;
}

const CONNECT_FIELDS = [['channel'], ['appKey'], ['appSecret'], ['sessionKey']];

function ConnectCard() {
  const { t } = useTranslation();
  const lang = useLang();
  const qc = useQueryClient();
  const { message } = AntApp.useApp();
  const errorText = useErrorText();
  const [form] = Form.useForm<ConnectForm>();
  const channel = Form.useWatch('channel', form) ?? 'TAOBAO';
  const [error, setError] = useState<unknown>(null);
  const connect = useMutation({
    mutationFn: (input: ConnectShopInput) => channelsApi.connect(input),
    onMutate: () => setError(null),
    onSuccess: (shop) => {
      void message.success(t('channels.connect.success', { name: shop.name }));
      form.resetFields(['appKey', 'appSecret', 'sessionKey']);
      void qc.invalidateQueries({ queryKey: SHOPS_KEY });
    },
    onError: (err) => {
      if (!applyServerErrors(form, err, lang, CONNECT_FIELDS)) setError(err);
    },
  });
  const onFinish = (v: ConnectForm) =>
    connect.mutate({
      channel: v.channel,
      appKey: v.appKey.trim(),
      appSecret: v.appSecret.trim(),
      sessionKey: v.channel === 'XIANYU' ? null : (v.sessionKey ?? '').trim(),
    });
  const length = (min: number, max: number, msg: string) => ({
    validator: (_: unknown, value: string | undefined) => {
      const n = (value ?? '').trim().length;
      return n === 0 || (n >= min && n <= max) ? Promise.resolve() : Promise.reject(new Error(msg));
    },
  });
  return (
    <Card title={t('channels.connect.title')} data-testid="channel-connect">
      {/* the API's own words: a 409 here is "connected by another merchant", not a stale edit */}
      {error !== null && (
        <Alert
          type="error"
          showIcon
          data-testid="channel-connect-error"
          title={errorText(error)}
          style={{ marginBottom: 16 }}
        />
      )}
      <Form<ConnectForm>
        form={form}
        layout="vertical"
        initialValues={{ channel: 'TAOBAO' }}
        onFinish={onFinish}
        style={{ maxWidth: 560 }}
        data-testid="channel-connect-form"
      >
        <Form.Item name="channel" label={t('channels.connect.channel')}>
          <Radio.Group optionType="button" buttonStyle="solid" data-testid="channel-connect-channel">
            {CHANNEL_KIND_LIST.map((c) => (
              <Radio.Button key={c} value={c}>
                <span data-testid={`channel-option-${c}`}>{t(`channels.kind.${c}`)}</span>
              </Radio.Button>
            ))}
          </Radio.Group>
        </Form.Item>
        <Form.Item
          name="appKey"
          label={t('channels.connect.appKey')}
          rules={[
            { required: true, whitespace: true, message: t('channels.connect.appKeyRequired') },
            length(4, 64, t('channels.connect.appKeyLength')),
          ]}
        >
          <Input autoComplete="off" spellCheck={false} data-testid="channel-app-key" />
        </Form.Item>
        <Form.Item
          name="appSecret"
          label={t('channels.connect.appSecret')}
          rules={[
            { required: true, whitespace: true, message: t('channels.connect.appSecretRequired') },
            length(8, 128, t('channels.connect.appSecretLength')),
          ]}
        >
          <Input.Password autoComplete="new-password" spellCheck={false} data-testid="channel-app-secret" />
        </Form.Item>
        {channel === 'XIANYU' ? (
          <Typography.Paragraph type="secondary">
            {t('channels.connect.xianyuNoSession')}
          </Typography.Paragraph>
        ) : (
          <Form.Item
            name="sessionKey"
            label={t('channels.connect.sessionKey')}
            extra={t(`channels.connect.sessionKeyHelp.${channel}`)}
            rules={[
              { required: true, whitespace: true, message: t('channels.connect.sessionKeyRequired') },
              length(4, 256, t('channels.connect.sessionKeyLength')),
            ]}
          >
            <Input.Password
              autoComplete="new-password"
              spellCheck={false}
              data-testid="channel-session-key"
            />
          </Form.Item>
        )}
        <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
          {t('channels.connect.secretNote')}
        </Typography.Paragraph>
        <Button
          type="primary"
          htmlType="submit"
          loading={connect.isPending}
          data-testid="channel-connect-submit"
        >
          {t('channels.connect.submit')}
        </Button>
      </Form>
    </Card>
  );
}

function ItemMappings({ shop }: { shop: ChannelShop }) {
  const { t } = useTranslation();
  const lang = useLang();
  const qc = useQueryClient();
  const { message } = AntApp.useApp();
  const errorText = useErrorText();
  const [form] = Form.useForm<ItemMappingInput>();
  const [error, setError] = useState<unknown>(null);
  const items = useQuery({ queryKey: shopItemsKey(shop.id), queryFn: () => channelsApi.items(shop.id) });
  const products = useQuery({ queryKey: PRODUCTS_KEY, queryFn: api.merchantProducts });
  const map = useMutation({
    mutationFn: (input: ItemMappingInput) => channelsApi.mapItem(shop.id, input),
    onMutate: () => setError(null),
    onSuccess: (_, input) => {
      void message.success(t('channels.items.saved', { item: input.channelItemId }));
      form.resetFields();
      void qc.invalidateQueries({ queryKey: shopItemsKey(shop.id) });
    },
    onError: (err) => {
      if (!applyServerErrors(form, err, lang, [['channelItemId'], ['productId']])) setError(err);
    },
  });
  const unmap = useMutation({
    mutationFn: (itemId: string) => channelsApi.unmapItem(shop.id, itemId),
    onSuccess: () => {
      void message.success(t('channels.items.removed'));
      void qc.invalidateQueries({ queryKey: shopItemsKey(shop.id) });
    },
    onError: (err) => void message.error(errorText(err)),
  });
  const options = (products.data?.items ?? [])
    .filter((p) => p.status !== 'DRAFT')
    .map((p) => ({ value: p.id, label: p.name }));
  return (
    <Space orientation="vertical" size={12} style={{ width: '100%' }}>
      <Typography.Text type="secondary">{t('channels.items.intro')}</Typography.Text>
      <ErrorAlert error={error} />
      <Form<ItemMappingInput>
        form={form}
        layout="vertical"
        onFinish={(v) => map.mutate({ channelItemId: v.channelItemId.trim(), productId: v.productId })}
        data-testid="channel-item-form"
      >
        <Flex gap={12} wrap align="flex-end">
          <Form.Item
            name="channelItemId"
            label={t('channels.items.channelItemId')}
            rules={[{ required: true, whitespace: true, message: t('channels.items.channelItemIdRequired') }]}
            style={{ flex: '1 1 200px', marginBottom: 12 }}
          >
            <Input autoComplete="off" spellCheck={false} maxLength={64} data-testid="channel-item-id" />
          </Form.Item>
          <Form.Item
            name="productId"
            label={t('channels.items.product')}
            rules={[{ required: true, message: t('channels.items.productRequired') }]}
            style={{ flex: '1 1 240px', marginBottom: 12, minWidth: 0 }}
          >
            <Select
              showSearch={{ optionFilterProp: 'label' }}
              options={options}
              loading={products.isPending}
              placeholder={t('channels.items.productPlaceholder')}
              data-testid="channel-item-product"
            />
          </Form.Item>
          <Form.Item style={{ marginBottom: 12 }}>
            <Button type="primary" htmlType="submit" loading={map.isPending} data-testid="channel-item-save">
              {t('channels.items.save')}
            </Button>
          </Form.Item>
        </Flex>
      </Form>
      {items.isError ? (
        <ErrorResult error={items.error} onRetry={() => void items.refetch()} />
      ) : (
        <List
          size="small"
          bordered
          loading={items.isPending}
          data-testid="channel-items"
          dataSource={items.data ?? []}
          locale={{ emptyText: <EmptyState description={t('channels.items.none')} /> }}
          renderItem={(i) => (
            <List.Item
              key={i.channelItemId}
              data-testid="channel-item"
              data-item-id={i.channelItemId}
              actions={[
                <Popconfirm
                  key="remove"
                  title={t('channels.items.removeConfirm')}
                  okText={t('channels.items.remove')}
                  cancelText={t('common.cancel')}
                  okButtonProps={{ danger: true }}
                  onConfirm={() => unmap.mutate(i.channelItemId)}
                >
                  <Button size="small" danger data-testid="channel-item-remove">
                    {t('channels.items.remove')}
                  </Button>
                </Popconfirm>,
              ]}
            >
              <Space orientation="vertical" size={0} style={{ minWidth: 0 }}>
                <Typography.Text code style={{ wordBreak: 'break-all' }}>
                  {i.channelItemId}
                </Typography.Text>
                <Typography.Text>→ {i.productName}</Typography.Text>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {t('channels.items.mappedAt')} {formatTime(i.createdAt, lang)}
                </Typography.Text>
              </Space>
            </List.Item>
          )}
        />
      )}
    </Space>
  );
}

const FAILURE_CODES = [
  'inventory.out_of_stock',
  'channel.item_not_mapped',
  'catalog.product_not_found',
  'merchant.suspended',
  'channel.order_unsupported',
] as const;
type FailureCode = (typeof FAILURE_CODES)[number];
const isFailureCode = (c: string): c is FailureCode => (FAILURE_CODES as readonly string[]).includes(c);

/** Why a channel order was not delivered, in words. */
function FailureText({ code }: { code: string | null }) {
  const { t } = useTranslation();
  if (!code) return null;
  return (
    <Typography.Text type="danger" data-testid="channel-order-failure" data-code={code}>
      {isFailureCode(code)
        ? t(`channels.orders.failure.${code}`)
        : t('channels.orders.failure.other', { code })}
    </Typography.Text>
  );
}

const ORDER_STATE_COLOR: Record<ChannelOrder['state'], string> = {
  DELIVERED: 'green',
  FAILED: 'red',
  CLOSED: 'default',
};
const DELIVERY_COLOR: Record<ChannelOrder['deliveryState'], string> = {
  PENDING: 'processing',
  SENT: 'default',
  GAVE_UP: 'error',
};
const REFUND_COLOR: Record<ChannelRefund['status'], string> = {
  REQUESTED: 'gold',
  REFUSED: 'volcano',
  INTERVENING: 'magenta',
  AGREED: 'blue',
  SUCCESS: 'green',
  CLOSED: 'default',
};

function OrderResult({ order }: { order: ChannelOrder }) {
  const { t } = useTranslation();
  return (
    <Space orientation="vertical" size={2}>
      <Space size={4} wrap>
        <Tag
          color={ORDER_STATE_COLOR[order.state]}
          data-testid="channel-order-state"
          data-state={order.state}
        >
          {t(`channels.orders.state.${order.state}`)}
        </Tag>
        <Tag
          color={DELIVERY_COLOR[order.deliveryState]}
          data-testid="channel-order-delivery"
          data-state={order.deliveryState}
        >
          {t(`channels.orders.deliveryState.${order.deliveryState}`)}
        </Tag>
      </Space>
      {order.state === 'FAILED' && <FailureText code={order.failureCode} />}
    </Space>
  );
}

function RefundLine({ refund }: { refund: ChannelRefund }) {
  const { t } = useTranslation();
  const requestState = refund.requestState;
  return (
    <Flex
      vertical
      gap={4}
      data-testid="channel-refund"
      data-status={refund.status}
      data-request-state={requestState ?? ''}
      style={{ borderLeft: '3px solid #f0f0f0', paddingLeft: 8 }}
    >
      <Space size={4} wrap>
        <Tag
          color={REFUND_COLOR[refund.status]}
          data-testid="channel-refund-status"
          data-status={refund.status}
        >
          {t(`channels.refund.status.${refund.status}`)}
        </Tag>
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {refund.channelStatus}
        </Typography.Text>
        {refund.intervened && (
          <Tag color="purple" data-testid="channel-refund-intervened">
            {t('channels.refund.intervened')}
          </Tag>
        )}
        {refund.overridden && (
          <Tag color="red" data-testid="channel-refund-overridden">
            {t('channels.refund.overridden')}
          </Tag>
        )}
      </Space>
      <Typography.Text style={{ fontSize: 13 }}>
        {t('channels.refund.summary', { quantity: refund.quantity, amount: formatFen(refund.amountFen) })}
        {refund.reason ? ` · ${t('channels.refund.reason')}${t('channels.colon')}${refund.reason}` : ''}
      </Typography.Text>
      <Typography.Text type="secondary" style={{ fontSize: 12, wordBreak: 'break-all' }}>
        {t('channels.refund.channelRefundId')} {refund.channelRefundId}
      </Typography.Text>
      <Space size={4} wrap>
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t('channels.refund.request')}
        </Typography.Text>
        {isRefundState(requestState) ? (
          <RefundStateTag state={requestState} />
        ) : (
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {requestState ?? t('channels.refund.noRequest')}
          </Typography.Text>
        )}
        {refund.answer && (
          <Tag data-testid="channel-refund-answer" data-answer={refund.answer}>
            {t(`channels.refund.answer.${refund.answer}`)}
            {refund.answerState ? ` · ${t(`channels.refund.answerState.${refund.answerState}`)}` : ''}
          </Tag>
        )}
        {refund.requestId && (
          <Link
            to={`/merchant/refunds/${encodeURIComponent(refund.requestId)}`}
            data-testid="channel-refund-link"
          >
            {requestState && MERCHANT_TO_DECIDE.includes(requestState)
              ? t('channels.refund.decide')
              : t('channels.refund.view')}
          </Link>
        )}
      </Space>
    </Flex>
  );
}

function Refunds({ order }: { order: ChannelOrder }) {
  const { t } = useTranslation();
  if (order.refunds.length === 0)
    return <Typography.Text type="secondary">{t('channels.orders.noRefunds')}</Typography.Text>;
  return (
    <Flex vertical gap={8}>
      {order.refunds.map((r) => (
        <RefundLine key={r.channelRefundId} refund={r} />
      ))}
    </Flex>
  );
}

function OrderNo({ order }: { order: ChannelOrder }) {
  return order.orderNo ? (
    <Typography.Text copyable data-testid="channel-order-kameng-no">
      {order.orderNo}
    </Typography.Text>
  ) : (
    <>—</>
  );
}

function ChannelOrders({ shop }: { shop: ChannelShop }) {
  const { t } = useTranslation();
  const lang = useLang();
  const screens = Grid.useBreakpoint();
  const orders = useQuery({
    queryKey: shopOrdersKey(shop.id),
    queryFn: () => channelsApi.orders(shop.id),
    refetchInterval: 5000,
  });
  if (orders.isError) return <ErrorResult error={orders.error} onRetry={() => void orders.refetch()} />;
  if (orders.isPending) return <Loading minHeight={120} />;
  const rows = orders.data;
  if (!screens.md)
    return (
      <List<ChannelOrder>
        data-testid="channel-orders"
        dataSource={rows}
        locale={{ emptyText: <EmptyState description={t('channels.orders.none')} /> }}
        renderItem={(o) => (
          <List.Item key={o.id} style={{ paddingInline: 0 }}>
            <Card
              size="small"
              style={{ width: '100%' }}
              data-testid="channel-order"
              data-channel-order-id={o.channelOrderId}
            >
              <Flex vertical gap={6}>
                <Flex justify="space-between" gap={8} wrap>
                  <Typography.Text strong style={{ wordBreak: 'break-all' }}>
                    {o.channelOrderId}
                  </Typography.Text>
                  <Typography.Text>{formatFen(o.totalFen)}</Typography.Text>
                </Flex>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {t('channels.orders.channelStatus')} {o.channelStatus} · {t('channels.orders.item')}{' '}
                  {o.channelItemId} × {o.quantity}
                </Typography.Text>
                <Space size={4} wrap>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {t('channels.orders.kamengOrderNo')}
                  </Typography.Text>
                  <OrderNo order={o} />
                </Space>
                <OrderResult order={o} />
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {o.buyerRef} · {formatTime(o.createdAt, lang)}
                </Typography.Text>
                <Refunds order={o} />
              </Flex>
            </Card>
          </List.Item>
        )}
      />
    );
  const columns: TableColumnsType<ChannelOrder> = [
    {
      key: 'order',
      title: t('channels.orders.channelOrderId'),
      render: (_, o) => (
        <Space orientation="vertical" size={0}>
          <Typography.Text strong>{o.channelOrderId}</Typography.Text>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {o.buyerRef} · {formatTime(o.createdAt, lang)}
          </Typography.Text>
        </Space>
      ),
    },
    {
      key: 'status',
      title: t('channels.orders.channelStatus'),
      render: (_, o) => (
        <Typography.Text style={{ fontSize: 12, wordBreak: 'break-all' }}>{o.channelStatus}</Typography.Text>
      ),
    },
    {
      key: 'goods',
      title: t('channels.orders.item'),
      render: (_, o) => (
        <Space orientation="vertical" size={0}>
          <span>
            {o.channelItemId} × {o.quantity}
          </span>
          <span>{formatFen(o.totalFen)}</span>
        </Space>
      ),
    },
    { key: 'no', title: t('channels.orders.kamengOrderNo'), render: (_, o) => <OrderNo order={o} /> },
    { key: 'result', title: t('channels.orders.result'), render: (_, o) => <OrderResult order={o} /> },
    {
      key: 'refunds',
      title: t('channels.orders.refunds'),
      width: 340,
      render: (_, o) => <Refunds order={o} />,
    },
  ];
  return (
    <Table<ChannelOrder>
      data-testid="channel-orders"
      rowKey="id"
      size="middle"
      scroll={{ x: 1100 }}
      dataSource={rows}
      columns={columns}
      onRow={(o): RowProps => ({ 'data-testid': 'channel-order', 'data-channel-order-id': o.channelOrderId })}
      pagination={{ pageSize: 20, hideOnSinglePage: true }}
      locale={{ emptyText: <EmptyState description={t('channels.orders.none')} /> }}
    />
  );
}

function ShopCard({ shop }: { shop: ChannelShop }) {
  const { t } = useTranslation();
  const lang = useLang();
  const qc = useQueryClient();
  const { message } = AntApp.useApp();
  const errorText = useErrorText();
  const active = shop.status === 'ACTIVE';
  const reconcile = useMutation({
    mutationFn: () => channelsApi.reconcile(shop.id),
    onSuccess: (r) => {
      void message.success(t('channels.shop.reconciled', { count: r.applied }));
      void qc.invalidateQueries({ queryKey: SHOPS_KEY });
      void qc.invalidateQueries({ queryKey: shopOrdersKey(shop.id) });
    },
    onError: (err) => void message.error(errorText(err)),
  });
  const disconnect = useMutation({
    mutationFn: () => channelsApi.disconnect(shop.id),
    onSuccess: () => {
      void message.success(t('channels.shop.disconnected'));
      void qc.invalidateQueries({ queryKey: SHOPS_KEY });
    },
    onError: (err) => void message.error(errorText(err)),
  });
  return (
    <Card
      data-testid="channel-shop"
      data-shop-id={shop.id}
      data-channel={shop.channel}
      data-status={shop.status}
      title={
        <Space size={6} wrap style={{ whiteSpace: 'normal' }}>
          <ChannelTag channel={shop.channel} />
          <span data-testid="channel-shop-name">{shop.name}</span>
          <Tag color={active ? 'green' : 'default'} data-testid="channel-shop-status">
            {t(`channels.shop.statusValue.${shop.status}`)}
          </Tag>
        </Space>
      }
    >
      <Space orientation="vertical" size={12} style={{ width: '100%' }}>
        {shop.lastError && (
          <Alert
            type="error"
            showIcon
            data-testid="channel-shop-error"
            title={`${t('channels.shop.lastError')}${t('channels.colon')}${shop.lastError}`}
          />
        )}
        {!active && <Alert type="warning" showIcon title={t('channels.shop.reconnectHint')} />}
        <Descriptions
          size="small"
          column={{ xs: 1, md: 2 }}
          items={[
            { key: 'sid', label: t('channels.shop.channelShopId'), children: shop.channelShopId },
            {
              key: 'cred',
              label: t('channels.shop.credentials'),
              children: (
                <Typography.Text data-testid="channel-shop-credentials">
                  {shop.credentialsMasked.split(' · ').map((part) => (
                    <Typography.Text
                      key={part}
                      code
                      style={{ whiteSpace: 'nowrap', display: 'inline-block', marginInlineEnd: 6 }}
                    >
                      {part}
                    </Typography.Text>
                  ))}
                </Typography.Text>
              ),
            },
            {
              key: 'notify',
              label: t('channels.shop.notifyUrl'),
              children: (
                <Space orientation="vertical" size={0} style={{ minWidth: 0 }}>
                  <Typography.Text
                    copyable
                    style={{ wordBreak: 'break-all' }}
                    data-testid="channel-shop-notify"
                  >
                    {shop.notifyUrl}
                  </Typography.Text>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {t('channels.shop.notifyUrlHelp')}
                  </Typography.Text>
                </Space>
              ),
            },
            {
              key: 'rec',
              label: t('channels.shop.reconciledUntil'),
              children: (
                <span data-testid="channel-shop-reconciled">
                  {formatTime(shop.reconciledUntil, lang, true)}
                </span>
              ),
            },
            { key: 'at', label: t('channels.shop.connectedAt'), children: formatTime(shop.createdAt, lang) },
          ]}
        />
        <Space wrap>
          <Button
            type="primary"
            disabled={!active}
            loading={reconcile.isPending}
            onClick={() => reconcile.mutate()}
            data-testid="channel-shop-reconcile"
          >
            {t('channels.shop.reconcile')}
          </Button>
          {active && (
            <Popconfirm
              title={t('channels.shop.disconnectConfirm')}
              okText={t('channels.shop.disconnect')}
              cancelText={t('common.cancel')}
              okButtonProps={DISCONNECT_OK}
              onConfirm={() => disconnect.mutate()}
              overlayStyle={{ maxWidth: 320 }}
            >
              <Button danger loading={disconnect.isPending} data-testid="channel-shop-disconnect">
                {t('channels.shop.disconnect')}
              </Button>
            </Popconfirm>
          )}
        </Space>
        <Tabs
          defaultActiveKey="orders"
          items={[
            {
              key: 'orders',
              label: <span data-testid="channel-tab-orders">{t('channels.tabs.orders')}</span>,
              children: <ChannelOrders shop={shop} />,
            },
            {
              key: 'items',
              label: <span data-testid="channel-tab-items">{t('channels.tabs.items')}</span>,
              children: <ItemMappings shop={shop} />,
            },
          ]}
        />
      </Space>
    </Card>
  );
}

function Shops() {
  const { t } = useTranslation();
  const shops = useQuery({ queryKey: SHOPS_KEY, queryFn: channelsApi.shops });
  if (shops.isError) return <ErrorResult error={shops.error} onRetry={() => void shops.refetch()} />;
  if (shops.isPending) return <Loading />;
  if (shops.data.length === 0) return <EmptyState description={t('channels.noShops')} />;
  return (
    <Flex vertical gap={16} data-testid="channel-shops">
      {shops.data.map((s) => (
        <ShopCard key={s.id} shop={s} />
      ))}
    </Flex>
  );
}

/** /merchant/channels (渠道店铺): connect 淘宝 / 拼多多 / 闲鱼 shops, map items, follow their orders. */
export default function ChannelsPage() {
  const { t } = useTranslation();
  return (
    <RequireUser merchant>
      <Space orientation="vertical" size={16} style={{ width: '100%' }}>
        <Space style={{ justifyContent: 'space-between', width: '100%' }} wrap>
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t('channels.title')}
          </Typography.Title>
          <Link to="/merchant">← {t('keys.backToMerchant')}</Link>
        </Space>
        <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
          {t('channels.intro')}
        </Typography.Paragraph>
        <Shops />
        <ConnectCard />
      </Space>
    </RequireUser>
  );
}
