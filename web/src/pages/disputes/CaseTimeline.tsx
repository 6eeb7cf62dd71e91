import { Card, Tag, Timeline, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ActorText, isAutomaticDecision } from '../../components/ActorText';
import { formatFen, formatTime } from '../../format';
import { useLang } from '../../i18n';
import {
  allOf,
  KEY_EVENT_KINDS,
  type Dispute,
  type PaymentMethod,
  type PayoutState,
  type RefundEvidence,
} from '../../types';
import { useUnitLabels } from './DisputeParts';

// One chronological view of a case: the order and its policy, the payment, every key event, the
// conversation, the request's history and its files, the payouts and the dispute's own steps.

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const recs = (v: unknown): Rec[] => (Array.isArray(v) ? v.filter(isRec) : []);

type Group = 'ORDER' | 'POLICY' | 'PAYMENT' | 'KEY' | 'CHAT' | 'REQUEST' | 'EVIDENCE' | 'PAYOUT' | 'DISPUTE';
const GROUP_COLOR: Record<Group, string> = {
  ORDER: 'geekblue',
  POLICY: 'cyan',
  PAYMENT: 'blue',
  KEY: 'gold',
  CHAT: 'default',
  REQUEST: 'orange',
  EVIDENCE: 'lime',
  PAYOUT: 'green',
  DISPUTE: 'magenta',
};

interface Entry {
  at: string;
  group: Group;
  /** Sorts entries at the same instant in the order they happened. */
  seq: number;
  text: ReactNode;
  detail?: ReactNode;
}

const PAY_METHODS = allOf<PaymentMethod>()(['BALANCE', 'WECHAT', 'ALIPAY', 'CHANNEL']);
const PAYOUT_STATES = allOf<PayoutState>()(['PENDING', 'PROCESSING', 'SUCCESS', 'ABNORMAL', 'CLOSED']);
const oneOf = <T extends string>(list: readonly T[], v: unknown): T | null =>
  typeof v === 'string' && (list as readonly string[]).includes(v) ? (v as T) : null;

const latest = (evidence: RefundEvidence[], kind: string): unknown =>
  evidence.filter((e) => e.source === 'SYSTEM' && e.kind === kind).at(-1)?.content ?? null;

const REQUEST_ACTIONS = [
  'submitted',
  'pending_review',
  'support_review',
  'awaiting_buyer',
  'approved',
  'refunding',
  'refunded',
  'refund_abnormal',
  'rejected',
  'disputed',
  'cancelled',
  'closed',
  'rerouted_to_balance',
  'payout_delayed',
] as const;
const requestAction = (a: string): (typeof REQUEST_ACTIONS)[number] | null => {
  const name = a.startsWith('refund.') ? a.slice('refund.'.length) : '';
  return (REQUEST_ACTIONS as readonly string[]).includes(name)
    ? (name as (typeof REQUEST_ACTIONS)[number])
    : null;
};

function useEntries(d: Dispute): Entry[] {
  const { t } = useTranslation();
  const lang = useLang();
  const unitLabel = useUnitLabels(d);
  const out: Entry[] = [];
  let seq = 0;
  const add = (at: string | null, group: Group, text: ReactNode, detail?: ReactNode) => {
    if (at && !Number.isNaN(Date.parse(at))) out.push({ at, group, seq: seq++, text, detail });
  };
  const r = d.request;
  const snapshot = latest(r.evidence, 'ORDER_SNAPSHOT');
  if (isRec(snapshot)) {
    add(
      str(snapshot.createdAt),
      'ORDER',
      t('disputes.caseFile.event.orderCreated', {
        name: str(snapshot.productName) ?? '—',
        qty: num(snapshot.quantity) ?? '—',
        total: num(snapshot.totalFen) === null ? '—' : formatFen(num(snapshot.totalFen)!),
      }),
    );
    add(str(snapshot.deliveredAt), 'ORDER', t('disputes.caseFile.event.delivered'));
  }
  const policy = latest(r.evidence, 'POLICY');
  if (isRec(policy)) {
    const text =
      lang === 'en' ? (str(policy.textEn) ?? str(policy.textZh)) : (str(policy.textZh) ?? str(policy.textEn));
    const version = num(policy.version) ?? '—';
    const confirmed = str(policy.confirmedAt);
    const detail = text ? (
      <Typography.Paragraph
        type="secondary"
        ellipsis={{ rows: 2, expandable: true, symbol: t('disputes.caseFile.more') }}
        style={{ margin: 0, fontSize: 12, whiteSpace: 'pre-wrap' }}
      >
        {text}
      </Typography.Paragraph>
    ) : undefined;
    if (confirmed)
      add(confirmed, 'POLICY', t('disputes.caseFile.event.policyConfirmed', { version }), detail);
    else if (isRec(snapshot))
      add(
        str(snapshot.createdAt),
        'POLICY',
        t('disputes.caseFile.event.policyNotConfirmed', { version }),
        detail,
      );
  }
  const payment = latest(r.evidence, 'PAYMENT');
  if (isRec(payment)) {
    const method = oneOf(PAY_METHODS, payment.method);
    add(
      str(payment.paidAt),
      'PAYMENT',
      t('disputes.caseFile.event.paid', {
        amount: num(payment.amountFen) === null ? '—' : formatFen(num(payment.amountFen)!),
        method: method ? t(`payMethod.${method}`) : (str(payment.method) ?? '—'),
      }),
    );
  }
  for (const u of recs(latest(r.evidence, 'KEY_TIMELINES'))) {
    const unit = unitLabel(str(u.unitId) ?? '');
    for (const e of recs(u.events)) {
      const kind = oneOf(KEY_EVENT_KINDS, e.kind);
      add(
        str(e.at),
        'KEY',
        <span data-testid="case-key-event" data-kind={str(e.kind) ?? ''}>
          {unit} · {kind ? t(`keyEvent.${kind}`) : (str(e.kind) ?? '—')} ·{' '}
          <ActorText actor={str(e.by) ?? '—'} step={str(e.kind) ?? undefined} />
        </span>,
      );
    }
  }
  for (const m of recs(latest(r.evidence, 'CONVERSATION'))) {
    const file = isRec(m.file) ? str(m.file.name) : null;
    add(
      str(m.at),
      'CHAT',
      <span style={{ whiteSpace: 'pre-wrap' }}>
        <ActorText actor={str(m.from) ?? '—'} />：{str(m.text) ?? ''}
      </span>,
      file ? (
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t('aftersales.system.attachment', { name: file })}
        </Typography.Text>
      ) : undefined,
    );
  }
  for (const e of r.timeline) {
    const a = requestAction(e.action);
    const data = isRec(e.data) ? e.data : {};
    const note = str(data.note);
    add(
      e.at,
      'REQUEST',
      <span data-testid="case-request-event" data-action={e.action}>
        {a ? t(`refundTimeline.refund.${a}`) : e.action} ·{' '}
        <ActorText actor={e.actor} step={e.action} automatic={isAutomaticDecision(e.data)} />
      </span>,
      note ? (
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          “{note}”
        </Typography.Text>
      ) : undefined,
    );
  }
  for (const f of r.evidence.filter((e) => e.source !== 'SYSTEM' && e.sha256))
    add(
      f.createdAt,
      'EVIDENCE',
      t('disputes.caseFile.event.file', {
        source: t(`aftersales.source.${f.source}`),
        name: f.fileName ?? f.sha256 ?? '',
      }),
    );
  for (const p of r.payouts) {
    add(
      p.createdAt,
      'PAYOUT',
      t('disputes.caseFile.event.payoutCreated', { amount: formatFen(p.amountFen) }),
    );
    const state = oneOf(PAYOUT_STATES, p.state);
    add(
      p.finishedAt,
      'PAYOUT',
      t('disputes.caseFile.event.payoutFinished', {
        amount: formatFen(p.amountFen),
        state: state ? t(`payoutState.${state}`) : p.state,
      }),
    );
  }
  add(
    d.createdAt,
    'DISPUTE',
    t('disputes.caseFile.event.disputeOpened', { no: d.disputeNo, amount: formatFen(d.claimFen) }),
  );
  for (const s of d.statements)
    add(
      s.submittedAt,
      'DISPUTE',
      t('disputes.caseFile.event.statementSubmitted', { party: t(`disputeParty.${s.party}`) }),
    );
  if (d.outcome)
    add(
      d.decidedAt,
      'DISPUTE',
      t('disputes.caseFile.event.decided', { outcome: t(`disputeOutcome.${d.outcome}`) }),
    );
  return out.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.seq - b.seq);
}

/** Everything on the case's record, oldest first, each under its exact time (Asia/Shanghai). */
export function CaseTimeline({ d }: { d: Dispute }) {
  const { t } = useTranslation();
  const lang = useLang();
  const entries = useEntries(d);
  return (
    <Card title={t('disputes.caseFile.timeline')} data-testid="case-timeline">
      <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
        {t('disputes.caseFile.timelineHint')}
      </Typography.Paragraph>
      <Timeline
        items={entries.map((e, i) => ({
          key: `${i}`,
          content: (
            <div data-testid="case-entry" data-group={e.group} style={{ wordBreak: 'break-word' }}>
              <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12 }}>
                {formatTime(e.at, lang, true)}
              </Typography.Text>
              <Tag color={GROUP_COLOR[e.group]} style={{ marginInlineEnd: 6 }}>
                {t(`disputes.caseFile.group.${e.group}`)}
              </Tag>
              {e.text}
              {e.detail && <div>{e.detail}</div>}
            </div>
          ),
        }))}
      />
    </Card>
  );
}
