import { useQuery } from '@tanstack/react-query';
import { Button, Card, Col, Flex, List, Row, Statistic, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ErrorResult, Loading } from '../../components/QueryState';
import { RequireUser } from '../../components/RequireUser';
import { formatFen, formatTime } from '../../format';
import { useLang } from '../../i18n';
import { serverNow } from '../../serverClock';
import { consoleApi } from '../admin/consoleApi';

/** /merchant/home (商家首页): today's sales, refund requests to review by deadline, low stock, shortcuts. */
export default function MerchantHome() {
  const { t } = useTranslation();
  return (
    <RequireUser merchant>
      <Flex vertical gap={16}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('console.home.title')}
        </Typography.Title>
        <HomeBody />
      </Flex>
    </RequireUser>
  );
}

function HomeBody() {
  const { t } = useTranslation();
  const lang = useLang();
  const nowMs = serverNow();
  const home = useQuery({
    queryKey: ['merchant', 'home'],
    queryFn: consoleApi.merchantHome,
    refetchInterval: 60_000,
  });
  if (home.isPending) return <Loading />;
  if (home.isError) return <ErrorResult error={home.error} onRetry={() => void home.refetch()} />;
  const h = home.data;
  const { direct, channel } = h.sales;
  return (
    <>
      <Card title={t('console.home.today', { day: h.day })} size="small" data-testid="home-sales">
        <Row gutter={[16, 16]}>
          <Col xs={12} sm={8}>
            <Statistic title={t('console.home.orders')} value={direct.orders} data-testid="home-orders" />
          </Col>
          <Col xs={12} sm={8}>
            <Statistic title={t('console.home.units')} value={direct.units} data-testid="home-units" />
          </Col>
          <Col xs={24} sm={8}>
            <Statistic
              title={t('console.home.amount')}
              value={formatFen(direct.amountFen)}
              data-testid="home-amount"
            />
          </Col>
        </Row>
        <Typography.Paragraph type="secondary" style={{ margin: '12px 0 0' }}>
          {channel.orders > 0
            ? t('console.home.channelNote', {
                orders: channel.orders,
                units: channel.units,
                amount: formatFen(channel.amountFen),
              })
            : t('console.home.noChannel')}
        </Typography.Paragraph>
      </Card>
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={14}>
          <Card
            title={t('console.home.reviews')}
            size="small"
            data-testid="home-reviews"
            extra={
              h.pendingReviews.total > 0 && (
                <Link to="/merchant/refunds">
                  {t('console.home.reviewsMore', { total: h.pendingReviews.total })}
                </Link>
              )
            }
          >
            <List
              dataSource={h.pendingReviews.items}
              locale={{ emptyText: t('console.home.reviewsEmpty') }}
              renderItem={(r) => {
                const overdue = r.reviewDueAt !== null && Date.parse(r.reviewDueAt) <= nowMs;
                return (
                  <List.Item key={r.id}>
                    <Flex vertical gap={2} style={{ minWidth: 0, width: '100%' }}>
                      <Flex wrap gap={8} justify="space-between">
                        <Link to={`/merchant/refunds/${r.id}`} data-testid={`home-review-${r.id}`}>
                          {r.requestNo} · {r.productName ?? r.orderNo}
                        </Link>
                        <Typography.Text>{formatFen(r.amountFen)}</Typography.Text>
                      </Flex>
                      <Flex wrap gap={8} align="center">
                        <Typography.Text type={overdue ? 'danger' : 'secondary'}>
                          {r.reviewDueAt
                            ? t('console.home.due', { time: formatTime(r.reviewDueAt, lang) })
                            : t('console.home.noDue')}
                        </Typography.Text>
                        {overdue && <Tag color="red">{t('console.home.overdue')}</Tag>}
                      </Flex>
                    </Flex>
                  </List.Item>
                );
              }}
            />
          </Card>
        </Col>
        <Col xs={24} lg={10}>
          <Card title={t('console.home.lowStock')} size="small" data-testid="home-low-stock">
            <Typography.Paragraph type="secondary">
              {t('console.home.lowStockNote', { n: h.lowStock.defaultThreshold })}
            </Typography.Paragraph>
            <List
              dataSource={h.lowStock.items}
              locale={{ emptyText: t('console.home.lowStockEmpty') }}
              renderItem={(p) => (
                <List.Item
                  key={p.productId}
                  extra={
                    <Link to={`/merchant/products/${p.productId}/keys`}>
                      <Button size="small" style={{ minHeight: 32 }}>
                        {t('console.home.manageKeys')}
                      </Button>
                    </Link>
                  }
                >
                  <Flex vertical gap={2} style={{ minWidth: 0 }}>
                    <Typography.Text strong ellipsis>
                      {p.name}
                    </Typography.Text>
                    <Typography.Text type={p.available === 0 ? 'danger' : 'warning'}>
                      {t('console.home.available', { n: p.available })}
                      {p.lowStockThreshold !== null &&
                        ` · ${t('console.home.threshold', { n: p.lowStockThreshold })}`}
                    </Typography.Text>
                  </Flex>
                </List.Item>
              )}
            />
          </Card>
        </Col>
      </Row>
      <Card title={t('console.home.links')} size="small">
        <Flex wrap gap={8}>
          <Link to="/merchant">
            <Button style={{ minHeight: 40 }}>{t('console.home.linkProducts')}</Button>
          </Link>
          <Link to="/merchant/refunds">
            <Button style={{ minHeight: 40 }}>{t('console.home.linkRefunds')}</Button>
          </Link>
          <Link to="/merchant/finance">
            <Button style={{ minHeight: 40 }}>{t('console.home.linkFinance')}</Button>
          </Link>
          <Link to="/merchant/tokens" data-testid="home-tokens-link">
            <Button style={{ minHeight: 40 }}>{t('console.home.linkTokens')}</Button>
          </Link>
        </Flex>
      </Card>
    </>
  );
}
