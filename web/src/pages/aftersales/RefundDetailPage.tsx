import { useQuery } from '@tanstack/react-query';
import {
  Alert,
  Button,
  Card,
  Col,
  Collapse,
  ConfigProvider,
  Descriptions,
  Flex,
  Grid,
  Row,
  Space,
  Tag,
  Typography,
  type TableColumnsType,
} from 'antd';
import { useMemo, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api } from '../../api';
import { readEligibility } from '../../api/untyped';
import { isBuyer, useMe } from '../../auth';
import { ActorText, isAutomaticDecision } from '../../components/ActorText';
import { PayoutStateTag } from '../../components/orderTags';
import {
  AmountText,
  DetailFrame,
  EventTimeline,
  PayoutsTable,
  RecordTitle,
  WarningsAlert,
} from '../../components/RecordDetail';
import { backFor } from '../../roleBack';
import { destinationText } from '../../destination';
import { RequireUser } from '../../components/RequireUser';
import { formatDeadline, formatFen, formatTime } from '../../format';
import { contentKey, useLang } from '../../i18n';
import type { Messages } from '../../i18n/zh-CN';
import {
  allOf,
  REJECT_CODES,
  type PayoutState,
  type RefundDetail,
  type RefundPayout,
  type RefundState,
  type RefundTimelineEntry,
  type RefundVocabulary,
} from '../../types';
import { orderPath } from '../buyer/orderQueries';
import { ChannelRequestCard } from '../channels/ChannelRequestCard';
import { ConversationPanel } from '../conversations/ConversationPanel';
import { DisputeLink, mayHaveDispute } from '../disputes/DisputeLink';
import { EligibilityView } from './EligibilityView';
import { EvidenceView, SignalsBanner } from './EvidenceView';
import { isPayingOut, pickMessages, pickText, refundKey, useVocabulary } from './queries';
import { BuyerActions, ReviewPanel } from './RefundActions';
import {
  currentDeadline,
  DeadlineCountdown,
  LargeTag,
  RefundStateTag,
  type DeadlineKind,
} from './RefundTags';
import { serialsFrom } from './SystemEvidence';

const PAYOUT_STATES = allOf<PayoutState>()(['PENDING', 'PROCESSING', 'SUCCESS', 'ABNORMAL', 'CLOSED']);
const isPayoutState = (s: string): s is PayoutState => (PAYOUT_STATES as readonly string[]).includes(s);

const TIMELINE_ACTIONS = [
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
type TimelineAction = (typeof TIMELINE_ACTIONS)[number];
const timelineAction = (a: string): TimelineAction | null => {
  const name = a.startsWith('refund.') ? a.slice('refund.'.length) : '';
  return (TIMELINE_ACTIONS as readonly string[]).includes(name) ? (name as TimelineAction) : null;
};

const TIMELINE_REASONS = ['MERCHANT_TIMEOUT', 'SUPPLEMENT_TIMEOUT', 'ESCALATION_TIMEOUT'] as const;
const isTimelineReason = (r: string): r is (typeof TIMELINE_REASONS)[number] =>
  (TIMELINE_REASONS as readonly string[]).includes(r);

const DECISION_CODES = [
  'APPROVED',
  'AUTO_SEALED_ELIGIBLE',
  'AUTO_REVIEW_TIMEOUT',
  'ARBITRATION_BUYER',
  'ARBITRATION_MERCHANT',
] as const;
type DecisionCode = (typeof DECISION_CODES)[number];
const isDecisionCode = (c: string): c is DecisionCode => (DECISION_CODES as readonly string[]).includes(c);
const isRejectCode = (c: string): c is (typeof REJECT_CODES)[number] =>
  (REJECT_CODES as readonly string[]).includes(c);

/** A decision code in words: a rejection code's title, or our wording of an approval. */
function useDecisionLabel(vocabulary: RefundVocabulary | undefined): (code: string) => string {
  const { t } = useTranslation();
  const lang = useLang();
  return (code: string) => {
    if (isDecisionCode(code)) return t(`refundDecisionCode.${code}`);
    if (isRejectCode(code)) return vocabulary?.rejectCodes[code]?.[contentKey(lang)] ?? code;
    return code;
  };
}

type DecidedBy = keyof Messages['rough']['request']['decidedBy'];
const OPEN_STATES: readonly RefundState[] = ['PENDING_REVIEW', 'SUPPORT_REVIEW', 'AWAITING_BUYER'];
const isOpen = (d: RefundDetail): boolean => OPEN_STATES.includes(d.state);

/** How the request was actually decided, from its decision (code and role), not whose queue it sat in. */
function decidedBy(d: RefundDetail): DecidedBy | null {
  const decision = d.decision;
  if (!decision) return null;
  if (decision.code === 'AUTO_SEALED_ELIGIBLE') return 'INSTANT';
  if (decision.code === 'AUTO_REVIEW_TIMEOUT') return 'TIMEOUT';
  if (decision.code.startsWith('ARBITRATION_') || decision.role === 'arbitrator') return 'ARBITRATION';
  const byRole: Partial<Record<string, DecidedBy>> = {
    merchant: 'MERCHANT',
    support: 'SUPPORT',
    admin: 'SUPPORT',
    channel: 'CHANNEL',
    system: 'SYSTEM',
  };
  return (
    (decision.role ? byRole[decision.role] : undefined) ?? (d.reviewer === 'SUPPORT' ? 'SUPPORT' : 'MERCHANT')
  );
}

/** 即时通过 / 商家审核 / 平台客服审核 / 超时自动通过 / 仲裁裁决 once decided; the reviewer while open. */
function DecidedByTag({ detail }: { detail: RefundDetail }) {
  const { t } = useTranslation();
  const by = decidedBy(detail);
  if (by)
    return (
      <Tag color={by === 'INSTANT' ? 'green' : undefined} data-testid="refund-decided-by" data-by={by}>
        {t(`rough.request.decidedBy.${by}`)}
      </Tag>
    );
  if (!isOpen(detail)) return null; // cancelled or closed without a decision: nobody reviewed it
  return (
    <Tag data-testid="refund-decided-by" data-by={`AWAITING_${detail.reviewer}`}>
      {t(`aftersales.reviewer.${detail.reviewer}`)}
    </Tag>
  );
}

function HeaderCard({ detail }: { detail: RefundDetail }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { user } = useMe();
  return (
    <Card
      data-testid="refund-header"
      data-request-id={detail.id}
      data-version={detail.version}
      title={
        <RecordTitle title={t('aftersales.detail.title')} no={detail.requestNo} testId="refund-no">
          <RefundStateTag state={detail.state} />
          <DecidedByTag detail={detail} />
          {detail.large && <LargeTag />}
        </RecordTitle>
      }
      extra={
        <Link
          to={isBuyer(user) ? orderPath(detail.orderId) : `/orders/${encodeURIComponent(detail.orderId)}`}
          data-testid="refund-order-link"
        >
          {t('aftersales.detail.viewOrder')}
        </Link>
      }
    >
      <Space orientation="vertical" size={12} style={{ width: '100%' }}>
        <Descriptions
          size="small"
          column={{ xs: 1, sm: 2, lg: 3 }}
          items={[
            { key: 'order', label: t('aftersales.orderNo'), children: detail.orderNo },
            { key: 'goods', label: t('aftersales.goods'), children: detail.productName ?? '—' },
            {
              key: 'amount',
              label: t('aftersales.amount'),
              children: <AmountText fen={detail.amountFen} testId="refund-amount" />,
            },
            {
              key: 'scope',
              label: t('aftersales.scope'),
              children: `${detail.scope === 'FULL' ? t('aftersales.scopeFull') : t('aftersales.scopePartial')} · ${t('aftersales.unitsCount', { count: detail.units })}`,
            },
            {
              key: 'reason',
              label: t('aftersales.reason'),
              children: <span data-testid="refund-reason-text">{pickText(detail.reasonText, lang)}</span>,
            },
            ...(detail.channel
              ? []
              : [
                  {
                    key: 'submissions',
                    label: t('aftersales.detail.submissions'),
                    children: t('aftersales.detail.submissionsValue', {
                      count: detail.submissions,
                      max: detail.maxResubmissions + 1,
                    }),
                  },
                ]),
            {
              key: 'created',
              label: t('aftersales.createdAt'),
              children: formatTime(detail.createdAt, lang, true),
            },
            {
              key: 'updated',
              label: t('aftersales.updatedAt'),
              children: formatTime(detail.updatedAt, lang, true),
            },
          ]}
        />
        <div>
          <Typography.Text type="secondary">{t('aftersales.detail.description')}</Typography.Text>
          <Typography.Paragraph
            style={{ whiteSpace: 'pre-wrap', margin: 0 }}
            data-testid="refund-description-text"
          >
            {detail.description}
          </Typography.Paragraph>
        </div>
        {detail.state === 'AWAITING_BUYER' && detail.infoRequest && (
          <Alert
            type="info"
            showIcon
            title={t('aftersales.detail.infoRequest')}
            description={detail.infoRequest}
            data-testid="refund-info-request"
          />
        )}
      </Space>
    </Card>
  );
}

/** What the viewer can do now, or whom the request waits for. */
function ActionsCard({ detail }: { detail: RefundDetail }) {
  const { t } = useTranslation();
  const { user } = useMe();
  const buyer = isBuyer(user);
  const running = currentDeadline(detail);
  const waitingFor =
    detail.state === 'PENDING_REVIEW'
      ? t('actor.merchant')
      : detail.state === 'SUPPORT_REVIEW'
        ? t('actor.support')
        : null;
  if (detail.actions.length === 0 && !(buyer && waitingFor)) return null;
  return (
    <Card
      title={buyer ? t('aftersales.actions.title') : t('aftersales.review.title')}
      data-testid="refund-actions"
      extra={running && <DeadlineCountdown to={running.at} testId="actions-countdown" />}
    >
      <Space orientation="vertical" size={12} style={{ width: '100%' }}>
        {buyer ? <BuyerActions detail={detail} /> : <ReviewPanel detail={detail} />}
        {buyer && waitingFor && (
          <Typography.Text type="secondary">
            {t('aftersales.actions.waitReviewer', { who: waitingFor })}
          </Typography.Text>
        )}
        {!buyer && detail.actions.some((a) => a === 'APPROVE') && (
          <Typography.Text type="secondary">{t('aftersales.review.systemBeside')}</Typography.Text>
        )}
      </Space>
    </Card>
  );
}

const DEADLINES: { kind: DeadlineKind; field: 'reviewDueAt' | 'supplementDueAt' | 'escalationDueAt' }[] = [
  { kind: 'reviewDue', field: 'reviewDueAt' },
  { kind: 'supplementDue', field: 'supplementDueAt' },
  { kind: 'escalationDue', field: 'escalationDueAt' },
];
const RULE: Record<DeadlineKind, 'deadlineRuleReview' | 'deadlineRuleSupplement' | 'deadlineRuleEscalation'> =
  {
    reviewDue: 'deadlineRuleReview',
    supplementDue: 'deadlineRuleSupplement',
    escalationDue: 'deadlineRuleEscalation',
  };

/** Timeline actions that start a deadline's phase, and those that end it. */
const OPENERS: Record<DeadlineKind, readonly string[]> = {
  reviewDue: ['submitted', 'pending_review', 'support_review'],
  supplementDue: ['awaiting_buyer'],
  escalationDue: ['rejected'],
};
const CLOSERS: Record<DeadlineKind, readonly string[]> = {
  reviewDue: [
    'approved',
    'rejected',
    'awaiting_buyer',
    'cancelled',
    'closed',
    'disputed',
    'refunding',
    'refunded',
  ],
  supplementDue: [
    'submitted',
    'pending_review',
    'support_review',
    'approved',
    'rejected',
    'cancelled',
    'closed',
  ],
  escalationDue: [
    'submitted',
    'pending_review',
    'support_review',
    'disputed',
    'cancelled',
    'closed',
    'approved',
  ],
};

/**
 * When a deadline that no longer runs stopped: the first event after its phase last began that
 * ended the phase (null when the timeline does not say).
 */
function deadlineClosedAt(detail: RefundDetail, kind: DeadlineKind): string | null {
  const events = [...detail.timeline]
    .map((e) => ({ at: e.at, action: timelineAction(e.action) }))
    .sort((a, b) => a.at.localeCompare(b.at));
  let opened = -1;
  events.forEach((e, i) => {
    if (e.action && OPENERS[kind].includes(e.action)) opened = i;
  });
  const closer = events.find((e, i) => i > opened && e.action !== null && CLOSERS[kind].includes(e.action));
  return closer?.at ?? (kind === 'reviewDue' ? (detail.decision?.at ?? null) : null);
}

/** ✓ done at the time it closed (in time), 已超时 (closed after it), or just ✓ when the time is unknown. */
function ClosedDeadline({ detail, kind, due }: { detail: RefundDetail; kind: DeadlineKind; due: string }) {
  const { t } = useTranslation();
  const lang = useLang();
  const closedAt = deadlineClosedAt(detail, kind);
  const late = closedAt !== null && new Date(closedAt).getTime() > new Date(due).getTime();
  return (
    <Typography.Text
      type={late ? 'warning' : 'success'}
      data-testid="deadline-done"
      data-late={late ? 'true' : 'false'}
      style={{ fontSize: 13 }}
    >
      {closedAt === null
        ? t('rough.request.deadlineDone')
        : t(late ? 'rough.request.deadlineMissed' : 'rough.request.deadlineMet', {
            time: formatTime(closedAt, lang, true),
          })}
    </Typography.Text>
  );
}

function DeadlinesCard({ detail }: { detail: RefundDetail }) {
  const { t } = useTranslation();
  const lang = useLang();
  const running = currentDeadline(detail);
  const warnings = detail.deadlineWarnings
    .map((w) =>
      typeof w === 'object' && w !== null && 'messages' in w
        ? pickMessages((w as { messages: Partial<Record<string, string>> }).messages, lang)
        : '',
    )
    .filter((s) => s !== '');
  const shown = DEADLINES.filter((d) => detail[d.field] !== null);
  return (
    <Card title={t('aftersales.detail.deadlines')} data-testid="refund-deadlines" style={{ height: '100%' }}>
      <Space orientation="vertical" size={10} style={{ width: '100%' }}>
        {shown.length === 0 && (
          <Typography.Text type="secondary">{t('aftersales.detail.noDeadline')}</Typography.Text>
        )}
        {shown.map((d) => {
          const at = detail[d.field]!;
          const active = running?.kind === d.kind;
          return (
            <div key={d.kind} data-testid={`deadline-${d.kind}`} data-active={active ? 'true' : 'false'}>
              <Flex justify="space-between" gap={8} wrap>
                <Typography.Text type={active ? undefined : 'secondary'} strong={active}>
                  {t(`aftersales.detail.${d.kind}`)}
                </Typography.Text>
                <span data-testid="deadline-time">{formatDeadline(at, lang, true)}</span>
              </Flex>
              {active ? (
                <Flex justify="space-between" gap={8} wrap>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {t(`aftersales.detail.${RULE[d.kind]}`)}
                  </Typography.Text>
                  <DeadlineCountdown to={at} />
                </Flex>
              ) : (
                <ClosedDeadline detail={detail} kind={d.kind} due={at} />
              )}
            </div>
          );
        })}
        {warnings.map((w, i) => (
          <Alert key={i} type="warning" showIcon title={w} data-testid="deadline-warning" />
        ))}
      </Space>
    </Card>
  );
}

/** A card of the request that names codes, reasons and rules in the vocabulary's words. */
interface WordedCardProps {
  detail: RefundDetail;
  vocabulary: RefundVocabulary | undefined;
}

function DecisionCard({ detail, vocabulary }: WordedCardProps) {
  const { t } = useTranslation();
  const lang = useLang();
  const label = useDecisionLabel(vocabulary);
  const d = detail.decision;
  if (!d) return null;
  return (
    <Card
      title={t('aftersales.detail.decision')}
      data-testid="refund-decision"
      data-code={d.code}
      style={{ height: '100%' }}
    >
      <Space orientation="vertical" size={10} style={{ width: '100%' }}>
        <Descriptions
          size="small"
          column={1}
          items={[
            {
              key: 'code',
              label: t('aftersales.detail.decisionCode'),
              children: (
                <Typography.Text strong>{d.text ? pickText(d.text, lang) : label(d.code)}</Typography.Text>
              ),
            },
            ...(d.note
              ? [{ key: 'note', label: t('aftersales.detail.decisionNote'), children: d.note }]
              : []),
            {
              key: 'by',
              label: t('aftersales.detail.decidedBy'),
              children: d.role ? <ActorText actor={d.role} /> : '—',
            },
            { key: 'at', label: t('aftersales.detail.decidedAt'), children: formatTime(d.at, lang, true) },
          ]}
        />
        {d.warnings.length > 0 && (
          <WarningsAlert title={t('aftersales.detail.decisionWarnings')} testId="decision-warnings">
            {d.warnings.map((w) => (
              <li key={w.code}>{pickText(w, lang)}</li>
            ))}
          </WarningsAlert>
        )}
      </Space>
    </Card>
  );
}

function PayoutsCard({ detail }: { detail: RefundDetail }) {
  const { t } = useTranslation();
  const lang = useLang();
  const columns: TableColumnsType<RefundPayout> = [
    {
      key: 'amount',
      title: t('aftersales.detail.payoutAmount'),
      align: 'right',
      render: (_, p) => formatFen(p.amountFen),
    },
    {
      key: 'state',
      title: t('aftersales.detail.payoutState'),
      render: (_, p) => (isPayoutState(p.state) ? <PayoutStateTag state={p.state} /> : <Tag>{p.state}</Tag>),
    },
    ...(detail.payouts.some((p) => p.destination !== null)
      ? [
          {
            key: 'dest',
            title: t('aftersales.detail.destination'),
            render: (_: unknown, p: RefundPayout) => destinationText(p.destination, lang),
          },
        ]
      : []),
    {
      key: 'expected',
      title: t('aftersales.detail.expectedArrival'),
      render: (_, p) => formatDeadline(p.expectedArrivalAt, lang, true),
    },
    {
      key: 'finished',
      title: t('aftersales.detail.finishedAt'),
      render: (_, p) => formatTime(p.finishedAt, lang, true),
    },
    { key: 'created', title: t('common.createdAt'), render: (_, p) => formatTime(p.createdAt, lang, true) },
  ];
  const phone = Grid.useBreakpoint().sm === false;
  return (
    <Card title={t('aftersales.detail.payouts')}>
      {detail.payouts.length === 0 ? (
        <Typography.Text type="secondary">{t('aftersales.detail.noPayouts')}</Typography.Text>
      ) : phone ? (
        // a card per payout on phones, not a table scrolled sideways
        <Space orientation="vertical" size={8} style={{ width: '100%' }} data-testid="refund-payouts">
          {detail.payouts.map((p) => (
            <Card key={p.id} size="small" data-testid="refund-payout-card">
              <Descriptions
                size="small"
                column={1}
                items={columns
                  .filter((c) => c.key !== 'created')
                  .map((c) => ({
                    key: String(c.key),
                    label: c.title as ReactNode,
                    children: c.render?.(undefined, p, 0) as ReactNode,
                  }))}
              />
            </Card>
          ))}
        </Space>
      ) : (
        <PayoutsTable payouts={detail.payouts} columns={columns} testId="refund-payouts" />
      )}
    </Card>
  );
}

/** Extra words for a timeline entry from its data: the decision code, a note, the submission number. */
function TimelineDetail({
  e,
  vocabulary,
}: {
  e: RefundTimelineEntry;
  vocabulary: RefundVocabulary | undefined;
}) {
  const { t } = useTranslation();
  const label = useDecisionLabel(vocabulary);
  const lang = useLang();
  if (typeof e.data !== 'object' || e.data === null) return null;
  const d = e.data as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof d.reason === 'string')
    parts.push(
      isTimelineReason(d.reason)
        ? t(`refundTimelineReason.${d.reason}`)
        : (vocabulary?.reasons[d.reason]?.[contentKey(lang)] ?? d.reason),
    );
  if (typeof d.amountFen === 'number') parts.push(formatFen(d.amountFen));
  if (typeof d.code === 'string') parts.push(label(d.code));
  if (typeof d.submission === 'number')
    parts.push(t('aftersales.detail.submission', { count: d.submission }));
  if (typeof d.note === 'string' && d.note) parts.push(`“${d.note}”`);
  if (parts.length === 0) return null;
  return (
    <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12 }}>
      {parts.join(' · ')}
    </Typography.Text>
  );
}

function TimelineCard({ detail, vocabulary }: WordedCardProps) {
  const { t } = useTranslation();
  return (
    <Card title={t('aftersales.detail.timeline')}>
      <EventTimeline
        events={detail.timeline}
        testId="refund-timeline"
        render={(e) => {
          const a = timelineAction(e.action);
          return (
            <div data-testid="refund-timeline-entry" data-action={e.action}>
              {a ? t(`refundTimeline.refund.${a}`) : e.action} ·{' '}
              <ActorText actor={e.actor} step={e.action} automatic={isAutomaticDecision(e.data)} />
              <TimelineDetail e={e} vocabulary={vocabulary} />
            </div>
          );
        }}
      />
    </Card>
  );
}

function RefundView({ detail }: { detail: RefundDetail }) {
  const { t } = useTranslation();
  // 40 px buttons and inputs on phones (the actions and their dialogs too); desktop unchanged
  const phone = Grid.useBreakpoint().sm === false;
  const vocabulary = useVocabulary();
  const serials = useMemo(() => {
    const latest = detail.evidence.filter((e) => e.kind === 'KEY_TIMELINES').at(-1);
    return latest ? serialsFrom(latest.content) : new Map<string, string>();
  }, [detail.evidence]);
  const eligibility = useMemo(() => readEligibility(detail.eligibility), [detail.eligibility]);
  return (
    <ConfigProvider componentSize={phone ? 'large' : undefined}>
      <Space
        orientation="vertical"
        size={16}
        style={{ width: '100%', minWidth: 0 }}
        data-testid="refund-view"
      >
        <HeaderCard detail={detail} />
        {detail.channel && <ChannelRequestCard channel={detail.channel} />}
        {mayHaveDispute(detail) && <DisputeLink request={detail} />}
        <ActionsCard detail={detail} />
        <Row gutter={[16, 16]}>
          <Col xs={24} lg={detail.decision ? 12 : 24}>
            <DeadlinesCard detail={detail} />
          </Col>
          {detail.decision && (
            <Col xs={24} lg={12}>
              <DecisionCard detail={detail} vocabulary={vocabulary.data} />
            </Col>
          )}
        </Row>
        {eligibility && isOpen(detail) && (
          <Card
            title={t('aftersales.detail.eligibility')}
            extra={
              <Typography.Text type="secondary">{t('aftersales.detail.eligibilityHint')}</Typography.Text>
            }
            data-testid="refund-eligibility-card"
          >
            <EligibilityView eligibility={eligibility} vocabulary={vocabulary.data} serials={serials} />
          </Card>
        )}
        {eligibility && !isOpen(detail) && (
          // Decided, cancelled or closed: the pre-check (待审核 …) is history, folded and labelled so.
          <Collapse
            data-testid="refund-eligibility-history"
            items={[
              {
                key: 'eligibility',
                label: t('rough.request.eligibilityAtApplication'),
                extra: (
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {t('rough.request.eligibilityAtApplicationHint')}
                  </Typography.Text>
                ),
                children: (
                  <EligibilityView eligibility={eligibility} vocabulary={vocabulary.data} serials={serials} />
                ),
              },
            ]}
          />
        )}
        <Card title={t('aftersales.detail.evidence')}>
          <Space orientation="vertical" size={12} style={{ width: '100%' }}>
            <SignalsBanner detail={detail} />
            <EvidenceView detail={detail} />
          </Space>
        </Card>
        {/* A channel buyer has no Kameng account: the conversation happens on the channel. */}
        {!detail.channel && <ConversationPanel orderId={detail.orderId} />}
        <PayoutsCard detail={detail} />
        <TimelineCard detail={detail} vocabulary={vocabulary.data} />
      </Space>
    </ConfigProvider>
  );
}

function RefundDetailView() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const { user } = useMe();
  const query = useQuery({
    queryKey: refundKey(id),
    queryFn: () => api.refund(id),
    enabled: id !== '',
    staleTime: 0,
    // money on its way (gateway refunds are asynchronous): poll until it lands or fails
    refetchInterval: (q) => (q.state.data && isPayingOut(q.state.data.state) ? 2000 : false),
  });
  const back = backFor(user, 'refund');
  const backLabel = t(back.labelKey);
  return (
    <DetailFrame
      query={query}
      back={{ to: back.to, label: backLabel, testId: 'refund-back' }}
      tools={
        <Button
          size="small"
          onClick={() => void query.refetch()}
          loading={query.isFetching}
          data-testid="refund-reload"
        >
          {t('aftersales.reload')}
        </Button>
      }
      notFound={t('aftersales.detail.notFound')}
    >
      {(detail) => <RefundView detail={detail} />}
    </DetailFrame>
  );
}

/** /refunds/:id (and /merchant/refunds/:id, the link in merchants' notifications): one request. */
export default function RefundDetailPage() {
  const { t } = useTranslation();
  return (
    <RequireUser loginText={t('aftersales.loginRequired')}>
      <RefundDetailView />
    </RequireUser>
  );
}
