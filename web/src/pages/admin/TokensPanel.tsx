import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App as AntApp,
  Button,
  Card,
  Flex,
  Form,
  Grid,
  Input,
  List,
  Modal,
  Select,
  Table,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { modalTestId } from '../../components/modalTestId';
import { ErrorAlert, ErrorResult, Loading } from '../../components/QueryState';
import { formatTime } from '../../format';
import { useLang } from '../../i18n';
import { consoleApi } from './consoleApi';

type Scope = 'merchant' | 'issuer' | 'channel';
interface TokenRow {
  id: string;
  name: string;
  prefix: string;
  scope: Scope;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  merchantId?: string | null;
}
interface CreateValues {
  name: string;
  scope?: 'issuer' | 'channel';
  merchantId?: string;
}

/**
 * API tokens: the list (never a secret), creating one (its secret shown once, with a copy button)
 * and revoking. `admin` manages the integration tokens of issuers and channel connectors; otherwise
 * the logged-in merchant's own tokens.
 */
export function TokensPanel({ admin }: { admin: boolean }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { message, modal } = AntApp.useApp();
  const qc = useQueryClient();
  const wide = Grid.useBreakpoint().md === true;
  const key = ['tokens', admin ? 'admin' : 'merchant'];
  const list = useQuery<{ items: TokenRow[] }>({
    queryKey: key,
    queryFn: admin ? consoleApi.adminTokens : consoleApi.merchantTokens,
  });
  const [form] = Form.useForm<CreateValues>();
  const [secret, setSecret] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: (v: CreateValues) =>
      admin
        ? consoleApi.createAdminToken({
            name: v.name,
            scope: v.scope ?? 'issuer',
            ...(v.merchantId?.trim() ? { merchantId: v.merchantId.trim() } : {}),
          })
        : consoleApi.createMerchantToken(v.name),
    onSuccess: (r) => {
      setSecret(r.token);
      form.resetFields();
      void qc.invalidateQueries({ queryKey: key });
    },
  });
  const revoke = useMutation({
    mutationFn: consoleApi.revokeToken,
    onSuccess: () => {
      void message.success(t('console.tokens.revokedDone'));
      void qc.invalidateQueries({ queryKey: key });
    },
    onError: (err) => void message.error(err instanceof Error ? err.message : String(err)),
  });
  const askRevoke = (r: TokenRow) => {
    void modal.confirm({
      title: t('console.tokens.revokeConfirm', { name: r.name }),
      okButtonProps: { danger: true },
      okText: t('console.tokens.revoke'),
      onOk: () => revoke.mutateAsync(r.id),
    });
  };

  const state = (r: TokenRow) =>
    r.revokedAt ? (
      <Tag>{t('console.tokens.revoked', { time: formatTime(r.revokedAt, lang) })}</Tag>
    ) : (
      <Tag color="green">{t('console.tokens.active')}</Tag>
    );
  const revokeButton = (r: TokenRow) =>
    !r.revokedAt && (
      <Button
        danger
        size="small"
        onClick={() => askRevoke(r)}
        data-testid={`token-revoke-${r.id}`}
        style={{ minHeight: 32 }}
      >
        {t('console.tokens.revoke')}
      </Button>
    );

  return (
    <Flex vertical gap={16}>
      <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
        {admin ? t('console.tokens.adminIntro') : t('console.tokens.merchantIntro')}
      </Typography.Paragraph>
      <Card title={t('console.tokens.create')} size="small">
        {create.isError && <ErrorAlert error={create.error} />}
        <Form
          form={form}
          layout="vertical"
          onFinish={(v) => create.mutate(v)}
          initialValues={{ scope: 'issuer' }}
          data-testid="token-form"
        >
          <Flex wrap gap={12} align="flex-end">
            <Form.Item
              name="name"
              label={t('console.tokens.name')}
              rules={[{ required: true, whitespace: true, max: 60 }]}
              style={{ flex: '1 1 200px', minWidth: 0 }}
            >
              <Input placeholder={t('console.tokens.namePlaceholder')} data-testid="token-name" />
            </Form.Item>
            {admin && (
              <>
                <Form.Item name="scope" label={t('console.tokens.scope')}>
                  <Select
                    style={{ minWidth: 140 }}
                    options={(['issuer', 'channel'] as const).map((s) => ({
                      value: s,
                      label: t(`console.tokens.scopes.${s}`),
                    }))}
                  />
                </Form.Item>
                <Form.Item
                  name="merchantId"
                  label={t('console.tokens.merchantId')}
                  rules={[{ max: 64 }]}
                  style={{ flex: '1 1 200px', minWidth: 0 }}
                >
                  <Input />
                </Form.Item>
              </>
            )}
            <Form.Item>
              <Button
                type="primary"
                htmlType="submit"
                loading={create.isPending}
                data-testid="token-create"
                style={{ minHeight: 40 }}
              >
                {t('console.tokens.create')}
              </Button>
            </Form.Item>
          </Flex>
        </Form>
      </Card>
      <Card size="small">
        {list.isPending ? (
          <Loading />
        ) : list.isError ? (
          <ErrorResult error={list.error} onRetry={() => void list.refetch()} />
        ) : wide ? (
          <Table<TokenRow>
            data-testid="token-list"
            rowKey="id"
            size="small"
            scroll={{ x: 'max-content' }}
            dataSource={list.data.items}
            locale={{ emptyText: t('console.tokens.empty') }}
            pagination={{ pageSize: 20, hideOnSinglePage: true }}
            columns={[
              { title: t('console.tokens.colName'), dataIndex: 'name' },
              {
                title: t('console.tokens.colPrefix'),
                dataIndex: 'prefix',
                render: (p: string) => <Typography.Text code>{p}…</Typography.Text>,
              },
              {
                title: t('console.tokens.colScope'),
                dataIndex: 'scope',
                render: (s: Scope) => t(`console.tokens.scopes.${s}`),
              },
              {
                title: t('console.tokens.colCreated'),
                dataIndex: 'createdAt',
                render: (v: string) => formatTime(v, lang),
              },
              {
                title: t('console.tokens.colLastUsed'),
                dataIndex: 'lastUsedAt',
                render: (v: string | null) => (v ? formatTime(v, lang) : t('console.tokens.never')),
              },
              { title: t('console.tokens.colState'), key: 'state', render: (_: unknown, r) => state(r) },
              { key: 'actions', render: (_: unknown, r) => revokeButton(r) },
            ]}
          />
        ) : (
          <List
            data-testid="token-list"
            dataSource={list.data.items}
            locale={{ emptyText: t('console.tokens.empty') }}
            renderItem={(r) => (
              <List.Item key={r.id} extra={revokeButton(r)}>
                <Flex vertical gap={4} style={{ minWidth: 0 }}>
                  <Typography.Text strong>{r.name}</Typography.Text>
                  <Typography.Text code>{r.prefix}…</Typography.Text>
                  <Typography.Text type="secondary">
                    {t(`console.tokens.scopes.${r.scope}`)} · {formatTime(r.createdAt, lang)}
                  </Typography.Text>
                  {state(r)}
                </Flex>
              </List.Item>
            )}
          />
        )}
      </Card>
      <Modal
        open={secret !== null}
        title={t('console.tokens.createdTitle')}
        closable={false}
        maskClosable={false}
        modalRender={modalTestId('token-secret-dialog')}
        footer={
          <Button type="primary" onClick={() => setSecret(null)} data-testid="token-secret-done">
            {t('console.tokens.done')}
          </Button>
        }
      >
        <Alert type="warning" showIcon title={t('console.tokens.createdNote')} style={{ marginBottom: 12 }} />
        <Typography.Paragraph
          copyable={{ text: secret ?? '', tooltips: [t('console.tokens.copy'), t('console.tokens.copied')] }}
          code
          style={{ wordBreak: 'break-all' }}
          data-testid="token-secret"
        >
          {secret}
        </Typography.Paragraph>
      </Modal>
    </Flex>
  );
}
