import {
  Card,
  ConfigProvider,
  Flex,
  Grid,
  Pagination,
  Spin,
  Table,
  Typography,
  type TableColumnsType,
  type TableProps,
} from 'antd';
import { useState, type CSSProperties, type ReactNode } from 'react';

/** antd's `md` breakpoint: below it is a phone (the compact header, cards instead of tables). */
export const PHONE_MAX_WIDTH = 767.98;
const PHONE_QUERY = `(max-width: ${PHONE_MAX_WIDTH}px)`;

/** The screen as it is now (antd's hook answers only after its first layout effect). */
function phoneNow(): boolean {
  if (typeof window === 'undefined' || typeof window.matchMedia !== 'function') return false;
  return window.matchMedia(PHONE_QUERY).matches;
}

/**
 * True on a phone (narrower than 768 px), through antd's `Grid.useBreakpoint()`; before that hook
 * has measured (the first render) the media query itself answers, so nothing renders twice.
 */
export function useIsPhone(): boolean {
  const screens = Grid.useBreakpoint();
  return screens.md === undefined ? phoneNow() : !screens.md;
}

/** What the cards take from a table: the columns as-is, plus which column heads the card. */
export interface CardOptions<T> {
  /** The card's heading: a column's key (rendered as that column renders) or a render function. */
  title?: string | ((row: T, index: number) => ReactNode);
  /** Something shown on the heading's right (a state tag, the amount), likewise. */
  extra?: string | ((row: T, index: number) => ReactNode);
  /** Column keys not repeated in the card's body (typically those in the title and extra). */
  hide?: readonly string[];
  /** Replaces the whole card body (the fields); the card frame, title and extra stay. */
  body?: (row: T, index: number) => ReactNode;
  /** Rendered below the fields, likewise: typically the actions column (its buttons 40 px tall). */
  footer?: string | ((row: T, index: number) => ReactNode);
  /** data-testid of each card (the rows' own test ids inside the cells are kept either way). */
  testId?: string;
  /** Extra attributes on each card, e.g. a data-order-id for tests. */
  attrs?: (row: T) => Record<string, string | number | undefined>;
}

export interface ResponsiveListProps<T> extends Omit<TableProps<T>, 'columns' | 'dataSource' | 'rowKey'> {
  columns: TableColumnsType<T>;
  dataSource: readonly T[];
  rowKey: (keyof T & string) | ((row: T) => string);
  /** How a row becomes a card on a phone. Without it, a card lists every column as 「title: value」. */
  card?: CardOptions<T>;
  /** data-testid of the table on desktop and of the card list on a phone. */
  'data-testid'?: string;
}

type Column<T> = TableColumnsType<T>[number];

const columnKey = <T,>(c: Column<T>, i: number): string =>
  c.key !== undefined
    ? String(c.key)
    : 'dataIndex' in c && c.dataIndex !== undefined
      ? String(c.dataIndex)
      : `#${i}`;

/** A cell as the table would render it: the column's render, else the row's field. */
function cellOf<T>(c: Column<T>, row: T, index: number): ReactNode {
  const value =
    'dataIndex' in c && typeof c.dataIndex === 'string'
      ? (row as Record<string, unknown>)[c.dataIndex]
      : undefined;
  if (c.render) {
    const rendered: unknown = c.render(value, row, index);
    // a render may return cell props ({ children, props }); cards want the children only
    if (
      rendered &&
      typeof rendered === 'object' &&
      'children' in rendered &&
      'props' in rendered &&
      !('$$typeof' in rendered)
    )
      return (rendered as { children: ReactNode }).children;
    return rendered as ReactNode;
  }
  return value === null || value === undefined ? '—' : (value as ReactNode);
}

const titleText = <T,>(c: Column<T>): ReactNode => (typeof c.title === 'function' ? null : c.title);

/** Inside the cards every button, small ones included, is a 40-px touch target. */
export const TOUCH_THEME = { components: { Button: { controlHeight: 40, controlHeightSM: 40 } } } as const;

const labelStyle: CSSProperties = { flex: '0 0 auto', maxWidth: '40%' };
const valueStyle: CSSProperties = { minWidth: 0, textAlign: 'right', overflowWrap: 'anywhere' };

/**
 * "A table on desktop, cards on a phone": the same columns (and so the same information, links,
 * buttons and test ids) rendered as an antd Table from 768 px up and as a stack of cards below.
 * Pagination (`pagination={{ pageSize }}`) pages the cards too; `loading` and `locale.emptyText`
 * are honoured on both.
 */
export function ResponsiveList<T extends object>(props: ResponsiveListProps<T>) {
  const { columns, dataSource, rowKey, card, pagination, loading, locale, ...tableProps } = props;
  const phone = useIsPhone();
  const [page, setPage] = useState(1);
  if (!phone)
    return (
      <Table<T>
        {...tableProps}
        rowKey={rowKey}
        columns={columns}
        dataSource={dataSource}
        pagination={pagination}
        loading={loading}
        locale={locale}
      />
    );

  const pageSize = pagination && typeof pagination === 'object' ? (pagination.pageSize ?? 10) : undefined;
  const shown = pageSize ? dataSource.slice((page - 1) * pageSize, page * pageSize) : dataSource;
  const offset = pageSize ? (page - 1) * pageSize : 0;
  const visible = columns.filter((c) => !c.hidden);
  const part = (spec: CardOptions<T>['title'], row: T, index: number): ReactNode => {
    if (spec === undefined) return undefined;
    if (typeof spec === 'function') return spec(row, index);
    const c = visible.find((col, i) => columnKey(col, i) === spec);
    return c ? cellOf(c, row, index) : undefined;
  };
  const hidden = new Set<string>([
    ...(card?.hide ?? []),
    ...(typeof card?.title === 'string' ? [card.title] : []),
    ...(typeof card?.extra === 'string' ? [card.extra] : []),
    ...(typeof card?.footer === 'string' ? [card.footer] : []),
  ]);
  const keyOf = (row: T): string => (typeof rowKey === 'function' ? rowKey(row) : String(row[rowKey]));
  const busy = typeof loading === 'object' ? loading.spinning : loading;

  return (
    <div data-testid={props['data-testid']} data-layout="cards" style={{ width: '100%' }}>
      <ConfigProvider theme={TOUCH_THEME}>
        <Spin spinning={Boolean(busy)}>
          <Flex vertical gap={12}>
            {shown.length === 0 && !busy ? (
              <div>{locale?.emptyText as ReactNode}</div>
            ) : (
              shown.map((row, i) => {
                const index = offset + i;
                const title = part(card?.title, row, index);
                const extra = part(card?.extra, row, index);
                const footer = part(card?.footer, row, index);
                return (
                  <Card
                    key={keyOf(row)}
                    size="small"
                    data-testid={card?.testId}
                    data-row-key={keyOf(row)}
                    {...(card?.attrs?.(row) ?? {})}
                    title={title}
                    extra={extra}
                    styles={{
                      header: { minHeight: 44 },
                      title: { whiteSpace: 'normal', overflowWrap: 'anywhere' },
                    }}
                  >
                    {card?.body ? (
                      card.body(row, index)
                    ) : (
                      <Flex vertical gap={6}>
                        {visible.map((c, ci) =>
                          hidden.has(columnKey(c, ci)) ? null : (
                            <Flex key={columnKey(c, ci)} justify="space-between" align="baseline" gap={12}>
                              <Typography.Text type="secondary" style={labelStyle}>
                                {titleText(c)}
                              </Typography.Text>
                              <div style={valueStyle}>{cellOf(c, row, index)}</div>
                            </Flex>
                          ),
                        )}
                      </Flex>
                    )}
                    {footer !== undefined && footer !== null && <div style={{ marginTop: 12 }}>{footer}</div>}
                  </Card>
                );
              })
            )}
            {pageSize && dataSource.length > pageSize && (
              <Flex justify="center">
                <Pagination
                  simple
                  current={page}
                  pageSize={pageSize}
                  total={dataSource.length}
                  onChange={setPage}
                />
              </Flex>
            )}
          </Flex>
        </Spin>
      </ConfigProvider>
    </div>
  );
}
