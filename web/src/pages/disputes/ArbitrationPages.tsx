import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Col, Flex, Row, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLang } from '../../i18n';
import { useParams } from 'react-router';
import { api, disputeCaseFileUrl } from '../../api';
import { mayArbitrate, useMe } from '../../auth';
import { DetailFrame } from '../../components/RecordDetail';
import { RequireUser } from '../../components/RequireUser';
import type { Dispute, DisputeParty, DisputeQueue } from '../../types';
import { EvidenceView, SignalsBanner } from '../aftersales/EvidenceView';
import { CaseTimeline } from './CaseTimeline';
import { DecisionForm } from './DecisionForm';
import { DisputeList } from './DisputeList';
import { DecisionView, DisputeDeadlines, DisputeHeader, FindingsView, StatementView } from './DisputeParts';
import { QueueSwitch } from './MyDisputesPage';
import { caseFilePath, disputeKey, disputeListKey } from './queries';

function Queue() {
  const { t } = useTranslation();
  const { user } = useMe();
  const [queue, setQueue] = useState<DisputeQueue>('open');
  const query = useQuery({
    queryKey: [...disputeListKey(queue), 'staff'],
    queryFn: () => api.disputes({ queue }),
    staleTime: 0,
    refetchInterval: 30_000,
  });
  return (
    <Flex vertical gap={16}>
      <Flex justify="space-between" align="center" gap={12} wrap>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('disputes.nav.workbench')}
        </Typography.Title>
        <QueueSwitch value={queue} onChange={setQueue} testId="arbitration-queue" />
      </Flex>
      {!mayArbitrate(user) && (
        <Alert
          type="info"
          showIcon
          title={t('disputes.caseFile.readOnly')}
          data-testid="arbitration-readonly"
        />
      )}
      <Card data-testid="arbitration-queue" styles={{ body: { paddingBlock: 12 } }}>
        <Typography.Paragraph type="secondary">{t('disputes.caseFile.queueHint')}</Typography.Paragraph>
        <DisputeList
          query={query}
          linkTo={caseFilePath}
          emptyText={t('disputes.list.empty')}
          testId="arbitration-list"
        />
      </Card>
    </Flex>
  );
}

/** /arbitration (仲裁工作台): every case, the open ones by their next deadline, with the time left. */
export function ArbitrationQueuePage() {
  const { t } = useTranslation();
  return (
    <RequireUser arbitration forbiddenText={t('disputes.staffOnly')}>
      <Queue />
    </RequireUser>
  );
}

function Statements({ d }: { d: Dispute }) {
  const { t } = useTranslation();
  const parties: DisputeParty[] = ['BUYER', 'MERCHANT'];
  return (
    <Card title={t('disputes.caseFile.statements')} data-testid="case-statements">
      <Space orientation="vertical" size={16} style={{ width: '100%' }}>
        {parties.map((p) => {
          const s = d.statements.find((x) => x.party === p);
          const missed = p === 'BUYER' ? d.buyerMissedEvidence : d.merchantMissedEvidence;
          return (
            <div key={p} data-testid={`case-statement-${p}`}>
              <Typography.Title level={5} style={{ marginTop: 0 }}>
                {p === 'BUYER' ? t('disputes.statement.buyer') : t('disputes.statement.merchant')}
              </Typography.Title>
              {s ? (
                <StatementView s={s} requestId={d.requestId} />
              ) : (
                <Typography.Text type={missed ? 'danger' : 'secondary'}>
                  {missed
                    ? t('disputes.deadlines.missed', { party: t(`disputeParty.${p}`) })
                    : t('disputes.statement.notSubmitted')}
                </Typography.Text>
              )}
            </div>
          );
        })}
      </Space>
    </Card>
  );
}

function CaseFile({ d }: { d: Dispute }) {
  const { t } = useTranslation();
  const { user } = useMe();
  const deciding = d.actions.includes('DECIDE');
  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }} data-testid="case-file">
      <DisputeHeader d={d} />
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={14}>
          <Space orientation="vertical" size={16} style={{ width: '100%' }}>
            <DisputeDeadlines d={d} />
            <CaseTimeline d={d} />
          </Space>
        </Col>
        <Col xs={24} lg={10}>
          <Space orientation="vertical" size={16} style={{ width: '100%' }}>
            <Statements d={d} />
            <FindingsView d={d} hint={t('disputes.findings.hint')} />
            <DecisionView d={d} />
            {deciding && <DecisionForm d={d} />}
            {!deciding && d.state !== 'DECIDED' && (
              <Alert
                type="info"
                showIcon
                data-testid="decision-unavailable"
                title={
                  mayArbitrate(user)
                    ? t('disputes.caseFile.notInArbitration')
                    : t('disputes.caseFile.readOnly')
                }
              />
            )}
          </Space>
        </Col>
      </Row>
      <Card title={t('disputes.caseFile.records')}>
        <Space orientation="vertical" size={12} style={{ width: '100%' }}>
          <SignalsBanner detail={d.request} />
          <EvidenceView detail={d.request} />
        </Space>
      </Card>
    </Space>
  );
}

function CaseFileView() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const lang = useLang();
  const query = useQuery({
    queryKey: disputeKey(id),
    queryFn: () => api.dispute(id),
    enabled: id !== '',
    staleTime: 0,
    refetchInterval: (q) => (q.state.data && q.state.data.state !== 'DECIDED' ? 30_000 : false),
  });
  return (
    <DetailFrame
      query={query}
      back={{ to: '/arbitration', label: t('disputes.caseFile.back'), testId: 'case-back' }}
      tools={
        <Space size={8}>
          <a href={disputeCaseFileUrl(id, lang)} download data-testid="dispute-case-file">
            {t('disputes.caseFile.download')}
          </a>
          <Button
            size="small"
            onClick={() => void query.refetch()}
            loading={query.isFetching}
            data-testid="case-reload"
          >
            {t('disputes.reload')}
          </Button>
        </Space>
      }
      notFound={t('disputes.notFound')}
    >
      {(d) => <CaseFile d={d} />}
    </DetailFrame>
  );
}

/** /arbitration/:id: the case file in one chronological view, the findings, and the decision. */
export function CaseFilePage() {
  const { t } = useTranslation();
  return (
    <RequireUser arbitration forbiddenText={t('disputes.staffOnly')}>
      <CaseFileView />
    </RequireUser>
  );
}
