import { Button, Result } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { isMerchant, useMe } from '../auth';
import { ErrorResult, Loading } from './QueryState';

/**
 * Renders `children` only for a logged-in user (with `merchant`, only for the merchant role);
 * otherwise a 403 with a way to log in or go home.
 */
export function RequireUser({
  merchant = false,
  loginText,
  children,
}: {
  merchant?: boolean;
  /** Shown to anonymous visitors (default: the merchant login hint). */
  loginText?: string;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  const me = useMe();
  if (me.isPending) return <Loading />;
  if (me.isError) return <ErrorResult error={me.error} onRetry={() => void me.refetch()} />;
  const allowed = merchant ? isMerchant(me.user) : me.user !== null;
  if (allowed) return <>{children}</>;
  return (
    <Result
      status="403"
      title={t('errors.forbiddenTitle')}
      subTitle={me.user ? t('errors.forbidden') : (loginText ?? t('errors.loginRequired'))}
      data-testid="forbidden"
      extra={
        <Link to={me.user ? '/products' : '/login'}>
          <Button type="primary">{me.user ? t('errors.goHome') : t('nav.login')}</Button>
        </Link>
      }
    />
  );
}
