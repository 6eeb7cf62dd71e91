import { useQuery } from '@tanstack/react-query';
import { Alert, Button, Space } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../../api';
import { isArbitrationStaff, useMe } from '../../auth';
import type { RefundDetail } from '../../types';
import { caseFilePath, disputeListKey, disputePath } from './queries';

/** A request that went to arbitration: the request is DISPUTED, or an arbitrator decided it. */
export const wentToArbitration = (r: RefundDetail): boolean =>
  r.state === 'DISPUTED' || (r.decision?.code.startsWith('ARBITRATION_') ?? false);

/** A request that may have a dispute: one that went to arbitration, or a refund support approved (the merchant may dispute it). */
export const mayHaveDispute = (r: RefundDetail): boolean =>
  wentToArbitration(r) || r.decision?.role === 'support';

/**
 * On a refund request's page: the dispute it went to (found through GET /disputes?requestId=), its
 * state, and the way to it — a party's dispute page, or staff's case file.
 */
export function DisputeLink({ request }: { request: RefundDetail }) {
  const { t } = useTranslation();
  const { user } = useMe();
  const query = useQuery({
    queryKey: disputeListKey('all', request.id),
    queryFn: () => api.disputes({ queue: 'all', requestId: request.id }),
    staleTime: 0,
  });
  const d = query.data?.items[0];
  if (!d)
    return query.isPending && wentToArbitration(request) ? (
      <Alert type="info" title={t('disputes.link.loading')} />
    ) : null;
  const to = isArbitrationStaff(user) ? caseFilePath(d.id) : disputePath(d.id);
  return (
    <Alert
      type={d.state === 'DECIDED' ? 'success' : 'warning'}
      showIcon
      data-testid="refund-dispute-link"
      data-dispute-id={d.id}
      title={t('disputes.link.title')}
      description={
        <Space orientation="vertical" size={8}>
          <span>{t('disputes.link.text', { no: d.disputeNo, state: t(`disputeState.${d.state}`) })}</span>
          <Link to={to} data-testid="refund-dispute-open">
            <Button size="small" type="primary">
              {t('disputes.link.open')}
            </Button>
          </Link>
        </Space>
      }
    />
  );
}
