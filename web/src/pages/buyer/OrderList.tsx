import { useInfiniteQuery } from '@tanstack/react-query';
import {
  Button,
  DatePicker,
  Flex,
  Form,
  Input,
  Select,
  Space,
  Tag,
  Typography,
  type TableColumnsType,
} from 'antd';
import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { OrderKindTag, OrderStateTag, PaymentMethodText } from '../../components/orderTags';
import { EmptyState, ErrorResult, Loading } from '../../components/QueryState';
import { ResponsiveList, useIsPhone } from '../../components/ResponsiveList';
import { LevelTag } from '../../components/tags';
import { formatDeadline, formatFen, formatTime } from '../../format';
import { useLang } from '../../i18n';
import {
  ORDER_KINDS,
  ORDER_STATES,
  type OrderFilter,
  type OrderKind,
  type OrderPage,
  type OrderState,
  type OrderSummary,
} from '../../types';
import { orderConversationPath } from '../conversations/queries';
import { orderPath } from './orderQueries';

/** 'YYYY-MM-DD' (a day in Beijing time) -> that day's 00:00 in Asia/Shanghai as a UTC instant. */
export function shanghaiDayStart(ymd: string, plusDays = 0): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd);
  if (!m) return undefined;
  const utc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + plusDays) - 8 * 3_600_000;
  return Number.isNaN(utc) ? undefined : new Date(utc).toISOString();
}

interface FilterValues {
  kind?: OrderKind;
  state?: OrderState;
  q?: string;
}

/** Kind, state, order-number/goods search and a date range (whole Beijing days, inclusive). */
export function OrderFilters({
  onChange,
  kinds = ORDER_KINDS,
}: {
  onChange: (filter: OrderFilter) => void;
  kinds?: readonly OrderKind[];
}) {
  const { t } = useTranslation();
  const phone = useIsPhone();
  const [form] = Form.useForm<FilterValues>();
  const range = useRef<[string, string]>(['', '']);
  // on a phone each filter takes the whole width (no sideways scroll, large targets)
  const item = { marginBottom: 8, ...(phone ? { width: '100%', marginInlineEnd: 0 } : {}) };
  const full = (desktopWidth: number | undefined) => (phone ? '100%' : desktopWidth);
  const apply = () => {
    const v = form.getFieldsValue();
    const q = v.q?.trim();
    onChange({
      ...(v.kind ? { kind: v.kind } : {}),
      ...(v.state ? { state: v.state } : {}),
      ...(q ? { q } : {}),
      ...(range.current[0] ? { from: shanghaiDayStart(range.current[0]) } : {}),
      ...(range.current[1] ? { to: shanghaiDayStart(range.current[1], 1) } : {}),
    });
  };
  return (
    <Form<FilterValues> form={form} layout="inline" onFinish={apply} data-testid="order-filters">
      <Form.Item name="kind" style={item}>
        <Select
          allowClear
          placeholder={t('orders.kind')}
          style={{ width: full(130) }}
          data-testid="order-filter-kind"
          options={kinds.map((k) => ({ value: k, label: t(`orderKind.${k}`) }))}
          onChange={apply}
        />
      </Form.Item>
      <Form.Item name="state" style={item}>
        <Select
          allowClear
          placeholder={t('orders.state')}
          style={{ width: full(130) }}
          data-testid="order-filter-state"
          options={ORDER_STATES.map((s) => ({ value: s, label: t(`orderState.${s}`) }))}
          onChange={apply}
        />
      </Form.Item>
      <Form.Item style={item}>
        <DatePicker.RangePicker
          allowEmpty={[true, true]}
          style={{ width: full(undefined) }}
          placeholder={[t('orders.from'), t('orders.to')]}
          data-testid="order-filter-dates"
          onChange={(_, strings) => {
            range.current = strings;
            apply();
          }}
        />
      </Form.Item>
      <Form.Item name="q" style={item}>
        <Input.Search
          allowClear
          placeholder={t('orders.searchPlaceholder')}
          style={{ width: full(240) }}
          data-testid="order-filter-q"
          onSearch={apply}
        />
      </Form.Item>
    </Form>
  );
}

/** What was bought, in words: the goods, the membership level and term, or the top-up. */
export function OrderGoods({ order }: { order: OrderSummary }) {
  const { t } = useTranslation();
  switch (order.kind) {
    case 'GOODS':
      return <span data-testid="order-goods">{order.productName ?? '—'}</span>;
    case 'MEMBERSHIP':
      return (
        <span data-testid="order-goods">
          {order.membershipLevel ? t(`level.long.${order.membershipLevel}`) : t('orderKind.MEMBERSHIP')}
        </span>
      );
    case 'TOPUP':
      return (
        <span data-testid="order-goods">{t('orders.topupGoods', { amount: formatFen(order.totalFen) })}</span>
      );
  }
}

/** Newest first, one page at a time ("加载更多" follows `nextCursor`). */
export function useOrderPages(
  queryKey: readonly unknown[],
  fetchPage: (cursor: string | undefined) => Promise<OrderPage>,
  refetchInterval?: number | false,
) {
  return useInfiniteQuery({
    queryKey,
    queryFn: ({ pageParam }) => fetchPage(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    staleTime: 0,
    refetchInterval,
  });
}

export function OrderTable({
  query,
  merchant = false,
  emptyText,
}: {
  query: ReturnType<typeof useOrderPages>;
  merchant?: boolean;
  emptyText: string;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const phone = useIsPhone();
  if (query.isPending) return <Loading />;
  if (query.isError) return <ErrorResult error={query.error} onRetry={() => void query.refetch()} />;
  const rows = query.data.pages.flatMap((p) => p.items);
  if (rows.length === 0) return <EmptyState description={emptyText} />;
  const columns: TableColumnsType<OrderSummary> = [
    {
      key: 'no',
      title: t('orders.orderNo'),
      render: (_, o) =>
        merchant ? (
          <Typography.Text copyable data-testid="order-no">
            {o.orderNo}
          </Typography.Text>
        ) : (
          <Link to={orderPath(o.id)} data-testid="order-link" data-order-id={o.id}>
            {o.orderNo}
          </Link>
        ),
    },
    {
      key: 'goods',
      title: t('orders.goods'),
      render: (_, o) => (
        <Space orientation="vertical" size={2}>
          <OrderGoods order={o} />
          <Space size={4} wrap>
            <OrderKindTag kind={o.kind} />
            {o.memberPrice && <Tag color="red">{t('order.memberPrice')}</Tag>}
          </Space>
        </Space>
      ),
    },
    { key: 'qty', title: t('orders.quantity'), align: 'right', render: (_, o) => o.quantity },
    {
      key: 'total',
      title: t('orders.total'),
      align: 'right',
      render: (_, o) => (
        <Typography.Text strong data-testid="order-total">
          {formatFen(o.totalFen)}
        </Typography.Text>
      ),
    },
    ...(merchant
      ? [
          {
            key: 'level',
            title: t('orders.buyerLevel'),
            render: (_: unknown, o: OrderSummary) => <LevelTag level={o.buyerLevel} />,
          },
        ]
      : []),
    {
      key: 'method',
      title: t('orders.method'),
      render: (_, o) => <PaymentMethodText method={o.paymentMethod} />,
    },
    { key: 'state', title: t('orders.state'), render: (_, o) => <OrderStateTag state={o.state} /> },
    { key: 'created', title: t('common.createdAt'), render: (_, o) => formatTime(o.createdAt, lang) },
    ...(merchant
      ? [
          {
            key: 'settle',
            title: t('orders.settlement'),
            render: (_: unknown, o: OrderSummary) =>
              o.settledAt
                ? t('orders.settledAt', { time: formatTime(o.settledAt, lang) })
                : o.settleAfter
                  ? t('orders.settleAfter', { time: formatDeadline(o.settleAfter, lang) })
                  : '—',
          },
          {
            key: 'conversation',
            title: t('common.actions'),
            render: (_: unknown, o: OrderSummary) =>
              o.kind === 'GOODS' ? (
                <Link
                  to={orderConversationPath(o.id)}
                  data-testid="order-conversation-link"
                  data-order-id={o.id}
                >
                  {t('conversation.open')}
                </Link>
              ) : null,
          },
        ]
      : []),
  ];
  return (
    <Space orientation="vertical" size={12} style={{ width: '100%' }}>
      <ResponsiveList<OrderSummary>
        data-testid="orders-table"
        rowKey="id"
        size="middle"
        scroll={{ x: 960 }}
        dataSource={rows}
        pagination={false}
        columns={columns}
        card={{
          title: 'no',
          extra: 'state',
          testId: 'order-card',
          attrs: (o) => ({ 'data-order-id': o.id }),
        }}
      />
      <Flex justify="center">
        {query.hasNextPage ? (
          <Button
            onClick={() => void query.fetchNextPage()}
            loading={query.isFetchingNextPage}
            data-testid="orders-load-more"
            size={phone ? 'large' : undefined}
            block={phone}
          >
            {t('orders.loadMore')}
          </Button>
        ) : (
          <Typography.Text type="secondary">{t('orders.noMore')}</Typography.Text>
        )}
      </Flex>
    </Space>
  );
}
