import { Descriptions, Space, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { formatTime, shortHash } from '../format';
import { contentKey, useLang } from '../i18n';
import type { Badge, Policy } from '../types';
import { BadgeTags, mergeBadges } from './tags';

/**
 * A refund policy in plain words with its badges, version and text hash — as confirmed at checkout
 * and as stored on the order. `confirmedAt` adds the buyer's confirmation time.
 */
export function PolicyPlain({
  policy,
  extraBadges = [],
  textHash,
  confirmedAt,
  testId = 'policy',
}: {
  policy: Policy;
  /** Merchant commitments (e.g. 24小时处理) shown after the policy's own badges. */
  extraBadges?: Badge[];
  /** The hash stored on the order (defaults to the policy's). */
  textHash?: string;
  confirmedAt?: string;
  testId?: string;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const rendered = policy.rendered[contentKey(lang)];
  const hash = textHash ?? policy.textHash;
  return (
    <Space orientation="vertical" size={8} style={{ width: '100%' }} data-testid={testId}>
      <BadgeTags badges={mergeBadges(rendered.badges, extraBadges)} testId={`${testId}-badges`} />
      <Typography.Paragraph
        data-testid={`${testId}-text`}
        style={{ whiteSpace: 'pre-wrap', fontSize: 15, margin: 0 }}
      >
        {rendered.text}
      </Typography.Paragraph>
      <Descriptions
        size="small"
        column={{ xs: 1, sm: 2 }}
        items={[
          {
            key: 'version',
            label: t('policy.version'),
            children: (
              <span data-testid={`${testId}-version`} data-version={policy.version}>
                {t('policy.versionValue', { version: policy.version })}
              </span>
            ),
          },
          {
            key: 'hash',
            label: t('policy.textHash'),
            children: (
              <Tooltip title={hash}>
                <Typography.Text code copyable={{ text: hash }}>
                  {shortHash(hash)}
                </Typography.Text>
              </Tooltip>
            ),
          },
          ...(confirmedAt
            ? [
                {
                  key: 'confirmed',
                  label: t('order.policyConfirmedAt'),
                  children: formatTime(confirmedAt, lang, true),
                },
              ]
            : []),
        ]}
      />
    </Space>
  );
}
