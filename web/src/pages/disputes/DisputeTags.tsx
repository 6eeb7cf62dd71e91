import { Space, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { formatDeadline } from '../../format';
import { useLang } from '../../i18n';
import type { DisputeOutcome, DisputeState, DisputeSummary, FindingFavours } from '../../types';
import { DeadlineCountdown } from '../aftersales/RefundTags';
import { runningDeadline } from './queries';

const STATE_COLOR: Record<DisputeState, string> = {
  EVIDENCE: 'gold',
  ARBITRATION: 'magenta',
  DECIDED: 'green',
};

/** 举证中 / 待裁决 / 已裁决; `data-state` carries the code. */
export function DisputeStateTag({ state }: { state: DisputeState }) {
  const { t } = useTranslation();
  return (
    <Tag color={STATE_COLOR[state]} data-state={state} data-testid="dispute-state">
      {t(`disputeState.${state}`)}
    </Tag>
  );
}

const OUTCOME_COLOR: Record<DisputeOutcome, string> = {
  BUYER: 'blue',
  MERCHANT: 'purple',
  SPLIT: 'cyan',
};

export function DisputeOutcomeTag({ outcome }: { outcome: DisputeOutcome }) {
  const { t } = useTranslation();
  return (
    <Tag color={OUTCOME_COLOR[outcome]} data-outcome={outcome} data-testid="dispute-outcome">
      {t(`disputeOutcome.${outcome}`)}
    </Tag>
  );
}

export const FAVOURS_COLOR: Record<FindingFavours, string> = {
  BUYER: 'blue',
  MERCHANT: 'purple',
  NEUTRAL: 'default',
};

/** The running deadline of a dispute in a list: what it is, its exact time and the time left. */
export function DisputeDeadline({ d }: { d: DisputeSummary }) {
  const { t } = useTranslation();
  const lang = useLang();
  const running = runningDeadline(d);
  if (!running) return <Typography.Text type="secondary">—</Typography.Text>;
  return (
    <Space orientation="vertical" size={0} data-testid="dispute-deadline" data-kind={running.kind}>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {t(`disputes.deadlines.${running.kind}`)}
      </Typography.Text>
      <span>{formatDeadline(running.at, lang, true)}</span>
      <DeadlineCountdown to={running.at} />
    </Space>
  );
}
