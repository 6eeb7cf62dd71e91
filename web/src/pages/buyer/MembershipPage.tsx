import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App as AntApp,
  Button,
  Card,
  Col,
  Descriptions,
  Modal,
  Row,
  Space,
  Tag,
  Tooltip,
  Typography,
  type TableColumnsType,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ApiError, api, changedOffer } from '../../api';
import { useMe } from '../../auth';
import { modalTestId } from '../../components/modalTestId';
import { EmptyState, ErrorResult, Loading, useErrorText } from '../../components/QueryState';
import { RequireUser } from '../../components/RequireUser';
import { ResponsiveList } from '../../components/ResponsiveList';
import { LevelTag } from '../../components/tags';
import { formatDeadline, formatFen, formatTime } from '../../format';
import { useIdempotencyKey } from '../../idempotency';
import { useLang } from '../../i18n';
import type { MemberLevel, Membership, MembershipOffer, MembershipState } from '../../types';
import {
  invalidateLevel,
  invalidateMoney,
  MEMBERSHIPS_KEY,
  OFFERS_KEY,
  orderPath,
  WALLET_KEY,
} from './orderQueries';

const RANK: Record<MemberLevel, number> = { REGULAR: 1, VIP: 2, SUPER: 3 };
const STATE_COLOR: Record<MembershipState, string> = {
  ACTIVE: 'green',
  EXPIRED: 'default',
  REFUNDED: 'purple',
};
const OK_PROPS = { 'data-testid': 'membership-confirm-ok' } as const;

/**
 * Per-order quantity limit of each level. The public catalogue carries them on every product's
 * price list (the level table itself is admin-only), so any product on sale tells them.
 */
function useLevelLimits(): Partial<Record<MemberLevel, number>> {
  const products = useQuery({
    queryKey: ['products', 'levelLimits'],
    queryFn: () => api.products({}),
    staleTime: 5 * 60_000,
  });
  const prices = products.data?.items[0]?.prices ?? [];
  return Object.fromEntries(prices.map((p) => [p.level, p.maxQtyPerOrder]));
}

function OfferCard({
  offer,
  current,
  limits,
  onBuy,
}: {
  offer: MembershipOffer;
  current: MemberLevel;
  limits: Partial<Record<MemberLevel, number>>;
  onBuy: (offer: MembershipOffer) => void;
}) {
  const { t } = useTranslation();
  const lower = RANK[offer.level] < RANK[current];
  const same = offer.level === current;
  const limit = limits[offer.level];
  const regularLimit = limits.REGULAR;
  return (
    <Card
      data-testid={`membership-offer-${offer.level}`}
      title={<LevelTag level={offer.level} long />}
      style={{ height: '100%' }}
      actions={[
        <Tooltip key="buy" title={lower ? t('membership.lowerThanCurrent') : undefined}>
          <Button
            type="primary"
            disabled={lower}
            onClick={() => onBuy(offer)}
            data-testid={`membership-buy-${offer.level}`}
          >
            {same ? t('membership.renew') : t('membership.buy')}
          </Button>
        </Tooltip>,
      ]}
    >
      <Space orientation="vertical" size={8} style={{ width: '100%' }}>
        <Typography.Text strong style={{ fontSize: 24, color: '#d4380d' }} data-testid="membership-price">
          {formatFen(offer.priceFen)}
        </Typography.Text>
        <Typography.Text type="secondary">
          {t('membership.termDays', { count: offer.termDays })}
        </Typography.Text>
        <ul style={{ paddingInlineStart: 20, margin: 0 }} data-testid="membership-benefits">
          <li>{t(`membership.benefitPrice.${offer.level}`)}</li>
          {limit !== undefined && (
            <li>
              {regularLimit !== undefined && regularLimit !== limit
                ? t('membership.benefitLimitFrom', { from: regularLimit, count: limit })
                : t('membership.benefitLimit', { count: limit })}
            </li>
          )}
          <li>{t('membership.benefitRefund')}</li>
        </ul>
      </Space>
    </Card>
  );
}

function PeriodsTable({ items }: { items: Membership[] }) {
  const { t } = useTranslation();
  const lang = useLang();
  const columns: TableColumnsType<Membership> = [
    { key: 'level', title: t('membership.level'), render: (_, m) => <LevelTag level={m.level} long /> },
    { key: 'starts', title: t('membership.startsAt'), render: (_, m) => formatTime(m.startsAt, lang) },
    { key: 'ends', title: t('membership.endsAt'), render: (_, m) => formatTime(m.endsAt, lang) },
    {
      key: 'state',
      title: t('orders.state'),
      render: (_, m) => <Tag color={STATE_COLOR[m.state]}>{t(`membershipState.${m.state}`)}</Tag>,
    },
    {
      key: 'refundable',
      title: t('membership.refundable'),
      render: (_, m) => (
        <Tooltip title={m.refundable ? t('membership.refundableHelp') : t('membership.notRefundableHelp')}>
          <Tag
            color={m.refundable ? 'green' : 'default'}
            data-testid="membership-refundable"
            data-refundable={m.refundable ? 'true' : 'false'}
          >
            {m.refundable ? t('membership.refundableYes') : t('membership.refundableNo')}
          </Tag>
        </Tooltip>
      ),
    },
    {
      key: 'order',
      title: t('orders.orderNo'),
      render: (_, m) => <Link to={orderPath(m.orderId)}>{t('membership.viewOrder')}</Link>,
    },
  ];
  return (
    <ResponsiveList<Membership>
      card={{ title: 'level', extra: 'state', testId: 'membership-period' }}
      data-testid="membership-periods"
      rowKey="id"
      size="middle"
      scroll={{ x: 760 }}
      dataSource={items}
      pagination={{ pageSize: 20, hideOnSinglePage: true }}
      columns={columns}
    />
  );
}

function MembershipView() {
  const { t } = useTranslation();
  const lang = useLang();
  const qc = useQueryClient();
  const { message } = AntApp.useApp();
  const errorText = useErrorText();
  const { user } = useMe();
  const idem = useIdempotencyKey();
  const limits = useLevelLimits();
  const [buying, setBuying] = useState<MembershipOffer | null>(null);
  const [error, setError] = useState<unknown>(null);
  const offers = useQuery({ queryKey: OFFERS_KEY, queryFn: api.membershipOffers });
  const periods = useQuery({ queryKey: MEMBERSHIPS_KEY, queryFn: api.memberships, staleTime: 0 });
  const wallet = useQuery({ queryKey: WALLET_KEY, queryFn: api.wallet, staleTime: 0 });
  const current: MemberLevel = user?.memberLevel ?? 'REGULAR';

  const buy = useMutation({
    mutationFn: (offer: MembershipOffer) => {
      // The buyer confirms the price and term shown in the dialog; a changed offer is refused (409).
      const input = { level: offer.level, priceFen: offer.priceFen, termDays: offer.termDays };
      return api.buyMembership(input, idem.keyFor(input));
    },
    onSuccess: (order) => {
      idem.settle();
      setBuying(null);
      invalidateMoney(qc);
      invalidateLevel(qc);
      void message.success(
        t('membership.bought', { level: t(`level.long.${order.membershipLevel ?? 'SUPER'}`) }),
      );
    },
    onError: (err) => {
      idem.settle(err);
      setError(err);
      const offer = changedOffer(err);
      if (offer) {
        // Show the new price and term in the same dialog: the buyer confirms again or cancels.
        setBuying((b) => (b ? { ...b, ...offer } : b));
        void qc.invalidateQueries({ queryKey: OFFERS_KEY });
      }
      if (err instanceof ApiError && err.code === 'ledger.insufficient_funds') {
        void qc.invalidateQueries({ queryKey: WALLET_KEY });
      }
    },
  });

  const open = (offer: MembershipOffer) => {
    setError(null);
    setBuying(offer);
  };
  const balance = wallet.data?.balanceFen;
  const short = buying !== null && balance !== undefined && balance < buying.priceFen;
  const activeEnd = periods.data?.items
    .filter((m) => m.state === 'ACTIVE' && m.level === current)
    .reduce<string | null>((end, m) => (end === null || m.endsAt > end ? m.endsAt : end), null);

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Card title={t('membership.current')} data-testid="membership-current">
        <Descriptions
          size="small"
          column={{ xs: 1, sm: 3 }}
          items={[
            {
              key: 'level',
              label: t('membership.level'),
              children: (
                <span data-testid="membership-current-level" data-level={current}>
                  <LevelTag level={current} long />
                </span>
              ),
            },
            ...(activeEnd
              ? [{ key: 'until', label: t('membership.until'), children: formatDeadline(activeEnd, lang) }]
              : []),
            {
              key: 'balance',
              label: t('wallet.balance'),
              children: (
                <Space size={8}>
                  <span data-testid="membership-balance">
                    {balance === undefined ? '—' : formatFen(balance)}
                  </span>
                  <Link to="/me/wallet">{t('wallet.topUpLink')}</Link>
                </Space>
              ),
            },
          ]}
        />
      </Card>
      {offers.isPending ? (
        <Loading />
      ) : offers.isError ? (
        <ErrorResult error={offers.error} onRetry={() => void offers.refetch()} />
      ) : offers.data.items.length === 0 ? (
        <EmptyState description={t('membership.noOffers')} />
      ) : (
        <Row gutter={[16, 16]}>
          {offers.data.items.map((o) => (
            <Col key={o.level} xs={24} md={12}>
              <OfferCard offer={o} current={current} limits={limits} onBuy={open} />
            </Col>
          ))}
        </Row>
      )}
      <Card title={t('membership.periods')}>
        <Typography.Paragraph type="secondary">{t('membership.refundRule')}</Typography.Paragraph>
        {periods.isPending ? (
          <Loading />
        ) : periods.isError ? (
          <ErrorResult error={periods.error} onRetry={() => void periods.refetch()} />
        ) : periods.data.items.length === 0 ? (
          <EmptyState description={t('membership.noPeriods')} />
        ) : (
          <PeriodsTable items={periods.data.items} />
        )}
      </Card>
      <Modal
        open={buying !== null}
        title={buying ? t('membership.confirmTitle', { level: t(`level.long.${buying.level}`) }) : ''}
        onOk={() => buying && buy.mutate(buying)}
        onCancel={() => setBuying(null)}
        okText={t('membership.confirmOk')}
        cancelText={t('common.cancel')}
        okButtonProps={{ ...OK_PROPS, disabled: short }}
        confirmLoading={buy.isPending}
        destroyOnHidden
        modalRender={modalTestId('membership-confirm')}
      >
        {buying && (
          <Space orientation="vertical" size={12} style={{ width: '100%' }}>
            <Typography.Paragraph style={{ margin: 0 }}>
              {t('membership.confirmBody', {
                amount: formatFen(buying.priceFen),
                level: t(`level.long.${buying.level}`),
                count: buying.termDays,
              })}
            </Typography.Paragraph>
            <Typography.Text>
              {t('wallet.balance')}: {balance === undefined ? '—' : formatFen(balance)}
            </Typography.Text>
            <Alert type="info" showIcon title={t('membership.refundRule')} />
            {short && (
              <Alert
                type="warning"
                showIcon
                title={t('checkout.balanceShort')}
                action={
                  <Link to="/me/wallet">
                    <Button size="small">{t('wallet.topUpLink')}</Button>
                  </Link>
                }
              />
            )}
            {error !== null && (
              <Alert type="error" showIcon data-testid="membership-error" title={errorText(error)} />
            )}
          </Space>
        )}
      </Modal>
    </Space>
  );
}

/** /me/membership (会员): VIP and 超会 bought with balance. */
export default function MembershipPage() {
  const { t } = useTranslation();
  return (
    <RequireUser buyer loginText={t('membership.loginRequired')}>
      <Space orientation="vertical" size={16} style={{ width: '100%' }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('membership.title')}
        </Typography.Title>
        <MembershipView />
      </Space>
    </RequireUser>
  );
}
