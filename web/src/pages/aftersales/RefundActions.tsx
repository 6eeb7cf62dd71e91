import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App as AntApp, Alert, Button, Form, Input, Modal, Popconfirm, Radio, Space, Typography } from 'antd';
import { useState, type CSSProperties, type ReactNode } from 'react';
import { useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../api';
import { modalTestId } from '../../components/modalTestId';
import { useErrorText } from '../../components/QueryState';
import { formatFen } from '../../format';
import { contentKey, useLang } from '../../i18n';
import {
  allOf,
  REJECT_CODES,
  type BuyerActionInput,
  type BuyerRefundAction,
  type DecisionInput,
  type EvidenceFileRef,
  type RefundDetail,
  type RejectCode,
  type ReviewerRefundAction,
  type ZhEn,
} from '../../types';
import { disputeListKey } from '../disputes/queries';
import { DESCRIPTION_MAX } from './ApplyRefundDrawer';
import { EvidenceUpload, type EvidenceState } from './EvidenceUpload';
import { invalidateRefunds, isVersionConflict, pickText, refundKey, useVocabulary } from './queries';

/** A form check that failed has already shown its messages at the fields. */
const noop = (): void => undefined;

const NO_FILES: EvidenceState = { files: [], uploading: false };
const NOTE_MAX = 500;

/** Success: the answer is the new detail. A stale version: say so and show the latest. */
function useRefundUpdate(detail: RefundDetail) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const { message } = AntApp.useApp();
  return {
    done: (r: RefundDetail) => {
      qc.setQueryData(refundKey(r.id), r);
      invalidateRefunds(qc);
    },
    /** True when the error was a version conflict (handled here). */
    conflict: (err: unknown): boolean => {
      if (!isVersionConflict(err)) return false;
      void message.warning(t('aftersales.versionConflict'));
      void qc.invalidateQueries({ queryKey: refundKey(detail.id) });
      return true;
    },
  };
}

function ActionModal({
  open,
  title,
  testId,
  onCancel,
  onOk,
  okText,
  okDanger = false,
  loading,
  okDisabled = false,
  error,
  children,
}: {
  open: boolean;
  title: ReactNode;
  testId: string;
  onCancel: () => void;
  onOk: () => void;
  okText: string;
  okDanger?: boolean;
  loading: boolean;
  okDisabled?: boolean;
  error: unknown;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  const errorText = useErrorText();
  return (
    <Modal
      open={open}
      title={title}
      onCancel={onCancel}
      destroyOnHidden
      width={600}
      modalRender={modalTestId(testId)}
      footer={
        <Space>
          <Button onClick={onCancel} data-testid={`${testId}-cancel`}>
            {t('common.cancel')}
          </Button>
          <Button
            type="primary"
            danger={okDanger}
            onClick={onOk}
            loading={loading}
            disabled={okDisabled}
            data-testid={`${testId}-submit`}
          >
            {okText}
          </Button>
        </Space>
      }
    >
      {children}
      {error !== null && error !== undefined && (
        <Alert type="error" showIcon title={errorText(error)} data-testid={`${testId}-error`} />
      )}
    </Modal>
  );
}

// ---- the buyer's answers ----

type BuyerModal = 'SUPPLEMENT' | 'RESUBMIT' | 'ESCALATE';

function useBuyerAction(detail: RefundDetail, onDone: () => void) {
  const { t } = useTranslation();
  const { message } = AntApp.useApp();
  const update = useRefundUpdate(detail);
  const [error, setError] = useState<unknown>(null);
  const mutation = useMutation({
    mutationFn: (input: BuyerActionInput) => api.refundAction(detail.id, input),
    onMutate: () => setError(null),
    onSuccess: (r) => {
      update.done(r);
      void message.success(t('aftersales.actions.done'));
      onDone();
    },
    onError: (err) => {
      if (update.conflict(err)) onDone();
      else setError(err);
    },
  });
  return { mutation, error };
}

/**
 * A buyer's answer in a modal: a form (after `intro`) whose values, with the files uploaded in its
 * last field when `files` is given, become the action sent on OK.
 */
function BuyerActionModal<V extends object>({
  detail,
  onClose,
  title,
  testId,
  okText,
  intro,
  initialValues,
  formStyle,
  files,
  toInput,
  children,
}: {
  detail: RefundDetail;
  onClose: () => void;
  title: string;
  testId: string;
  okText: string;
  intro?: ReactNode;
  initialValues?: Partial<V>;
  formStyle?: CSSProperties;
  /** The evidence field: its upload's test id, and whether a file is required. */
  files?: { testId: string; required?: boolean };
  toInput: (values: V, files: EvidenceFileRef[]) => BuyerActionInput;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  const [form] = Form.useForm<V>();
  const [evidence, setEvidence] = useState<EvidenceState>(NO_FILES);
  const [filesMissing, setFilesMissing] = useState(false);
  const { mutation, error } = useBuyerAction(detail, onClose);
  const missing = filesMissing && evidence.files.length === 0;
  const submit = () =>
    void form.validateFields().then((v) => {
      if (files?.required && evidence.files.length === 0) {
        setFilesMissing(true);
        return;
      }
      mutation.mutate(toInput(v, evidence.files));
    }, noop); // empty fields show their messages; the rejected check is not an uncaught error
  return (
    <ActionModal
      open
      title={title}
      testId={testId}
      onCancel={onClose}
      onOk={submit}
      okText={okText}
      loading={mutation.isPending}
      okDisabled={evidence.uploading}
      error={error}
    >
      {intro}
      <Form<V>
        form={form}
        layout="vertical"
        requiredMark={false}
        initialValues={initialValues}
        style={formStyle}
      >
        {children}
        {files && (
          <Form.Item
            label={t('aftersales.apply.files')}
            validateStatus={missing ? 'error' : undefined}
            help={missing ? t('aftersales.actions.filesRequired') : undefined}
          >
            <EvidenceUpload onChange={setEvidence} testId={files.testId} />
          </Form.Item>
        )}
      </Form>
    </ActionModal>
  );
}

interface NoteValues {
  note: string;
}

function SupplementModal({ detail, onClose }: { detail: RefundDetail; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <BuyerActionModal<NoteValues>
      detail={detail}
      onClose={onClose}
      title={t('aftersales.actions.supplementTitle')}
      testId="supplement-modal"
      okText={t('aftersales.actions.submit')}
      intro={
        detail.infoRequest && (
          <Alert
            type="info"
            showIcon
            title={t('aftersales.detail.infoRequest')}
            description={detail.infoRequest}
          />
        )
      }
      formStyle={{ marginTop: 12 }}
      files={{ testId: 'supplement-upload' }}
      toInput={(v, files) => ({ action: 'SUPPLEMENT', version: detail.version, note: v.note.trim(), files })}
    >
      <Form.Item
        name="note"
        label={t('aftersales.actions.note')}
        rules={[{ required: true, whitespace: true, message: t('aftersales.actions.noteRequired') }]}
      >
        <Input.TextArea rows={3} maxLength={DESCRIPTION_MAX} showCount data-testid="supplement-note" />
      </Form.Item>
    </BuyerActionModal>
  );
}

interface ResubmitValues {
  description: string;
}

function ResubmitModal({ detail, onClose }: { detail: RefundDetail; onClose: () => void }) {
  const { t } = useTranslation();
  const left = Math.max(0, detail.maxResubmissions - (detail.submissions - 1));
  return (
    <BuyerActionModal<ResubmitValues>
      detail={detail}
      onClose={onClose}
      title={t('aftersales.actions.resubmitTitle')}
      testId="resubmit-modal"
      okText={t('aftersales.actions.submit')}
      intro={
        <Typography.Paragraph type="secondary">
          {t('aftersales.actions.resubmitHint', { count: left })}
        </Typography.Paragraph>
      }
      initialValues={{ description: detail.description }}
      files={{ testId: 'resubmit-upload', required: true }}
      toInput={(v, files) => ({
        action: 'RESUBMIT',
        version: detail.version,
        description: v.description.trim(),
        files,
      })}
    >
      <Form.Item
        name="description"
        label={t('aftersales.actions.newDescription')}
        rules={[{ required: true, whitespace: true, message: t('aftersales.apply.descriptionRequired') }]}
      >
        <Input.TextArea rows={4} maxLength={DESCRIPTION_MAX} showCount data-testid="resubmit-description" />
      </Form.Item>
    </BuyerActionModal>
  );
}

interface EscalateValues {
  note?: string;
}

function EscalateModal({ detail, onClose }: { detail: RefundDetail; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <BuyerActionModal<EscalateValues>
      detail={detail}
      onClose={onClose}
      title={t('aftersales.actions.escalateTitle')}
      testId="escalate-modal"
      okText={t('aftersales.actions.ESCALATE')}
      intro={
        <Typography.Paragraph type="secondary">{t('aftersales.actions.escalateHint')}</Typography.Paragraph>
      }
      toInput={(v) => ({ action: 'ESCALATE', version: detail.version, note: v.note?.trim() || undefined })}
    >
      <Form.Item name="note" label={t('aftersales.actions.note')}>
        <Input.TextArea rows={3} maxLength={DESCRIPTION_MAX} showCount data-testid="escalate-note" />
      </Form.Item>
    </BuyerActionModal>
  );
}

const BUYER_ACTIONS = allOf<BuyerRefundAction>()([
  'SUPPLEMENT',
  'RESUBMIT',
  'ACCEPT',
  'ESCALATE',
  'CHOOSE_BALANCE',
  'CANCEL',
]);

type ConfirmedAction = 'CANCEL' | 'ACCEPT' | 'CHOOSE_BALANCE';
const CONFIRM_TEXT = {
  CANCEL: 'cancelConfirm',
  ACCEPT: 'acceptConfirm',
  CHOOSE_BALANCE: 'chooseBalanceConfirm',
} as const satisfies Record<ConfirmedAction, string>;

/** A one-click action behind a Popconfirm (撤销 / 接受结果 / 改退余额); 撤销 in red. */
function ConfirmAction({ detail, action }: { detail: RefundDetail; action: ConfirmedAction }) {
  const { t } = useTranslation();
  const danger = action === 'CANCEL';
  const { message } = AntApp.useApp();
  const errorText = useErrorText();
  const { mutation } = useBuyerAction(detail, () => undefined);
  return (
    <Popconfirm
      title={t(`aftersales.actions.${CONFIRM_TEXT[action]}`)}
      okText={t(`aftersales.actions.${action}`)}
      cancelText={t('common.back')}
      okButtonProps={{ danger }}
      onConfirm={() =>
        mutation.mutate(
          { action, version: detail.version },
          { onError: (err) => void (isVersionConflict(err) || message.error(errorText(err))) },
        )
      }
    >
      <Button danger={danger} loading={mutation.isPending} data-testid={`refund-action-${action}`}>
        {t(`aftersales.actions.${action}`)}
      </Button>
    </Popconfirm>
  );
}

/** What the buyer may do now (from the detail's `actions`). */
export function BuyerActions({ detail }: { detail: RefundDetail }) {
  const { t } = useTranslation();
  const [modal, setModal] = useState<BuyerModal | null>(null);
  const actions = BUYER_ACTIONS.filter((a) => detail.actions.includes(a));
  if (actions.length === 0) return null;
  const close = () => setModal(null);
  return (
    <Space wrap data-testid="buyer-actions">
      {actions.map((a) => {
        switch (a) {
          case 'SUPPLEMENT':
          case 'RESUBMIT':
          case 'ESCALATE':
            return (
              <Button
                key={a}
                type={a === 'ESCALATE' ? 'default' : 'primary'}
                onClick={() => setModal(a)}
                data-testid={`refund-action-${a}`}
              >
                {t(`aftersales.actions.${a}`)}
              </Button>
            );
          case 'CANCEL':
          case 'ACCEPT':
          case 'CHOOSE_BALANCE':
            return <ConfirmAction key={a} detail={detail} action={a} />;
        }
      })}
      {modal === 'SUPPLEMENT' && <SupplementModal detail={detail} onClose={close} />}
      {modal === 'RESUBMIT' && <ResubmitModal detail={detail} onClose={close} />}
      {modal === 'ESCALATE' && <EscalateModal detail={detail} onClose={close} />}
    </Space>
  );
}

// ---- the reviewer's decision ----

interface DecisionValues {
  code?: RejectCode;
  note?: string;
}

/** A decision the server wants confirmed (a large refund; a rejection the records contradict). */
interface PendingConfirmation {
  input: DecisionInput;
  kind: 'large' | 'warnings';
  message: string;
  warnings: ZhEn[];
}

function warningsOf(err: ApiError): ZhEn[] {
  const list = err.problem?.data?.warnings;
  if (!Array.isArray(list)) return [];
  return list.filter(
    (w): w is ZhEn =>
      typeof w === 'object' &&
      w !== null &&
      typeof (w as ZhEn).zh === 'string' &&
      typeof (w as ZhEn).en === 'string',
  );
}

function DecisionModal({
  detail,
  action,
  onClose,
}: {
  detail: RefundDetail;
  action: ReviewerRefundAction;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const key = contentKey(lang);
  const { message } = AntApp.useApp();
  const vocabulary = useVocabulary();
  const update = useRefundUpdate(detail);
  const [form] = Form.useForm<DecisionValues>();
  const code = Form.useWatch('code', form);
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState<PendingConfirmation | null>(null);
  const decide = useMutation({
    mutationFn: (input: DecisionInput) => api.refundDecision(detail.id, input),
    onMutate: () => setError(null),
    onSuccess: (r) => {
      update.done(r);
      setPending(null);
      void message.success(t('aftersales.review.done'));
      onClose();
    },
    onError: (err, input) => {
      setPending(null);
      if (update.conflict(err)) {
        onClose();
        return;
      }
      if (
        err instanceof ApiError &&
        err.code === 'refund.confirmation_required' &&
        input.action === 'APPROVE'
      ) {
        setPending({
          input: { ...input, confirmLarge: true },
          kind: 'large',
          message: err.localized(lang),
          warnings: [],
        });
        return;
      }
      if (
        err instanceof ApiError &&
        err.code === 'refund.decision_contradicts_records' &&
        (input.action === 'REJECT' || input.action === 'APPROVE')
      ) {
        setPending({
          input: { ...input, acknowledgeWarnings: true },
          kind: 'warnings',
          message: err.localized(lang),
          warnings: warningsOf(err),
        });
        return;
      }
      setError(err);
    },
  });
  const submit = () =>
    void form.validateFields().then((v) => {
      const note = v.note?.trim() || undefined;
      if (action === 'APPROVE') decide.mutate({ action, version: detail.version, note });
      else if (action === 'REJECT' && v.code)
        decide.mutate({ action, version: detail.version, code: v.code, note });
      else if (action === 'REQUEST_INFO' && note) decide.mutate({ action, version: detail.version, note });
    }, noop);
  const title =
    action === 'APPROVE'
      ? t('aftersales.review.approveTitle', { amount: formatFen(detail.amountFen) })
      : action === 'REJECT'
        ? t('aftersales.review.rejectTitle')
        : t('aftersales.review.requestInfoTitle');
  const hint =
    action === 'APPROVE'
      ? t('aftersales.review.approveHint')
      : action === 'REJECT'
        ? t('aftersales.review.rejectHint')
        : t('aftersales.review.requestInfoHint');
  return (
    <>
      <ActionModal
        open
        title={title}
        testId="decision-modal"
        onCancel={onClose}
        onOk={submit}
        okText={t('aftersales.review.submit')}
        okDanger={action === 'REJECT'}
        loading={decide.isPending && pending === null}
        error={error}
      >
        <Typography.Paragraph type="secondary">{hint}</Typography.Paragraph>
        <Form<DecisionValues> form={form} layout="vertical" requiredMark={false}>
          {action === 'REJECT' && (
            <Form.Item
              name="code"
              label={t('aftersales.review.code')}
              rules={[{ required: true, message: t('aftersales.review.codeRequired') }]}
            >
              <Radio.Group data-testid="reject-codes">
                <Space orientation="vertical" size={4}>
                  {REJECT_CODES.map((c) => (
                    <Radio key={c} value={c} data-testid={`reject-code-${c}`}>
                      {vocabulary.data?.rejectCodes[c]?.[key] ?? c}
                    </Radio>
                  ))}
                </Space>
              </Radio.Group>
            </Form.Item>
          )}
          <Form.Item
            name="note"
            label={action === 'REQUEST_INFO' ? t('aftersales.review.infoNote') : t('aftersales.review.note')}
            extra={action === 'REJECT' ? t('aftersales.review.noteForOther') : undefined}
            rules={
              action === 'REQUEST_INFO'
                ? [
                    {
                      required: true,
                      whitespace: true,
                      min: 2,
                      message: t('aftersales.review.infoNoteRequired'),
                    },
                  ]
                : action === 'REJECT' && code === 'OTHER'
                  ? [{ required: true, whitespace: true, message: t('aftersales.review.noteForOther') }]
                  : []
            }
          >
            <Input.TextArea
              rows={3}
              maxLength={NOTE_MAX}
              showCount
              id="decision-note"
              data-testid="decision-note"
            />
          </Form.Item>
        </Form>
      </ActionModal>
      <Modal
        open={pending !== null}
        title={
          pending?.kind === 'large'
            ? t('aftersales.review.confirmLargeTitle')
            : t('aftersales.review.confirmWarningsTitle')
        }
        onCancel={() => setPending(null)}
        modalRender={modalTestId('decision-confirm')}
        footer={
          <Space>
            <Button onClick={() => setPending(null)} data-testid="decision-confirm-cancel">
              {t('common.cancel')}
            </Button>
            <Button
              type="primary"
              danger={pending?.kind === 'warnings'}
              loading={decide.isPending}
              onClick={() => pending && decide.mutate(pending.input)}
              data-testid="decision-confirm-ok"
            >
              {pending?.kind === 'large'
                ? t('aftersales.review.confirmLargeOk')
                : t('aftersales.review.confirmWarningsOk')}
            </Button>
          </Space>
        }
      >
        {pending && (
          <Space orientation="vertical" size={8} style={{ width: '100%' }}>
            <Alert type="warning" showIcon title={pending.message} data-testid="decision-confirm-message" />
            {pending.warnings.length > 0 && (
              <ul style={{ margin: 0, paddingInlineStart: 18 }} data-testid="decision-confirm-warnings">
                {pending.warnings.map((w, i) => (
                  <li key={i}>{pickText(w, lang)}</li>
                ))}
              </ul>
            )}
            {pending.kind === 'warnings' && (
              <Typography.Text type="secondary">{t('aftersales.review.confirmWarningsHint')}</Typography.Text>
            )}
          </Space>
        )}
      </Modal>
    </>
  );
}

const REVIEW_ACTIONS = allOf<ReviewerRefundAction>()(['APPROVE', 'REJECT', 'REQUEST_INFO']);

/** The merchant contests a refund platform support approved: a note, then the new dispute's page. */
function MerchantDisputeModal({ detail, onClose }: { detail: RefundDetail; onClose: () => void }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [note, setNote] = useState('');
  const open = useMutation({
    mutationFn: () => api.openMerchantDispute(detail.id, note.trim()),
    onSuccess: (d) => {
      invalidateRefunds(qc);
      void qc.invalidateQueries({ queryKey: disputeListKey('all', detail.id) });
      void navigate(`/disputes/${d.id}`);
    },
  });
  return (
    <ActionModal
      open
      title={t('aftersales.review.disputeTitle')}
      testId="merchant-dispute"
      onCancel={onClose}
      onOk={() => open.mutate()}
      okText={t('aftersales.review.dispute')}
      loading={open.isPending}
      okDisabled={note.trim().length < 2}
      error={open.error}
    >
      <Typography.Paragraph type="secondary">{t('aftersales.review.disputeHint')}</Typography.Paragraph>
      <Form layout="vertical">
        <Form.Item label={t('aftersales.review.disputeNote')} required>
          <Input.TextArea
            rows={4}
            maxLength={2000}
            showCount
            value={note}
            onChange={(e) => setNote(e.target.value)}
            data-testid="merchant-dispute-note"
          />
        </Form.Item>
      </Form>
    </ActionModal>
  );
}

/** The reviewer's buttons (merchant on PENDING_REVIEW, support on SUPPORT_REVIEW), and support's 改退余额. */
export function ReviewPanel({ detail }: { detail: RefundDetail }) {
  const { t } = useTranslation();
  const [mode, setMode] = useState<ReviewerRefundAction | null>(null);
  const review = REVIEW_ACTIONS.filter((a) => detail.actions.includes(a));
  const reroute = detail.actions.includes('CHOOSE_BALANCE');
  const offered = detail.actions.includes('DISPUTE');
  const [contesting, setContesting] = useState(false);
  // Offered until a dispute exists (one per request; the page then links to it).
  const existing = useQuery({
    queryKey: disputeListKey('all', detail.id),
    queryFn: () => api.disputes({ queue: 'all', requestId: detail.id }),
    enabled: offered,
  });
  const contest = offered && existing.data?.items.length === 0;
  if (review.length === 0 && !reroute && !contest) return null;
  const label: Record<ReviewerRefundAction, string> = {
    APPROVE: t('aftersales.review.approve'),
    REJECT: t('aftersales.review.reject'),
    REQUEST_INFO: t('aftersales.review.requestInfo'),
  };
  return (
    <Space wrap data-testid="review-actions">
      {review.map((a) => (
        <Button
          key={a}
          type={a === 'APPROVE' ? 'primary' : 'default'}
          danger={a === 'REJECT'}
          onClick={() => setMode(a)}
          data-testid={`review-${a}`}
        >
          {label[a]}
        </Button>
      ))}
      {reroute && <ConfirmAction detail={detail} action="CHOOSE_BALANCE" />}
      {contest && (
        <Button onClick={() => setContesting(true)} data-testid="review-DISPUTE">
          {t('aftersales.review.dispute')}
        </Button>
      )}
      {contesting && <MerchantDisputeModal detail={detail} onClose={() => setContesting(false)} />}
      {mode && <DecisionModal detail={detail} action={mode} onClose={() => setMode(null)} />}
    </Space>
  );
}
