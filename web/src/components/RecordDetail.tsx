import type { UseQueryResult } from '@tanstack/react-query';
import { Alert, Button, Flex, Result, Space, Table, Timeline, Typography, type TableColumnsType } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ApiError } from '../api';
import { formatFen, formatTime } from '../format';
import { useLang } from '../i18n';
import { EmptyState, ErrorResult, Loading } from './QueryState';

// The parts a record's detail page (an order, an after-sales request) is built of.

/**
 * A detail page's frame: the way back (and any tools beside it) on top, then the record, or while it
 * loads a spinner, a 404 with a button back, or the load error with a retry.
 */
export function DetailFrame<T>({
  query,
  back,
  tools,
  notFound,
  backButton = back.label,
  backOnError = false,
  children,
}: {
  query: UseQueryResult<T>;
  /** Where “back” leads, its words, and the link's test id. */
  back: { to: string; label: string; testId: string };
  tools?: ReactNode;
  /** The 404's text. */
  notFound: string;
  /** The words on the 404's button back (the link's unless said). */
  backButton?: string;
  /** The button back beside the retry on a failed load too. */
  backOnError?: boolean;
  children: (data: T) => ReactNode;
}) {
  const backLink = (
    <Link to={back.to}>
      <Button>{backButton}</Button>
    </Link>
  );
  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Flex justify="space-between" align="center">
        <Link to={back.to} data-testid={back.testId}>
          ← {back.label}
        </Link>
        {tools}
      </Flex>
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        query.error instanceof ApiError && query.error.status === 404 ? (
          <Result status="404" title="404" subTitle={notFound} extra={backLink} data-testid="not-found" />
        ) : (
          <ErrorResult
            error={query.error}
            onRetry={() => void query.refetch()}
            extra={backOnError ? backLink : undefined}
          />
        )
      ) : (
        children(query.data)
      )}
    </Space>
  );
}

/** A record's card title: what it is, its number (copyable), then its tags. */
export function RecordTitle({
  title,
  no,
  testId,
  children,
}: {
  title: string;
  no: string;
  /** The number's test id. */
  testId: string;
  children?: ReactNode;
}) {
  return (
    <Space wrap>
      <span>{title}</span>
      <Typography.Text copyable code data-testid={testId}>
        {no}
      </Typography.Text>
      {children}
    </Space>
  );
}

/** The money of a record (an order's total, a refund), stressed; the fen in `data-fen`. */
export function AmountText({ fen, testId }: { fen: number; testId: string }) {
  return (
    <Typography.Text strong style={{ color: '#d4380d' }} data-testid={testId} data-fen={fen}>
      {formatFen(fen)}
    </Typography.Text>
  );
}

/** Events as a timeline, each under its time (to the second); “no events” when there are none. */
export function EventTimeline<E extends { at: string }>({
  events,
  testId,
  render,
}: {
  events: readonly E[];
  testId: string;
  render: (event: E) => ReactNode;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  if (events.length === 0) return <EmptyState description={t('timeline.empty')} />;
  return (
    <Timeline
      data-testid={testId}
      items={events.map((e, i) => ({
        key: `${i}-${e.at}`,
        title: formatTime(e.at, lang, true),
        content: render(e),
      }))}
    />
  );
}

/** Money paid out (refunds, settlements) in a compact table. */
export function PayoutsTable<P extends { id: string }>({
  payouts,
  columns,
  testId,
}: {
  payouts: P[];
  columns: TableColumnsType<P>;
  testId: string;
}) {
  return (
    <Table<P>
      data-testid={testId}
      rowKey="id"
      size="small"
      pagination={false}
      scroll={{ x: 760 }}
      dataSource={payouts}
      columns={columns}
    />
  );
}

/** A warning whose points are listed (the `<li>`s as children). */
export function WarningsAlert({
  title,
  testId,
  children,
}: {
  title: string;
  testId: string;
  children: ReactNode;
}) {
  return (
    <Alert
      type="warning"
      showIcon
      data-testid={testId}
      title={title}
      description={<ul style={{ margin: 0, paddingInlineStart: 18 }}>{children}</ul>}
    />
  );
}
