import { App as AntApp, ConfigProvider, Layout, Typography } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { Route, Routes } from 'react-router';
import { AppHeader, TAB_BAR_HEIGHT, useShowsTabBar } from './components/AppHeader';
import { Loading } from './components/QueryState';
import { useIsPhone } from './components/ResponsiveList';
import { useLang } from './i18n';
import { LoginPage } from './pages/Login';
import { NotFoundPage } from './pages/NotFound';
import { ProductDetailPage } from './pages/ProductDetail';
import { ProductListPage } from './pages/ProductList';
import { RegisterPage } from './pages/Register';

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
      theme={{
        token: { colorPrimary: '#d4380d', ...(phone ? { controlHeight: 40, controlHeightSM: 32 } : {}) },
      }}
      button={{ autoInsertSpace: false }}
    >
      <AntApp>
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
