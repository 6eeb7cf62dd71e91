import { Alert, Form, Input, InputNumber, Switch } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Policy, PolicyInput } from '../../types';

export interface PolicyFormValues {
  unactivatedRefund: boolean;
  /** Absent from submitted values while its Form.Item is hidden. */
  windowHours?: number | null;
  noReasonRefund: boolean;
  revealedRefund: boolean;
  nonRefundable: boolean;
  nonRefundableText?: string;
}

export const WINDOW_MIN = 24;
export const WINDOW_MAX = 72;

export const DEFAULT_POLICY: PolicyFormValues = {
  unactivatedRefund: true,
  windowHours: 24,
  noReasonRefund: false,
  revealedRefund: false,
  nonRefundable: false,
  nonRefundableText: '',
};

export function policyToForm(p: Policy): PolicyFormValues {
  return {
    unactivatedRefund: p.unactivatedRefund,
    windowHours: p.windowHours ?? (p.unactivatedRefund ? WINDOW_MIN : null),
    noReasonRefund: p.noReasonRefund,
    revealedRefund: p.revealedRefund,
    nonRefundable: p.nonRefundable,
    nonRefundableText: p.nonRefundableText ?? '',
  };
}

/** Form values -> contract PolicyInput: hidden fields become null. */
export function formToPolicy(v: PolicyFormValues): PolicyInput {
  const text = (v.nonRefundableText ?? '').trim();
  return {
    unactivatedRefund: Boolean(v.unactivatedRefund),
    windowHours: v.unactivatedRefund ? (v.windowHours ?? null) : null,
    noReasonRefund: Boolean(v.noReasonRefund),
    revealedRefund: Boolean(v.revealedRefund),
    nonRefundable: Boolean(v.nonRefundable),
    nonRefundableText: v.nonRefundable && text ? text : null,
  };
}

export const POLICY_FIELDS = [
  'unactivatedRefund',
  'windowHours',
  'noReasonRefund',
  'revealedRefund',
  'nonRefundable',
  'nonRefundableText',
] as const;

/**
 * Policy editor fields, placed inside an antd Form under `prefix` (e.g. ['policy'] in the create form).
 * `nextVersion` drives the "saving creates a new immutable version" note (1 = first version on create).
 */
export function PolicyFields({ prefix, nextVersion }: { prefix: string[]; nextVersion: number }) {
  const { t } = useTranslation();
  const form = Form.useFormInstance();
  const name = (field: (typeof POLICY_FIELDS)[number]) => [...prefix, field];
  const unactivated = Form.useWatch(name('unactivatedRefund'), form) as boolean | undefined;
  const nonRefundable = Form.useWatch(name('nonRefundable'), form) as boolean | undefined;

  return (
    <>
      <Alert
        type="info"
        showIcon
        data-testid="policy-immutable-note"
        style={{ marginBottom: 16 }}
        title={
          nextVersion <= 1
            ? t('merchant.policyForm.immutableNoteCreate')
            : t('merchant.policyForm.immutableNote', { version: nextVersion })
        }
      />
      <Form.Item
        name={name('unactivatedRefund')}
        label={t('merchant.policyForm.unactivatedRefund')}
        extra={t('merchant.policyForm.unactivatedRefundHelp')}
        valuePropName="checked"
      >
        <Switch data-testid="policy-unactivatedRefund" />
      </Form.Item>
      {unactivated === true && (
        <Form.Item
          name={name('windowHours')}
          label={t('merchant.policyForm.windowHours')}
          extra={t('merchant.policyForm.windowHoursHelp')}
          rules={[
            {
              required: true,
              type: 'integer',
              min: WINDOW_MIN,
              max: WINDOW_MAX,
              message: t('merchant.policyForm.windowHoursRequired'),
            },
          ]}
        >
          <InputNumber min={WINDOW_MIN} max={WINDOW_MAX} precision={0} step={1} style={{ width: 160 }} />
        </Form.Item>
      )}
      <Form.Item
        name={name('noReasonRefund')}
        label={t('merchant.policyForm.noReasonRefund')}
        valuePropName="checked"
      >
        <Switch data-testid="policy-noReasonRefund" />
      </Form.Item>
      <Form.Item
        name={name('revealedRefund')}
        label={t('merchant.policyForm.revealedRefund')}
        extra={t('merchant.policyForm.revealedRefundHelp')}
        valuePropName="checked"
      >
        <Switch data-testid="policy-revealedRefund" />
      </Form.Item>
      <Form.Item
        name={name('nonRefundable')}
        label={t('merchant.policyForm.nonRefundable')}
        extra={t('merchant.policyForm.nonRefundableHelp')}
        valuePropName="checked"
      >
        <Switch data-testid="policy-nonRefundable" />
      </Form.Item>
      {nonRefundable === true && (
        <Form.Item
          name={name('nonRefundableText')}
          label={t('merchant.policyForm.nonRefundableText')}
          rules={[
            { required: true, whitespace: true, message: t('merchant.policyForm.nonRefundableTextRequired') },
          ]}
        >
          <Input.TextArea rows={3} maxLength={500} showCount />
        </Form.Item>
      )}
    </>
  );
}
