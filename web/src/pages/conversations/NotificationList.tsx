import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App as AntApp, Badge, Button, Flex, Tag, Typography } from 'antd';
import type { KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { api } from '../../api';
import { useErrorText } from '../../components/QueryState';
import { formatTime } from '../../format';
import { useLang } from '../../i18n';
import type { AppNotification, MarkNotificationsReadInput } from '../../types';
import { invalidateNotifications, notificationPath, notificationText } from './queries';

const KINDS = [
  'MESSAGE',
  'REFUND_NEW',
  'REFUND_INFO_REQUESTED',
  'REFUND_SUPPLEMENTED',
  'REFUND_DECISION',
  'REFUND_ESCALATED',
  'PAYOUT_STATUS',
  'PAYOUT_DELAYED',
  'WITHDRAWAL_STATUS',
  'DEADLINE_APPROACHING',
  'SUPPORT_QUEUE',
  'DISPUTE_UPDATE',
  'DISPUTE_DECIDED',
  'MERCHANT_VIOLATION',
  'ACCOUNT_SECURITY',
] as const;
type Kind = (typeof KINDS)[number];
const isKind = (k: string): k is Kind => (KINDS as readonly string[]).includes(k);

/** Marks notifications read (some, or all) and refreshes the bell and the list. */
export function useMarkNotificationsRead() {
  const qc = useQueryClient();
  const { message } = AntApp.useApp();
  const errorText = useErrorText();
  return useMutation({
    mutationFn: (input: MarkNotificationsReadInput) => api.markNotificationsRead(input),
    onSettled: () => invalidateNotifications(qc),
    onError: (err) => void message.error(errorText(err)),
  });
}

/** Opening a notification: it is marked read, and its link (a page of this app) is followed. */
export function useOpenNotification(onOpened?: () => void): (n: AppNotification) => void {
  const navigate = useNavigate();
  const mark = useMarkNotificationsRead();
  return (n: AppNotification) => {
    if (!n.readAt) mark.mutate({ ids: [n.id] });
    const path = notificationPath(n.link);
    onOpened?.();
    if (path) void navigate(path);
  };
}

/** One notification: its kind, title and body in the UI language, and when; unread ones stand out. */
export function NotificationItem({
  n,
  onOpen,
  onMarkRead,
  compact = false,
}: {
  n: AppNotification;
  onOpen: (n: AppNotification) => void;
  onMarkRead?: (n: AppNotification) => void;
  compact?: boolean;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const unread = n.readAt === null;
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onOpen(n);
    }
  };
  return (
    <div
      role="button"
      tabIndex={0}
      onClick={() => onOpen(n)}
      onKeyDown={onKeyDown}
      data-testid="notification-item"
      data-id={n.id}
      data-kind={n.kind}
      data-read={unread ? 'false' : 'true'}
      data-link={n.link ?? ''}
      style={{
        cursor: 'pointer',
        padding: compact ? '8px 12px' : '12px 16px',
        borderBottom: '1px solid #f0f0f0',
        background: unread ? '#fff7e6' : undefined,
      }}
    >
      <Flex justify="space-between" align="flex-start" gap={8}>
        <Flex vertical gap={2} style={{ minWidth: 0, flex: 1 }}>
          <Flex align="center" gap={6} wrap>
            {unread && <Badge status="error" data-testid="notification-unread-dot" />}
            <Typography.Text strong={unread} data-testid="notification-title">
              {notificationText(n.title, lang)}
            </Typography.Text>
            {!compact && (
              <Tag style={{ marginInlineEnd: 0 }}>
                {isKind(n.kind) ? t(`notifications.kind.${n.kind}`) : n.kind}
              </Tag>
            )}
          </Flex>
          <Typography.Paragraph
            type="secondary"
            style={{ margin: 0, fontSize: compact ? 12 : 14 }}
            ellipsis={compact ? { rows: 2 } : false}
            data-testid="notification-body"
          >
            {notificationText(n.body, lang)}
          </Typography.Paragraph>
          <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="notification-time">
            {formatTime(n.createdAt, lang)}
          </Typography.Text>
        </Flex>
        {unread && onMarkRead && (
          <Button
            size="small"
            type="link"
            onClick={(e) => {
              e.stopPropagation();
              onMarkRead(n);
            }}
            data-testid="notification-mark-read"
          >
            {t('notifications.markRead')}
          </Button>
        )}
      </Flex>
    </div>
  );
}
