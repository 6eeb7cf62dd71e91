import { useMutation } from '@tanstack/react-query';
import { Alert, Button, Form, Input, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { api, ApiError } from '../api';
import { safeNext } from '../auth';
import { useErrorText } from '../components/QueryState';
import { applyServerErrors } from '../forms';
import { useLang } from '../i18n';
import { AccountCard, MailSent, NewPasswordFields } from './accountParts';

interface RegisterValues {
  username: string;
  email: string;
  phone?: string;
  password: string;
  confirm: string;
  displayName?: string;
}

const known = [['username'], ['email'], ['phone'], ['password'], ['displayName']];

/**
 * Registration (ADR 0009): the answer is always "check your e-mail"; the mailed link creates the
 * account and signs in. The confirmation field is checked here only (it never leaves the browser).
 */
export function RegisterPage() {
  const { t } = useTranslation();
  const lang = useLang();
  const errorText = useErrorText();
  const [form] = Form.useForm<RegisterValues>();
  const password = Form.useWatch('password', form) ?? '';
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const [generalError, setGeneralError] = useState<unknown>(null);
  const [lastError, setLastError] = useState<unknown>(null);

  useEffect(() => {
    if (lastError !== null) applyServerErrors(form, lastError, lang, known);
  }, [lang]);

  const mutation = useMutation({
    mutationFn: (v: RegisterValues) => {
      const phone = v.phone?.trim();
      const displayName = v.displayName?.trim();
      return api.register({
        username: v.username.trim(),
        email: v.email.trim(),
        password: v.password,
        ...(phone ? { phone } : {}),
        ...(displayName ? { displayName } : {}),
      });
    },
    onError: (err) => {
      setLastError(err);
      setGeneralError(applyServerErrors(form, err, lang, known) ? null : err);
    },
  });

  if (mutation.isSuccess)
    return (
      <AccountCard title={t('auth.registerTitle')}>
        <MailSent
          text={t('accounts.sent.register', { email: mutation.variables.email.trim() })}
          sandboxMailbox={mutation.data.sandboxMailbox}
        />
      </AccountCard>
    );

  return (
    <AccountCard title={t('auth.registerTitle')}>
      {generalError !== null && (
        <Alert
          type={generalError instanceof ApiError && generalError.status === 429 ? 'warning' : 'error'}
          showIcon
          title={errorText(generalError)}
          data-testid="auth-error"
          style={{ marginBottom: 16 }}
        />
      )}
      <Form<RegisterValues>
        form={form}
        layout="vertical"
        requiredMark={false}
        autoComplete="on"
        onFinish={(v) => {
          setGeneralError(null);
          setLastError(null);
          mutation.mutate(v);
        }}
        onValuesChange={() => setGeneralError(null)}
      >
        <Form.Item
          name="username"
          label={t('auth.username')}
          extra={t('accounts.usernameHelp')}
          rules={[{ required: true, whitespace: true, message: t('auth.usernameRequired') }]}
        >
          <Input id="username" autoComplete="username" autoFocus size="large" />
        </Form.Item>
        <Form.Item
          name="email"
          label={t('accounts.email')}
          extra={t('accounts.emailHelp')}
          rules={[
            { required: true, whitespace: true, message: t('accounts.emailRequired') },
            { type: 'email', message: t('accounts.emailInvalid') },
          ]}
        >
          <Input id="email" type="email" inputMode="email" autoComplete="email" size="large" />
        </Form.Item>
        <Form.Item
          name="phone"
          label={t('accounts.phoneOptional')}
          extra={t('accounts.phoneHelp')}
          rules={[{ pattern: /^\s*1[3-9]\d{9}\s*$/, message: t('accounts.phoneInvalid') }]}
        >
          <Input id="phone" type="tel" inputMode="numeric" autoComplete="tel" maxLength={11} size="large" />
        </Form.Item>
        <NewPasswordFields label={t('auth.password')} password={password} />
        <Form.Item name="displayName" label={t('auth.displayNameOptional')}>
          <Input id="displayName" autoComplete="nickname" size="large" />
        </Form.Item>
        <Form.Item style={{ marginBottom: 8 }}>
          <Button
            type="primary"
            htmlType="submit"
            block
            size="large"
            loading={mutation.isPending}
            data-testid="register-submit"
          >
            {t('auth.registerSubmit')}
          </Button>
        </Form.Item>
      </Form>
      <Typography.Text type="secondary">
        {t('auth.haveAccount')}{' '}
        <Link to={next ? `/login?next=${encodeURIComponent(next)}` : '/login'}>{t('auth.goLogin')}</Link>
      </Typography.Text>
    </AccountCard>
  );
}
