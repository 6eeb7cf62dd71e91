import { useMutation } from '@tanstack/react-query';
import { Alert, Button, Form, Result } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { api, ApiError } from '../api';
import { useErrorText } from '../components/QueryState';
import { applyServerErrors } from '../forms';
import { useLang } from '../i18n';
import { AccountCard, NewPasswordFields } from './accountParts';

interface ResetValues {
  password: string;
  confirm: string;
}

/** The mailed reset link: a new password under the policy; every session of the account ends. */
export default function ResetPasswordPage() {
  const { t } = useTranslation();
  const lang = useLang();
  const errorText = useErrorText();
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [form] = Form.useForm<ResetValues>();
  const password = Form.useWatch('password', form) ?? '';
  const [lastError, setLastError] = useState<unknown>(null);
  useEffect(() => {
    if (lastError !== null) applyServerErrors(form, lastError, lang, [['password']]);
  }, [lang]);
  const mutation = useMutation({
    mutationFn: (v: ResetValues) => api.confirmPasswordReset({ token, password: v.password }),
    onError: (err) => {
      setLastError(err);
      applyServerErrors(form, err, lang, [['password']]);
    },
  });
  const error = mutation.error;
  const linkDead =
    error instanceof ApiError &&
    (error.code === 'auth.link_invalid' || error.code === 'request.invalid') &&
    !error.field;

  if (mutation.isSuccess)
    return (
      <AccountCard title={t('accounts.resetPage.title')}>
        <Result
          status="success"
          title={t('accounts.resetPage.done')}
          style={{ padding: '16px 0' }}
          extra={
            <Link to="/login">
              <Button type="primary" size="large" data-testid="reset-done-login">
                {t('auth.goLogin')}
              </Button>
            </Link>
          }
        />
      </AccountCard>
    );

  return (
    <AccountCard title={t('accounts.resetPage.title')}>
      {!token ? (
        <Alert type="error" showIcon title={t('accounts.resetPage.missing')} style={{ marginBottom: 16 }} />
      ) : (
        error &&
        (linkDead || !(error instanceof ApiError) || !error.field) && (
          <Alert
            type="error"
            showIcon
            title={errorText(error)}
            data-testid="reset-error"
            style={{ marginBottom: 16 }}
            action={linkDead ? <Link to="/forgot-password">{t('accounts.resetPage.again')}</Link> : undefined}
          />
        )
      )}
      <Form<ResetValues>
        form={form}
        layout="vertical"
        requiredMark={false}
        disabled={!token}
        onFinish={(v) => mutation.mutate(v)}
      >
        <NewPasswordFields label={t('accounts.resetPage.newPassword')} password={password} autoFocus />
        <Button
          type="primary"
          htmlType="submit"
          block
          size="large"
          loading={mutation.isPending}
          data-testid="reset-submit"
        >
          {t('accounts.resetPage.submit')}
        </Button>
      </Form>
    </AccountCard>
  );
}
