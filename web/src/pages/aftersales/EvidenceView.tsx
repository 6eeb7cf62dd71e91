import { useQuery } from '@tanstack/react-query';
import {
  Alert,
  Button,
  Col,
  Collapse,
  Empty,
  Flex,
  Image,
  Modal,
  Row,
  Space,
  Spin,
  Tabs,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, errorFromBody, evidenceFileUrl, networkError } from '../../api';
import { modalTestId } from '../../components/modalTestId';
import { WarningsAlert } from '../../components/RecordDetail';
import { useErrorText } from '../../components/QueryState';
import { formatBytes, formatTime } from '../../format';
import { useLang } from '../../i18n';
import type { EvidenceSource, RefundDetail, RefundEvidence } from '../../types';
import { pickMessages } from './queries';
import { isSystemKind, SYSTEM_KINDS, SystemRecord } from './SystemEvidence';

/** Longest text shown in the preview; the download has all of it. */
const PREVIEW_CHARS = 100_000;

async function fetchText(url: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { credentials: 'same-origin' });
  } catch {
    throw networkError();
  }
  const text = await res.text();
  if (!res.ok) throw errorFromBody(res.status, text);
  return text;
}

/** A text file (chat log) read in place: the server sends it as a download. */
function TextPreview({ url, name }: { url: string; name: string }) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  const [open, setOpen] = useState(false);
  const query = useQuery({
    queryKey: ['evidence', 'text', url],
    queryFn: () => fetchText(url),
    enabled: open,
    staleTime: Infinity,
    retry: (n, err) => !(err instanceof ApiError && err.status >= 400 && err.status < 500) && n < 2,
  });
  return (
    <>
      <Button size="small" type="link" onClick={() => setOpen(true)} data-testid="evidence-preview">
        {t('aftersales.detail.preview')}
      </Button>
      <Modal
        open={open}
        title={name}
        onCancel={() => setOpen(false)}
        footer={null}
        width={720}
        modalRender={modalTestId('evidence-text')}
      >
        {query.isPending ? (
          <Spin />
        ) : query.isError ? (
          <Alert type="error" showIcon title={errorText(query.error)} />
        ) : (
          <pre
            style={{ whiteSpace: 'pre-wrap', maxHeight: 480, overflow: 'auto', margin: 0 }}
            data-testid="evidence-text-body"
          >
            {query.data.length > PREVIEW_CHARS ? `${query.data.slice(0, PREVIEW_CHARS)}…` : query.data}
          </pre>
        )}
      </Modal>
    </>
  );
}

/** A file the buyer (or a reviewer) attached: a thumbnail for images, a download link otherwise. */
function EvidenceFile({ e, requestId }: { e: RefundEvidence; requestId: string }) {
  const { t } = useTranslation();
  const lang = useLang();
  if (!e.sha256) return null;
  const url = evidenceFileUrl(e.sha256, requestId);
  const image = e.mime?.startsWith('image/') ?? false;
  return (
    <div
      data-testid="evidence-file"
      data-sha256={e.sha256}
      data-kind={image ? 'image' : 'file'}
      style={{ width: 132 }}
    >
      {image ? (
        <Image
          src={url}
          alt={e.fileName ?? e.sha256}
          width={120}
          height={120}
          style={{ objectFit: 'cover', borderRadius: 4, border: '1px solid #f0f0f0' }}
          data-testid="evidence-thumbnail"
        />
      ) : (
        <Space orientation="vertical" size={0}>
          <Flex
            align="center"
            justify="center"
            style={{
              width: 120,
              height: 72,
              background: '#fafafa',
              border: '1px solid #f0f0f0',
              borderRadius: 4,
            }}
          >
            <Typography.Text strong type="secondary">
              {e.mime === 'application/pdf' ? 'PDF' : 'TXT'}
            </Typography.Text>
          </Flex>
          <Space size={0} wrap>
            {e.mime === 'text/plain' && <TextPreview url={url} name={e.fileName ?? e.sha256} />}
            <a href={url} download data-testid="evidence-download">
              {t('aftersales.detail.download')}
            </a>
          </Space>
        </Space>
      )}
      <Typography.Text ellipsis={{ tooltip: e.fileName }} style={{ display: 'block', fontSize: 12 }}>
        {e.fileName ?? '—'}
      </Typography.Text>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {e.size === null ? '' : formatBytes(e.size)} · {formatTime(e.createdAt, lang)}
      </Typography.Text>
      {e.signals.length > 0 && (
        <Space size={[2, 2]} wrap style={{ marginTop: 2 }}>
          {e.signals.map((s) => (
            <Tag
              key={s.code}
              color="warning"
              title={pickMessages(s.messages, lang)}
              data-testid="evidence-signal"
              data-signal={s.code}
              style={{ whiteSpace: 'normal' }}
            >
              {pickMessages(s.messages, lang) || s.code}
            </Tag>
          ))}
        </Space>
      )}
    </div>
  );
}

function PartyFiles({ files, requestId }: { files: RefundEvidence[]; requestId: string }) {
  const { t } = useTranslation();
  const bySource = new Map<EvidenceSource, RefundEvidence[]>();
  for (const f of files) bySource.set(f.source, [...(bySource.get(f.source) ?? []), f]);
  const sources = [...bySource.keys()];
  if (!sources.includes('BUYER')) sources.unshift('BUYER');
  return (
    <Space orientation="vertical" size={12} style={{ width: '100%' }}>
      {sources.map((source) => {
        const list = bySource.get(source) ?? [];
        return (
          <div key={source} data-testid={`evidence-party-${source}`}>
            <Typography.Title level={5} style={{ marginTop: 0 }}>
              {source === 'BUYER'
                ? t('aftersales.detail.buyerEvidence')
                : t('aftersales.detail.otherEvidence', { source: t(`aftersales.source.${source}`) })}
            </Typography.Title>
            {list.length === 0 ? (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('aftersales.detail.noFiles')} />
            ) : (
              <Image.PreviewGroup>
                <Flex gap={12} wrap>
                  {list.map((e) => (
                    <EvidenceFile key={e.id} e={e} requestId={requestId} />
                  ))}
                </Flex>
              </Image.PreviewGroup>
            )}
          </div>
        );
      })}
    </Space>
  );
}

function SystemRecords({ records }: { records: RefundEvidence[] }) {
  const { t } = useTranslation();
  const known = records
    .filter((r) => isSystemKind(r.kind))
    .sort(
      (a, b) =>
        SYSTEM_KINDS.indexOf(a.kind as (typeof SYSTEM_KINDS)[number]) -
        SYSTEM_KINDS.indexOf(b.kind as (typeof SYSTEM_KINDS)[number]),
    );
  return (
    <div data-testid="evidence-system">
      <Typography.Title level={5} style={{ marginTop: 0 }}>
        {t('aftersales.detail.systemEvidence')}
      </Typography.Title>
      {known.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} />
      ) : (
        <Collapse
          size="small"
          defaultActiveKey={known.filter((r) => r.kind !== 'CONVERSATION').map((r) => r.id)}
          items={known.map((r) => ({
            key: r.id,
            label: (
              <span data-testid="system-record" data-kind={r.kind}>
                {isSystemKind(r.kind) ? t(`systemEvidenceKind.${r.kind}`) : r.kind}
              </span>
            ),
            children: isSystemKind(r.kind) ? <SystemRecord kind={r.kind} content={r.content} /> : null,
          }))}
        />
      )}
    </div>
  );
}

/**
 * Evidence per submission (the latest first): what the parties attached on the left, the platform's
 * records generated at that submission on the right, so a reviewer reads one against the other.
 */
export function EvidenceView({ detail }: { detail: RefundDetail }) {
  const { t } = useTranslation();
  const submissions = [...new Set(detail.evidence.map((e) => e.submission))].sort((a, b) => b - a);
  if (submissions.length === 0) return <Empty description={t('aftersales.detail.noFiles')} />;
  return (
    <Tabs
      data-testid="refund-evidence"
      defaultActiveKey={String(submissions[0])}
      items={submissions.map((n) => {
        const of = detail.evidence.filter((e) => e.submission === n);
        return {
          key: String(n),
          label: t('aftersales.detail.submission', { count: n }),
          children: (
            <Row gutter={[16, 16]} data-testid="evidence-submission" data-submission={n}>
              <Col xs={24} lg={10}>
                <PartyFiles files={of.filter((e) => e.source !== 'SYSTEM')} requestId={detail.id} />
              </Col>
              <Col xs={24} lg={14}>
                <SystemRecords records={of.filter((e) => e.source === 'SYSTEM')} />
              </Col>
            </Row>
          ),
        };
      })}
    />
  );
}

/** Reviewer hints on files, e.g. when a submission's files carry signals: a summary banner. */
export function SignalsBanner({ detail }: { detail: RefundDetail }) {
  const { t } = useTranslation();
  const lang = useLang();
  const flagged = detail.evidence.filter((e) => e.source !== 'SYSTEM' && e.signals.length > 0);
  if (flagged.length === 0) return null;
  return (
    <WarningsAlert title={t('aftersales.detail.signals')} testId="refund-signals">
      {flagged.flatMap((e) =>
        e.signals.map((s) => (
          <li key={`${e.id}-${s.code}`}>
            {e.fileName}: {pickMessages(s.messages, lang) || s.code}
          </li>
        )),
      )}
    </WarningsAlert>
  );
}
