import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  App as AntApp,
  Alert,
  Button,
  Checkbox,
  Drawer,
  Flex,
  Form,
  Grid,
  Input,
  Radio,
  Space,
  Tag,
  Typography,
} from 'antd';
import { useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { api } from '../../api';
import { ErrorResult, Loading, useErrorText } from '../../components/QueryState';
import { KeyStateTag } from '../../components/tags';
import { formatFen } from '../../format';
import { applyServerErrors } from '../../forms';
import { newIdempotencyKey } from '../../idempotency';
import { contentKey, useLang } from '../../i18n';
import {
  isKeyState,
  REFUND_REASONS,
  type Eligibility,
  type OrderDetail,
  type ReasonSide,
  type RefundApplyInput,
  type RefundDraft,
  type RefundReason,
  type RefundVocabulary,
} from '../../types';
import { EvidenceUpload, type EvidenceState } from './EvidenceUpload';
import { invalidateRefunds, refundDraftKey, refundPath, REFUNDS_KEY, useVocabulary } from './queries';
import { OutcomeTag } from './RefundTags';

export const DESCRIPTION_MAX = 1000;
const SIDES: readonly ReasonSide[] = ['BUYER', 'MERCHANT', 'REVIEW'];

interface ApplyValues {
  unitIds: string[];
  reason?: RefundReason;
  description: string;
}

const NO_FILES: EvidenceState = { files: [], uploading: false };

function ReasonPicker({
  vocabulary,
  value,
  onChange,
}: {
  vocabulary: RefundVocabulary | undefined;
  value?: RefundReason;
  onChange?: (v: RefundReason) => void;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const key = contentKey(lang);
  const phone = Grid.useBreakpoint().sm === false;
  const sideOf = (r: RefundReason): ReasonSide =>
    vocabulary?.reasons[r]?.side ?? (r === 'OTHER' ? 'REVIEW' : 'BUYER');
  return (
    <Radio.Group
      value={value}
      onChange={(e) => onChange?.(e.target.value as RefundReason)}
      style={{ width: '100%' }}
      data-testid="refund-reason"
    >
      <Space orientation="vertical" size={8} style={{ width: '100%' }}>
        {SIDES.map((side) => {
          const reasons = REFUND_REASONS.filter((r) => sideOf(r) === side);
          if (reasons.length === 0) return null;
          return (
            <div key={side}>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {t(`refundReasonSide.${side}`)}
              </Typography.Text>
              <div>
                {reasons.map((r) => (
                  <Radio
                    key={r}
                    value={r}
                    data-testid={`refund-reason-${r}`}
                    // touch targets of 40 px on phones
                    style={phone ? { minHeight: 40, alignItems: 'center' } : undefined}
                  >
                    {vocabulary?.reasons[r]?.[key] ?? r}
                  </Radio>
                ))}
              </div>
            </div>
          );
        })}
      </Space>
    </Radio.Group>
  );
}

/** The order's units with a checkbox each, and the pre-check's verdict and reasons beside them. */
function UnitPicker({
  draft,
  eligibility,
  value = [],
  onChange,
}: {
  draft: RefundDraft;
  eligibility: Eligibility | undefined;
  value?: string[];
  onChange?: (v: string[]) => void;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const key = contentKey(lang);
  const selectable = draft.units.filter((u) => !u.refunded && !u.inOpenRequest).map((u) => u.unitId);
  const byUnit = new Map(eligibility?.units.map((u) => [u.unitId, u]));
  const all = selectable.length > 0 && selectable.every((id) => value.includes(id));
  return (
    <Space orientation="vertical" size={8} style={{ width: '100%' }}>
      <Checkbox
        style={{ minHeight: 40, alignItems: 'center' }}
        checked={all}
        indeterminate={!all && value.length > 0}
        disabled={selectable.length === 0}
        onChange={(e) => onChange?.(e.target.checked ? selectable : [])}
        data-testid="refund-units-all"
      >
        {t('aftersales.apply.all')}
      </Checkbox>
      <Checkbox.Group
        value={value}
        onChange={(v) => onChange?.(v)}
        style={{ width: '100%' }}
        data-testid="refund-units"
      >
        <Space orientation="vertical" size={6} style={{ width: '100%' }}>
          {draft.units.map((u, i) => {
            const e = value.includes(u.unitId) ? byUnit.get(u.unitId) : undefined;
            return (
              <div
                key={u.unitId}
                data-testid="refund-unit"
                data-unit={u.unitId}
                data-outcome={e?.outcome}
                style={{
                  border: '1px solid #f0f0f0',
                  borderRadius: 6,
                  padding: '6px 10px',
                  minHeight: 40,
                  overflowWrap: 'anywhere',
                }}
              >
                <Flex gap={8} align="center" wrap>
                  <Checkbox value={u.unitId} disabled={u.refunded || u.inOpenRequest}>
                    <Typography.Text code>{u.serialMasked ?? `#${i + 1}`}</Typography.Text>
                  </Checkbox>
                  {u.keyState && isKeyState(u.keyState) && <KeyStateTag state={u.keyState} />}
                  {u.refunded && <Tag>{t('aftersales.apply.unitRefunded')}</Tag>}
                  {u.inOpenRequest && <Tag color="gold">{t('aftersales.apply.unitInOpenRequest')}</Tag>}
                  {e && <OutcomeTag outcome={e.outcome} />}
                </Flex>
                {e && e.explanations[key].length > 0 && (
                  <ul
                    style={{ margin: '4px 0 0', paddingInlineStart: 22, fontSize: 13 }}
                    data-testid="unit-explanations"
                  >
                    {e.explanations[key].map((s, j) => (
                      <li key={j}>{s}</li>
                    ))}
                  </ul>
                )}
              </div>
            );
          })}
        </Space>
      </Checkbox.Group>
    </Space>
  );
}

function ApplyForm({ order, draft }: { order: OrderDetail; draft: RefundDraft }) {
  const { t } = useTranslation();
  const lang = useLang();
  const key = contentKey(lang);
  const qc = useQueryClient();
  const navigate = useNavigate();
  const { message } = AntApp.useApp();
  const errorText = useErrorText();
  const vocabulary = useVocabulary();
  // One key per opened form: a double click, or a retry after a lost answer, is one request.
  const [idempotencyKey] = useState(newIdempotencyKey);
  const [form] = Form.useForm<ApplyValues>();
  const [evidence, setEvidence] = useState<EvidenceState>(NO_FILES);
  const [error, setError] = useState<unknown>(null);
  const initial = useMemo<ApplyValues>(
    () => ({
      unitIds: draft.units.filter((u) => !u.refunded && !u.inOpenRequest).map((u) => u.unitId),
      description: draft.description,
    }),
    [draft],
  );
  const unitIds = Form.useWatch('unitIds', form) ?? initial.unitIds;
  // The prefilled description follows the units chosen (× n, the amount) until the buyer edits it:
  // it is replaced only while it still reads exactly as the last prefill.
  const lastPrefill = useRef(draft.description);
  const prefillFor = (count: number) =>
    order.kind === 'GOODS'
      ? t('rough.refund.prefill', {
          orderNo: order.orderNo,
          name: order.productName ?? '',
          count,
          amount: formatFen(order.unitPriceFen * count),
        })
      : draft.description;
  const followSelection = (ids: string[]) => {
    if (ids.length === 0) return;
    const current = form.getFieldValue('description') as string | undefined;
    if (current !== undefined && current !== lastPrefill.current) return; // the buyer's own words
    const next = prefillFor(ids.length);
    lastPrefill.current = next;
    if (current !== next) form.setFieldValue('description', next);
  };
  const reason = Form.useWatch('reason', form);
  const evidenceAttached = evidence.files.length > 0;
  const input = reason && unitIds.length > 0 ? { unitIds, reason, evidenceAttached } : null;
  const precheck = useQuery({
    queryKey: [...REFUNDS_KEY, 'precheck', order.id, input],
    queryFn: () => api.refundPrecheck(order.id, input!),
    enabled: input !== null,
    staleTime: 0,
    placeholderData: keepPreviousData,
  });
  const current = input && precheck.data && !precheck.isPlaceholderData ? precheck.data : undefined;
  const blocked = current?.units.some((u) => u.outcome === 'BLOCKED') ?? false;
  const needsEvidence = current?.units.some((u) => u.outcome === 'NEEDS_EVIDENCE') ?? false;

  // A second click before the first one's answer sends nothing (the key would make it one request anyway).
  const inFlight = useRef(false);
  const apply = useMutation({
    mutationFn: (body: RefundApplyInput) => api.applyRefund(order.id, body, idempotencyKey),
    onSuccess: (r) => {
      invalidateRefunds(qc);
      void message.success(t('aftersales.apply.submitted'));
      void navigate(refundPath(r.id));
    },
    onSettled: () => {
      inFlight.current = false;
    },
    onError: (err) => {
      const attached = applyServerErrors(form, err, lang, [['unitIds'], ['reason'], ['description']]);
      setError(attached ? null : err);
    },
  });
  const onFinish = (v: ApplyValues) => {
    if (!v.reason || inFlight.current) return;
    inFlight.current = true;
    setError(null);
    const whole = v.unitIds.length === draft.units.length;
    apply.mutate({
      unitIds: whole ? undefined : v.unitIds,
      reason: v.reason,
      description: v.description.trim(),
      files: evidence.files,
    });
  };
  const amountFen = order.unitPriceFen * unitIds.length;
  const selectable = initial.unitIds.length;

  return (
    <Form<ApplyValues>
      form={form}
      layout="vertical"
      initialValues={initial}
      onFinish={onFinish}
      onValuesChange={(changed: Partial<ApplyValues>) => {
        setError(null);
        if (changed.unitIds) followSelection(changed.unitIds);
      }}
      requiredMark={false}
      data-testid="refund-apply-form"
    >
      {selectable === 0 && (
        <Alert type="info" showIcon title={t('aftersales.apply.noUnits')} style={{ marginBottom: 16 }} />
      )}
      <Form.Item
        name="unitIds"
        label={t('aftersales.apply.units')}
        extra={t('aftersales.apply.unitsHint')}
        rules={[{ type: 'array', min: 1, message: t('aftersales.apply.unitsRequired') }]}
      >
        <UnitPicker draft={draft} eligibility={current ?? precheck.data} />
      </Form.Item>
      <Form.Item
        name="reason"
        label={t('aftersales.apply.reason')}
        rules={[{ required: true, message: t('aftersales.apply.reasonRequired') }]}
      >
        <ReasonPicker vocabulary={vocabulary.data} />
      </Form.Item>
      <Form.Item label={t('aftersales.apply.precheck')} extra={t('aftersales.apply.precheckHint')}>
        <div
          data-testid="refund-precheck"
          data-status={current?.summary.status ?? (input ? 'LOADING' : 'NONE')}
          data-auto={current ? String(current.summary.autoApprovable) : undefined}
        >
          {!input ? (
            <Typography.Text type="secondary">{t('aftersales.apply.precheckPending')}</Typography.Text>
          ) : precheck.isError ? (
            <Alert
              type="warning"
              showIcon
              title={t('aftersales.apply.precheckFailed', { message: errorText(precheck.error) })}
            />
          ) : precheck.data ? (
            <Alert
              type={blocked ? 'error' : needsEvidence ? 'warning' : 'success'}
              showIcon
              title={precheck.data.summary[key]}
              description={
                blocked
                  ? t('aftersales.apply.blockedHint')
                  : needsEvidence
                    ? t('aftersales.apply.needsEvidenceHint')
                    : current
                      ? current.units.every((u) => u.sealedAndEligible)
                        ? t('aftersales.apply.instantHint')
                        : t('aftersales.apply.reviewHint')
                      : undefined
              }
            />
          ) : (
            <Typography.Text type="secondary">{t('common.loading')}</Typography.Text>
          )}
        </div>
      </Form.Item>
      <Form.Item
        name="description"
        label={t('aftersales.apply.description')}
        extra={t('aftersales.apply.descriptionHint')}
        rules={[{ required: true, whitespace: true, message: t('aftersales.apply.descriptionRequired') }]}
      >
        <Input.TextArea
          rows={4}
          maxLength={DESCRIPTION_MAX}
          showCount
          id="refund-description"
          data-testid="refund-description"
        />
      </Form.Item>
      <Form.Item label={t('aftersales.apply.files')}>
        <EvidenceUpload onChange={setEvidence} testId="refund-upload" />
      </Form.Item>
      <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
        {t('aftersales.apply.legalNote')}
      </Typography.Paragraph>
      {error !== null && (
        <Alert
          type="error"
          showIcon
          title={errorText(error)}
          data-testid="refund-apply-error"
          style={{ marginBottom: 16 }}
        />
      )}
      <Flex justify="space-between" align="center" gap={12} wrap>
        <Typography.Text>
          {t('aftersales.amount')}:{' '}
          <Typography.Text strong style={{ color: '#d4380d' }} data-testid="refund-apply-amount">
            {formatFen(amountFen)}
          </Typography.Text>
        </Typography.Text>
        <Button
          type="primary"
          htmlType="submit"
          size="large"
          loading={apply.isPending}
          disabled={evidence.uploading || blocked || needsEvidence || unitIds.length === 0}
          data-testid="refund-submit"
        >
          {evidence.uploading ? t('aftersales.apply.uploading') : t('aftersales.apply.submit')}
        </Button>
      </Flex>
    </Form>
  );
}

function ApplyContent({ order }: { order: OrderDetail }) {
  const draft = useQuery({
    queryKey: refundDraftKey(order.id),
    queryFn: () => api.refundDraft(order.id),
    staleTime: 0,
  });
  if (draft.isPending) return <Loading />;
  if (draft.isError) return <ErrorResult error={draft.error} onRetry={() => void draft.refetch()} />;
  return <ApplyForm order={order} draft={draft.data} />;
}

/** 退款/售后 on a delivered goods order: opens the application in a drawer. */
export function AfterSalesButton({ order }: { order: OrderDetail }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const screens = Grid.useBreakpoint();
  const phone = screens.sm === false;
  return (
    <>
      <Button type="primary" ghost onClick={() => setOpen(true)} data-testid="order-after-sales">
        {t('order.afterSales')}
      </Button>
      <Drawer
        open={open}
        onClose={() => setOpen(false)}
        destroyOnHidden
        // full width on phones (a 640 px drawer is cut off at 375 px)
        size={phone ? '100%' : 640}
        styles={phone ? { body: { padding: 12 } } : undefined}
        title={
          <Space wrap>
            <span>{t('aftersales.apply.title')}</span>
            <Typography.Text type="secondary" style={{ fontWeight: 'normal' }}>
              {t('aftersales.apply.order', { orderNo: order.orderNo })}
            </Typography.Text>
          </Space>
        }
      >
        <div data-testid="refund-apply">{open && <ApplyContent order={order} />}</div>
      </Drawer>
    </>
  );
}
