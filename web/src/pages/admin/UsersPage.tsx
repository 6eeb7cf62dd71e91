import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  App as AntApp,
  Button,
  Card,
  Flex,
  Form,
  Grid,
  Input,
  Modal,
  Popconfirm,
  Select,
  Table,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../../api';
import { consoleApi, type AdminUser, type UserSearch } from '../../api/consoleb';
import { useMe } from '../../auth';
import { modalTestId } from '../../components/modalTestId';
import { EmptyState, ErrorAlert, ErrorResult, Loading, useErrorText } from '../../components/QueryState';
import { formatTime } from '../../format';
import { useLang } from '../../i18n';
import { ConsoleLayout } from './ConsoleLayout';

const ROLES = ['buyer', 'merchant', 'support', 'arbitrator', 'admin'] as const;
const USERS_KEY = ['admin', 'users'] as const;

/** What the reason dialog is about to do. */
type Pending =
  | { kind: 'user'; user: AdminUser; to: 'ACTIVE' | 'DISABLED' }
  | { kind: 'merchant'; user: AdminUser; to: 'ACTIVE' | 'SUSPENDED' };

function auditLink(type: string, id: string): string {
  return `/admin/audit?objectType=${encodeURIComponent(type)}&objectId=${encodeURIComponent(id)}`;
}

function StatusTags({ u }: { u: AdminUser }) {
  const { t } = useTranslation();
  if (u.channelBuyer)
    return (
      <Tag color="default" title={t('cusers.channelBuyerHint')} data-testid="user-channel-buyer">
        {t('cusers.channelBuyer')}
      </Tag>
    );
  return (
    <Tag color={u.status === 'ACTIVE' ? 'green' : 'red'} data-testid="user-status">
      {t(`cusers.statuses.${u.status}`)}
    </Tag>
  );
}

function MerchantCell({ u }: { u: AdminUser }) {
  const { t } = useTranslation();
  if (!u.merchant) return <Typography.Text type="secondary">—</Typography.Text>;
  const m = u.merchant;
  return (
    <Flex vertical gap={2} style={{ minWidth: 0 }}>
      <span style={{ overflowWrap: 'anywhere' }}>
        {m.name}{' '}
        <Tag color={m.status === 'ACTIVE' ? 'blue' : 'red'} data-testid="merchant-status">
          {t(`cusers.merchantStatus.${m.status}`)}
        </Tag>
      </span>
      {m.suspendedReason && (
        <Typography.Text type="secondary" style={{ overflowWrap: 'anywhere' }}>
          {t('cusers.reason')}：{m.suspendedReason}
        </Typography.Text>
      )}
      <Flex gap={8} wrap>
        <Link to="/admin/merchants">{t('cusers.sanctions')}</Link>
        <Link to={auditLink('merchant', m.id)}>{t('cusers.auditTrail')}</Link>
      </Flex>
    </Flex>
  );
}

function Actions({
  u,
  selfId,
  onAct,
}: {
  u: AdminUser;
  selfId: string | undefined;
  onAct: (p: Pending) => void;
}) {
  const { t } = useTranslation();
  const buttons = [];
  if (!u.channelBuyer && u.id !== selfId)
    buttons.push(
      u.status === 'ACTIVE' ? (
        <Button
          key="u"
          danger
          style={{ minHeight: 40 }}
          data-testid="user-disable"
          onClick={() => onAct({ kind: 'user', user: u, to: 'DISABLED' })}
        >
          {t('cusers.disable')}
        </Button>
      ) : (
        <Button
          key="u"
          style={{ minHeight: 40 }}
          data-testid="user-reinstate"
          onClick={() => onAct({ kind: 'user', user: u, to: 'ACTIVE' })}
        >
          {t('cusers.reinstate')}
        </Button>
      ),
    );
  if (u.merchant)
    buttons.push(
      u.merchant.status === 'ACTIVE' ? (
        <Button
          key="m"
          danger
          style={{ minHeight: 40 }}
          data-testid="merchant-suspend"
          onClick={() => onAct({ kind: 'merchant', user: u, to: 'SUSPENDED' })}
        >
          {t('cusers.suspend')}
        </Button>
      ) : (
        <Button
          key="m"
          style={{ minHeight: 40 }}
          data-testid="merchant-reinstate"
          onClick={() => onAct({ kind: 'merchant', user: u, to: 'ACTIVE' })}
        >
          {t('cusers.reinstateShop')}
        </Button>
      ),
    );
  if (!u.channelBuyer) buttons.push(<UnlockLoginButton key="l" u={u} />);
  return (
    <Flex gap={8} wrap>
      {buttons}
    </Flex>
  );
}

/** Lifts every login throttle on the account (ADR 0010); the API audits it. */
function UnlockLoginButton({ u }: { u: AdminUser }) {
  const { t } = useTranslation();
  const { message } = AntApp.useApp();
  const errorText = useErrorText();
  const unlock = useMutation({
    mutationFn: () => consoleApi.unlockLogin(u.id),
    onSuccess: (r) => void message.success(t('cusers.unlockLoginDone', { count: r.cleared })),
    onError: (err) => void message.error(errorText(err)),
  });
  return (
    <Popconfirm
      title={t('cusers.unlockLoginTitle', { name: u.displayName })}
      description={<div style={{ maxWidth: 320 }}>{t('cusers.unlockLoginHint')}</div>}
      okText={t('cusers.confirm')}
      okButtonProps={{ 'data-testid': 'unlock-login-confirm' }}
      onConfirm={() => unlock.mutate()}
    >
      <Button style={{ minHeight: 40 }} loading={unlock.isPending} data-testid="user-unlock-login">
        {t('cusers.unlockLogin')}
      </Button>
    </Popconfirm>
  );
}

function UserCell({ u, selfId }: { u: AdminUser; selfId: string | undefined }) {
  const { t } = useTranslation();
  const lang = useLang();
  return (
    <Flex vertical gap={2} style={{ minWidth: 0 }}>
      <Typography.Text strong style={{ overflowWrap: 'anywhere' }}>
        {u.displayName}{' '}
        {u.id === selfId && <Typography.Text type="secondary">{t('cusers.you')}</Typography.Text>}
      </Typography.Text>
      <Typography.Text type="secondary" style={{ overflowWrap: 'anywhere' }}>
        @{u.username}
        {u.email ? ` · ${u.email}` : ''}
      </Typography.Text>
      <Typography.Text
        type="secondary"
        copyable={{ text: u.id }}
        style={{ fontSize: 12, overflowWrap: 'anywhere' }}
      >
        ID {u.id.slice(0, 8)}…
      </Typography.Text>
      {u.status === 'DISABLED' && !u.channelBuyer && (
        <Typography.Text
          type="danger"
          style={{ overflowWrap: 'anywhere' }}
          data-testid="user-disabled-reason"
        >
          {u.disabledReason ? `${t('cusers.reason')}：${u.disabledReason}` : ''}
          {u.disabledAt ? ` · ${t('cusers.since', { at: formatTime(u.disabledAt, lang) })}` : ''}
        </Typography.Text>
      )}
      <Link to={auditLink('user', u.id)}>{t('cusers.auditTrail')}</Link>
    </Flex>
  );
}

function ReasonDialog({ pending, onClose }: { pending: Pending | null; onClose: () => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<{ reason: string }>();
  const act = useMutation({
    mutationFn: async ({ p, reason }: { p: Pending; reason: string }) => {
      if (p.kind === 'user')
        await consoleApi.setUserStatus(p.user.id, { status: p.to, version: p.user.version, reason });
      else if (p.user.merchant)
        await api.setMerchantStatus(p.user.merchant.id, {
          status: p.to,
          version: p.user.merchant.version,
          reason,
        });
    },
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: USERS_KEY });
      void qc.invalidateQueries({ queryKey: ['merchants'] });
      void message.success(t('cusers.done'));
      form.resetFields();
      act.reset();
      onClose();
    },
  });
  if (!pending) return null;
  const name = pending.kind === 'user' ? pending.user.displayName : (pending.user.merchant?.name ?? '');
  const [title, hint] =
    pending.kind === 'user'
      ? pending.to === 'DISABLED'
        ? [t('cusers.disableTitle', { name }), t('cusers.disableHint')]
        : [t('cusers.reinstateTitle', { name }), t('cusers.reinstateHint')]
      : pending.to === 'SUSPENDED'
        ? [t('cusers.suspendTitle', { name }), t('cusers.suspendHint')]
        : [t('cusers.reinstateShopTitle', { name }), t('cusers.reinstateShopHint')];
  const danger = pending.to === 'DISABLED' || pending.to === 'SUSPENDED';
  return (
    <Modal
      open
      title={title}
      modalRender={modalTestId('reason-dialog')}
      okText={t('cusers.confirm')}
      okButtonProps={{ danger, loading: act.isPending, 'data-testid': 'reason-confirm' }}
      onOk={() => form.submit()}
      onCancel={() => {
        act.reset();
        form.resetFields();
        onClose();
      }}
      width={520}
      style={{ maxWidth: 'calc(100vw - 16px)' }}
    >
      <Typography.Paragraph type="secondary">{hint}</Typography.Paragraph>
      <ErrorAlert error={act.error} onReload={() => void qc.invalidateQueries({ queryKey: USERS_KEY })} />
      <Form
        form={form}
        layout="vertical"
        onFinish={(v) => act.mutate({ p: pending, reason: v.reason.trim() })}
      >
        <Form.Item
          name="reason"
          label={t('cusers.reasonLabel')}
          rules={[
            {
              validator: (_, v: string | undefined) =>
                (v ?? '').trim().length >= 2
                  ? Promise.resolve()
                  : Promise.reject(new Error(t('cusers.reasonRequired'))),
            },
          ]}
        >
          <Input.TextArea rows={3} maxLength={500} showCount data-testid="reason-input" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

export default function UsersPage() {
  const { t } = useTranslation();
  const screens = Grid.useBreakpoint();
  const me = useMe();
  const selfId = me.user?.id;
  // Support may search and read; only admins act (the API refuses anyone else).
  const canAct = me.user?.role === 'admin';
  const [search, setSearch] = useState<UserSearch>({ limit: 100 });
  const [pending, setPending] = useState<Pending | null>(null);
  const query = useQuery({ queryKey: [...USERS_KEY, search], queryFn: () => consoleApi.users(search) });
  const items = query.data?.items ?? [];

  const filters = (
    <Flex gap={8} wrap>
      <Input.Search
        allowClear
        placeholder={t('cusers.search')}
        style={{ width: screens.md ? 320 : '100%' }}
        data-testid="users-search"
        onSearch={(q) => setSearch((s) => ({ ...s, q }))}
      />
      <Select
        allowClear
        placeholder={t('cusers.role')}
        style={{ width: 140, minHeight: 40 }}
        data-testid="users-role"
        options={ROLES.map((r) => ({ value: r, label: t(`cusers.roles.${r}`) }))}
        onChange={(role: UserSearch['role'] | undefined) => setSearch((s) => ({ ...s, role }))}
      />
      <Select
        allowClear
        placeholder={t('cusers.status')}
        style={{ width: 140, minHeight: 40 }}
        data-testid="users-status"
        options={(['ACTIVE', 'DISABLED'] as const).map((s) => ({
          value: s,
          label: t(`cusers.statuses.${s}`),
        }))}
        onChange={(status: UserSearch['status'] | undefined) => setSearch((s) => ({ ...s, status }))}
      />
    </Flex>
  );

  let list;
  if (query.isPending) list = <Loading />;
  else if (query.isError) list = <ErrorResult error={query.error} onRetry={() => void query.refetch()} />;
  else if (items.length === 0) list = <EmptyState description={t('cusers.empty')} />;
  else if (screens.md)
    list = (
      <Table<AdminUser>
        rowKey="id"
        dataSource={items}
        pagination={false}
        data-testid="users-table"
        onRow={(u) => ({ 'data-testid': `user-row-${u.username}` }) as object}
        columns={[
          { title: t('cusers.user'), key: 'user', render: (_, u) => <UserCell u={u} selfId={selfId} /> },
          {
            title: t('cusers.role'),
            key: 'role',
            width: 100,
            render: (_, u) => <Tag>{t(`cusers.roles.${u.role}`)}</Tag>,
          },
          { title: t('cusers.status'), key: 'status', width: 110, render: (_, u) => <StatusTags u={u} /> },
          { title: t('cusers.merchant'), key: 'merchant', render: (_, u) => <MerchantCell u={u} /> },
          {
            title: '',
            key: 'actions',
            width: 240,
            render: (_, u) => (canAct ? <Actions u={u} selfId={selfId} onAct={setPending} /> : null),
          },
        ]}
      />
    );
  else
    list = (
      <Flex vertical gap={12} data-testid="users-cards">
        {items.map((u) => (
          <Card key={u.id} size="small" data-testid={`user-row-${u.username}`}>
            <Flex vertical gap={8}>
              <Flex gap={8} wrap>
                <Tag>{t(`cusers.roles.${u.role}`)}</Tag>
                <StatusTags u={u} />
              </Flex>
              <UserCell u={u} selfId={selfId} />
              {u.merchant && <MerchantCell u={u} />}
              {canAct && <Actions u={u} selfId={selfId} onAct={setPending} />}
            </Flex>
          </Card>
        ))}
      </Flex>
    );

  return (
    <ConsoleLayout title={t('cusers.title')} access="support">
      {filters}
      {list}
      <ReasonDialog pending={pending} onClose={() => setPending(null)} />
    </ConsoleLayout>
  );
}
