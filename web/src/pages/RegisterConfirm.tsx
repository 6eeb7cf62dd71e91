import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, ApiError } from '../api';
import { homeFor, onAuthenticated } from '../auth';
import { useErrorText } from '../components/QueryState';
import { AccountCard } from './accountParts';

/**
 * The mailed registration link. The account is created only when the button is pressed (a mail
 * scanner opening the link creates nothing); when the username was taken, another is asked here.
 */
export default function RegisterConfirmPage() {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [needName, setNeedName] = useState(false);
  const [form] = Form.useForm<{ username?: string }>();
  const mutation = useMutation({
    mutationFn: (username: string | undefined) =>
      api.confirmRegistration({ token, ...(username ? { username } : {}) }),
    onSuccess: (r) => {
      onAuthenticated(qc, r);
      void navigate(homeFor(r.user), { replace: true });
    },
    onError: (err) => {
      if (err instanceof ApiError && err.code === 'auth.username_taken') {
        setNeedName(true);
        form.setFields([{ name: 'username', errors: [t('accounts.confirm.chooseUsername')] }]);
      }
    },
  });
  const error = mutation.error;
  const nameError = error instanceof ApiError && error.code === 'auth.username_taken';

  return (
    <AccountCard title={t('accounts.confirm.title')}>
      {!token ? (
        <Alert type="error" showIcon title={t('accounts.confirm.missing')} />
      ) : (
        <>
          {error && !nameError && (
            <Alert
              type="error"
              showIcon
              title={errorText(error)}
              data-testid="confirm-error"
              style={{ marginBottom: 16 }}
            />
          )}
          <Typography.Paragraph>{t('accounts.confirm.intro')}</Typography.Paragraph>
          <Form
            form={form}
            layout="vertical"
            requiredMark={false}
            onFinish={(v) => mutation.mutate(v.username?.trim() || undefined)}
          >
            {needName && (
              <Form.Item
                name="username"
                label={t('auth.username')}
                extra={t('accounts.usernameHelp')}
                rules={[{ required: true, whitespace: true, message: t('auth.usernameRequired') }]}
              >
                <Input id="username" autoComplete="username" size="large" autoFocus />
              </Form.Item>
            )}
            <Button
              type="primary"
              htmlType="submit"
              block
              size="large"
              loading={mutation.isPending}
              data-testid="confirm-submit"
            >
              {t('accounts.confirm.submit')}
            </Button>
          </Form>
        </>
      )}
      <Typography.Paragraph type="secondary" style={{ marginTop: 16, marginBottom: 0 }}>
        {t('auth.haveAccount')} <Link to="/login">{t('auth.goLogin')}</Link>
      </Typography.Paragraph>
    </AccountCard>
  );
}
