import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  Button,
  Card,
  Flex,
  Image,
  Input,
  Progress,
  Space,
  Spin,
  Tag,
  Typography,
  Upload,
  type UploadProps,
} from 'antd';
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation } from 'react-router';
import { ApiError, api, conversationFileUrl } from '../../api';
import { useErrorText } from '../../components/QueryState';
import { formatBytes, formatTime } from '../../format';
import { useLang } from '../../i18n';
import type { ConversationMessage, ConversationParty, UploadedEvidence } from '../../types';
import { uploadEvidence } from '../../upload';
import { pickMessages } from '../aftersales/queries';
import { orderKey } from '../buyer/orderQueries';
import { CONVERSATION_POLL_MS, conversationKey, fetchConversation, MESSAGE_MAX } from './queries';

/** What the conversation accepts as an attachment (the evidence store's types). */
const ACCEPT = 'image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,.txt,.log,.csv';

const PARTY_COLOR: Record<ConversationParty, string> = {
  buyer: 'blue',
  merchant: 'orange',
  support: 'purple',
};

/** The one file of the message being written: on its way, stored, or refused. */
type Attachment =
  | { status: 'uploading'; name: string; percent: number; abort: () => void }
  | { status: 'done'; name: string; uploaded: UploadedEvidence; preview: string | null }
  | { status: 'error'; name: string; error: string };

/** True while `el` is on screen and the tab is visible: messages there count as seen. */
function useShown(el: HTMLElement | null): boolean {
  const [inView, setInView] = useState(false);
  const [visible, setVisible] = useState(() => document.visibilityState === 'visible');
  useEffect(() => {
    const onChange = () => setVisible(document.visibilityState === 'visible');
    document.addEventListener('visibilitychange', onChange);
    return () => document.removeEventListener('visibilitychange', onChange);
  }, []);
  useEffect(() => {
    if (!el) return;
    if (typeof IntersectionObserver === 'undefined') {
      setInView(true);
      return;
    }
    const observer = new IntersectionObserver((entries) => setInView(entries.some((e) => e.isIntersecting)));
    observer.observe(el);
    return () => observer.disconnect();
  }, [el]);
  return inView && visible;
}

function PartyTag({ party }: { party: ConversationParty }) {
  const { t } = useTranslation();
  return (
    <Tag
      color={PARTY_COLOR[party]}
      data-testid="message-role"
      data-role={party}
      style={{ marginInlineEnd: 0 }}
    >
      {t(`conversation.party.${party}`)}
    </Tag>
  );
}

function MessageFile({ m }: { m: ConversationMessage }) {
  const { t } = useTranslation();
  const lang = useLang();
  if (!m.file) return null;
  const url = conversationFileUrl(m.orderId, m.file.sha256);
  const image = m.file.mime.startsWith('image/');
  return (
    <Space orientation="vertical" size={4} data-testid="message-file" data-kind={image ? 'image' : 'file'}>
      {image ? (
        <Image
          src={url}
          alt={m.file.name}
          width={160}
          style={{ maxHeight: 160, objectFit: 'cover', borderRadius: 4, border: '1px solid #f0f0f0' }}
          data-testid="message-image"
        />
      ) : (
        <a href={url} download={m.file.name} data-testid="message-download">
          📎 {m.file.name}
        </a>
      )}
      {m.file.signals.length > 0 && (
        <Typography.Text type="warning" style={{ fontSize: 12 }} data-testid="message-file-signals">
          {t('conversation.fileHints')}：
          {m.file.signals.map((s) => pickMessages(s.messages, lang) || s.code).join('；')}
        </Typography.Text>
      )}
    </Space>
  );
}

function MessageBubble({ m }: { m: ConversationMessage }) {
  const { t } = useTranslation();
  const lang = useLang();
  return (
    <Flex
      vertical
      align={m.mine ? 'flex-end' : 'flex-start'}
      gap={4}
      data-testid="conversation-message"
      data-message-id={m.id}
      data-mine={m.mine ? 'true' : 'false'}
      data-role={m.senderRole}
    >
      <Space size={6} wrap style={{ fontSize: 12 }}>
        <PartyTag party={m.senderRole} />
        <Typography.Text strong style={{ fontSize: 12 }} data-testid="message-sender">
          {m.mine ? t('conversation.me') : m.senderName}
        </Typography.Text>
        <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="message-time">
          {formatTime(m.createdAt, lang, true)}
        </Typography.Text>
      </Space>
      <div
        style={{
          maxWidth: '80%',
          padding: '8px 12px',
          borderRadius: 8,
          background: m.mine ? '#fff2e8' : '#f5f5f5',
          border: `1px solid ${m.mine ? '#ffd8bf' : '#f0f0f0'}`,
        }}
      >
        <Space orientation="vertical" size={6} style={{ width: '100%' }}>
          <div style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }} data-testid="message-body">
            {m.body}
          </div>
          <MessageFile m={m} />
        </Space>
      </div>
      {m.mine && m.readBy.length > 0 && (
        <Space size={8} data-testid="message-receipts">
          {m.readBy.map((r) => {
            const party = t(`conversation.party.${r.party}`);
            return (
              <Typography.Text
                key={r.party}
                type={r.read ? 'success' : 'secondary'}
                style={{ fontSize: 12 }}
                data-testid="message-receipt"
                data-party={r.party}
                data-read={r.read ? 'true' : 'false'}
              >
                {r.read ? t('conversation.read', { party }) : t('conversation.unread', { party })}
              </Typography.Text>
            );
          })}
        </Space>
      )}
    </Flex>
  );
}

/** The attachment being written: progress, a preview once stored, or why it was refused. */
function AttachmentView({ file, onRemove }: { file: Attachment; onRemove: () => void }) {
  const { t } = useTranslation();
  return (
    <Flex
      align="center"
      gap={8}
      wrap
      data-testid="conversation-attachment"
      data-status={file.status}
      data-name={file.name}
    >
      {file.status === 'done' && file.preview && (
        <img
          src={file.preview}
          alt={file.name}
          style={{ width: 48, height: 48, objectFit: 'cover', borderRadius: 4, border: '1px solid #f0f0f0' }}
        />
      )}
      <Typography.Text>📎 {file.name}</Typography.Text>
      {file.status === 'done' && (
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {formatBytes(file.uploaded.size)}
        </Typography.Text>
      )}
      {file.status === 'uploading' && (
        <Progress percent={Math.round(file.percent)} size="small" style={{ width: 120, margin: 0 }} />
      )}
      <Button size="small" type="link" onClick={onRemove} data-testid="conversation-attachment-remove">
        {t('conversation.removeFile')}
      </Button>
    </Flex>
  );
}

function Composer({ orderId }: { orderId: string }) {
  const { t } = useTranslation();
  const lang = useLang();
  const qc = useQueryClient();
  const errorText = useErrorText();
  const [body, setBody] = useState('');
  const [file, setFile] = useState<Attachment | null>(null);

  // a local preview of a picked image; freed when it is replaced or the panel goes
  const preview = file?.status === 'done' ? file.preview : null;
  useEffect(() => (preview ? () => URL.revokeObjectURL(preview) : undefined), [preview]);

  const send = useMutation({
    mutationFn: () => {
      const stored = file?.status === 'done' ? file.uploaded : null;
      return api.postMessage(orderId, {
        body: body.trim(),
        ...(stored ? { file: { sha256: stored.sha256, name: stored.name } } : {}),
      });
    },
    onSuccess: () => {
      setBody('');
      setFile(null);
      void qc.invalidateQueries({ queryKey: conversationKey(orderId) });
      void qc.invalidateQueries({ queryKey: orderKey(orderId) }); // its timeline has the message
    },
  });

  const removeFile = () => {
    if (file?.status === 'uploading') file.abort();
    setFile(null);
  };

  const customRequest: UploadProps<UploadedEvidence>['customRequest'] = ({ file: picked }) => {
    if (!(picked instanceof File)) return;
    if (file?.status === 'uploading') file.abort();
    send.reset();
    const handle = uploadEvidence(picked, (p) =>
      setFile((f) =>
        f?.status === 'uploading' && f.name === picked.name
          ? { ...f, percent: (p.loaded / (p.total || 1)) * 100 }
          : f,
      ),
    );
    setFile({ status: 'uploading', name: picked.name, percent: 0, abort: handle.abort });
    handle.promise.then(
      (uploaded) =>
        setFile({
          status: 'done',
          name: picked.name,
          uploaded,
          preview: uploaded.kind === 'image' ? URL.createObjectURL(picked) : null,
        }),
      (err: unknown) => {
        if (err instanceof ApiError && err.code === 'UPLOAD_ABORTED') return;
        setFile({
          status: 'error',
          name: picked.name,
          error: t('conversation.uploadFailed', {
            message: err instanceof ApiError ? err.localized(lang) : t('errors.generic'),
          }),
        });
      },
    );
    return { abort: handle.abort };
  };

  const trimmed = body.trim();
  const uploading = file?.status === 'uploading';
  const canSend = trimmed.length > 0 && trimmed.length <= MESSAGE_MAX && !uploading && !send.isPending;
  const onSend = () => {
    if (canSend) send.mutate();
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      onSend();
    }
  };

  return (
    <Space orientation="vertical" size={8} style={{ width: '100%' }} data-testid="conversation-composer">
      {/* room below for the character count */}
      <div style={{ paddingBottom: 18 }}>
        <Input.TextArea
          value={body}
          onChange={(e) => {
            setBody(e.target.value);
            if (send.isError) send.reset();
          }}
          onKeyDown={onKeyDown}
          placeholder={t('conversation.placeholder')}
          autoSize={{ minRows: 2, maxRows: 8 }}
          maxLength={MESSAGE_MAX}
          showCount
          disabled={send.isPending}
          data-testid="conversation-input"
        />
      </div>
      {file && <AttachmentView file={file} onRemove={removeFile} />}
      {file?.status === 'done' && file.uploaded.signals.length > 0 && (
        <Typography.Text
          type="warning"
          style={{ fontSize: 12 }}
          data-testid="conversation-attachment-signals"
        >
          {t('conversation.fileHints')}：
          {file.uploaded.signals.map((s) => pickMessages(s.messages, lang) || s.code).join('；')}
        </Typography.Text>
      )}
      {file?.status === 'error' && (
        <Alert type="error" showIcon title={file.error} data-testid="conversation-upload-error" />
      )}
      {send.isError && (
        <Alert type="error" showIcon title={errorText(send.error)} data-testid="conversation-error" />
      )}
      <Flex justify="space-between" align="center" gap={8} wrap>
        <Space size={8} wrap>
          <Upload<UploadedEvidence>
            accept={ACCEPT}
            multiple={false}
            showUploadList={false}
            customRequest={customRequest}
            disabled={send.isPending}
          >
            <Button disabled={send.isPending} data-testid="conversation-attach">
              {t('conversation.attach')}
            </Button>
          </Upload>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {uploading ? t('conversation.uploading') : t('conversation.attachHint')}
          </Typography.Text>
        </Space>
        <Button
          type="primary"
          onClick={onSend}
          disabled={!canSend}
          loading={send.isPending}
          data-testid="conversation-send"
        >
          {t('conversation.send')}
        </Button>
      </Flex>
    </Space>
  );
}

/**
 * 沟通记录: the order's conversation between its buyer, its merchant and platform support, oldest
 * first, polled every few seconds while the tab is visible; what is on screen is marked read. The
 * card is the page's `#conversation` anchor (notification links land here).
 */
export function ConversationPanel({
  orderId,
  anchorId = 'conversation',
}: {
  orderId: string;
  anchorId?: string;
}) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const errorText = useErrorText();
  const location = useLocation();
  const query = useQuery({
    queryKey: conversationKey(orderId),
    queryFn: () => fetchConversation(orderId),
    enabled: orderId !== '',
    staleTime: 0,
    refetchInterval: CONVERSATION_POLL_MS,
  });
  const data = query.data;

  // the list, to know when its messages are on screen and to keep the newest in view
  const [listEl, setListEl] = useState<HTMLDivElement | null>(null);
  const shown = useShown(listEl);
  const count = data?.messages.length ?? 0;
  useEffect(() => {
    if (listEl) listEl.scrollTop = listEl.scrollHeight;
  }, [listEl, count]);

  // arriving by a link to #conversation: bring the card into view once it has loaded
  const cardRef = useRef<HTMLDivElement | null>(null);
  const scrolledFor = useRef<string | null>(null);
  const loaded = data !== undefined;
  useEffect(() => {
    if (!loaded || location.hash !== `#${anchorId}` || scrolledFor.current === location.key) return;
    scrolledFor.current = location.key;
    cardRef.current?.scrollIntoView({ block: 'start' });
  }, [loaded, location.hash, location.key, anchorId]);

  // messages on screen count as read: move the read mark to the newest one
  const markedUpTo = useRef<string | null>(null);
  const markRead = useMutation({
    mutationFn: (lastReadId: string) => api.markConversationRead(orderId, lastReadId),
    onSuccess: () => void qc.invalidateQueries({ queryKey: conversationKey(orderId) }),
    onError: () => {
      markedUpTo.current = null; // tried again when the next poll brings something new
    },
  });
  const last = data?.messages.at(-1);
  const unread = data?.unreadCount ?? 0;
  const canWrite = data?.viewerParty != null;
  const mark = markRead.mutate;
  useEffect(() => {
    if (!shown || !canWrite || !last || unread === 0 || markedUpTo.current === last.id) return;
    markedUpTo.current = last.id;
    mark(last.id);
  }, [shown, canWrite, last, unread, mark]);

  return (
    <div id={anchorId} ref={cardRef} style={{ scrollMarginTop: 16 }}>
      <Card
        title={t('conversation.title')}
        data-testid="conversation"
        data-order-id={orderId}
        data-unread={unread}
        extra={
          <Space size={8} wrap>
            {unread > 0 && (
              <Tag color="red" data-testid="conversation-unread">
                {t('conversation.unreadCount', { count: unread })}
              </Tag>
            )}
            {data && data.participants.length > 0 && (
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {t('conversation.participants', {
                  list: data.participants.map((p) => t(`conversation.party.${p}`)).join(' / '),
                })}
              </Typography.Text>
            )}
          </Space>
        }
      >
        <Space orientation="vertical" size={12} style={{ width: '100%' }}>
          <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid="conversation-immutable">
            {t('conversation.immutable')}
          </Typography.Text>
          {query.isPending ? (
            <Flex justify="center" style={{ padding: 24 }}>
              <Spin />
            </Flex>
          ) : query.isError && !data ? (
            <Alert
              type="error"
              showIcon
              title={errorText(query.error)}
              action={
                <Button size="small" onClick={() => void query.refetch()}>
                  {t('common.retry')}
                </Button>
              }
              data-testid="conversation-load-error"
            />
          ) : (
            <div
              ref={setListEl}
              data-testid="conversation-messages"
              style={{
                maxHeight: 480,
                overflowY: 'auto',
                padding: 12,
                background: '#fafafa',
                border: '1px solid #f0f0f0',
                borderRadius: 8,
              }}
            >
              {data && data.messages.length > 0 ? (
                <Flex vertical gap={16}>
                  {data.messages.map((m) => (
                    <MessageBubble key={m.id} m={m} />
                  ))}
                </Flex>
              ) : (
                <Typography.Text type="secondary" data-testid="conversation-empty">
                  {t('conversation.empty')}
                </Typography.Text>
              )}
            </div>
          )}
          {data &&
            (canWrite ? (
              <Composer orderId={orderId} />
            ) : (
              <Alert
                type="info"
                showIcon
                title={t('conversation.readOnly')}
                data-testid="conversation-read-only"
              />
            ))}
        </Space>
      </Card>
    </div>
  );
}
