import { App as AntApp, ConfigProvider, Layout, Typography } from 'antd';
import enUS from 'antd/es/locale/en_US';
import zhCN from 'antd/es/locale/zh_CN';
import { lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { Route, Routes } from 'react-router';
import { AppHeader, TAB_BAR_HEIGHT, useShowsTabBar } from './components/AppHeader';
import { PageTitle } from './components/PageTitle';
import { Loading } from './components/QueryState';
import { useIsPhone } from './components/ResponsiveList';
import { useLang } from './i18n';
import { ProductListPage } from './pages/ProductList';

// Only the home page (the product list) is in the first download; every other page, the product
// page included, is fetched when it is first opened.
const ProductDetailPage = lazy(() =>
  import('./pages/ProductDetail').then((m) => ({ default: m.ProductDetailPage })),
);
const LoginPage = lazy(() => import('./pages/Login').then((m) => ({ default: m.LoginPage })));
const RegisterPage = lazy(() => import('./pages/Register').then((m) => ({ default: m.RegisterPage })));
const NotFoundPage = lazy(() => import('./pages/NotFound').then((m) => ({ default: m.NotFoundPage })));

const MerchantPage = lazy(() => import('./pages/merchant/MerchantPage'));
const KeysPage = lazy(() => import('./pages/merchant/KeysPage'));
const MyKeysPage = lazy(() => import('./pages/buyer/MyKeysPage'));
const CheckoutPage = lazy(() => import('./pages/buyer/CheckoutPage'));
const OrdersPage = lazy(() => import('./pages/buyer/OrdersPage'));
const OrderDetailPage = lazy(() => import('./pages/buyer/OrderDetailPage'));
const WalletPage = lazy(() => import('./pages/buyer/WalletPage'));
const MembershipPage = lazy(() => import('./pages/buyer/MembershipPage'));
const FinancePage = lazy(() => import('./pages/merchant/FinancePage'));
const SandboxPayPage = lazy(() => import('./pages/sandbox/SandboxPayPage'));
const SandboxMailPage = lazy(() => import('./pages/sandbox/SandboxMailPage'));
const RegisterConfirmPage = lazy(() => import('./pages/RegisterConfirm'));
const ForgotPasswordPage = lazy(() => import('./pages/ForgotPassword'));
const ResetPasswordPage = lazy(() => import('./pages/ResetPassword'));
const SandboxAdminPage = lazy(() => import('./pages/admin/SandboxAdminPage'));
const WithdrawalsAdminPage = lazy(() => import('./pages/admin/WithdrawalsAdminPage'));
const MyRefundsPage = lazy(() => import('./pages/aftersales/MyRefundsPage'));
const RefundDetailPage = lazy(() => import('./pages/aftersales/RefundDetailPage'));
const ReviewQueuePage = lazy(() => import('./pages/aftersales/ReviewQueuePage'));
const SupportQueuePage = lazy(() => import('./pages/aftersales/SupportQueuePage'));
const NotificationsPage = lazy(() => import('./pages/conversations/NotificationsPage'));
const MyDisputesPage = lazy(() => import('./pages/disputes/MyDisputesPage'));
const DisputePage = lazy(() => import('./pages/disputes/DisputePage'));
const ArbitrationQueuePage = lazy(() =>
  import('./pages/disputes/ArbitrationPages').then((m) => ({ default: m.ArbitrationQueuePage })),
);
const CaseFilePage = lazy(() =>
  import('./pages/disputes/ArbitrationPages').then((m) => ({ default: m.CaseFilePage })),
);
const MyRecordPage = lazy(() => import('./pages/record/MyRecordPage'));
const StorefrontPage = lazy(() => import('./pages/record/StorefrontPage'));
const ChannelsPage = lazy(() => import('./pages/channels/ChannelsPage'));
const LookupPage = lazy(() => import('./pages/channels/LookupPage'));
const KeyLinkPage = lazy(() => import('./pages/channels/KeyLinkPage'));
const SandboxShopPage = lazy(() => import('./pages/channels/SandboxShopPage'));
const MerchantSanctionsPage = lazy(() => import('./pages/admin/MerchantSanctionsPage'));
const ConsoleHome = lazy(() => import('./pages/admin/ConsoleHome'));
const UsersPage = lazy(() => import('./pages/admin/UsersPage'));
const AuditPage = lazy(() => import('./pages/admin/AuditPage'));
const DashboardPage = lazy(() => import('./pages/admin/DashboardPage'));

/**
 * The brand colour, and text colours dark enough for WCAG AA contrast (4.5:1) on white and on the
 * layout's grey: antd's defaults (secondary text at 45 % black, links #1677ff, coloured tags in
 * their 7th shade on the 1st) fall short, which Lighthouse's accessibility audit reports.
 */
const TAG_TEXT = {
  red7: '#a8071a',
  volcano7: '#ad2102',
  orange7: '#ad4e00',
  gold7: '#874d00',
  yellow7: '#876800',
  lime7: '#3f6600',
  green7: '#237804',
  cyan7: '#006d75',
  blue7: '#003eb3',
  geekblue7: '#10239e',
  purple7: '#391085',
  magenta7: '#9e1068',
  colorSuccess: '#237804',
  colorInfo: '#003eb3',
  colorWarning: '#ad4e00',
  colorError: '#a8071a',
};
const APP_THEME = {
  token: {
    colorPrimary: '#d4380d',
    colorLink: '#0958d9',
    colorTextSecondary: 'rgba(0, 0, 0, 0.65)',
    colorTextTertiary: 'rgba(0, 0, 0, 0.62)',
    colorTextDescription: 'rgba(0, 0, 0, 0.62)',
  },
  components: { Tag: TAG_TEXT },
};
const RulesPage = lazy(() => import('./pages/admin/RulesPage'));
const CalendarPage = lazy(() => import('./pages/admin/CalendarPage'));
const ClockPage = lazy(() => import('./pages/admin/ClockPage'));
const LevelsPage = lazy(() => import('./pages/admin/LevelsPage'));
const CommissionsPage = lazy(() => import('./pages/admin/CommissionsPage'));
const TokensPage = lazy(() => import('./pages/admin/TokensPage'));
const MerchantHome = lazy(() => import('./pages/merchant/MerchantHome'));
const MerchantTokensPage = lazy(() => import('./pages/merchant/MerchantTokensPage'));

export function App() {
  const lang = useLang();
  const { t } = useTranslation();
  // phones (below 768 px): 12-px margins, and room at the bottom for the buyer's tab bar
  const phone = useIsPhone();
  const tabBar = useShowsTabBar();
  return (
    <ConfigProvider
      locale={lang === 'en' ? enUS : zhCN}
      // phones: 40-px controls (buttons, inputs, selects) as touch targets
      theme={
        phone
          ? { ...APP_THEME, token: { ...APP_THEME.token, controlHeight: 40, controlHeightSM: 32 } }
          : APP_THEME
      }
      button={{ autoInsertSpace: false }}
    >
      <AntApp>
        <PageTitle />
        <Layout
          style={{
            minHeight: '100vh',
            paddingBottom: tabBar ? `calc(${TAB_BAR_HEIGHT}px + env(safe-area-inset-bottom))` : undefined,
          }}
        >
          <AppHeader />
          <Layout.Content
            style={{ padding: phone ? 12 : 24, maxWidth: 1200, width: '100%', minWidth: 0, margin: '0 auto' }}
          >
            <Suspense fallback={<Loading />}>
              <Routes>
                <Route path="/" element={<ProductListPage />} />
                <Route path="/products" element={<ProductListPage />} />
                <Route path="/products/:id" element={<ProductDetailPage />} />
                <Route path="/login" element={<LoginPage />} />
                <Route path="/register" element={<RegisterPage />} />
                <Route path="/register/confirm" element={<RegisterConfirmPage />} />
                <Route path="/forgot-password" element={<ForgotPasswordPage />} />
                <Route path="/reset-password" element={<ResetPasswordPage />} />
                <Route path="/sandbox/mail" element={<SandboxMailPage />} />
                <Route path="/merchant" element={<MerchantPage />} />
                <Route path="/merchant/products/:id/keys" element={<KeysPage />} />
                <Route path="/merchant/finance" element={<FinancePage />} />
                <Route path="/merchant/channels" element={<ChannelsPage />} />
                <Route path="/lookup" element={<LookupPage />} />
                <Route path="/k/:token" element={<KeyLinkPage />} />
                <Route path="/merchant/refunds" element={<ReviewQueuePage />} />
                <Route path="/merchant/refunds/:id" element={<RefundDetailPage />} />
                <Route path="/me/keys" element={<MyKeysPage />} />
                <Route path="/checkout/:productId" element={<CheckoutPage />} />
                <Route path="/me/orders" element={<OrdersPage />} />
                <Route path="/me/orders/:id" element={<OrderDetailPage />} />
                <Route path="/orders/:id" element={<OrderDetailPage />} />
                <Route path="/me/wallet" element={<WalletPage />} />
                <Route path="/me/membership" element={<MembershipPage />} />
                <Route path="/me/refunds" element={<MyRefundsPage />} />
                <Route path="/me/notifications" element={<NotificationsPage />} />
                <Route path="/refunds/:id" element={<RefundDetailPage />} />
                <Route path="/support/refunds" element={<SupportQueuePage />} />
                <Route path="/support/refunds/:id" element={<RefundDetailPage />} />
                <Route path="/sandbox/pay/:id" element={<SandboxPayPage />} />
                <Route path="/sandbox/shop" element={<SandboxShopPage />} />
                <Route path="/admin/sandbox" element={<SandboxAdminPage />} />
                <Route path="/admin/withdrawals" element={<WithdrawalsAdminPage />} />
                <Route path="/me/disputes" element={<MyDisputesPage />} />
                <Route path="/merchant/disputes" element={<MyDisputesPage />} />
                <Route path="/disputes/:id" element={<DisputePage />} />
                <Route path="/arbitration" element={<ArbitrationQueuePage />} />
                <Route path="/arbitration/:id" element={<CaseFilePage />} />
                <Route path="/merchant/record" element={<MyRecordPage />} />
                <Route path="/merchants/:id" element={<StorefrontPage />} />
                <Route path="/admin/merchants" element={<MerchantSanctionsPage />} />
                <Route path="/admin" element={<ConsoleHome />} />
                <Route path="/admin/users" element={<UsersPage />} />
                <Route path="/admin/audit" element={<AuditPage />} />
                <Route path="/admin/dashboard" element={<DashboardPage />} />
                <Route path="/admin/rules" element={<RulesPage />} />
                <Route path="/admin/calendar" element={<CalendarPage />} />
                <Route path="/admin/clock" element={<ClockPage />} />
                <Route path="/admin/levels" element={<LevelsPage />} />
                <Route path="/admin/commissions" element={<CommissionsPage />} />
                <Route path="/admin/tokens" element={<TokensPage />} />
                <Route path="/merchant/home" element={<MerchantHome />} />
                <Route path="/merchant/tokens" element={<MerchantTokensPage />} />
                <Route path="*" element={<NotFoundPage />} />
              </Routes>
            </Suspense>
          </Layout.Content>
          <Layout.Footer style={{ textAlign: 'center', padding: phone ? '16px 12px' : undefined }}>
            <Typography.Text type="secondary">{t('app.footer')}</Typography.Text>
          </Layout.Footer>
        </Layout>
      </AntApp>
    </ConfigProvider>
  );
}
