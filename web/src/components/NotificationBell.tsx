import { useQuery } from '@tanstack/react-query';
import { Badge, Button, Drawer, Flex, Popover, Spin, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../api';
import {
  NotificationItem,
  useMarkNotificationsRead,
  useOpenNotification,
} from '../pages/conversations/NotificationList';
import { NOTIFICATIONS_LATEST_KEY, NOTIFICATIONS_POLL_MS } from '../pages/conversations/queries';
import { EmptyState, useErrorText } from './QueryState';
import { useIsPhone } from './ResponsiveList';

/** Notifications shown in the bell's panel (the full page has all of them). */
const SHOWN = 8;

function BellIcon() {
  return (
    <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false" fill="currentColor">
      <path d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z" />
    </svg>
  );
}

/**
 * The header's bell (站内信): the unread count, polled every 15 s, and a panel of the latest
 * notifications — clicking one marks it read and follows its link; 全部已读 marks all of them.
 */
export function NotificationBell() {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const [open, setOpen] = useState(false);
  const phone = useIsPhone();
  const query = useQuery({
    queryKey: NOTIFICATIONS_LATEST_KEY,
    queryFn: () => api.notifications(),
    staleTime: 0,
    refetchInterval: NOTIFICATIONS_POLL_MS,
  });
  const markAll = useMarkNotificationsRead();
  const openNotification = useOpenNotification(() => setOpen(false));
  const unread = query.data?.unreadCount ?? 0;
  const items = query.data?.items.slice(0, SHOWN) ?? [];

  const content = (
    <div style={{ width: phone ? '100%' : 360, maxWidth: '100%' }} data-testid="notification-panel">
      <Flex
        justify="space-between"
        align="center"
        style={{ padding: '8px 12px', borderBottom: '1px solid #f0f0f0' }}
      >
        <Typography.Text strong>{t('notifications.recent')}</Typography.Text>
        <Button
          size="small"
          type="link"
          disabled={unread === 0}
          loading={markAll.isPending}
          onClick={() => markAll.mutate({ all: true })}
          data-testid="notification-mark-all"
        >
          {t('notifications.markAllRead')}
        </Button>
      </Flex>
      <div style={{ maxHeight: phone ? 'none' : 420, overflowY: 'auto' }}>
        {query.isPending ? (
          <Flex justify="center" style={{ padding: 24 }}>
            <Spin />
          </Flex>
        ) : query.isError && !query.data ? (
          <Typography.Text type="danger" style={{ display: 'block', padding: 12 }}>
            {errorText(query.error)}
          </Typography.Text>
        ) : items.length === 0 ? (
          <EmptyState description={t('notifications.empty')} />
        ) : (
          items.map((n) => <NotificationItem key={n.id} n={n} onOpen={openNotification} compact />)
        )}
      </div>
      <Flex justify="center" style={{ padding: 8, borderTop: '1px solid #f0f0f0' }}>
        <Link to="/me/notifications" onClick={() => setOpen(false)} data-testid="notification-view-all">
          {t('notifications.viewAll')}
        </Link>
      </Flex>
    </div>
  );

  const bell = (
    <Badge count={unread} overflowCount={99} size="small" offset={[-4, 4]}>
      <Button
        type="text"
        aria-label={t('notifications.bell')}
        title={t('notifications.bell')}
        icon={<BellIcon />}
        style={{ color: '#fff', ...(phone ? { width: 44, height: 44 } : {}) }}
        onClick={phone ? () => setOpen(true) : undefined}
        data-testid="notification-bell"
        data-unread={unread}
      />
    </Badge>
  );

  // On a phone a popover under the bell would stick out of the screen: the panel slides in instead.
  if (phone)
    return (
      <>
        {bell}
        <Drawer
          open={open}
          onClose={() => setOpen(false)}
          placement="right"
          size={Math.min(360, window.innerWidth)}
          title={t('notifications.bell')}
          styles={{ body: { padding: 0 } }}
          destroyOnHidden
        >
          {content}
        </Drawer>
      </>
    );

  return (
    <Popover
      open={open}
      onOpenChange={setOpen}
      trigger="click"
      placement="bottomRight"
      content={content}
      styles={{ container: { padding: 0 } }}
      destroyOnHidden
    >
      {bell}
    </Popover>
  );
}
