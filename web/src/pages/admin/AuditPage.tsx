import { useInfiniteQuery, useMutation, useQuery } from '@tanstack/react-query';
import {
  Alert,
  Button,
  Card,
  DatePicker,
  Descriptions,
  Flex,
  Form,
  Input,
  List,
  Tag,
  Typography,
} from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { consoleApi, type AuditEvent, type AuditQuery } from '../../api/consoleb';
import { EmptyState, ErrorAlert, ErrorResult, Loading } from '../../components/QueryState';
import { formatTime } from '../../format';
import { useLang } from '../../i18n';
import { ConsoleLayout } from './ConsoleLayout';

const PAGE = 50;

type Filter = Pick<AuditQuery, 'objectType' | 'objectId' | 'actorId' | 'action' | 'from' | 'to'>;
interface FormValues {
  objectType?: string;
  objectId?: string;
  actorId?: string;
  action?: string;
  range?: [Dayjs | null, Dayjs | null] | null;
}

/** A detail value as a person reads it: text as is, anything else as compact JSON. */
function show(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function EventItem({ e, onObject }: { e: AuditEvent; onObject: (type: string, id: string) => void }) {
  const { t } = useTranslation();
  const lang = useLang();
  const entries = Object.entries(e.data);
  const actor = e.actorName
    ? `${e.actorName} (${e.actorRole})`
    : e.actorRole.startsWith('system:')
      ? `${t('caudit.system')} · ${e.actorRole.slice(7)}`
      : `${e.actorRole}${e.actorId ? ` · ${e.actorId}` : ''}`;
  return (
    <List.Item data-testid="audit-event" style={{ display: 'block' }}>
      <Flex vertical gap={4} style={{ minWidth: 0 }}>
        <Flex gap={8} wrap align="center">
          <Tag color="blue" data-testid="audit-action">
            {e.action}
          </Tag>
          <Typography.Text type="secondary">#{e.seq}</Typography.Text>
          <Typography.Text type="secondary">{formatTime(e.at, lang, true)}</Typography.Text>
        </Flex>
        <Typography.Text style={{ overflowWrap: 'anywhere' }}>
          {e.objectType}:{' '}
          <Typography.Link
            onClick={() => onObject(e.objectType, e.objectId)}
            title={t('caudit.filterObject')}
          >
            {e.objectId}
          </Typography.Link>
        </Typography.Text>
        <Typography.Text type="secondary" style={{ overflowWrap: 'anywhere' }}>
          {t('caudit.actor')}：{actor}
        </Typography.Text>
        {entries.length > 0 ? (
          <Descriptions
            size="small"
            column={1}
            bordered
            styles={{ label: { width: 120, whiteSpace: 'nowrap' }, content: { overflowWrap: 'anywhere' } }}
            items={entries.map(([k, v]) => ({ key: k, label: k, children: show(v) }))}
          />
        ) : null}
      </Flex>
    </List.Item>
  );
}

function VerifyCard() {
  const { t } = useTranslation();
  const verify = useMutation({ mutationFn: consoleApi.verifyAudit });
  return (
    <Card size="small" title={t('caudit.verify')}>
      <Flex vertical gap={8}>
        <Typography.Text type="secondary">{t('caudit.verifyHint')}</Typography.Text>
        <div>
          <Button
            onClick={() => verify.mutate()}
            loading={verify.isPending}
            style={{ minHeight: 40 }}
            data-testid="audit-verify"
          >
            {t('caudit.verify')}
          </Button>
        </div>
        <ErrorAlert error={verify.error} />
        {verify.data && (
          <Alert
            showIcon
            type={verify.data.ok ? 'success' : 'error'}
            data-testid="audit-verify-result"
            title={
              verify.data.ok
                ? t('caudit.verifyOk', { count: verify.data.count })
                : t('caudit.verifyBroken', { seq: verify.data.brokenAtSeq, count: verify.data.count })
            }
          />
        )}
      </Flex>
    </Card>
  );
}

/** GET /api/admin/verify: the whole database against the invariants, check by check. */
function DatabaseVerifyCard() {
  const { t } = useTranslation();
  const lang = useLang();
  const run = useMutation({ mutationFn: consoleApi.verifyDatabase });
  const failed = run.data?.checks.filter((c) => !c.ok).length ?? 0;
  return (
    <Card size="small" title={t('caudit.dbVerify')}>
      <Flex vertical gap={8}>
        <Typography.Text type="secondary">{t('caudit.dbVerifyHint')}</Typography.Text>
        <div>
          <Button
            type="primary"
            onClick={() => run.mutate()}
            loading={run.isPending}
            style={{ minHeight: 40 }}
            data-testid="db-verify"
          >
            {t('caudit.dbVerifyRun')}
          </Button>
        </div>
        <ErrorAlert error={run.error} />
        {run.data && (
          <>
            <Alert
              showIcon
              type={run.data.ok ? 'success' : 'error'}
              data-testid="db-verify-result"
              title={
                run.data.ok
                  ? t('caudit.dbVerifyOk', { n: run.data.checks.length, ms: run.data.ms })
                  : t('caudit.dbVerifyFailed', { n: run.data.checks.length, failed })
              }
            />
            <List
              size="small"
              dataSource={run.data.checks}
              data-testid="db-verify-checks"
              renderItem={(c) => (
                <List.Item>
                  <Flex vertical gap={2} style={{ width: '100%' }}>
                    <Flex gap={8} align="center" wrap>
                      <Tag color={c.ok ? 'green' : 'red'}>
                        {c.ok ? t('caudit.dbVerifyPass') : t('caudit.dbVerifyProblems', { n: c.problems })}
                      </Tag>
                      <Typography.Text>{c.title[lang === 'en' ? 'en' : 'zh-CN']}</Typography.Text>
                      <Typography.Text type="secondary" code>
                        {c.id}
                      </Typography.Text>
                    </Flex>
                    {c.note && <Typography.Text type="secondary">{c.note}</Typography.Text>}
                    {c.examples.map((e) => (
                      <Typography.Text key={e} type="danger">
                        {e}
                      </Typography.Text>
                    ))}
                  </Flex>
                </List.Item>
              )}
            />
          </>
        )}
      </Flex>
    </Card>
  );
}

function RevealsCard() {
  const { t } = useTranslation();
  const lang = useLang();
  const q = useQuery({ queryKey: ['admin', 'audit', 'reveals'], queryFn: consoleApi.reveals });
  return (
    <Card size="small" title={t('caudit.reveals')} data-testid="audit-reveals">
      <Typography.Paragraph type="secondary">{t('caudit.revealsHint')}</Typography.Paragraph>
      {q.isPending ? (
        <Loading minHeight={80} />
      ) : q.isError ? (
        <ErrorResult error={q.error} onRetry={() => void q.refetch()} />
      ) : (
        <List
          size="small"
          dataSource={q.data.items}
          locale={{ emptyText: t('caudit.revealsEmpty') }}
          renderItem={(r) => (
            <List.Item data-testid="audit-reveal" style={{ display: 'block' }}>
              <Flex vertical gap={2} style={{ minWidth: 0, overflowWrap: 'anywhere' }}>
                <Typography.Text strong>
                  {r.actorName ?? r.actorId ?? '—'} · {formatTime(r.at, lang, true)}
                </Typography.Text>
                <Typography.Text>
                  {t('caudit.key')}：{r.serialMasked ?? r.keyId}
                  {r.productName ? ` · ${t('caudit.product')}：${r.productName}` : ''}
                  {r.merchantName ? ` · ${r.merchantName}` : ''}
                </Typography.Text>
                {r.unitId && (
                  <Typography.Text type="secondary">
                    {t('caudit.unit')}：{r.unitId}
                  </Typography.Text>
                )}
                <Typography.Text type="secondary">
                  {t('cusers.reason')}：{r.reason}
                </Typography.Text>
              </Flex>
            </List.Item>
          )}
        />
      )}
    </Card>
  );
}

export default function AuditPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const initial: Filter = {
    objectType: params.get('objectType') ?? undefined,
    objectId: params.get('objectId') ?? undefined,
    actorId: params.get('actorId') ?? undefined,
    action: params.get('action') ?? undefined,
  };
  const [filter, setFilter] = useState<Filter>(initial);
  const [form] = Form.useForm<FormValues>();
  const events = useInfiniteQuery({
    queryKey: ['admin', 'audit', filter],
    queryFn: ({ pageParam }) => consoleApi.audit({ ...filter, cursor: pageParam, limit: PAGE }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = events.data?.pages.flatMap((p) => p.items) ?? [];

  const apply = (v: FormValues) => {
    const [from, to] = v.range ?? [null, null];
    setFilter({
      objectType: v.objectType?.trim() || undefined,
      objectId: v.objectId?.trim() || undefined,
      actorId: v.actorId?.trim() || undefined,
      action: v.action?.trim() || undefined,
      from: from ? from.toDate().toISOString() : undefined,
      to: to ? to.toDate().toISOString() : undefined,
    });
  };
  const onObject = (objectType: string, objectId: string) => {
    form.setFieldsValue({ objectType, objectId });
    setFilter((f) => ({ ...f, objectType, objectId }));
  };

  return (
    <ConsoleLayout title={t('caudit.title')}>
      <Card size="small">
        <Form<FormValues>
          form={form}
          layout="vertical"
          initialValues={initial}
          onFinish={apply}
          data-testid="audit-filter"
        >
          <Flex gap={8} wrap>
            <Form.Item
              name="objectType"
              label={t('caudit.objectType')}
              style={{ marginBottom: 8, width: 160 }}
            >
              <Input placeholder="user / merchant / order" data-testid="audit-object-type" allowClear />
            </Form.Item>
            <Form.Item
              name="objectId"
              label={t('caudit.objectId')}
              style={{ marginBottom: 8, flex: '1 1 220px', minWidth: 0 }}
            >
              <Input data-testid="audit-object-id" allowClear />
            </Form.Item>
            <Form.Item
              name="actorId"
              label={t('caudit.actorId')}
              style={{ marginBottom: 8, flex: '1 1 220px', minWidth: 0 }}
            >
              <Input data-testid="audit-actor-id" allowClear />
            </Form.Item>
            <Form.Item
              name="action"
              label={t('caudit.action')}
              style={{ marginBottom: 8, flex: '1 1 260px', minWidth: 0 }}
            >
              <Input placeholder="user.disabled" data-testid="audit-action-input" allowClear />
            </Form.Item>
            <Form.Item name="range" label={t('caudit.range')} style={{ marginBottom: 8, maxWidth: '100%' }}>
              <DatePicker.RangePicker showTime allowEmpty={[true, true]} style={{ maxWidth: '100%' }} />
            </Form.Item>
          </Flex>
          <Flex gap={8}>
            <Button type="primary" htmlType="submit" style={{ minHeight: 40 }} data-testid="audit-search">
              {t('caudit.search')}
            </Button>
            <Button
              style={{ minHeight: 40 }}
              onClick={() => {
                form.setFieldsValue({
                  objectType: undefined,
                  objectId: undefined,
                  actorId: undefined,
                  action: undefined,
                  range: null,
                });
                setFilter({});
              }}
            >
              {t('caudit.reset')}
            </Button>
          </Flex>
        </Form>
      </Card>
      {events.isPending ? (
        <Loading />
      ) : events.isError ? (
        <ErrorResult error={events.error} onRetry={() => void events.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState description={t('caudit.empty')} />
      ) : (
        <Card size="small">
          <List
            dataSource={items}
            renderItem={(e) => <EventItem e={e} onObject={onObject} />}
            data-testid="audit-list"
          />
          <Flex justify="center" style={{ marginTop: 8 }}>
            {events.hasNextPage ? (
              <Button
                onClick={() => void events.fetchNextPage()}
                loading={events.isFetchingNextPage}
                style={{ minHeight: 40 }}
                data-testid="audit-more"
              >
                {t('caudit.more')}
              </Button>
            ) : (
              <Typography.Text type="secondary">{t('caudit.end', { n: items.length })}</Typography.Text>
            )}
          </Flex>
        </Card>
      )}
      <VerifyCard />
      <DatabaseVerifyCard />
      <RevealsCard />
    </ConsoleLayout>
  );
}
