import { useQuery } from '@tanstack/react-query';
import { Button, Col, Row, Space } from 'antd';
import { useTranslation } from 'react-i18next';
import { useLang } from '../../i18n';
import { Navigate, useParams } from 'react-router';
import { api, disputeCaseFileUrl } from '../../api';
import { useMe } from '../../auth';
import { DetailFrame } from '../../components/RecordDetail';
import { backFor } from '../../roleBack';
import { RequireUser } from '../../components/RequireUser';
import type { Dispute, DisputeParty } from '../../types';
import { merchantRefundPath, refundPath } from '../aftersales/queries';
import { DecisionView, DisputeDeadlines, DisputeHeader, FindingsView, OtherStatement } from './DisputeParts';
import { caseFilePath, disputeKey } from './queries';
import { OwnStatement } from './StatementEditor';

function PartyView({ d, party }: { d: Dispute; party: DisputeParty }) {
  const { t } = useTranslation();
  const other: DisputeParty = party === 'BUYER' ? 'MERCHANT' : 'BUYER';
  const requestLink = party === 'MERCHANT' ? merchantRefundPath(d.requestId) : refundPath(d.requestId);
  return (
    <Space
      orientation="vertical"
      size={16}
      style={{ width: '100%' }}
      data-testid="dispute-page"
      data-viewer={party}
    >
      <DisputeHeader d={d} requestLink={requestLink} />
      <DecisionView d={d} />
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={d.state === 'DECIDED' ? 24 : 10}>
          <DisputeDeadlines d={d} />
        </Col>
        {d.state !== 'DECIDED' && (
          <Col xs={24} lg={14}>
            <OwnStatement d={d} party={party} />
          </Col>
        )}
      </Row>
      {d.state === 'DECIDED' && <OwnStatement d={d} party={party} />}
      <OtherStatement d={d} party={other} />
      {d.state === 'DECIDED' && <FindingsView d={d} hint={t('disputes.findings.partyHint')} />}
    </Space>
  );
}

function DisputeView() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const lang = useLang();
  const { user } = useMe();
  const query = useQuery({
    queryKey: disputeKey(id),
    queryFn: () => api.dispute(id),
    enabled: id !== '',
    staleTime: 0,
    // the other side may submit, the evidence may close, the arbitrator may decide: look again now and then
    refetchInterval: (q) => (q.state.data && q.state.data.state !== 'DECIDED' ? 30_000 : false),
  });
  const back = backFor(user, 'dispute');
  return (
    <DetailFrame
      query={query}
      back={{
        to: back.to,
        label: t(back.labelKey),
        testId: 'dispute-back',
      }}
      tools={
        <Space size={8}>
          <a href={disputeCaseFileUrl(id, lang)} download data-testid="dispute-case-file">
            {t('disputes.caseFile.download')}
          </a>
          <Button
            size="small"
            onClick={() => void query.refetch()}
            loading={query.isFetching}
            data-testid="dispute-reload"
          >
            {t('disputes.reload')}
          </Button>
        </Space>
      }
      notFound={t('disputes.notFound')}
    >
      {(d) =>
        d.viewer === 'STAFF' ? (
          <Navigate to={caseFilePath(d.id)} replace />
        ) : (
          <PartyView d={d} party={d.viewer} />
        )
      }
    </DetailFrame>
  );
}

/** /disputes/:id: a party's dispute (the buyer's or the merchant's); staff go to the case file. */
export default function DisputePage() {
  const { t } = useTranslation();
  return (
    <RequireUser loginText={t('disputes.loginRequired')}>
      <DisputeView />
    </RequireUser>
  );
}
