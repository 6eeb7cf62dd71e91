import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App as AntApp,
  Button,
  Card,
  Descriptions,
  Flex,
  Form,
  Input,
  InputNumber,
  List,
  Modal,
  Popconfirm,
  Radio,
  Result,
  Select,
  Space,
  Tabs,
  Tag,
  Typography,
  type ButtonProps,
} from 'antd';
import { Fragment, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useSearchParams } from 'react-router';
import { isMerchant, isStaff, loginPath, useMe } from '../../auth';
import { ApiError } from '../../api';
import { modalTestId } from '../../components/modalTestId';
import { EmptyState, ErrorAlert, ErrorResult, Loading, useErrorText } from '../../components/QueryState';
import { formatFen, formatTime, parseYuanToFen } from '../../format';
import { useLang } from '../../i18n';
import { CHANNEL_KIND_LIST, type ChannelKind } from './api';
import { ChannelTag } from './ChannelsPage';
import {
  sandboxApi,
  sandboxKeys,
  type SandboxCredentials,
  type PlaceOrderInput,
  type SandboxItem,
  type SandboxOrder,
  type SandboxRefund,
  type SandboxShop,
} from './sandboxApi';

function useStorefront(shopId: string) {
  return useQuery({
    queryKey: sandboxKeys.storefront(shopId),
    queryFn: () => sandboxApi.storefront(shopId),
    retry: false,
  });
}

const isChannel = (v: string | null): v is ChannelKind =>
  v !== null && (CHANNEL_KIND_LIST as readonly string[]).includes(v);

/** Links in the seller's delivery message (`https://…/k/<token>`, `/lookup`) made clickable. */
const LINK = /((?:https?:\/\/[^\s（）()，,]+?)?\/(?:k\/[A-Za-z0-9_-]+|lookup))/g;

function Linkified({ text }: { text: string }) {
  const parts = text.split(LINK);
  return (
    <>
      {parts.map((p, i) =>
        i % 2 === 1 ? (
          <a
            key={i}
            href={p}
            data-testid={p.includes('/k/') ? 'sandbox-lookup-link' : 'sandbox-lookup-page-link'}
          >
            {p}
          </a>
        ) : (
          <Fragment key={i}>{p}</Fragment>
        ),
      )}
    </>
  );
}

const ORDER_COLOR: Record<SandboxOrder['state'], string> = {
  PAID: 'gold',
  SHIPPED: 'blue',
  FINISHED: 'green',
  CLOSED: 'default',
};
const REFUND_COLOR: Record<SandboxRefund['state'], string> = {
  WAIT_SELLER: 'gold',
  REFUSED: 'volcano',
  AGREED: 'blue',
  SUCCESS: 'green',
  CLOSED: 'default',
};

function OrderStateTag({ order }: { order: SandboxOrder }) {
  const { t } = useTranslation();
  return (
    <Tag color={ORDER_COLOR[order.state]} data-testid="sandbox-order-state" data-state={order.state}>
      {t(`sandboxShop.order.state.${order.state}`)}
    </Tag>
  );
}

/** Credentials of a new shop, shown once, to paste into /merchant/channels. */
function CredentialsModal({
  shop,
  credentials,
  onClose,
}: {
  shop: SandboxShop;
  credentials: SandboxCredentials;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const row = (label: string, value: string, testId: string) => ({
    key: testId,
    label,
    children: (
      <Typography.Text
        code
        copyable={{ text: value }}
        data-testid={testId}
        style={{ wordBreak: 'break-all' }}
      >
        {value}
      </Typography.Text>
    ),
  });
  return (
    <Modal
      open
      title={t('sandboxShop.credentialsTitle')}
      onCancel={onClose}
      modalRender={modalTestId('sandbox-credentials')}
      footer={
        <Space wrap>
          <Link to="/merchant/channels">
            <Button>{t('sandboxShop.toChannels')}</Button>
          </Link>
          <Button type="primary" onClick={onClose} data-testid="sandbox-credentials-close">
            {t('sandboxShop.close')}
          </Button>
        </Space>
      }
    >
      <Alert type="warning" showIcon title={t('sandboxShop.credentialsHint')} style={{ marginBottom: 12 }} />
      <Descriptions
        size="small"
        column={1}
        bordered
        items={[
          { key: 'shop', label: t('sandboxShop.shop'), children: shop.name },
          row(t('sandboxShop.appKey'), credentials.appKey, 'sandbox-cred-app-key'),
          row(t('sandboxShop.appSecret'), credentials.appSecret, 'sandbox-cred-app-secret'),
          ...(credentials.sessionKey
            ? [row(t('sandboxShop.sessionKey'), credentials.sessionKey, 'sandbox-cred-session-key')]
            : []),
        ]}
      />
    </Modal>
  );
}

function ItemsTab({ shop }: { shop: SandboxShop }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<{ title: string; price: string }>();
  const front = useStorefront(shop.id);
  const create = useMutation({
    mutationFn: (b: { title: string; priceFen: number }) => sandboxApi.createItem(shop.id, b),
    onSuccess: (item) => {
      void message.success(t('sandboxShop.item.created', { id: item.id }));
      form.resetFields();
      void qc.invalidateQueries({ queryKey: sandboxKeys.storefront(shop.id) });
    },
  });
  return (
    <Space orientation="vertical" size={12} style={{ width: '100%' }}>
      <ErrorAlert error={create.error} />
      <Form
        form={form}
        layout="vertical"
        initialValues={{ price: '50.00' }}
        data-testid="sandbox-item-form"
        onFinish={(v) => {
          const fen = parseYuanToFen(v.price);
          if (fen.ok) create.mutate({ title: v.title.trim(), priceFen: fen.fen });
        }}
      >
        <Flex gap={12} wrap align="flex-end">
          <Form.Item
            name="title"
            label={t('sandboxShop.item.title')}
            rules={[{ required: true, whitespace: true, message: t('sandboxShop.item.titleRequired') }]}
            style={{ flex: '2 1 220px', marginBottom: 12 }}
          >
            <Input maxLength={60} data-testid="sandbox-item-title" />
          </Form.Item>
          <Form.Item
            name="price"
            label={t('sandboxShop.item.price')}
            rules={[
              {
                validator: (_, v: string | undefined) =>
                  parseYuanToFen(v ?? '').ok
                    ? Promise.resolve()
                    : Promise.reject(new Error(t('sandboxShop.item.priceInvalid'))),
              },
            ]}
            style={{ flex: '1 1 120px', marginBottom: 12 }}
          >
            <Input inputMode="decimal" prefix="¥" data-testid="sandbox-item-price" />
          </Form.Item>
          <Form.Item style={{ marginBottom: 12 }}>
            <Button
              type="primary"
              htmlType="submit"
              loading={create.isPending}
              data-testid="sandbox-item-create"
            >
              {t('sandboxShop.item.create')}
            </Button>
          </Form.Item>
        </Flex>
      </Form>
      {front.isError ? (
        <ErrorResult error={front.error} onRetry={() => void front.refetch()} />
      ) : (
        <List<SandboxItem>
          bordered
          size="small"
          loading={front.isPending}
          dataSource={front.data?.items ?? []}
          data-testid="sandbox-items"
          locale={{ emptyText: <EmptyState description={t('sandboxShop.item.none')} /> }}
          renderItem={(i) => (
            <List.Item key={i.id} data-testid="sandbox-item" data-item-id={i.id}>
              <Flex vertical style={{ minWidth: 0 }}>
                <Typography.Text strong>{i.title}</Typography.Text>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {t('sandboxShop.item.id')}{' '}
                  <Typography.Text copyable code data-testid="sandbox-item-id">
                    {i.id}
                  </Typography.Text>
                </Typography.Text>
              </Flex>
              <Typography.Text>{formatFen(i.priceFen)}</Typography.Text>
            </List.Item>
          )}
        />
      )}
    </Space>
  );
}

type PlaceForm = Required<PlaceOrderInput>;
type ProfileId = PlaceForm['profile'];
const PROFILE_IDS: readonly ProfileId[] = ['normal', 'duplicate', 'reorder', 'lost', 'slow'];
const isProfileId = (v: string): v is ProfileId => (PROFILE_IDS as readonly string[]).includes(v);

function PlaceTab({ shopId, onPlaced }: { shopId: string; onPlaced: (o: SandboxOrder) => void }) {
  const { t } = useTranslation();
  const lang = useLang();
  const qc = useQueryClient();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<PlaceForm>();
  const front = useStorefront(shopId);
  const place = useMutation({
    mutationFn: (v: PlaceForm) => sandboxApi.placeOrder(shopId, { ...v, buyerNick: v.buyerNick.trim() }),
    onSuccess: (o) => {
      void message.success(t('sandboxShop.place.placed', { id: o.id }));
      void qc.invalidateQueries({ queryKey: sandboxKeys.orders(shopId) });
      onPlaced(o);
    },
  });
  const itemList = front.data?.items ?? [];
  if (front.isError) return <ErrorResult error={front.error} onRetry={() => void front.refetch()} />;
  if (front.isSuccess && itemList.length === 0)
    return <Alert type="info" showIcon title={t('sandboxShop.place.noItems')} />;
  return (
    <Space orientation="vertical" size={12} style={{ width: '100%' }}>
      <Typography.Text type="secondary">{t('sandboxShop.place.intro')}</Typography.Text>
      <ErrorAlert error={place.error} />
      <Form<PlaceForm>
        form={form}
        layout="vertical"
        initialValues={{ quantity: 1, buyerNick: 'tb_buyer_2024', profile: 'normal' }}
        onFinish={(v) => place.mutate(v)}
        data-testid="sandbox-place-form"
        style={{ maxWidth: 560 }}
      >
        <Form.Item
          name="itemId"
          label={t('sandboxShop.place.item')}
          rules={[{ required: true, message: t('sandboxShop.place.itemRequired') }]}
        >
          <Select
            data-testid="sandbox-place-item"
            loading={front.isPending}
            options={itemList.map((i) => ({ value: i.id, label: `${i.title} · ${formatFen(i.priceFen)}` }))}
          />
        </Form.Item>
        <Form.Item name="quantity" label={t('sandboxShop.place.quantity')} rules={[{ required: true }]}>
          <InputNumber
            min={1}
            max={20}
            precision={0}
            style={{ width: 120 }}
            data-testid="sandbox-place-quantity"
          />
        </Form.Item>
        <Form.Item
          name="buyerNick"
          label={t('sandboxShop.place.nick')}
          rules={[{ required: true, whitespace: true, message: t('sandboxShop.place.nickRequired') }]}
        >
          <Input maxLength={32} data-testid="sandbox-place-nick" />
        </Form.Item>
        <Form.Item name="profile" label={t('sandboxShop.place.profile')}>
          <Radio.Group style={{ width: '100%' }} data-testid="sandbox-place-profile">
            <Flex vertical gap={8}>
              {(front.data?.profiles ?? [])
                .filter((p) => isProfileId(p.id))
                .map((p) => (
                  <Radio key={p.id} value={p.id} data-testid={`sandbox-profile-${p.id}`}>
                    <Flex vertical>
                      <span>{p.name[lang]}</span>
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {p.notes[lang]}
                      </Typography.Text>
                    </Flex>
                  </Radio>
                ))}
            </Flex>
          </Radio.Group>
        </Form.Item>
        <Button
          type="primary"
          htmlType="submit"
          size="large"
          loading={place.isPending}
          data-testid="sandbox-place-submit"
        >
          {t('sandboxShop.place.submit')}
        </Button>
      </Form>
    </Space>
  );
}

const DANGER_OK: ButtonProps & { 'data-testid': string } = {
  danger: true,
  'data-testid': 'sandbox-confirm-ok',
};

function RefundCard({ order, refund }: { order: SandboxOrder; refund: SandboxRefund }) {
  const { t } = useTranslation();
  const staff = isStaff(useMe().user);
  const lang = useLang();
  const qc = useQueryClient();
  const { message } = AntApp.useApp();
  const errorText = useErrorText();
  const done = (text: string) => () => {
    void message.success(text);
    void qc.invalidateQueries({ queryKey: sandboxKeys.all });
  };
  const onError = (err: unknown) => {
    void message.error(errorText(err));
    void qc.invalidateQueries({ queryKey: sandboxKeys.order(order.id) });
  };
  const cancel = useMutation({
    mutationFn: () => sandboxApi.cancelRefund(refund.id),
    onSuccess: done(t('sandboxShop.refund.cancelled')),
    onError,
  });
  const intervene = useMutation({
    mutationFn: () => sandboxApi.intervene(refund.id),
    onSuccess: done(t('sandboxShop.refund.intervened')),
    onError,
  });
  const decide = useMutation({
    mutationFn: (refundBuyer: boolean) => sandboxApi.decide(refund.id, refundBuyer),
    onSuccess: done(t('sandboxShop.refund.decided')),
    onError,
  });
  const open = refund.state === 'WAIT_SELLER' || refund.state === 'REFUSED';
  return (
    <Card
      size="small"
      data-testid="sandbox-refund"
      data-refund-id={refund.id}
      data-state={refund.state}
      title={
        <Space size={4} wrap style={{ whiteSpace: 'normal' }}>
          <Tag
            color={REFUND_COLOR[refund.state]}
            data-testid="sandbox-refund-state"
            data-state={refund.state}
          >
            {t(`sandboxShop.refund.state.${refund.state}`)}
          </Tag>
          {refund.intervention !== 'NONE' && (
            <Tag color="purple">{t(`sandboxShop.refund.intervention.${refund.intervention}`)}</Tag>
          )}
          {refund.decidedBy && <Tag>{t(`sandboxShop.refund.decidedBy.${refund.decidedBy}`)}</Tag>}
          {refund.checkState !== 'NONE' && <Tag>{t(`sandboxShop.refund.check.${refund.checkState}`)}</Tag>}
        </Space>
      }
    >
      <Flex vertical gap={4}>
        <Typography.Text>
          {t('sandboxShop.refund.amount', { quantity: refund.quantity, amount: formatFen(refund.amountFen) })}{' '}
          · {refund.reason}
        </Typography.Text>
        <Typography.Text type="secondary" style={{ fontSize: 12, wordBreak: 'break-all' }}>
          {refund.id} · {t('sandboxShop.refund.raw')} {refund.rawStatus}
        </Typography.Text>
        {refund.sellerMessage && (
          <Typography.Text>
            {t('sandboxShop.refund.sellerMessage')}
            {t('channels.colon')}
            {refund.sellerMessage}
          </Typography.Text>
        )}
        {refund.checkMessage && <Typography.Text type="secondary">{refund.checkMessage}</Typography.Text>}
        {refund.dueAt && open && (
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t('sandboxShop.refund.dueAt')} {formatTime(refund.dueAt, lang)}
          </Typography.Text>
        )}
        <Space wrap style={{ marginTop: 4 }}>
          {open && (
            <Popconfirm
              title={t('sandboxShop.refund.cancelConfirm')}
              okText={t('sandboxShop.refund.cancel')}
              cancelText={t('common.back')}
              okButtonProps={DANGER_OK}
              onConfirm={() => cancel.mutate()}
            >
              <Button loading={cancel.isPending} data-testid="sandbox-refund-cancel">
                {t('sandboxShop.refund.cancel')}
              </Button>
            </Popconfirm>
          )}
          {refund.state === 'REFUSED' && refund.intervention === 'NONE' && (
            <Button
              type="primary"
              ghost
              loading={intervene.isPending}
              onClick={() => intervene.mutate()}
              data-testid="sandbox-refund-intervene"
            >
              {t(`sandboxShop.refund.intervene.${order.channel}`)}
            </Button>
          )}
        </Space>
        {refund.intervention === 'APPLIED' && !staff && (
          <Typography.Text type="secondary" data-testid="sandbox-staff-wait">
            {t('sandboxShop.refund.staffWait')}
          </Typography.Text>
        )}
        {refund.intervention === 'APPLIED' && staff && (
          <Alert
            type="info"
            data-testid="sandbox-staff"
            title={t('sandboxShop.refund.staff')}
            description={
              <Space orientation="vertical" size={8}>
                <span>{t('sandboxShop.refund.staffHint')}</span>
                <Space wrap>
                  <Button
                    type="primary"
                    loading={decide.isPending && decide.variables}
                    onClick={() => decide.mutate(true)}
                    data-testid="sandbox-decide-refund"
                  >
                    {t('sandboxShop.refund.decideRefund')}
                  </Button>
                  <Button
                    loading={decide.isPending && !decide.variables}
                    onClick={() => decide.mutate(false)}
                    data-testid="sandbox-decide-keep"
                  >
                    {t('sandboxShop.refund.decideKeep')}
                  </Button>
                </Space>
              </Space>
            }
          />
        )}
      </Flex>
    </Card>
  );
}

function RefundForm({ order }: { order: SandboxOrder }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<{ quantity: number; reason: string }>();
  const max = order.quantity - order.refundedQuantity;
  const request = useMutation({
    mutationFn: (v: { quantity: number; reason: string }) =>
      sandboxApi.requestRefund(order.id, { quantity: v.quantity, reason: v.reason.trim() }),
    onSuccess: () => {
      void message.success(t('sandboxShop.refund.requested'));
      void qc.invalidateQueries({ queryKey: sandboxKeys.all });
    },
  });
  if (max <= 0) return null;
  return (
    <Card size="small" title={t('sandboxShop.refund.apply')} data-testid="sandbox-refund-form-card">
      <ErrorAlert error={request.error} />
      <Form
        form={form}
        layout="vertical"
        initialValues={{ quantity: 1, reason: t('sandboxShop.refund.reasonDefault') }}
        onFinish={(v) => request.mutate(v)}
        data-testid="sandbox-refund-form"
      >
        <Form.Item name="quantity" label={t('sandboxShop.refund.quantity')} rules={[{ required: true }]}>
          <InputNumber
            min={1}
            max={max}
            precision={0}
            style={{ width: 120 }}
            data-testid="sandbox-refund-quantity"
          />
        </Form.Item>
        <Form.Item
          name="reason"
          label={t('sandboxShop.refund.reason')}
          rules={[{ required: true, whitespace: true, message: t('sandboxShop.refund.reasonRequired') }]}
        >
          <Input maxLength={100} data-testid="sandbox-refund-reason" />
        </Form.Item>
        <Button
          type="primary"
          danger
          htmlType="submit"
          loading={request.isPending}
          data-testid="sandbox-refund-submit"
        >
          {t('sandboxShop.refund.submit')}
        </Button>
      </Form>
    </Card>
  );
}

function OrderDetail({ orderId, onBack }: { orderId: string; onBack: (orderShopId?: string) => void }) {
  const { t } = useTranslation();
  const lang = useLang();
  const qc = useQueryClient();
  const { message } = AntApp.useApp();
  const errorText = useErrorText();
  const query = useQuery({
    queryKey: sandboxKeys.order(orderId),
    queryFn: () => sandboxApi.order(orderId),
    refetchInterval: 2000,
  });
  const confirm = useMutation({
    mutationFn: () => sandboxApi.confirmReceipt(orderId),
    onSuccess: () => {
      void message.success(t('sandboxShop.order.confirmed'));
      void qc.invalidateQueries({ queryKey: sandboxKeys.all });
    },
    onError: (err) => void message.error(errorText(err)),
  });
  const back = (
    <Button onClick={() => onBack(query.data?.shopId)} data-testid="sandbox-order-back">
      ← {t('sandboxShop.order.back')}
    </Button>
  );
  if (query.isPending) return <Loading minHeight={160} />;
  if (query.isError)
    return query.error instanceof ApiError && query.error.status === 404 ? (
      <Result status="404" title={t('sandboxShop.order.notFound')} extra={back} />
    ) : (
      <ErrorResult error={query.error} onRetry={() => void query.refetch()} extra={back} />
    );
  const o = query.data;
  const openRefund = o.refunds.some(
    (r) => r.state === 'WAIT_SELLER' || r.state === 'REFUSED' || r.state === 'AGREED',
  );
  const refundable = (o.state === 'SHIPPED' || o.state === 'FINISHED' || o.state === 'PAID') && !openRefund;
  return (
    <Space
      orientation="vertical"
      size={12}
      style={{ width: '100%' }}
      data-testid="sandbox-order"
      data-order-id={o.id}
    >
      {back}
      <Card
        size="small"
        title={
          <Space size={6} wrap style={{ whiteSpace: 'normal' }}>
            <ChannelTag channel={o.channel} />
            <span>{t('sandboxShop.order.title')}</span>
            <OrderStateTag order={o} />
          </Space>
        }
      >
        <Descriptions
          size="small"
          column={{ xs: 1, md: 2 }}
          items={[
            {
              key: 'id',
              label: t('sandboxShop.order.id'),
              children: (
                <Typography.Text copyable style={{ wordBreak: 'break-all' }} data-testid="sandbox-order-id">
                  {o.id}
                </Typography.Text>
              ),
            },
            {
              key: 'raw',
              label: t('sandboxShop.order.raw'),
              children: (
                <Typography.Text code data-testid="sandbox-order-raw">
                  {o.rawStatus}
                </Typography.Text>
              ),
            },
            { key: 'goods', label: t('sandboxShop.order.goods'), children: `${o.title} × ${o.quantity}` },
            { key: 'total', label: t('sandboxShop.order.total'), children: formatFen(o.totalFen) },
            { key: 'buyer', label: t('sandboxShop.order.buyer'), children: o.buyerNick },
            { key: 'profile', label: t('sandboxShop.order.profile'), children: o.profile },
            { key: 'paid', label: t('sandboxShop.order.paidAt'), children: formatTime(o.paidAt, lang, true) },
            {
              key: 'shipped',
              label: t('sandboxShop.order.shippedAt'),
              children: formatTime(o.shippedAt, lang, true),
            },
            ...(o.refundedQuantity > 0
              ? [
                  {
                    key: 'refunded',
                    label: '',
                    children: t('sandboxShop.order.refundedQuantity', { count: o.refundedQuantity }),
                  },
                ]
              : []),
            ...(o.closeReason
              ? [{ key: 'close', label: t('sandboxShop.order.closeReason'), children: o.closeReason }]
              : []),
          ]}
        />
      </Card>
      <Card size="small" title={t('sandboxShop.order.delivery')} data-testid="sandbox-delivery">
        {o.delivery === null ? (
          <Typography.Text type="secondary" data-testid="sandbox-no-delivery">
            {t('sandboxShop.order.noDelivery')}
          </Typography.Text>
        ) : o.delivery.ok ? (
          <Typography.Paragraph
            style={{ margin: 0, wordBreak: 'break-all' }}
            data-testid="sandbox-delivery-message"
          >
            <Linkified text={o.delivery.message ?? ''} />
          </Typography.Paragraph>
        ) : (
          <Alert
            type="error"
            showIcon
            data-testid="sandbox-delivery-failed"
            title={t('sandboxShop.order.deliveryFailed')}
            description={o.delivery.failReason ?? o.delivery.message}
          />
        )}
        {o.delivery?.at && (
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {formatTime(o.delivery.at, lang, true)}
          </Typography.Text>
        )}
      </Card>
      {o.state === 'SHIPPED' && !openRefund && (
        <Button
          type="primary"
          block
          size="large"
          loading={confirm.isPending}
          onClick={() => confirm.mutate()}
          data-testid="sandbox-confirm-receipt"
        >
          {t('sandboxShop.order.confirm')}
        </Button>
      )}
      <Card size="small" title={t('sandboxShop.refund.title')}>
        <Flex vertical gap={12}>
          {o.refunds.length === 0 && (
            <Typography.Text type="secondary">{t('sandboxShop.refund.none')}</Typography.Text>
          )}
          {o.refunds.map((r) => (
            <RefundCard key={r.id} order={o} refund={r} />
          ))}
          {refundable && <RefundForm order={o} />}
        </Flex>
      </Card>
    </Space>
  );
}

function OrdersTab({ shop, onOpen }: { shop: SandboxShop; onOpen: (id: string) => void }) {
  const { t } = useTranslation();
  const lang = useLang();
  const orders = useQuery({
    queryKey: sandboxKeys.orders(shop.id),
    queryFn: () => sandboxApi.orders(shop.id),
    refetchInterval: 3000,
  });
  if (orders.isError) return <ErrorResult error={orders.error} onRetry={() => void orders.refetch()} />;
  return (
    <List<SandboxOrder>
      loading={orders.isPending}
      dataSource={orders.data ?? []}
      data-testid="sandbox-orders"
      locale={{ emptyText: <EmptyState description={t('sandboxShop.order.none')} /> }}
      renderItem={(o) => (
        <List.Item key={o.id} style={{ paddingInline: 0 }}>
          <Card
            size="small"
            hoverable
            style={{ width: '100%' }}
            onClick={() => onOpen(o.id)}
            data-testid="sandbox-order-row"
            data-order-id={o.id}
          >
            <Flex vertical gap={4}>
              <Flex justify="space-between" gap={8} wrap>
                <Typography.Text strong style={{ wordBreak: 'break-all' }}>
                  {o.id}
                </Typography.Text>
                <OrderStateTag order={o} />
              </Flex>
              <Typography.Text>
                {o.title} × {o.quantity} · {formatFen(o.totalFen)}
              </Typography.Text>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {o.buyerNick} · {o.profile} · {formatTime(o.paidAt, lang)}
              </Typography.Text>
            </Flex>
          </Card>
        </List.Item>
      )}
    />
  );
}

const MESSAGE_COLOR: Record<string, string> = {
  PENDING: 'processing',
  DELIVERED: 'green',
  CONFIRMED: 'green',
  GAVE_UP: 'red',
  LOST: 'default',
};

function MessagesTab({ shop }: { shop: SandboxShop }) {
  const { t } = useTranslation();
  const lang = useLang();
  const messages = useQuery({
    queryKey: sandboxKeys.messages(shop.id),
    queryFn: () => sandboxApi.messages(shop.id),
    refetchInterval: 3000,
  });
  if (messages.isError) return <ErrorResult error={messages.error} onRetry={() => void messages.refetch()} />;
  return (
    <Space orientation="vertical" size={8} style={{ width: '100%' }}>
      <Typography.Text type="secondary">{t('sandboxShop.messages.intro')}</Typography.Text>
      <List
        loading={messages.isPending}
        dataSource={messages.data ?? []}
        data-testid="sandbox-messages"
        locale={{ emptyText: <EmptyState description={t('sandboxShop.messages.none')} /> }}
        renderItem={(m) => (
          <List.Item
            key={m.id}
            style={{ paddingInline: 0 }}
            data-testid="sandbox-message"
            data-state={m.state}
          >
            <Card size="small" style={{ width: '100%' }}>
              <Flex vertical gap={4}>
                <Space size={4} wrap>
                  <Tag>{t(`sandboxShop.messages.kind.${m.kind}`)}</Tag>
                  <Tag color={MESSAGE_COLOR[m.state]}>{t(`sandboxShop.messages.state.${m.state}`)}</Tag>
                  {m.copyOf && <Tag color="orange">{t('sandboxShop.messages.copy')}</Tag>}
                  <Typography.Text code style={{ wordBreak: 'break-all' }}>
                    {m.topic}
                  </Typography.Text>
                </Space>
                <Typography.Text type="secondary" style={{ fontSize: 12, wordBreak: 'break-all' }}>
                  {m.targetType} {m.targetId} · {t('sandboxShop.messages.attempts', { count: m.attempts })}
                  {m.lastStatus !== null
                    ? ` · ${t('sandboxShop.messages.lastStatus', { status: m.lastStatus })}`
                    : ''}
                </Typography.Text>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {formatTime(m.createdAt, lang, true)}
                  {m.deliveredAt
                    ? ` → ${t('sandboxShop.messages.deliveredAt')} ${formatTime(m.deliveredAt, lang, true)}`
                    : m.state === 'PENDING'
                      ? ` · ${t('sandboxShop.messages.next')} ${formatTime(m.nextAttemptAt, lang, true)}`
                      : ''}
                </Typography.Text>
                <details>
                  <summary style={{ cursor: 'pointer', fontSize: 12 }}>
                    {t('sandboxShop.messages.payload')}
                  </summary>
                  <pre style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all', fontSize: 12, margin: 0 }}>
                    {m.payload}
                  </pre>
                </details>
              </Flex>
            </Card>
          </List.Item>
        )}
      />
    </Space>
  );
}

/** The owner's view of a shop: buy as a channel buyer, its orders, items and messages. */
function OwnerPanel({ shop, onOpen }: { shop: SandboxShop; onOpen: (id: string) => void }) {
  const { t } = useTranslation();
  const [tab, setTab] = useState('order');
  const tabs: { key: string; label: ReactNode; children: ReactNode }[] = [
    {
      key: 'order',
      label: t('sandboxShop.tabs.order'),
      children: <PlaceTab shopId={shop.id} onPlaced={(o) => onOpen(o.id)} />,
    },
    {
      key: 'orders',
      label: t('sandboxShop.tabs.orders'),
      children: <OrdersTab shop={shop} onOpen={onOpen} />,
    },
    { key: 'items', label: t('sandboxShop.tabs.items'), children: <ItemsTab shop={shop} /> },
    { key: 'messages', label: t('sandboxShop.tabs.messages'), children: <MessagesTab shop={shop} /> },
  ];
  return (
    <Tabs
      activeKey={tab}
      onChange={setTab}
      items={tabs.map((x) => ({ ...x, label: <span data-testid={`sandbox-tab-${x.key}`}>{x.label}</span> }))}
    />
  );
}

function ShopInfo({ shop }: { shop: SandboxShop }) {
  const { t } = useTranslation();
  return (
    <Space size={4} wrap style={{ fontSize: 12 }}>
      <Typography.Text type="secondary" style={{ wordBreak: 'break-all' }}>
        {t('sandboxShop.sellerId')} {shop.sellerId} · {t('sandboxShop.appKey')} {shop.appKey}
      </Typography.Text>
      <Tag color={shop.subscribedAt ? 'green' : 'default'} data-testid="sandbox-shop-subscribed">
        {shop.subscribedAt ? t('sandboxShop.subscribed') : t('sandboxShop.notSubscribed')}
      </Tag>
    </Space>
  );
}

/** A shop as its buyers see it (?shop=<id> without owning it): order from it. */
function Storefront({ shopId, onOpen }: { shopId: string; onOpen: (id: string) => void }) {
  const front = useStorefront(shopId);
  return (
    <Card
      data-testid="sandbox-storefront"
      title={
        front.data && (
          <Space size={6} wrap style={{ whiteSpace: 'normal' }}>
            <ChannelTag channel={front.data.channel} />
            <span>{front.data.name}</span>
          </Space>
        )
      }
    >
      <PlaceTab shopId={shopId} onPlaced={(o) => onOpen(o.id)} />
    </Card>
  );
}

/** The merchant's (or admin's) sandbox shops: pick one per channel, or open a new one. */
function OwnerShops({ onOpen }: { onOpen: (id: string) => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [params, setParams] = useSearchParams();
  const shops = useQuery({ queryKey: sandboxKeys.shops, queryFn: sandboxApi.shops, retry: false });
  const [channelState, setChannel] = useState<ChannelKind>('TAOBAO');
  const [created, setCreated] = useState<{ shop: SandboxShop; credentials: SandboxCredentials } | null>(null);
  const [name, setName] = useState('');
  const shopParam = params.get('shop');
  const list = shops.data ?? [];
  const selected = list.find((s) => s.id === shopParam) ?? null;
  const paramChannel = params.get('channel');
  const channel = selected?.channel ?? (isChannel(paramChannel) ? paramChannel : channelState);
  const ofChannel = list.filter((s) => s.channel === channel);
  const create = useMutation({
    mutationFn: () => sandboxApi.createShop({ channel, name: name.trim() || undefined }),
    onSuccess: (r) => {
      setCreated(r);
      setName('');
      void qc.invalidateQueries({ queryKey: sandboxKeys.shops });
      setParams((p) => {
        p.set('shop', r.shop.id);
        return p;
      });
    },
  });
  if (shops.isPending) return <Loading />;
  if (shops.isError)
    return shops.error instanceof ApiError && shops.error.status === 404 ? (
      <Unavailable />
    ) : (
      <ErrorResult error={shops.error} onRetry={() => void shops.refetch()} />
    );
  if (shopParam && !selected) return <Storefront shopId={shopParam} onOpen={onOpen} />;
  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Card size="small">
        <Flex vertical gap={12}>
          <Radio.Group
            optionType="button"
            buttonStyle="solid"
            value={channel}
            data-testid="sandbox-channel"
            onChange={(e) => {
              const c = e.target.value as ChannelKind;
              setChannel(c);
              setParams((p) => {
                p.delete('shop');
                p.set('channel', c);
                return p;
              });
            }}
          >
            {CHANNEL_KIND_LIST.map((c) => (
              <Radio.Button key={c} value={c}>
                <span data-testid={`sandbox-channel-${c}`}>{t(`channels.kind.${c}`)}</span>
              </Radio.Button>
            ))}
          </Radio.Group>
          <Select
            style={{ width: '100%' }}
            placeholder={ofChannel.length ? t('sandboxShop.shopPlaceholder') : t('sandboxShop.noShops')}
            value={selected?.id}
            onChange={(id: string) =>
              setParams((p) => {
                p.set('shop', id);
                return p;
              })
            }
            data-testid="sandbox-shop-select"
            options={ofChannel.map((s) => ({ value: s.id, label: `${s.name} (${s.sellerId})` }))}
          />
          {selected && <ShopInfo shop={selected} />}
          <ErrorAlert error={create.error} />
          <Flex gap={8} wrap>
            <Input
              style={{ flex: '1 1 180px' }}
              placeholder={t('sandboxShop.shopName')}
              value={name}
              maxLength={60}
              onChange={(e) => setName(e.target.value)}
              data-testid="sandbox-shop-name"
            />
            <Button
              onClick={() => create.mutate()}
              loading={create.isPending}
              data-testid="sandbox-shop-create"
            >
              {t('sandboxShop.createShop')}
            </Button>
          </Flex>
        </Flex>
      </Card>
      {selected && (
        <Card data-testid="sandbox-shop" data-shop-id={selected.id}>
          <OwnerPanel key={selected.id} shop={selected} onOpen={onOpen} />
        </Card>
      )}
      {created && (
        <CredentialsModal
          shop={created.shop}
          credentials={created.credentials}
          onClose={() => setCreated(null)}
        />
      )}
    </Space>
  );
}

function Unavailable() {
  const { t } = useTranslation();
  return (
    <Result
      status="404"
      title={t('sandboxShop.unavailable')}
      subTitle={t('sandboxShop.unavailableHint')}
      data-testid="sandbox-unavailable"
    />
  );
}

/**
 * ?order=<channel order id> opens that order (the buyer's, public: the lookup page's refund link
 * lands here); ?shop=<id> is its storefront; a merchant or admin manages its own shops.
 */
function SandboxShopBody() {
  const { t } = useTranslation();
  const location = useLocation();
  const { user, isPending } = useMe();
  const [params, setParams] = useSearchParams();
  const orderId = params.get('order');
  const shopId = params.get('shop');
  const open = (id: string) =>
    setParams((p) => {
      p.set('order', id);
      return p;
    });
  if (orderId)
    return (
      <OrderDetail
        orderId={orderId}
        onBack={(orderShopId) =>
          setParams((p) => {
            p.delete('order');
            // A channel buyer (no shop list of their own) goes back to the shop they bought from.
            if (!p.get('shop') && orderShopId && !isMerchant(user) && !isStaff(user))
              p.set('shop', orderShopId);
            return p;
          })
        }
      />
    );
  if (isPending) return <Loading />;
  if (isMerchant(user) || isStaff(user)) return <OwnerShops onOpen={open} />;
  if (shopId) return <Storefront shopId={shopId} onOpen={open} />;
  return (
    <Result
      status="info"
      title={t('sandboxShop.loginTitle')}
      subTitle={t('sandboxShop.loginHint')}
      data-testid="sandbox-login"
      extra={
        <Link to={loginPath(`${location.pathname}${location.search}`)}>
          <Button type="primary">{t('nav.login')}</Button>
        </Link>
      }
    />
  );
}

/** /sandbox/shop — the sandbox Taobao / Pinduoduo / 闲鱼 shop (channel buyer and channel staff). */
export default function SandboxShopPage() {
  const { t } = useTranslation();
  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('sandboxShop.title')}
      </Typography.Title>
      <Alert type="info" showIcon title={t('sandboxShop.note')} />
      <SandboxShopBody />
    </Space>
  );
}
