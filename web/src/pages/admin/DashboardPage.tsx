import { useQuery } from '@tanstack/react-query';
import { Card, Col, Flex, Grid, List, Row, Segmented, Statistic, Table, Typography } from 'antd';
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import ReactEChartsCore from 'echarts-for-react/esm/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { consoleApi, type Dashboard } from '../../api/consoleb';
import { ErrorResult, Loading } from '../../components/QueryState';
import { formatFen, formatTime } from '../../format';
import { useLang } from '../../i18n';
import { ConsoleLayout } from './ConsoleLayout';

// Only the chart types this page draws (keeps the chunk small).
echarts.use([
  BarChart,
  LineChart,
  PieChart,
  GridComponent,
  LegendComponent,
  TitleComponent,
  TooltipComponent,
  CanvasRenderer,
]);

const WINDOWS = [7, 30, 90] as const;
const pct = (bp: number | null): string => (bp === null ? '—' : `${(bp / 100).toFixed(2)}%`);

function Chart({ option, height, testId }: { option: object; height: number; testId: string }) {
  return (
    <div data-testid={testId} style={{ width: '100%', minWidth: 0 }}>
      <ReactEChartsCore echarts={echarts} option={option} notMerge style={{ height, width: '100%' }} />
    </div>
  );
}

function ByDay({ d }: { d: Dashboard }) {
  const { t } = useTranslation();
  const days = d.byDay.map((x) => x.day.slice(5));
  const counts = {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 36, right: 12, top: 36, bottom: 28 },
    xAxis: { type: 'category', data: days },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      { name: t('cdash.seriesOrders'), type: 'bar', data: d.byDay.map((x) => x.orders) },
      {
        name: t('cdash.seriesRefunds'),
        type: 'line',
        smooth: true,
        data: d.byDay.map((x) => x.refundRequests),
      },
    ],
  };
  const money = {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 56, right: 12, top: 36, bottom: 28 },
    xAxis: { type: 'category', data: days },
    yAxis: { type: 'value' },
    series: [
      { name: t('cdash.seriesSales'), type: 'bar', data: d.byDay.map((x) => x.salesFen / 100) },
      {
        name: t('cdash.seriesRefunded'),
        type: 'bar',
        data: d.byDay.map((x) => x.refundedFen / 100),
      },
    ],
  };
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} lg={12}>
        <Card size="small" title={t('cdash.byDay')}>
          <Chart option={counts} height={280} testId="chart-by-day" />
        </Card>
      </Col>
      <Col xs={24} lg={12}>
        <Card size="small" title={t('cdash.money')}>
          <Chart option={money} height={280} testId="chart-money" />
        </Card>
      </Col>
    </Row>
  );
}

function Breakdowns({ d }: { d: Dashboard }) {
  const { t } = useTranslation();
  const decided = d.disputes.buyer + d.disputes.merchant + d.disputes.split;
  const disputes = {
    tooltip: { trigger: 'item' },
    legend: { bottom: 0 },
    // nothing decided: say so instead of drawing an empty ring
    title:
      decided === 0
        ? {
            text: t('cdash.noDisputes'),
            left: 'center',
            top: 'middle',
            textStyle: { fontSize: 14, color: '#999' },
          }
        : undefined,
    series: [
      {
        type: 'pie',
        stillShowZeroSum: false,
        radius: ['40%', '65%'],
        top: -20,
        label: { formatter: '{c}' },
        data: [
          { name: t('cdash.disputeBuyer'), value: d.disputes.buyer },
          { name: t('cdash.disputeMerchant'), value: d.disputes.merchant },
          { name: t('cdash.disputeSplit'), value: d.disputes.split },
        ],
      },
    ],
  };
  const deadlines = {
    tooltip: { trigger: 'axis' },
    grid: { left: 12, right: 24, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: {
      type: 'category',
      data: [t('cdash.autoApproved'), t('cdash.toSupport'), t('cdash.supportOverdue')],
      axisLabel: { width: 110, overflow: 'break' },
    },
    series: [
      {
        type: 'bar',
        data: [d.deadlines.autoApproved, d.deadlines.toSupport, d.deadlines.supportOverdue],
      },
    ],
  };
  const payouts = [
    [t('cdash.delayedAlerts'), d.payouts.delayedAlerts],
    [t('cdash.delayedOpen'), d.payouts.delayedOpen],
    [t('cdash.processingOverdue'), d.payouts.processingOverdue],
    [t('cdash.abnormal'), d.payouts.abnormal],
  ] as const;
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} md={12} lg={8}>
        <Card size="small" title={t('cdash.deadlines')}>
          <Chart option={deadlines} height={200} testId="chart-deadlines" />
        </Card>
      </Col>
      <Col xs={24} md={12} lg={8}>
        <Card
          size="small"
          title={t('cdash.disputes')}
          extra={
            <Typography.Text type="secondary">
              {t('cdash.disputeOpen')} {d.disputes.open}
            </Typography.Text>
          }
        >
          <Chart option={disputes} height={200} testId="chart-disputes" />
        </Card>
      </Col>
      <Col xs={24} lg={8}>
        <Card size="small" title={t('cdash.payouts')} data-testid="dash-payouts">
          <List
            size="small"
            dataSource={[...payouts]}
            renderItem={([label, n]) => (
              <List.Item
                extra={
                  <Typography.Text strong type={n > 0 ? 'danger' : undefined}>
                    {n}
                  </Typography.Text>
                }
              >
                {label}
              </List.Item>
            )}
          />
        </Card>
      </Col>
    </Row>
  );
}

function Ranking({ d }: { d: Dashboard }) {
  const { t } = useTranslation();
  const screens = Grid.useBreakpoint();
  const rows = d.merchants.map((m, i) => ({ ...m, rank: i + 1 }));
  return (
    <Card size="small" title={t('cdash.ranking')} data-testid="dash-ranking">
      {screens.md ? (
        <Table
          rowKey="merchantId"
          size="small"
          pagination={false}
          dataSource={rows}
          locale={{ emptyText: t('cdash.rankingEmpty') }}
          columns={[
            { title: t('cdash.rank'), dataIndex: 'rank', width: 48 },
            { title: t('cdash.merchant'), dataIndex: 'name' },
            {
              title: t('cdash.sales'),
              key: 'sales',
              align: 'right',
              render: (_, m) => formatFen(m.salesFen),
            },
            { title: t('cdash.orders'), dataIndex: 'orders', align: 'right' },
            {
              title: t('cdash.refundRate'),
              key: 'rate',
              align: 'right',
              render: (_, m) => pct(m.refundRateBp),
            },
            { title: t('cdash.disputesLost'), dataIndex: 'disputesLost', align: 'right' },
          ]}
        />
      ) : (
        <List
          size="small"
          dataSource={rows}
          locale={{ emptyText: t('cdash.rankingEmpty') }}
          renderItem={(m) => (
            <List.Item style={{ display: 'block' }}>
              <Typography.Text strong style={{ overflowWrap: 'anywhere' }}>
                {m.rank}. {m.name}
              </Typography.Text>
              <div>
                <Typography.Text type="secondary">
                  {t('cdash.sales')} {formatFen(m.salesFen)} · {t('cdash.orders')} {m.orders} ·{' '}
                  {t('cdash.refundRate')} {pct(m.refundRateBp)} · {t('cdash.disputesLost')} {m.disputesLost}
                </Typography.Text>
              </div>
            </List.Item>
          )}
        />
      )}
    </Card>
  );
}

export default function DashboardPage() {
  const { t } = useTranslation();
  const lang = useLang();
  const [days, setDays] = useState<number>(30);
  const q = useQuery({ queryKey: ['admin', 'dashboard', days], queryFn: () => consoleApi.dashboard(days) });
  const d = q.data;
  return (
    <ConsoleLayout
      title={t('cdash.title')}
      access="support"
      extra={
        <Segmented
          value={days}
          onChange={(v) => setDays(Number(v))}
          options={WINDOWS.map((n) => ({ value: n, label: t('cdash.days', { n }) }))}
          data-testid="dash-days"
        />
      }
    >
      {q.isPending ? (
        <Loading />
      ) : q.isError || !d ? (
        <ErrorResult error={q.error} onRetry={() => void q.refetch()} />
      ) : (
        <Flex vertical gap={16} data-testid="dashboard">
          <Typography.Text type="secondary">
            {t('cdash.window', { from: formatTime(d.from, lang), at: formatTime(d.at, lang) })}
          </Typography.Text>
          <Row gutter={[16, 16]}>
            {[
              [t('cdash.orders'), String(d.totals.orders), null],
              [t('cdash.sales'), formatFen(d.totals.salesFen), null],
              [t('cdash.refundRequests'), String(d.totals.refundRequests), formatFen(d.totals.refundedFen)],
              [
                t('cdash.refundRate'),
                pct(d.totals.refundRateBp),
                t('cdash.refundRateHint', {
                  delivered: d.totals.unitsDelivered,
                  refunded: d.totals.unitsRefunded,
                }),
              ],
              [
                t('cdash.medianDecision'),
                d.totals.medianDecisionHours === null
                  ? t('cdash.none')
                  : t('cdash.hours', { n: d.totals.medianDecisionHours }),
                t('cdash.decisions', { n: d.totals.decisions }),
              ],
            ].map(([title, value, hint]) => (
              <Col key={title} xs={12} md={8} xl={4}>
                <Card size="small" style={{ height: '100%' }}>
                  <Statistic title={title} value={value ?? ''} />
                  {hint && <Typography.Text type="secondary">{hint}</Typography.Text>}
                </Card>
              </Col>
            ))}
          </Row>
          <ByDay d={d} />
          <Breakdowns d={d} />
          <Ranking d={d} />
        </Flex>
      )}
    </ConsoleLayout>
  );
}
