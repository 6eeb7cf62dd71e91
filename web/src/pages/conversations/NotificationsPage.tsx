import { useInfiniteQuery } from '@tanstack/react-query';
import { Button, Card, Flex, Segmented, Space, Tag } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { EmptyState, ErrorResult, Loading } from '../../components/QueryState';
import { RequireUser } from '../../components/RequireUser';
import { useIsPhone } from '../../components/ResponsiveList';
import { NotificationItem, useMarkNotificationsRead, useOpenNotification } from './NotificationList';
import { notificationListKey } from './queries';

type Filter = 'all' | 'unread';

function Notifications() {
  const { t } = useTranslation();
  const [filter, setFilter] = useState<Filter>('all');
  const unreadOnly = filter === 'unread';
  const query = useInfiniteQuery({
    queryKey: notificationListKey(unreadOnly),
    queryFn: ({ pageParam }) => api.notifications({ cursor: pageParam, unread: unreadOnly }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    staleTime: 0,
  });
  const mark = useMarkNotificationsRead();
  const openNotification = useOpenNotification();
  const items = query.data?.pages.flatMap((p) => p.items) ?? [];
  // the newest page has the current count
  const unread = query.data?.pages[0]?.unreadCount ?? 0;
  // on a phone the filter and 全部已读 go under the heading: beside it they would not fit
  const phone = useIsPhone();
  const tools = (
    <Flex
      wrap
      gap={8}
      justify={phone ? 'space-between' : undefined}
      style={phone ? { padding: 12 } : undefined}
    >
      <Segmented<Filter>
        value={filter}
        onChange={setFilter}
        options={[
          { value: 'all', label: t('notifications.filter.all') },
          { value: 'unread', label: t('notifications.filter.unread') },
        ]}
        data-testid="notifications-filter"
      />
      <Button
        onClick={() => mark.mutate({ all: true })}
        disabled={unread === 0}
        loading={mark.isPending}
        data-testid="notifications-mark-all"
      >
        {t('notifications.markAllRead')}
      </Button>
    </Flex>
  );

  return (
    <Card
      data-testid="notifications"
      title={
        <Space wrap>
          <span>{t('notifications.title')}</span>
          {unread > 0 && (
            <Tag color="red" data-testid="notifications-unread">
              {t('notifications.unreadTotal', { count: unread })}
            </Tag>
          )}
        </Space>
      }
      extra={phone ? undefined : tools}
      styles={{ body: { padding: 0 } }}
    >
      {phone && tools}
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <ErrorResult error={query.error} onRetry={() => void query.refetch()} />
      ) : items.length === 0 ? (
        <div style={{ padding: 24 }}>
          <EmptyState description={unreadOnly ? t('notifications.emptyUnread') : t('notifications.empty')} />
        </div>
      ) : (
        <>
          {items.map((n) => (
            <NotificationItem
              key={n.id}
              n={n}
              onOpen={openNotification}
              onMarkRead={(x) => mark.mutate({ ids: [x.id] })}
            />
          ))}
          {query.hasNextPage && (
            <Flex justify="center" style={{ padding: 12 }}>
              <Button
                onClick={() => void query.fetchNextPage()}
                loading={query.isFetchingNextPage}
                data-testid="notifications-load-more"
                block={phone}
              >
                {t('notifications.loadMore')}
              </Button>
            </Flex>
          )}
        </>
      )}
    </Card>
  );
}

/** /me/notifications (通知中心): every notification of the logged-in user, newest first. */
export default function NotificationsPage() {
  const { t } = useTranslation();
  return (
    <RequireUser loginText={t('notifications.loginRequired')}>
      <Notifications />
    </RequireUser>
  );
}
