import { App as AntApp, Button, Flex, Grid, Layout, Menu, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useNavigate } from 'react-router';
import { isAdmin, isArbitrationStaff, isBuyer, isMerchant, isStaff, useLogout, useMe } from '../auth';
import { setLang, useLang } from '../i18n';
import { NotificationBell } from './NotificationBell';
import { LevelTag, RoleTag } from './tags';

export function AppHeader() {
  const { t } = useTranslation();
  const lang = useLang();
  const { user, isPending } = useMe();
  const logout = useLogout();
  const navigate = useNavigate();
  const location = useLocation();
  const { message } = AntApp.useApp();
  // on a phone (below 576 px) the header keeps to the screen's width: the name and level give way
  const narrow = !Grid.useBreakpoint().sm;

  const link = (to: string, label: string, testId: string) => ({
    key: to,
    label: (
      <Link to={to} data-testid={testId}>
        {label}
      </Link>
    ),
  });
  const items = [{ key: '/products', label: <Link to="/products">{t('nav.products')}</Link> }];
  if (isBuyer(user))
    items.push(
      link('/me/orders', t('nav.myOrders'), 'nav-my-orders'),
      link('/me/wallet', t('nav.wallet'), 'nav-wallet'),
      link('/me/membership', t('nav.membership'), 'nav-membership'),
      link('/me/refunds', t('aftersales.nav.myRefunds'), 'nav-my-refunds'),
      link('/me/disputes', t('disputes.nav.mine'), 'nav-my-disputes'),
    );
  if (user) items.push(link('/me/keys', t('nav.myKeys'), 'nav-my-keys'));
  if (isMerchant(user))
    items.push(
      { key: '/merchant', label: <Link to="/merchant">{t('nav.merchant')}</Link> },
      link('/merchant/finance', t('nav.finance'), 'nav-finance'),
      link('/merchant/refunds', t('aftersales.nav.reviewQueue'), 'nav-merchant-refunds'),
      link('/merchant/disputes', t('disputes.nav.merchant'), 'nav-merchant-disputes'),
      link('/merchant/record', t('record.title'), 'nav-merchant-record'),
    );
  if (isStaff(user))
    items.push(link('/support/refunds', t('aftersales.nav.supportQueue'), 'nav-support-refunds'));
  if (isStaff(user)) items.push(link('/admin/withdrawals', t('money.admin.nav'), 'nav-admin-withdrawals'));
  if (isArbitrationStaff(user))
    items.push(link('/arbitration', t('disputes.nav.workbench'), 'nav-arbitration'));
  if (isAdmin(user)) items.push(link('/admin/merchants', t('sanctions.nav'), 'nav-admin-merchants'));
  if (isAdmin(user)) items.push(link('/admin/sandbox', t('nav.sandboxAdmin'), 'nav-admin-sandbox'));
  // the longest menu path that prefixes the current one ('/merchant/finance' over '/merchant')
  const path = location.pathname === '/' ? '/products' : location.pathname;
  const match = items
    .map((i) => i.key)
    .filter((k) => path === k || path.startsWith(`${k}/`))
    .sort((a, b) => b.length - a.length)[0];
  const selected = match
    ? [match]
    : path.startsWith('/checkout')
      ? ['/products']
      : path.startsWith('/disputes/')
        ? [isMerchant(user) ? '/merchant/disputes' : '/me/disputes']
        : path.startsWith('/refunds/')
          ? [isBuyer(user) ? '/me/refunds' : '/support/refunds']
          : path.startsWith('/orders/')
            ? [isBuyer(user) ? '/me/orders' : isMerchant(user) ? '/merchant/finance' : '/support/refunds']
            : [];

  const onLogout = () => {
    logout.mutate(undefined, {
      onSettled: () => {
        void message.success(t('auth.loggedOut'));
        void navigate('/products');
      },
    });
  };

  return (
    <Layout.Header
      style={{ display: 'flex', alignItems: 'center', gap: narrow ? 8 : 16, paddingInline: narrow ? 12 : 24 }}
    >
      <Link to="/" data-testid="logo" style={{ whiteSpace: 'nowrap' }}>
        <Typography.Text strong style={{ color: '#fff', fontSize: 18 }}>
          {t('app.logo')}
        </Typography.Text>
      </Link>
      <Menu
        theme="dark"
        mode="horizontal"
        selectedKeys={selected}
        items={items}
        style={{ flex: 1, minWidth: 0 }}
      />
      <Flex align="center" gap={narrow ? 6 : 12}>
        {!isPending && user && <NotificationBell />}
        {!isPending && user && (
          <Space size={6} data-testid="current-user">
            {!narrow && (
              <Typography.Text style={{ color: '#fff' }} data-testid="current-user-name">
                {user.displayName || user.username}
              </Typography.Text>
            )}
            {!narrow &&
              (user.role === 'buyer' ? <LevelTag level={user.memberLevel} /> : <RoleTag role={user.role} />)}
            <Button size="small" onClick={onLogout} loading={logout.isPending} data-testid="logout">
              {t('nav.logout')}
            </Button>
          </Space>
        )}
        {!isPending && !user && (
          <Space size={6}>
            <Link to="/login" data-testid="nav-login">
              <Button size="small" type="primary">
                {t('nav.login')}
              </Button>
            </Link>
            <Link to="/register" data-testid="nav-register">
              <Button size="small">{t('nav.register')}</Button>
            </Link>
          </Space>
        )}
        <Button
          size="small"
          ghost
          data-testid="lang-switch"
          title={t('nav.langSwitchTitle')}
          lang={lang === 'en' ? 'zh-CN' : 'en'}
          onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')}
        >
          {t('nav.langSwitch')}
        </Button>
      </Flex>
    </Layout.Header>
  );
}
