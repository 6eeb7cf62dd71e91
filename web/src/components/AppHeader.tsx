import { App as AntApp, Button, Drawer, Dropdown, Flex, Layout, Menu, Space, Typography } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useNavigate } from 'react-router';
import { isAdmin, isArbitrationStaff, isBuyer, isMerchant, isStaff, useLogout, useMe } from '../auth';
import { setLang, useLang } from '../i18n';
import type { User } from '../types';
import { NotificationBell } from './NotificationBell';
import { useIsPhone } from './ResponsiveList';
import { LevelTag, RoleTag } from './tags';

/** One navigation entry: where it goes, its words and the test id of its link. */
interface NavEntry {
  to: string;
  label: string;
  testId?: string;
}

/**
 * Every navigation entry the user's role has. `main` is the desktop header's menu (as it was before
 * Stage 8: tests click these `nav-*` ids); `extra` are the newer pages, in the desktop user menu.
 * The phone's drawer lists both.
 */
function useNavEntries(user: User | null): { main: NavEntry[]; extra: NavEntry[] } {
  const { t } = useTranslation();
  const main: NavEntry[] = [{ to: '/products', label: t('nav.products') }];
  const extra: NavEntry[] = [];
  if (isBuyer(user))
    main.push(
      { to: '/me/orders', label: t('nav.myOrders'), testId: 'nav-my-orders' },
      { to: '/me/wallet', label: t('nav.wallet'), testId: 'nav-wallet' },
      { to: '/me/membership', label: t('nav.membership'), testId: 'nav-membership' },
      { to: '/me/refunds', label: t('aftersales.nav.myRefunds'), testId: 'nav-my-refunds' },
      { to: '/me/disputes', label: t('disputes.nav.mine'), testId: 'nav-my-disputes' },
    );
  if (user) main.push({ to: '/me/keys', label: t('nav.myKeys'), testId: 'nav-my-keys' });
  if (isMerchant(user)) {
    main.push(
      { to: '/merchant', label: t('nav.merchant') },
      { to: '/merchant/finance', label: t('nav.finance'), testId: 'nav-finance' },
      { to: '/merchant/refunds', label: t('aftersales.nav.reviewQueue'), testId: 'nav-merchant-refunds' },
      { to: '/merchant/disputes', label: t('disputes.nav.merchant'), testId: 'nav-merchant-disputes' },
      { to: '/merchant/record', label: t('record.title'), testId: 'nav-merchant-record' },
    );
    extra.push(
      { to: '/merchant/home', label: t('mobileNav.merchantHome'), testId: 'nav-merchant-home' },
      { to: '/merchant/channels', label: t('mobileNav.channels'), testId: 'nav-merchant-channels' },
      { to: '/merchant/tokens', label: t('mobileNav.tokens'), testId: 'nav-merchant-tokens' },
    );
  }
  if (isStaff(user)) {
    main.push(
      { to: '/support/refunds', label: t('aftersales.nav.supportQueue'), testId: 'nav-support-refunds' },
      { to: '/admin/withdrawals', label: t('money.admin.nav'), testId: 'nav-admin-withdrawals' },
    );
  }
  if (isArbitrationStaff(user))
    main.push({ to: '/arbitration', label: t('disputes.nav.workbench'), testId: 'nav-arbitration' });
  if (isAdmin(user)) {
    main.push(
      { to: '/admin/merchants', label: t('sanctions.nav'), testId: 'nav-admin-merchants' },
      { to: '/admin/sandbox', label: t('nav.sandboxAdmin'), testId: 'nav-admin-sandbox' },
    );
    extra.push({ to: '/admin', label: t('mobileNav.adminConsole'), testId: 'nav-admin' });
  }
  return { main, extra };
}

/** The entry a path belongs to: the longest prefix ('/merchant/finance' over '/merchant'), else by kind. */
function selectedKey(pathname: string, entries: NavEntry[], user: User | null): string[] {
  const path = pathname === '/' ? '/products' : pathname;
  const match = entries
    .map((e) => e.to)
    .filter((k) => path === k || path.startsWith(`${k}/`))
    .sort((a, b) => b.length - a.length)[0];
  if (match) return [match];
  if (path.startsWith('/checkout')) return ['/products'];
  if (path.startsWith('/disputes/')) return [isMerchant(user) ? '/merchant/disputes' : '/me/disputes'];
  if (path.startsWith('/refunds/')) return [isBuyer(user) ? '/me/refunds' : '/support/refunds'];
  if (path.startsWith('/orders/'))
    return [isBuyer(user) ? '/me/orders' : isMerchant(user) ? '/merchant/finance' : '/support/refunds'];
  return [];
}

const linkItem = (e: NavEntry, onClick?: () => void) => ({
  key: e.to,
  label: (
    <Link to={e.to} data-testid={e.testId} onClick={onClick}>
      {e.label}
    </Link>
  ),
});

function MenuIcon() {
  return (
    <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false" fill="currentColor">
      <path d="M3 5.5h18v2H3zm0 5.5h18v2H3zm0 5.5h18v2H3z" />
    </svg>
  );
}

function LangSwitch({ variant = 'header' }: { variant?: 'header' | 'phone' | 'drawer' }) {
  const { t } = useTranslation();
  const lang = useLang();
  const drawer = variant === 'drawer';
  return (
    <Button
      size={drawer ? 'large' : 'small'}
      ghost={!drawer}
      block={drawer}
      style={variant === 'phone' ? { minWidth: 44, height: 32, paddingInline: 6 } : undefined}
      data-testid={drawer ? 'drawer-lang-switch' : 'lang-switch'}
      title={t('nav.langSwitchTitle')}
      aria-label={t('nav.langSwitchTitle')}
      lang={lang === 'en' ? 'zh-CN' : 'en'}
      onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')}
    >
      {variant === 'phone' ? t('mobileNav.langShort') : t('nav.langSwitch')}
    </Button>
  );
}

function useOnLogout(after?: () => void) {
  const { t } = useTranslation();
  const logout = useLogout();
  const navigate = useNavigate();
  const { message } = AntApp.useApp();
  const onLogout = () => {
    after?.();
    logout.mutate(undefined, {
      onSettled: () => {
        void message.success(t('auth.loggedOut'));
        void navigate('/products');
      },
    });
  };
  return { onLogout, pending: logout.isPending };
}

const Logo = ({ compact = false }: { compact?: boolean }) => {
  const { t } = useTranslation();
  return (
    <Link to="/" data-testid="logo" style={{ whiteSpace: 'nowrap' }}>
      <Typography.Text strong style={{ color: '#fff', fontSize: compact ? 17 : 18 }}>
        {t('app.logo')}
      </Typography.Text>
    </Link>
  );
};

/** Desktop (768 px and wider): the horizontal menu as before, the newer pages in the user's menu. */
function DesktopHeader() {
  const { t } = useTranslation();
  const { user, isPending } = useMe();
  const location = useLocation();
  const { main, extra } = useNavEntries(user);
  const { onLogout, pending } = useOnLogout();
  const items = main.map((e) => linkItem(e));
  const selected = selectedKey(location.pathname, [...main, ...extra], user);
  const name = user ? (
    <Typography.Text style={{ color: '#fff' }} data-testid="current-user-name">
      {user.displayName || user.username}
    </Typography.Text>
  ) : null;

  return (
    <Layout.Header style={{ display: 'flex', alignItems: 'center', gap: 16, paddingInline: 24 }}>
      <Logo />
      <Menu
        theme="dark"
        mode="horizontal"
        selectedKeys={selected}
        items={items}
        style={{ flex: 1, minWidth: 0 }}
        data-testid="nav-menu"
      />
      <Flex align="center" gap={12}>
        {!isPending && user && <NotificationBell />}
        {!isPending && user && (
          <Space size={6} data-testid="current-user">
            {extra.length > 0 ? (
              <Dropdown
                trigger={['click', 'hover']}
                menu={{ items: extra.map((e) => linkItem(e)), selectedKeys: selected }}
              >
                <Button type="text" style={{ paddingInline: 4 }} data-testid="user-menu">
                  {name}
                  <span aria-hidden="true" style={{ color: '#fff', fontSize: 10 }}>
                    ▼
                  </span>
                </Button>
              </Dropdown>
            ) : (
              name
            )}
            {user.role === 'buyer' ? <LevelTag level={user.memberLevel} /> : <RoleTag role={user.role} />}
            <Button size="small" onClick={onLogout} loading={pending} data-testid="logout">
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
        <LangSwitch />
      </Flex>
    </Layout.Header>
  );
}

/** The drawer's body: who is logged in, every page of their roles, the language and logging out. */
function NavDrawer({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const { user } = useMe();
  const location = useLocation();
  const { main, extra } = useNavEntries(user);
  const { onLogout, pending } = useOnLogout(onClose);
  const entries = [...main, ...extra];
  if (user)
    entries.push({
      to: '/me/notifications',
      label: t('mobileNav.notifications'),
      testId: 'nav-notifications',
    });
  if (!user)
    entries.push(
      { to: '/login', label: t('nav.login'), testId: 'nav-login' },
      { to: '/register', label: t('nav.register'), testId: 'nav-register' },
    );

  return (
    <Drawer
      open={open}
      onClose={onClose}
      placement="right"
      size={Math.min(320, typeof window === 'undefined' ? 320 : window.innerWidth - 48)}
      title={
        user ? (
          <Space size={6} wrap data-testid="current-user">
            <span data-testid="current-user-name">{user.displayName || user.username}</span>
            {user.role === 'buyer' ? <LevelTag level={user.memberLevel} /> : <RoleTag role={user.role} />}
          </Space>
        ) : (
          t('mobileNav.guest')
        )
      }
      closable={{ 'aria-label': t('mobileNav.close') }}
      styles={{ body: { padding: 0, display: 'flex', flexDirection: 'column' } }}
      data-testid="nav-drawer"
    >
      <Menu
        mode="inline"
        selectedKeys={selectedKey(location.pathname, entries, user)}
        items={entries.map((e) => linkItem(e, onClose))}
        style={{ borderInlineEnd: 'none', flex: 1 }}
        className="kameng-drawer-menu"
        data-testid="nav-drawer-menu"
      />
      <Flex vertical gap={8} style={{ padding: 16 }}>
        <LangSwitch variant="drawer" />
        {user && (
          <Button size="large" block danger onClick={onLogout} loading={pending} data-testid="logout">
            {t('nav.logout')}
          </Button>
        )}
      </Flex>
    </Drawer>
  );
}

/** Phones (below 768 px): logo, bell and a 44-px menu button opening the drawer. */
function PhoneHeader({ menuOpen, setMenuOpen }: { menuOpen: boolean; setMenuOpen: (open: boolean) => void }) {
  const { t } = useTranslation();
  const { user, isPending } = useMe();
  return (
    <Layout.Header
      style={{
        display: 'flex',
        alignItems: 'center',
        gap: 4,
        paddingInline: 12,
        height: 56,
        lineHeight: '56px',
        position: 'sticky',
        top: 0,
        zIndex: 100,
      }}
      data-layout="phone"
    >
      <Logo compact />
      <div style={{ flex: 1 }} />
      <LangSwitch variant="phone" />
      {!isPending && user && <NotificationBell />}
      <Button
        type="text"
        aria-label={t('mobileNav.menu')}
        aria-expanded={menuOpen}
        title={t('mobileNav.menu')}
        icon={<MenuIcon />}
        style={{ color: '#fff', width: 44, height: 44 }}
        onClick={() => setMenuOpen(true)}
        data-testid="nav-menu-button"
        // who is logged in, for tests (the name itself is in the drawer on a phone)
        data-user={user?.username}
      />
      <NavDrawer open={menuOpen} onClose={() => setMenuOpen(false)} />
    </Layout.Header>
  );
}

/** The tab bar's height above the safe area (App.tsx pads the content by it). */
export const TAB_BAR_HEIGHT = 56;

function TabIcon({ d }: { d: string }) {
  return (
    <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false" fill="currentColor">
      <path d={d} />
    </svg>
  );
}

const ICONS = {
  home: 'M12 3 2 11h3v9h5v-6h4v6h5v-9h3L12 3Z',
  orders:
    'M6 2h12a2 2 0 0 1 2 2v16a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2Zm2 5v2h8V7H8Zm0 4v2h8v-2H8Zm0 4v2h5v-2H8Z',
  keys: 'M14 3a7 7 0 0 0-6.6 9.3L2 17.7V22h4.3v-2.2h2.2v-2.2h2.2l1-1A7 7 0 1 0 14 3Zm2.5 3a2.5 2.5 0 1 1 0 5 2.5 2.5 0 0 1 0-5Z',
  refunds: 'M12 4a8 8 0 1 1-7.4 5H2l3.5-4L9 9H6.7A6 6 0 1 0 12 6V4Zm-1 4h2v4.6l3 1.8-1 1.7-4-2.4V8Z',
  me: 'M12 12a5 5 0 1 0 0-10 5 5 0 0 0 0 10Zm0 2c-4.4 0-8 2.2-8 5v3h16v-3c0-2.8-3.6-5-8-5Z',
} as const;

/** The buyer's tab bar on a phone: 首页 / 订单 / 卡密 / 售后 / 我的 (the last opens the menu). */
function BuyerTabBar({ onMe, meActive }: { onMe: () => void; meActive: boolean }) {
  const { t } = useTranslation();
  const { pathname } = useLocation();
  const tabs: { key: string; to?: string; label: string; icon: string; active: boolean }[] = [
    {
      key: 'home',
      to: '/products',
      label: t('mobileNav.home'),
      icon: ICONS.home,
      active: pathname === '/' || pathname.startsWith('/products') || pathname.startsWith('/checkout'),
    },
    {
      key: 'orders',
      to: '/me/orders',
      label: t('mobileNav.tabOrders'),
      icon: ICONS.orders,
      active: pathname.startsWith('/me/orders') || pathname.startsWith('/orders/'),
    },
    {
      key: 'keys',
      to: '/me/keys',
      label: t('mobileNav.tabKeys'),
      icon: ICONS.keys,
      active: pathname.startsWith('/me/keys'),
    },
    {
      key: 'refunds',
      to: '/me/refunds',
      label: t('mobileNav.tabRefunds'),
      icon: ICONS.refunds,
      active: pathname.startsWith('/me/refunds') || pathname.startsWith('/refunds/'),
    },
    { key: 'me', label: t('mobileNav.me'), icon: ICONS.me, active: meActive },
  ];
  const tabStyle = (active: boolean) => ({
    flex: 1,
    minWidth: 0,
    height: TAB_BAR_HEIGHT,
    display: 'flex',
    flexDirection: 'column' as const,
    alignItems: 'center',
    justifyContent: 'center',
    gap: 2,
    fontSize: 12,
    lineHeight: 1.2,
    color: active ? '#d4380d' : '#595959',
    background: 'none',
    border: 'none',
    padding: 0,
    cursor: 'pointer',
  });
  const content = (tab: (typeof tabs)[number]): ReactNode => (
    <>
      <TabIcon d={tab.icon} />
      <span style={{ whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis', maxWidth: '100%' }}>
        {tab.label}
      </span>
    </>
  );
  return (
    <nav
      aria-label={t('mobileNav.menu')}
      data-testid="tab-bar"
      style={{
        position: 'fixed',
        insetInline: 0,
        bottom: 0,
        zIndex: 100,
        display: 'flex',
        background: '#fff',
        borderTop: '1px solid #f0f0f0',
        paddingBottom: 'env(safe-area-inset-bottom)',
        boxShadow: '0 -2px 8px rgba(0,0,0,0.04)',
      }}
    >
      {tabs.map((tab) =>
        tab.to ? (
          <Link
            key={tab.key}
            to={tab.to}
            style={tabStyle(tab.active)}
            aria-current={tab.active ? 'page' : undefined}
            data-testid={`tab-${tab.key}`}
          >
            {content(tab)}
          </Link>
        ) : (
          <button
            key={tab.key}
            type="button"
            style={tabStyle(tab.active)}
            onClick={onMe}
            aria-haspopup="dialog"
            data-testid={`tab-${tab.key}`}
          >
            {content(tab)}
          </button>
        ),
      )}
    </nav>
  );
}

/**
 * antd locks the page's scrolling under an open drawer or dialog by narrowing the body by the
 * scrollbar's measured width; phones' scrollbars take no room, yet the measure (negative in
 * mobile browsers) widened the page by 8 px, so the whole page slid sideways behind the drawer.
 */
const PHONE_CSS = `html body { width: auto !important; }`;

/** Whether the buyer's tab bar shows (App.tsx pads the content's bottom for it). */
export function useShowsTabBar(): boolean {
  const phone = useIsPhone();
  const { user } = useMe();
  return phone && isBuyer(user);
}

/**
 * The site's header: on desktop the menu bar as before (plus a user menu for the newer pages); on a
 * phone a compact bar whose menu button opens a drawer with every page, and for buyers a tab bar
 * at the bottom.
 */
export function AppHeader() {
  const phone = useIsPhone();
  const tabBar = useShowsTabBar();
  const [menuOpen, setMenuOpen] = useState(false);
  if (!phone) return <DesktopHeader />;
  return (
    <>
      <style>{PHONE_CSS}</style>
      <PhoneHeader menuOpen={menuOpen} setMenuOpen={setMenuOpen} />
      {tabBar && <BuyerTabBar onMe={() => setMenuOpen(true)} meActive={menuOpen} />}
    </>
  );
}
