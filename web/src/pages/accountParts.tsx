/** Pieces shared by the registration and recovery pages (ADR 0009). */
import { Alert, Card, Flex, Form, Input, Progress, Result, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';

/** The narrow card every account page sits in: full width on a phone, 440 px on a desktop. */
export function AccountCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Flex justify="center" style={{ paddingTop: 24 }}>
      <Card style={{ width: 440, maxWidth: '100%' }}>
        <Typography.Title level={3} style={{ marginTop: 0 }}>
          {title}
        </Typography.Title>
        {children}
      </Card>
    </Flex>
  );
}

/**
 * A rough strength estimate for the hint under the password field: length and character kinds.
 * The server's policy (common passwords, patterns, the username inside) is what decides.
 */
export function strengthOf(password: string): 0 | 1 | 2 | 3 {
  if (!password) return 0;
  const kinds = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((r) => r.test(password)).length;
  const len = [...password].length;
  if (len < 8 || new Set(password).size < 4) return 1;
  if (len >= 12 && kinds >= 2) return 3;
  if (kinds >= 3 || len >= 10) return 2;
  return 1;
}

export function StrengthHint({ password }: { password: string }) {
  const { t } = useTranslation();
  const s = strengthOf(password);
  if (s === 0) return null;
  const label = [t('accounts.strength.weak'), t('accounts.strength.medium'), t('accounts.strength.strong')][
    s - 1
  ];
  const color = ['#ff4d4f', '#faad14', '#52c41a'][s - 1];
  return (
    <Flex align="center" gap={8} data-testid="password-strength" style={{ marginTop: 4 }}>
      <Typography.Text type="secondary" style={{ whiteSpace: 'nowrap' }}>
        {t('accounts.strength.label')}
      </Typography.Text>
      <Progress percent={(s / 3) * 100} steps={3} showInfo={false} strokeColor={color} size="small" />
      <Typography.Text style={{ color }}>{label}</Typography.Text>
    </Flex>
  );
}

/** "Check your e-mail", with the sandbox mailbox link in the demo. */
export function MailSent({ text, sandboxMailbox }: { text: string; sandboxMailbox: string | null }) {
  const { t } = useTranslation();
  return (
    <Result
      status="success"
      title={t('accounts.sent.title')}
      subTitle={text}
      style={{ padding: '16px 0' }}
      extra={
        <Flex vertical gap={12} align="center">
          {sandboxMailbox && (
            <Alert
              type="info"
              showIcon
              data-testid="sandbox-mailbox-link"
              title={<Link to={sandboxMailbox}>{t('accounts.sent.sandbox')}</Link>}
            />
          )}
          <Typography.Text type="secondary">{t('accounts.sent.noMail')}</Typography.Text>
        </Flex>
      }
      data-testid="mail-sent"
    />
  );
}

/**
 * The new password and its confirmation (registration and reset): the policy's length in the
 * browser, a strength hint, and the confirm field checked here only (the server sees one password).
 */
export function NewPasswordFields({
  label,
  password,
  autoFocus = false,
}: {
  label: string;
  password: string;
  autoFocus?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <>
      <Form.Item
        name="password"
        label={label}
        extra={
          <>
            {t('accounts.passwordHelp')}
            <StrengthHint password={password} />
          </>
        }
        rules={[
          { required: true, message: t('auth.passwordRequired') },
          { min: 8, message: t('accounts.passwordHelp') },
        ]}
      >
        <Input.Password id="password" autoComplete="new-password" size="large" autoFocus={autoFocus} />
      </Form.Item>
      <Form.Item
        name="confirm"
        label={t('accounts.confirmPassword')}
        dependencies={['password']}
        rules={[
          { required: true, message: t('accounts.confirmRequired') },
          ({ getFieldValue }) => ({
            validator: (_, value: string | undefined) =>
              !value || value === getFieldValue('password')
                ? Promise.resolve()
                : Promise.reject(new Error(t('accounts.mismatch'))),
          }),
        ]}
      >
        <Input.Password id="confirm" autoComplete="new-password" size="large" />
      </Form.Item>
    </>
  );
}
