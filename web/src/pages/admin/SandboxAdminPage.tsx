import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App as AntApp,
  Button,
  Card,
  Col,
  Form,
  InputNumber,
  Row,
  Space,
  Switch,
  Table,
  Tag,
  Typography,
  type TableColumnsType,
} from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, type SandboxSettings } from '../../api';
import { EmptyState, ErrorAlert, ErrorResult, Loading } from '../../components/QueryState';
import { RequireUser } from '../../components/RequireUser';
import { formatTime, shortHash } from '../../format';
import { useLang } from '../../i18n';
import {
  allOf,
  type SandboxNotification,
  type SandboxNotificationKind,
  type SandboxNotificationState,
  type SandboxProvider,
} from '../../types';

const PROVIDERS = allOf<SandboxProvider>()(['sandbox-wechat', 'sandbox-alipay']);
/** The UI's range; the API accepts up to a day, which is of no use for a demo. */
const MAX_DELAY_SECONDS = 3600;
const NOTIFICATIONS_LIMIT = 50;
const NOTIFICATIONS_REFRESH_MS = 3000;

const settingsKey = (provider: SandboxProvider) => ['admin', 'sandbox', 'settings', provider] as const;
const NOTIFICATIONS_KEY = ['admin', 'sandbox', 'notifications'] as const;

const isProvider = (p: string): p is SandboxProvider => (PROVIDERS as readonly string[]).includes(p);

const STATE_COLOR: Record<SandboxNotificationState, string> = {
  PENDING: 'gold',
  DELIVERED: 'green',
  GAVE_UP: 'red',
};

const KIND_COLOR: Record<SandboxNotificationKind, string> = { PAYMENT: 'blue', REFUND: 'purple' };

type SettingsValues = Omit<SandboxSettings, 'provider'>;

function ProviderCard({ provider }: { provider: SandboxProvider }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<SettingsValues>();
  const [error, setError] = useState<unknown>(null);
  const query = useQuery({ queryKey: settingsKey(provider), queryFn: () => api.sandboxSettings(provider) });
  const name = t(`sandboxAdmin.provider.${provider}`);

  useEffect(() => {
    if (!query.data) return;
    form.setFieldsValue({
      down: query.data.down,
      notificationDelaySeconds: query.data.notificationDelaySeconds,
    });
  }, [query.data, form]);

  const mutation = useMutation({
    mutationFn: (v: SettingsValues) =>
      api.updateSandboxSettings(provider, {
        down: v.down,
        notificationDelaySeconds: v.notificationDelaySeconds,
      }),
    onSuccess: (s) => {
      qc.setQueryData(settingsKey(provider), s);
      void message.success(t('sandboxAdmin.saved', { provider: name }));
    },
    onError: (err) => setError(err),
  });

  const down = query.data?.down;
  return (
    <Card
      title={name}
      data-testid={`sandbox-provider-${provider}`}
      extra={
        down !== undefined && (
          <Tag
            color={down ? 'red' : 'green'}
            data-testid={`sandbox-status-${provider}`}
            data-down={String(down)}
          >
            {down ? t('sandboxAdmin.statusDown') : t('sandboxAdmin.statusUp')}
          </Tag>
        )
      }
    >
      {query.isPending ? (
        <Loading minHeight={160} />
      ) : query.isError ? (
        <ErrorResult error={query.error} onRetry={() => void query.refetch()} />
      ) : (
        <>
          <ErrorAlert error={error} />
          <Form<SettingsValues>
            form={form}
            layout="vertical"
            name={`sandbox-${provider}`}
            initialValues={{
              down: query.data.down,
              notificationDelaySeconds: query.data.notificationDelaySeconds,
            }}
            onFinish={(v) => {
              setError(null);
              mutation.mutate(v);
            }}
          >
            <Form.Item
              name="down"
              label={t('sandboxAdmin.down')}
              extra={t('sandboxAdmin.downHelp')}
              valuePropName="checked"
            >
              <Switch data-testid={`sandbox-down-${provider}`} />
            </Form.Item>
            <Form.Item
              name="notificationDelaySeconds"
              label={t('sandboxAdmin.delay')}
              extra={t('sandboxAdmin.delayHelp')}
              rules={[
                {
                  required: true,
                  type: 'integer',
                  min: 0,
                  max: MAX_DELAY_SECONDS,
                  message: t('sandboxAdmin.delayInvalid'),
                },
              ]}
            >
              <InputNumber
                min={0}
                max={MAX_DELAY_SECONDS}
                precision={0}
                step={5}
                style={{ width: 160 }}
                data-testid={`sandbox-delay-${provider}`}
              />
            </Form.Item>
            <Button
              type="primary"
              htmlType="submit"
              loading={mutation.isPending}
              data-testid={`sandbox-save-${provider}`}
            >
              {t('common.save')}
            </Button>
          </Form>
        </>
      )}
    </Card>
  );
}

function Notifications() {
  const { t } = useTranslation();
  const lang = useLang();
  const query = useQuery({
    queryKey: NOTIFICATIONS_KEY,
    queryFn: () => api.sandboxNotifications(NOTIFICATIONS_LIMIT),
    refetchInterval: NOTIFICATIONS_REFRESH_MS,
    staleTime: 0,
  });
  const time = (iso: string | null) => formatTime(iso, lang, true);
  const columns: TableColumnsType<SandboxNotification> = [
    {
      key: 'provider',
      title: t('sandboxAdmin.colProvider'),
      render: (_, n) => (isProvider(n.provider) ? t(`sandboxAdmin.provider.${n.provider}`) : n.provider),
    },
    {
      key: 'kind',
      title: t('sandboxAdmin.colKind'),
      render: (_, n) => (
        <Tag color={KIND_COLOR[n.kind]} data-kind={n.kind}>
          {t(`sandboxAdmin.kind.${n.kind}`)}
        </Tag>
      ),
    },
    {
      key: 'reference',
      title: t('sandboxAdmin.colReference'),
      render: (_, n) =>
        n.reference ? (
          <Typography.Text copyable={{ text: n.reference }} title={n.reference}>
            {shortHash(n.reference, 13)}
          </Typography.Text>
        ) : (
          '—'
        ),
    },
    {
      key: 'state',
      title: t('sandboxAdmin.colState'),
      render: (_, n) => (
        <Tag color={STATE_COLOR[n.state]} data-state={n.state} data-testid="notification-state">
          {t(`sandboxAdmin.state.${n.state}`)}
        </Tag>
      ),
    },
    { key: 'attempts', title: t('sandboxAdmin.colAttempts'), align: 'right', render: (_, n) => n.attempts },
    {
      key: 'duplicates',
      title: t('sandboxAdmin.colDuplicates'),
      align: 'right',
      render: (_, n) => n.duplicatesLeft,
    },
    {
      key: 'lastStatus',
      title: t('sandboxAdmin.colLastStatus'),
      align: 'right',
      render: (_, n) =>
        n.lastStatus === null ? (
          '—'
        ) : (
          <Typography.Text type={n.lastStatus >= 200 && n.lastStatus < 300 ? 'success' : 'danger'}>
            {n.lastStatus}
          </Typography.Text>
        ),
    },
    {
      key: 'next',
      title: t('sandboxAdmin.colNextAttempt'),
      // only a pending delivery or a duplicate still to be sent has a next attempt
      render: (_, n) =>
        n.state === 'PENDING' || (n.state === 'DELIVERED' && n.duplicatesLeft > 0)
          ? time(n.nextAttemptAt)
          : '—',
    },
    { key: 'created', title: t('sandboxAdmin.colCreated'), render: (_, n) => time(n.createdAt) },
    { key: 'delivered', title: t('sandboxAdmin.colDelivered'), render: (_, n) => time(n.deliveredAt) },
  ];
  return (
    <Card title={t('sandboxAdmin.notifications')}>
      <Typography.Paragraph type="secondary">{t('sandboxAdmin.notificationsHelp')}</Typography.Paragraph>
      {query.isPending ? (
        <Loading />
      ) : !query.data ? (
        <ErrorResult error={query.error} onRetry={() => void query.refetch()} />
      ) : (
        <>
          {/* a failed background refresh keeps the last list on screen */}
          {query.isError && <ErrorAlert error={query.error} />}
          {query.data.items.length === 0 ? (
            <EmptyState description={t('sandboxAdmin.noNotifications')} />
          ) : (
            <Table<SandboxNotification>
              data-testid="sandbox-notifications"
              rowKey="id"
              size="small"
              scroll={{ x: 'max-content' }}
              dataSource={query.data.items}
              pagination={{ pageSize: 20, hideOnSinglePage: true }}
              columns={columns}
            />
          )}
        </>
      )}
    </Card>
  );
}

/** /admin/sandbox (沙箱支付): the sandbox gateways' failure injection and notification log; admins only. */
export default function SandboxAdminPage() {
  const { t } = useTranslation();
  return (
    <RequireUser admin>
      <Space orientation="vertical" size={16} style={{ width: '100%' }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('sandboxAdmin.title')}
        </Typography.Title>
        <Alert type="info" showIcon data-testid="sandbox-admin-note" title={t('sandboxAdmin.note')} />
        <Row gutter={[16, 16]}>
          {PROVIDERS.map((p) => (
            <Col key={p} xs={24} md={12}>
              <ProviderCard provider={p} />
            </Col>
          ))}
        </Row>
        <Notifications />
      </Space>
    </RequireUser>
  );
}
