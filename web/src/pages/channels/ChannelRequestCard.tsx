import { Alert, Card, Descriptions, Space, Tag, Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';
import type { RefundDetail } from '../../types';

type Channel = NonNullable<RefundDetail['channel']>;

/**
 * A channel order's refund on the merchant's request page: where the buyer applied, the channel's
 * own state (raw code on hover), intervention and override, and whether the answer reached the
 * channel. The buyer has no Kameng account: no chat here, and the channel keeps its own deadlines.
 */
export function ChannelRequestCard({ channel }: { channel: Channel }) {
  const { t } = useTranslation();
  const name = t(`channels.kind.${channel.channel}`);
  return (
    <Card title={t('channels.requestCard.title', { channel: name })} data-testid="refund-channel">
      <Space orientation="vertical" size={12} style={{ width: '100%' }}>
        <Alert type="info" showIcon title={t('channels.requestCard.note', { channel: name })} />
        <Descriptions
          size="small"
          column={{ xs: 1, sm: 2, lg: 3 }}
          items={[
            { key: 'shop', label: t('channels.requestCard.shop'), children: channel.shopName },
            {
              key: 'order',
              label: t('channels.requestCard.channelOrderId'),
              children: channel.channelOrderId,
            },
            { key: 'refund', label: t('channels.refund.channelRefundId'), children: channel.channelRefundId },
            {
              key: 'status',
              label: t('channels.requestCard.status'),
              children: (
                <Space wrap size={4}>
                  <Tooltip title={channel.channelStatus}>
                    <Tag data-testid="refund-channel-status">
                      {t(`channels.refund.status.${channel.status}`, { defaultValue: channel.status })}
                    </Tag>
                  </Tooltip>
                  {channel.intervened && <Tag color="orange">{t('channels.refund.intervened')}</Tag>}
                  {channel.overridden && <Tag color="red">{t('channels.refund.overridden')}</Tag>}
                </Space>
              ),
            },
            {
              key: 'answer',
              label: t('channels.requestCard.answer'),
              children: channel.answer
                ? `${t(`channels.refund.answer.${channel.answer}`)} · ${t(`channels.refund.answerState.${channel.answerState ?? 'PENDING'}`)}`
                : '—',
            },
            { key: 'reason', label: t('channels.refund.reason'), children: channel.reason || '—' },
          ]}
        />
      </Space>
    </Card>
  );
}
