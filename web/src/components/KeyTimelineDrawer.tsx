import { useQuery } from '@tanstack/react-query';
import { Descriptions, Drawer, Space, Tag, Timeline, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { formatTime } from '../format';
import { useLang } from '../i18n';
import { isKeyEventKind, type KeyEvent, type KeyEventKind, type KeyTimeline } from '../types';
import { EmptyState, ErrorResult, Loading } from './QueryState';
import { EarlyActivationTag, KeyStateTag } from './tags';
import { ActorText } from './ActorText';

/** Whose timeline: a merchant's key (GET /keys/:id/timeline) or a buyer's unit (GET /units/:id/timeline). */
export interface TimelineTarget {
  kind: 'key' | 'unit';
  id: string;
}

export const timelineKey = (target: TimelineTarget) => ['timeline', target.kind, target.id] as const;

const fetchTimeline = (target: TimelineTarget): Promise<KeyTimeline> =>
  target.kind === 'key' ? api.keyTimeline(target.id) : api.unitTimeline(target.id);

// 'blue' would follow the theme's primary colour (red here), so explicit hex for the blue steps.
const BLUE = '#1677ff';
const EVENT_COLOR: Record<KeyEventKind, string> = {
  IMPORTED: 'gray',
  RESERVED: 'gray',
  RELEASED: 'gray',
  DELIVERED: BLUE,
  REVEALED: 'orange',
  ACTIVATED: 'green',
  VOIDED: 'red',
  RETURNED: 'gray',
  INVALIDATED: 'red',
  REPLACED: BLUE,
  BREAK_GLASS_REVEAL: 'red',
};

function EventContent({ event }: { event: KeyEvent }) {
  const { t } = useTranslation();
  return (
    <Space orientation="vertical" size={0} data-testid="timeline-event" data-kind={event.kind}>
      <Typography.Text strong>
        {isKeyEventKind(event.kind) ? t(`keyEvent.${event.kind}`) : event.kind}
      </Typography.Text>
      <Typography.Text type="secondary">
        {t('timeline.actor')}: <ActorText actor={event.actor} step={event.kind} />
      </Typography.Text>
      {event.ip && (
        <Typography.Text type="secondary" data-testid="timeline-ip">
          {t('timeline.ip')}: {event.ip}
        </Typography.Text>
      )}
      {event.userAgent && (
        <Typography.Text
          type="secondary"
          data-testid="timeline-user-agent"
          style={{ wordBreak: 'break-all' }}
        >
          {t('timeline.userAgent')}: {event.userAgent}
        </Typography.Text>
      )}
      {event.detail && <Typography.Text style={{ whiteSpace: 'pre-wrap' }}>{event.detail}</Typography.Text>}
    </Space>
  );
}

function TimelineView({ timeline }: { timeline: KeyTimeline }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { key, events } = timeline;
  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Descriptions
        size="small"
        column={1}
        items={[
          {
            key: 'serial',
            label: t('keys.serial'),
            children: <Typography.Text code>{key.serialMasked}</Typography.Text>,
          },
          {
            key: 'state',
            label: t('keys.state'),
            children: (
              <Space size={4} wrap>
                <KeyStateTag state={key.state} />
                {key.activatedBeforeDelivery && <EarlyActivationTag />}
                {key.partiallyUsed && <Tag color="orange">{t('timeline.partiallyUsed')}</Tag>}
              </Space>
            ),
          },
        ]}
      />
      {events.length === 0 ? (
        <EmptyState description={t('timeline.empty')} />
      ) : (
        <Timeline
          data-testid="timeline-events"
          items={events.map((e, i) => ({
            key: `${i}-${e.at}`,
            color: isKeyEventKind(e.kind) ? EVENT_COLOR[e.kind] : 'gray',
            title: formatTime(e.at, lang, true),
            content: <EventContent event={e} />,
          }))}
        />
      )}
    </Space>
  );
}

/** Audit trail of one key: imported, delivered, each reveal (with IP and browser), activated, … */
export function KeyTimelineDrawer({
  target,
  onClose,
}: {
  target: TimelineTarget | null;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const query = useQuery({
    queryKey: target ? timelineKey(target) : ['timeline', 'none'],
    queryFn: () => (target ? fetchTimeline(target) : Promise.reject(new Error('no timeline target'))),
    enabled: target !== null,
    staleTime: 0,
  });
  return (
    <Drawer
      open={target !== null}
      onClose={onClose}
      size={560}
      title={
        query.data ? t('timeline.titleFor', { serial: query.data.key.serialMasked }) : t('timeline.title')
      }
      destroyOnHidden
      data-testid="timeline-drawer"
    >
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <ErrorResult error={query.error} onRetry={() => void query.refetch()} />
      ) : (
        <TimelineView timeline={query.data} />
      )}
    </Drawer>
  );
}
