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
}

/** The login form (username or e-mail): server field errors next to fields, the rest in an Alert. Registration has its own page (Register.tsx). */
export function AuthForm({ submit }: { submit: (v: AuthValues) => Promise<AuthResponse> }) {
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
  const known = [['username'], ['password']];

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
    mutation.mutate({ username: values.username.trim(), password: values.password });
  };

  const footer: ReactNode = (
    <>
      {t('auth.noAccount')}{' '}
      <Link to={next ? `/register?next=${encodeURIComponent(next)}` : '/register'}>
        {t('auth.goRegister')}
      </Link>
    </>
  );

  return (
    <Flex justify="center" style={{ paddingTop: 'clamp(4px, 4vw, 32px)' }}>
      <Card style={{ width: 420, maxWidth: '100%' }}>
        <Typography.Title level={3} style={{ marginTop: 0 }}>
          {t('auth.loginTitle')}
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
            label={t('accounts.usernameOrEmail')}
            rules={[{ required: true, whitespace: true, message: t('auth.usernameRequired') }]}
          >
            <Input name="username" autoComplete="username" autoFocus size="large" />
          </Form.Item>
          <Form.Item
            name="password"
            label={t('auth.password')}
            rules={[{ required: true, message: t('auth.passwordRequired') }]}
            extra={
              <Link to="/forgot-password" data-testid="forgot-password">
                {t('accounts.forgot')}
              </Link>
            }
          >
            <Input.Password name="password" autoComplete="current-password" size="large" />
          </Form.Item>
          <Form.Item style={{ marginBottom: 8 }}>
            <Button
              type="primary"
              htmlType="submit"
              block
              size="large"
              loading={mutation.isPending}
              data-testid="login-submit"
            >
              {t('auth.loginSubmit')}
            </Button>
          </Form.Item>
        </Form>
        <Typography.Text type="secondary">{footer}</Typography.Text>
      </Card>
    </Flex>
  );
}
