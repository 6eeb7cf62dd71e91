import { Alert, Card, Descriptions, Empty, Flex, Image, Space, Steps, Tag, Typography } from 'antd';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { evidenceFileUrl } from '../../api';
import { AmountText, RecordTitle } from '../../components/RecordDetail';
import { formatBytes, formatDeadline, formatFen, formatTime } from '../../format';
import { useLang } from '../../i18n';
import type {
  Dispute,
  DisputeFinding,
  DisputeParty,
  DisputeStatement,
  FindingFavours,
  StatementFile,
} from '../../types';
import { pickMessages, refundPath } from '../aftersales/queries';
import { DeadlineCountdown } from '../aftersales/RefundTags';
import { serialsFrom } from '../aftersales/SystemEvidence';
import { DisputeOutcomeTag, DisputeStateTag, FAVOURS_COLOR } from './DisputeTags';
import { runningDeadline, type DisputeDeadlineKind } from './queries';

// The parts both a party's dispute page and the arbitrators' case file are built of.

/** unitId → 'Key 2 (1234****5678)': the units in the case's order, with their masked serials. */
export function useUnitLabels(d: Dispute): (unitId: string) => string {
  const { t } = useTranslation();
  const serials = useMemo(() => {
    const latest = d.request.evidence.filter((e) => e.kind === 'KEY_TIMELINES').at(-1);
    return latest ? serialsFrom(latest.content) : new Map<string, string>();
  }, [d.request.evidence]);
  return (unitId: string) => {
    const index = d.units.findIndex((u) => u.unitId === unitId);
    const label = t('disputes.unitLabel', { index: index < 0 ? '?' : index + 1 });
    const serial = serials.get(unitId);
    return serial ? `${label} (${serial})` : label;
  };
}

const PHASES = ['EVIDENCE', 'ARBITRATION', 'DECIDED'] as const;

/** The case: its number and state, what is claimed, the units, and the phase it is in. */
export function DisputeHeader({ d, requestLink }: { d: Dispute; requestLink?: string }) {
  const { t } = useTranslation();
  const lang = useLang();
  const unitLabel = useUnitLabels(d);
  const current = PHASES.indexOf(d.state);
  return (
    <Card
      data-testid="dispute-header"
      data-dispute-id={d.id}
      data-version={d.version}
      title={
        <RecordTitle title={t('disputes.link.title')} no={d.disputeNo} testId="dispute-no">
          <DisputeStateTag state={d.state} />
          {d.outcome && <DisputeOutcomeTag outcome={d.outcome} />}
        </RecordTitle>
      }
    >
      <Space orientation="vertical" size={16} style={{ width: '100%' }}>
        <Steps
          size="small"
          current={current}
          status={d.state === 'DECIDED' ? 'finish' : 'process'}
          items={PHASES.map((p) => ({ title: t(`disputes.phase.${p}`) }))}
        />
        <Typography.Paragraph type="secondary" style={{ margin: 0 }} data-testid="dispute-phase-hint">
          {d.state === 'EVIDENCE'
            ? t('disputes.phase.evidenceHint')
            : d.state === 'ARBITRATION'
              ? t('disputes.phase.arbitrationHint')
              : t('disputes.phase.decidedHint')}
        </Typography.Paragraph>
        <Descriptions
          size="small"
          column={{ xs: 1, sm: 2, lg: 3 }}
          items={[
            {
              key: 'request',
              label: t('disputes.requestNo'),
              children: (
                <Link to={requestLink ?? refundPath(d.requestId)} data-testid="dispute-request-link">
                  {d.requestNo}
                </Link>
              ),
            },
            { key: 'order', label: t('disputes.orderNo'), children: d.request.orderNo },
            { key: 'goods', label: t('disputes.goods'), children: d.request.productName ?? '—' },
            {
              key: 'claim',
              label: t('disputes.claim'),
              children: <AmountText fen={d.claimFen} testId="dispute-claim" />,
            },
            {
              key: 'opened',
              label: t('disputes.openedBy'),
              children: `${t(`disputeParty.${d.openedBy}`)} · ${formatTime(d.createdAt, lang, true)}`,
            },
            {
              key: 'reason',
              label: t('aftersales.reason'),
              children: lang === 'en' ? d.request.reasonText.en : d.request.reasonText.zh,
            },
          ]}
        />
        {d.units.length > 0 && (
          <div data-testid="dispute-units">
            <Typography.Text type="secondary">
              {t('disputes.units')} · {t('disputes.unitsCount', { count: d.units.length })}
            </Typography.Text>
            <Flex vertical gap={4} style={{ marginTop: 4 }}>
              {d.units.map((u) => (
                <Flex
                  key={u.unitId}
                  justify="space-between"
                  gap={8}
                  wrap
                  data-testid="dispute-unit"
                  data-outcome={u.outcome ?? ''}
                >
                  <Typography.Text style={{ wordBreak: 'break-all' }}>{unitLabel(u.unitId)}</Typography.Text>
                  <Space size={6}>
                    <span>{formatFen(u.amountFen)}</span>
                    {u.outcome && (
                      <Tag color={u.outcome === 'REFUND' ? 'green' : 'default'}>
                        {u.outcome === 'REFUND'
                          ? t('disputes.decision.unitRefund')
                          : t('disputes.decision.unitNoRefund')}
                      </Tag>
                    )}
                  </Space>
                </Flex>
              ))}
            </Flex>
          </div>
        )}
      </Space>
    </Card>
  );
}

const RULE: Record<DisputeDeadlineKind, 'evidenceRule' | 'decisionRule'> = {
  evidenceDue: 'evidenceRule',
  decisionDue: 'decisionRule',
};

/** Evidence and decision deadlines with their exact times (Asia/Shanghai), the countdown, who missed. */
export function DisputeDeadlines({ d }: { d: Dispute }) {
  const { t } = useTranslation();
  const lang = useLang();
  const running = runningDeadline(d);
  const rows: { kind: DisputeDeadlineKind; at: string | null }[] = [
    { kind: 'evidenceDue', at: d.evidenceDueAt },
    { kind: 'decisionDue', at: d.decisionDueAt },
  ];
  const missed: DisputeParty[] = [
    ...(d.buyerMissedEvidence ? (['BUYER'] as const) : []),
    ...(d.merchantMissedEvidence ? (['MERCHANT'] as const) : []),
  ];
  const warnings = d.deadlineWarnings
    .map((w) =>
      typeof w === 'object' && w !== null && 'messages' in w
        ? pickMessages((w as { messages: Partial<Record<string, string>> }).messages, lang)
        : '',
    )
    .filter((s) => s !== '');
  return (
    <Card title={t('disputes.deadlines.title')} data-testid="dispute-deadlines" style={{ height: '100%' }}>
      <Space orientation="vertical" size={10} style={{ width: '100%' }}>
        {rows.map((r) => {
          const active = running?.kind === r.kind;
          return (
            <div
              key={r.kind}
              data-testid={`dispute-deadline-${r.kind}`}
              data-active={active ? 'true' : 'false'}
            >
              <Flex justify="space-between" gap={8} wrap>
                <Typography.Text type={active ? undefined : 'secondary'} strong={active}>
                  {t(`disputes.deadlines.${r.kind}`)}
                </Typography.Text>
                <span data-testid="deadline-time">
                  {r.at ? formatDeadline(r.at, lang, true) : t('disputes.deadlines.notYet')}
                </span>
              </Flex>
              {active && r.at && (
                <Flex justify="space-between" gap={8} wrap>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {t(`disputes.deadlines.${RULE[r.kind]}`)}
                  </Typography.Text>
                  <DeadlineCountdown to={r.at} testId="dispute-countdown" />
                </Flex>
              )}
            </div>
          );
        })}
        {missed.map((p) => (
          <Alert
            key={p}
            type="warning"
            showIcon
            data-testid={`missed-${p}`}
            title={t('disputes.deadlines.missed', { party: t(`disputeParty.${p}`) })}
          />
        ))}
        {warnings.map((w, i) => (
          <Alert key={i} type="info" showIcon title={w} data-testid="deadline-warning" />
        ))}
      </Space>
    </Card>
  );
}

/** A statement's files: thumbnails (once submitted, from the request's evidence) or names. */
export function StatementFiles({
  files,
  requestId,
  viewable,
}: {
  files: StatementFile[];
  requestId: string;
  /** Submitted: the files are the request's evidence and can be fetched. */
  viewable: boolean;
}) {
  const { t } = useTranslation();
  if (files.length === 0)
    return (
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {t('disputes.statement.noFiles')}
      </Typography.Text>
    );
  return (
    <Image.PreviewGroup>
      <Flex gap={8} wrap>
        {files.map((f) => {
          const url = evidenceFileUrl(f.sha256, requestId);
          const image = f.mime.startsWith('image/');
          return (
            <div
              key={f.sha256}
              data-testid="statement-file"
              data-sha256={f.sha256}
              data-kind={image ? 'image' : 'file'}
              style={{ width: 104 }}
            >
              {viewable && image ? (
                <Image
                  src={url}
                  alt={f.name}
                  width={96}
                  height={96}
                  style={{ objectFit: 'cover', borderRadius: 4, border: '1px solid #f0f0f0' }}
                />
              ) : (
                <Flex
                  align="center"
                  justify="center"
                  style={{
                    width: 96,
                    height: 64,
                    background: '#fafafa',
                    border: '1px solid #f0f0f0',
                    borderRadius: 4,
                  }}
                >
                  <Typography.Text type="secondary" strong>
                    {image ? 'IMG' : f.mime === 'application/pdf' ? 'PDF' : 'TXT'}
                  </Typography.Text>
                </Flex>
              )}
              <Typography.Text ellipsis={{ tooltip: f.name }} style={{ display: 'block', fontSize: 12 }}>
                {f.name}
              </Typography.Text>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {formatBytes(f.size)}
              </Typography.Text>
              {viewable && !image && (
                <a href={url} download style={{ display: 'block', fontSize: 12 }}>
                  {t('aftersales.detail.download')}
                </a>
              )}
            </div>
          );
        })}
      </Flex>
    </Image.PreviewGroup>
  );
}

/** A statement as submitted (or a draft, for its own party): its text, its files and when. */
export function StatementView({ s, requestId }: { s: DisputeStatement; requestId: string }) {
  const { t } = useTranslation();
  const lang = useLang();
  const submitted = s.state === 'SUBMITTED';
  return (
    <Space
      orientation="vertical"
      size={8}
      style={{ width: '100%' }}
      data-testid={`statement-${s.party}`}
      data-state={s.state}
    >
      <Flex gap={8} wrap align="center">
        <Tag color={submitted ? 'green' : 'default'}>
          {submitted ? t('disputes.statement.submitted') : t('disputes.statement.draft')}
        </Tag>
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {submitted
            ? t('disputes.statement.submittedAt', { time: formatTime(s.submittedAt, lang, true) })
            : t('disputes.statement.draftSavedAt', { time: formatTime(s.updatedAt, lang, true) })}
        </Typography.Text>
      </Flex>
      <Typography.Paragraph
        style={{ whiteSpace: 'pre-wrap', margin: 0, wordBreak: 'break-word' }}
        data-testid="statement-text"
      >
        {s.text || <Typography.Text type="secondary">{t('disputes.statement.noText')}</Typography.Text>}
      </Typography.Paragraph>
      <StatementFiles files={s.files} requestId={requestId} viewable={submitted} />
    </Space>
  );
}

/** The other party's statement: shown once submitted; otherwise whether it is still awaited or missed. */
export function OtherStatement({ d, party }: { d: Dispute; party: DisputeParty }) {
  const { t } = useTranslation();
  const s = d.statements.find((x) => x.party === party && x.state === 'SUBMITTED');
  const missed = party === 'BUYER' ? d.buyerMissedEvidence : d.merchantMissedEvidence;
  return (
    <Card
      title={t('disputes.statement.other', { party: t(`disputeParty.${party}`) })}
      data-testid="other-statement"
      data-party={party}
    >
      {s ? (
        <StatementView s={s} requestId={d.requestId} />
      ) : (
        <Typography.Text type="secondary" data-testid="other-statement-missing">
          {missed ? t('disputes.statement.otherMissed') : t('disputes.statement.otherNotYet')}
        </Typography.Text>
      )}
    </Card>
  );
}

/** A finding's source (a record name) in words; sources this app does not know show as they are. */
function useSourceLabel(): (source: string) => string {
  const { t } = useTranslation();
  return (source: string) => {
    const version = /^refund_policies\.v(\d+)$/.exec(source);
    if (version) return t('disputes.findings.source.policyVersion', { version: version[1] });
    switch (source) {
      case 'key_events:activated':
        return t('disputes.findings.source.activated');
      case 'key_events:revealed':
        return t('disputes.findings.source.revealed');
      case 'key_events':
        return t('disputes.findings.source.keyEvents');
      case 'keys.activated_before_delivery':
        return t('disputes.findings.source.activatedBeforeDelivery');
      case 'keys.delivered_at':
        return t('disputes.findings.source.keyDelivered');
      case 'orders.delivered_at':
        return t('disputes.findings.source.orderDelivered');
      case 'orders.policy_confirmed_at':
        return t('disputes.findings.source.policyConfirmed');
      case 'refund_requests.history':
        return t('disputes.findings.source.history');
      case 'platform_rules.qualityClaimDays':
        return t('disputes.findings.source.qualityClaimDays');
      case 'refund_policies':
        return t('disputes.findings.source.policy');
      default:
        return source;
    }
  };
}

function FindingItem({ f, unitLabel }: { f: DisputeFinding; unitLabel: (id: string) => string }) {
  const { t } = useTranslation();
  const lang = useLang();
  const sourceLabel = useSourceLabel();
  return (
    <div
      data-testid="finding"
      data-code={f.code}
      data-favours={f.favours}
      style={{ borderInlineStart: '3px solid #f0f0f0', paddingInlineStart: 10 }}
    >
      <Typography.Paragraph style={{ margin: 0, wordBreak: 'break-word' }} data-testid="finding-text">
        {lang === 'en' ? f.en : f.zh}
      </Typography.Paragraph>
      <Flex gap={4} wrap style={{ marginTop: 4 }}>
        {f.merchantFault && (
          <Tag color="red" data-testid="finding-fault">
            {t('disputes.findings.merchantFault')}
          </Tag>
        )}
        {f.unitIds.length > 0 && (
          <Tag style={{ whiteSpace: 'normal' }}>
            {t('disputes.findings.units', { list: f.unitIds.map(unitLabel).join('、') })}
          </Tag>
        )}
      </Flex>
      <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="finding-sources">
        {t('disputes.findings.sources')}: {f.sources.map(sourceLabel).join(' · ')}
      </Typography.Text>
    </div>
  );
}

const GROUPS: FindingFavours[] = ['BUYER', 'MERCHANT', 'NEUTRAL'];

/** Findings grouped by whom they favour, each with its sources. */
export function FindingsView({ d, hint }: { d: Dispute; hint: string }) {
  const { t } = useTranslation();
  const unitLabel = useUnitLabels(d);
  return (
    <Card title={t('disputes.findings.title')} data-testid="dispute-findings">
      <Space orientation="vertical" size={12} style={{ width: '100%' }}>
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {hint}
        </Typography.Text>
        {d.findings.length === 0 ? (
          <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('disputes.findings.none')} />
        ) : (
          GROUPS.map((g) => {
            const list = d.findings.filter((f) => f.favours === g);
            return (
              <div key={g} data-testid={`findings-${g}`} data-count={list.length}>
                <Tag color={FAVOURS_COLOR[g]} style={{ marginBottom: 6 }}>
                  {t(`findingFavours.${g}`)} · {list.length}
                </Tag>
                {list.length === 0 ? (
                  <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12 }}>
                    {t('disputes.findings.groupEmpty')}
                  </Typography.Text>
                ) : (
                  <Flex vertical gap={10}>
                    {list.map((f, i) => (
                      <FindingItem key={`${f.code}-${i}`} f={f} unitLabel={unitLabel} />
                    ))}
                  </Flex>
                )}
              </div>
            );
          })
        )}
      </Space>
    </Card>
  );
}

/** The decision once made: the outcome, the refund, the rationale, when; final. */
export function DecisionView({ d }: { d: Dispute }) {
  const { t } = useTranslation();
  const lang = useLang();
  if (d.state !== 'DECIDED' || !d.outcome) return null;
  return (
    <Card title={t('disputes.decision.title')} data-testid="dispute-decision" data-outcome={d.outcome}>
      <Space orientation="vertical" size={10} style={{ width: '100%' }}>
        <Alert type="success" showIcon title={t('disputes.decision.final')} />
        <Descriptions
          size="small"
          column={1}
          items={[
            {
              key: 'outcome',
              label: t('disputes.decision.outcome'),
              children: <DisputeOutcomeTag outcome={d.outcome} />,
            },
            {
              key: 'refund',
              label: t('disputes.decision.refund'),
              children: <AmountText fen={d.refundFen ?? 0} testId="dispute-refund" />,
            },
            {
              key: 'at',
              label: t('disputes.decision.decidedAt'),
              children: formatTime(d.decidedAt, lang, true),
            },
          ]}
        />
        <div>
          <Typography.Text type="secondary">{t('disputes.decision.rationale')}</Typography.Text>
          <Typography.Paragraph
            style={{ whiteSpace: 'pre-wrap', margin: 0, wordBreak: 'break-word' }}
            data-testid="dispute-rationale"
          >
            {d.rationale}
          </Typography.Paragraph>
        </div>
        {d.openedBy === 'BUYER' && (d.refundFen ?? 0) > 0 && (
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t('disputes.decision.refundArrives')}
          </Typography.Text>
        )}
      </Space>
    </Card>
  );
}
