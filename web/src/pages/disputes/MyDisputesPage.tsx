import { useQuery } from '@tanstack/react-query';
import { Card, Flex, Segmented, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { isMerchant, useMe } from '../../auth';
import { RequireUser } from '../../components/RequireUser';
import type { DisputeQueue } from '../../types';
import { DisputeList } from './DisputeList';
import { disputeListKey, disputePath } from './queries';

/** Open / decided / all, the open ones first by their next deadline. */
export function QueueSwitch({
  value,
  onChange,
  testId,
}: {
  value: DisputeQueue;
  onChange: (q: DisputeQueue) => void;
  testId: string;
}) {
  const { t } = useTranslation();
  const queues: DisputeQueue[] = ['open', 'decided', 'all'];
  const label: Record<DisputeQueue, string> = {
    open: t('disputes.list.open'),
    decided: t('disputes.list.decided'),
    all: t('disputes.list.all'),
  };
  return (
    <Segmented<DisputeQueue>
      value={value}
      onChange={onChange}
      options={queues.map((q) => ({
        value: q,
        label: <span data-testid={`${testId}-${q}`}>{label[q]}</span>,
      }))}
    />
  );
}

function Disputes() {
  const { t } = useTranslation();
  const { user } = useMe();
  const merchant = isMerchant(user);
  const [queue, setQueue] = useState<DisputeQueue>('all');
  const query = useQuery({
    queryKey: disputeListKey(queue),
    queryFn: () => api.disputes({ queue }),
    staleTime: 0,
    refetchInterval: 30_000,
  });
  return (
    <Flex vertical gap={16}>
      <Flex justify="space-between" align="center" gap={12} wrap>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {merchant ? t('disputes.list.merchantTitle') : t('disputes.list.buyerTitle')}
        </Typography.Title>
        <QueueSwitch value={queue} onChange={setQueue} testId="my-disputes-queue" />
      </Flex>
      <Card data-testid="my-disputes" styles={{ body: { paddingBlock: 12 } }}>
        <Typography.Paragraph type="secondary">
          {merchant ? t('disputes.list.merchantHint') : t('disputes.list.buyerHint')}
        </Typography.Paragraph>
        <DisputeList query={query} linkTo={disputePath} emptyText={t('disputes.list.empty')} />
      </Card>
    </Flex>
  );
}

/** /me/disputes (我的仲裁, buyers) and /merchant/disputes (仲裁案件, merchants): the viewer's own cases. */
export default function MyDisputesPage() {
  const { t } = useTranslation();
  return (
    <RequireUser loginText={t('disputes.loginRequired')}>
      <Disputes />
    </RequireUser>
  );
}
