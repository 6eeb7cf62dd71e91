import { useQuery } from '@tanstack/react-query';
import { Button, Card, Empty, Flex, Form, Input, Tag, Typography } from 'antd';
import { Fragment } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { api } from '../../api';
import { ErrorAlert, Loading } from '../../components/QueryState';
import { formatTime } from '../../format';
import { useLang } from '../../i18n';

/** Links in a mail: our own pages open in the app (relative, or on this origin); others as text. */
function MailText({ text }: { text: string }) {
  const parts = text.split(
    /(\S*\/(?:register\/confirm|reset-password|login|forgot-password)(?:\?token=[\w-]+)?)/,
  );
  return (
    <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', marginBottom: 0 }}>
      {parts.map((p, i) => {
        if (i % 2 === 0) return <Fragment key={i}>{p}</Fragment>;
        let to = p;
        try {
          const u = new URL(p, window.location.origin);
          to = `${u.pathname}${u.search}`;
        } catch {
          /* keep as written */
        }
        return (
          <Link key={i} to={to} data-testid="mail-link">
            {p}
          </Link>
        );
      })}
    </Typography.Paragraph>
  );
}

/** The sandbox mailbox (demo only): the mail queued for one address, newest first. */
export default function SandboxMailPage() {
  const { t } = useTranslation();
  const lang = useLang();
  const [params, setParams] = useSearchParams();
  const to = params.get('to')?.trim() ?? '';
  const query = useQuery({
    queryKey: ['sandbox-mail', to],
    queryFn: () => api.sandboxMail(to),
    enabled: to.length >= 3,
    refetchInterval: 3000,
  });
  return (
    <Flex vertical gap={16} style={{ maxWidth: 720, margin: '0 auto', width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('accounts.mailbox.title')}
      </Typography.Title>
      <Typography.Text type="secondary">{t('accounts.mailbox.intro')}</Typography.Text>
      <Form
        layout="inline"
        key={to}
        initialValues={{ to }}
        onFinish={(v: { to: string }) => setParams({ to: v.to.trim() })}
        style={{ rowGap: 8 }}
      >
        <Form.Item name="to" style={{ flex: '1 1 220px', marginInlineEnd: 8 }} rules={[{ required: true }]}>
          <Input
            aria-label={t('accounts.mailbox.address')}
            placeholder={t('accounts.mailbox.address')}
            size="large"
          />
        </Form.Item>
        <Button type="primary" htmlType="submit" size="large">
          {t('accounts.mailbox.open')}
        </Button>
      </Form>
      {to && query.isPending && <Loading minHeight={80} />}
      {to && query.isError && <ErrorAlert error={query.error} onReload={() => void query.refetch()} />}
      {to && query.data?.length === 0 && <Empty description={t('accounts.mailbox.empty')} />}
      {to && query.data && query.data.length > 0 && (
        <Flex vertical gap={12} data-testid="mailbox">
          {query.data.map((m) => (
            <Card
              key={m.id}
              size="small"
              title={<span style={{ whiteSpace: 'normal' }}>{m.subject}</span>}
              extra={<Tag>{t(`accounts.mailbox.state.${m.state}`)}</Tag>}
              data-testid="mail"
            >
              <Typography.Text type="secondary">{formatTime(m.createdAt, lang)}</Typography.Text>
              <MailText text={m.text} />
            </Card>
          ))}
        </Flex>
      )}
    </Flex>
  );
}
