import { Button, Result } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'react-router';
import { isAdmin, isArbitrationStaff, isBuyer, isMerchant, isStaff, loginPath, useMe } from '../auth';
import { ErrorResult, Loading } from './QueryState';

/**
 * Renders `children` only for a logged-in user (with `merchant`, only for the merchant role; with
 * `buyer`, only for buyers; with `admin`, only for platform admins; with `support`, for platform
 * support and admins; with `arbitration`, for arbitrators, support and admins); otherwise a 403 with a way to log in (and come back) or go home.
 */
export function RequireUser({
  merchant = false,
  buyer = false,
  admin = false,
  support = false,
  arbitration = false,
  loginText,
  forbiddenText,
  children,
}: {
  merchant?: boolean;
  buyer?: boolean;
  admin?: boolean;
  support?: boolean;
  arbitration?: boolean;
  /** Shown to anonymous visitors (default: the merchant login hint). */
  loginText?: string;
  /** Shown to a logged-in user of another role (default: by the role required). */
  forbiddenText?: string;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <Loading />;
  if (me.isError) return <ErrorResult error={me.error} onRetry={() => void me.refetch()} />;
  const allowed = merchant
    ? isMerchant(me.user)
    : buyer
      ? isBuyer(me.user)
      : admin
        ? isAdmin(me.user)
        : support
          ? isStaff(me.user)
          : arbitration
            ? isArbitrationStaff(me.user)
            : me.user !== null;
  if (allowed) return <>{children}</>;
  return (
    <Result
      status="403"
      title={t('errors.forbiddenTitle')}
      subTitle={
        me.user
          ? (forbiddenText ??
            (buyer ? t('errors.buyersOnly') : admin ? t('errors.adminOnly') : t('errors.forbidden')))
          : (loginText ?? t('errors.loginRequired'))
      }
      data-testid="forbidden"
      extra={
        <Link to={me.user ? '/products' : loginPath(`${location.pathname}${location.search}`)}>
          <Button type="primary">{me.user ? t('errors.goHome') : t('nav.login')}</Button>
        </Link>
      }
    />
  );
}
