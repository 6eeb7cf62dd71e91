import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Flex, Form, Input, Typography } from 'antd';
import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { ApiError } from '../api';
import { homeFor, onAuthenticated, safeNext } from '../auth';
import { useErrorText } from '../components/QueryState';
import { applyServerErrors } from '../forms';
import { useLang } from '../i18n';
import type { AuthResponse } from '../types';

export interface AuthValues {
  username: string;
  password: string;
  displayName?: string;
}

/** Shared login / register form: server field errors next to fields, the rest in an Alert. */
export function AuthForm({
  mode,
  submit,
}: {
  mode: 'login' | 'register';
  submit: (v: AuthValues) => Promise<AuthResponse>;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const errorText = useErrorText();
  const [form] = Form.useForm<AuthValues>();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const [generalError, setGeneralError] = useState<unknown>(null);
  const [lastError, setLastError] = useState<unknown>(null);
  const known =
    mode === 'register' ? [['username'], ['password'], ['displayName']] : [['username'], ['password']];

  // Re-render server field errors in the newly selected language.
  useEffect(() => {
    if (lastError !== null) applyServerErrors(form, lastError, lang, known);
  }, [lang]);

  const mutation = useMutation({
    mutationFn: submit,
    onSuccess: (r) => {
      onAuthenticated(qc, r);
      void navigate(next ?? homeFor(r.user), { replace: true });
    },
    onError: (err) => {
      setLastError(err);
      const allAttached = applyServerErrors(form, err, lang, known);
      setGeneralError(allAttached ? null : err);
    },
  });

  const onFinish = (values: AuthValues) => {
    setGeneralError(null);
    setLastError(null);
    const displayName = values.displayName?.trim();
    mutation.mutate({
      username: values.username.trim(),
      password: values.password,
      ...(mode === 'register' && displayName ? { displayName } : {}),
    });
  };

  const footer: ReactNode =
    mode === 'login' ? (
      <>
        {t('auth.noAccount')}{' '}
        <Link to={next ? `/register?next=${encodeURIComponent(next)}` : '/register'}>
          {t('auth.goRegister')}
        </Link>
      </>
    ) : (
      <>
        {t('auth.haveAccount')}{' '}
        <Link to={next ? `/login?next=${encodeURIComponent(next)}` : '/login'}>{t('auth.goLogin')}</Link>
      </>
    );

  return (
    <Flex justify="center" style={{ paddingTop: 'clamp(4px, 4vw, 32px)' }}>
      <Card style={{ width: 420, maxWidth: '100%' }}>
        <Typography.Title level={3} style={{ marginTop: 0 }}>
          {mode === 'login' ? t('auth.loginTitle') : t('auth.registerTitle')}
        </Typography.Title>
        {generalError !== null && (
          <Alert
            type={generalError instanceof ApiError && generalError.status === 429 ? 'warning' : 'error'}
            showIcon
            title={errorText(generalError)}
            data-testid="auth-error"
            style={{ marginBottom: 16 }}
          />
        )}
        <Form<AuthValues>
          form={form}
          layout="vertical"
          onFinish={onFinish}
          requiredMark={false}
          autoComplete="on"
          onValuesChange={() => setGeneralError(null)}
        >
          <Form.Item
            name="username"
            label={t('auth.username')}
            rules={[{ required: true, whitespace: true, message: t('auth.usernameRequired') }]}
          >
            <Input name="username" autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item
            name="password"
            label={t('auth.password')}
            rules={[{ required: true, message: t('auth.passwordRequired') }]}
          >
            <Input.Password
              name="password"
              autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
            />
          </Form.Item>
          {mode === 'register' && (
            <Form.Item name="displayName" label={t('auth.displayNameOptional')}>
              <Input name="displayName" autoComplete="nickname" />
            </Form.Item>
          )}
          <Form.Item style={{ marginBottom: 8 }}>
            <Button
              type="primary"
              htmlType="submit"
              block
              loading={mutation.isPending}
              data-testid={mode === 'login' ? 'login-submit' : 'register-submit'}
            >
              {mode === 'login' ? t('auth.loginSubmit') : t('auth.registerSubmit')}
            </Button>
          </Form.Item>
        </Form>
        <Typography.Text type="secondary">{footer}</Typography.Text>
      </Card>
    </Flex>
  );
}
