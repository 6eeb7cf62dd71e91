import { Space, Tag, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { formatDeadline } from '../../format';
import { useLang } from '../../i18n';
import { useNow } from '../../components/orderTags';
import type { RefundState, RefundSummary, UnitOutcome } from '../../types';

const STATE_COLOR: Record<RefundState, string> = {
  PENDING_REVIEW: 'gold',
  SUPPORT_REVIEW: 'orange',
  AWAITING_BUYER: 'cyan',
  APPROVED: 'blue',
  REFUNDING: 'processing',
  REFUNDED: 'green',
  REFUND_ABNORMAL: 'red',
  REJECTED: 'volcano',
  DISPUTED: 'magenta',
  CANCELLED: 'default',
  CLOSED: 'default',
};

/** 待商家审核 / 已退款 / …; `data-state` carries the code. */
export function RefundStateTag({ state }: { state: RefundState }) {
  const { t } = useTranslation();
  return (
    <Tag color={STATE_COLOR[state]} data-state={state} data-testid="refund-state">
      {t(`refundState.${state}`)}
    </Tag>
  );
}

const OUTCOME_COLOR: Record<UnitOutcome, string> = {
  ELIGIBLE: 'green',
  NEEDS_EVIDENCE: 'gold',
  BLOCKED: 'red',
};

export function OutcomeTag({ outcome }: { outcome: UnitOutcome }) {
  const { t } = useTranslation();
  return (
    <Tag color={OUTCOME_COLOR[outcome]} data-outcome={outcome} data-testid="unit-outcome">
      {t(`refundOutcome.${outcome}`)}
    </Tag>
  );
}

export function LargeTag() {
  const { t } = useTranslation();
  return (
    <Tooltip title={t('aftersales.largeHelp')}>
      <Tag color="red" data-testid="refund-large">
        {t('aftersales.large')}
      </Tag>
    </Tooltip>
  );
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Milliseconds -> 'hh:mm:ss', or '2 天 03:04:05' past a day. */
export function useDuration(): (ms: number) => string {
  const { t } = useTranslation();
  return (ms: number) => {
    const total = Math.max(0, Math.ceil(ms / 1000));
    const days = Math.floor(total / 86_400);
    const h = Math.floor((total % 86_400) / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = total % 60;
    const time = `${pad(h)}:${pad(m)}:${pad(s)}`;
    return days > 0 ? t('aftersales.countdown.days', { count: days, time }) : time;
  };
}

/** Time left until a deadline, each second; 已超时 once past. */
export function DeadlineCountdown({ to, testId = 'deadline-countdown' }: { to: string; testId?: string }) {
  const { t } = useTranslation();
  const now = useNow();
  const duration = useDuration();
  const left = new Date(to).getTime() - now;
  if (Number.isNaN(left)) return null;
  const type = left <= 0 || left <= 3_600_000 ? 'danger' : left <= 86_400_000 ? 'warning' : undefined;
  return (
    <Typography.Text type={type} strong data-testid={testId} data-expired={left <= 0 ? 'true' : 'false'}>
      {left <= 0
        ? t('aftersales.countdown.overdue')
        : t('aftersales.countdown.left', { time: duration(left) })}
    </Typography.Text>
  );
}

export type DeadlineKind = 'reviewDue' | 'supplementDue' | 'escalationDue';

/** The deadline the request's current state runs against, if any. */
export function currentDeadline(r: RefundSummary): { kind: DeadlineKind; at: string } | null {
  switch (r.state) {
    case 'PENDING_REVIEW':
    case 'SUPPORT_REVIEW':
      return r.reviewDueAt ? { kind: 'reviewDue', at: r.reviewDueAt } : null;
    case 'AWAITING_BUYER':
      return r.supplementDueAt ? { kind: 'supplementDue', at: r.supplementDueAt } : null;
    case 'REJECTED':
      return r.escalationDueAt ? { kind: 'escalationDue', at: r.escalationDueAt } : null;
    case 'APPROVED':
    case 'REFUNDING':
    case 'REFUNDED':
    case 'REFUND_ABNORMAL':
    case 'DISPUTED':
    case 'CANCELLED':
    case 'CLOSED':
      return null;
  }
}

/** Exact time (Asia/Shanghai, to the second) and the countdown of the running deadline. */
export function RunningDeadline({ r }: { r: RefundSummary }) {
  const { t } = useTranslation();
  const lang = useLang();
  const d = currentDeadline(r);
  if (!d) return <Typography.Text type="secondary">—</Typography.Text>;
  return (
    <Space orientation="vertical" size={0} data-testid="refund-deadline" data-kind={d.kind}>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {t(`aftersales.detail.${d.kind}`)}
      </Typography.Text>
      <span>{formatDeadline(d.at, lang, true)}</span>
      <DeadlineCountdown to={d.at} />
    </Space>
  );
}
