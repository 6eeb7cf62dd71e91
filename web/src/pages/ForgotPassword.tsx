import { useMutation } from '@tanstack/react-query';
import { Alert, Button, Form, Input, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { api } from '../api';
import { useErrorText } from '../components/QueryState';
import { AccountCard, MailSent } from './accountParts';

/** Asks for a reset link by username or e-mail; the answer is the same whether the account exists. */
export default function ForgotPasswordPage() {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const [params] = useSearchParams();
  const mutation = useMutation({ mutationFn: (login: string) => api.requestPasswordReset(login) });
  return (
    <AccountCard title={t('accounts.forgotPage.title')}>
      {mutation.isSuccess ? (
        <MailSent text={t('accounts.sent.reset')} sandboxMailbox={mutation.data.sandboxMailbox} />
      ) : (
        <>
          {mutation.isError && (
            <Alert type="error" showIcon title={errorText(mutation.error)} style={{ marginBottom: 16 }} />
          )}
          <Typography.Paragraph>{t('accounts.forgotPage.intro')}</Typography.Paragraph>
          <Form<{ login: string }>
            layout="vertical"
            requiredMark={false}
            initialValues={{ login: params.get('login') ?? '' }}
            onFinish={(v) => mutation.mutate(v.login.trim())}
          >
            <Form.Item
              name="login"
              label={t('accounts.usernameOrEmail')}
              rules={[{ required: true, whitespace: true, message: t('auth.usernameRequired') }]}
            >
              <Input id="login" autoComplete="username" size="large" autoFocus />
            </Form.Item>
            <Button
              type="primary"
              htmlType="submit"
              block
              size="large"
              loading={mutation.isPending}
              data-testid="forgot-submit"
            >
              {t('accounts.forgotPage.submit')}
            </Button>
          </Form>
        </>
      )}
      <Typography.Paragraph type="secondary" style={{ marginTop: 16, marginBottom: 0 }}>
        <Link to="/login">{t('auth.goLogin')}</Link>
      </Typography.Paragraph>
    </AccountCard>
  );
}
