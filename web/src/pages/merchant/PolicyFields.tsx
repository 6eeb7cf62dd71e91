import { useQuery } from '@tanstack/react-query';
import { Alert, Form, Input, InputNumber, Switch } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
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

/** Defaults of the platform's bounds (src/platform/settings.ts), until GET /merchant/policy-bounds answers. */
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
    // the switches lock these off without unactivated refunds; never send a contradiction anyway
    noReasonRefund: Boolean(v.unactivatedRefund && v.noReasonRefund),
    revealedRefund: Boolean(v.unactivatedRefund && v.revealedRefund),
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

type PolicyField = (typeof POLICY_FIELDS)[number];

/** The platform's window bounds (admins may change them): the defaults until the answer arrives. */
export function usePolicyBounds(): { min: number; max: number } {
  const bounds = useQuery({
    queryKey: ['merchant', 'policy-bounds'],
    queryFn: api.policyBounds,
    staleTime: 60_000,
  });
  return {
    min: bounds.data?.windowMinHours ?? WINDOW_MIN,
    max: bounds.data?.windowMaxHours ?? WINDOW_MAX,
  };
}

/**
 * Policy editor fields, placed inside an antd Form under `prefix` (e.g. ['policy'] in the create form).
 * `nextVersion` drives the "saving creates a new immutable version" note (1 = first version on create).
 *
 * The switches cannot contradict each other the way the server refuses (policyContradiction in
 * src/modules/catalog/policy.ts): 不退不换 turns the refund promises off and locks them; without
 * 未激活可退款 there is no no-reason or revealed refund. What was turned off is said, not hidden.
 * The window is never clamped: a value outside the platform's bounds is refused at the field.
 */
export function PolicyFields({ prefix, nextVersion }: { prefix: string[]; nextVersion: number }) {
  const { t } = useTranslation();
  const form = Form.useFormInstance();
  const bounds = usePolicyBounds();
  const [notice, setNotice] = useState<string | null>(null);
  const name = (field: PolicyField) => [...prefix, field];
  const unactivated = Form.useWatch(name('unactivatedRefund'), form) as boolean | undefined;
  const nonRefundable = Form.useWatch(name('nonRefundable'), form) as boolean | undefined;
  const isOn = (field: PolicyField) => form.getFieldValue(name(field)) === true;
  const turnOff = (fields: PolicyField[]): boolean => {
    const on = fields.filter(isOn);
    if (on.length > 0) form.setFields(on.map((f) => ({ name: name(f), value: false, errors: [] })));
    return on.length > 0;
  };
  const onNonRefundable = (checked: boolean) => {
    if (!checked) return setNotice(null);
    const cleared = turnOff(['unactivatedRefund', 'noReasonRefund', 'revealedRefund']);
    setNotice(cleared ? t('rough.policy.nonRefundableCleared') : null);
  };
  const onUnactivated = (checked: boolean) => {
    if (checked) {
      if (form.getFieldValue(name('windowHours')) == null)
        form.setFieldValue(name('windowHours'), bounds.min);
      return setNotice(null);
    }
    const cleared = turnOff(['noReasonRefund', 'revealedRefund']);
    setNotice(cleared ? t('rough.policy.unactivatedCleared') : null);
  };
  const locked = nonRefundable === true;
  const promiseLock = locked
    ? t('rough.policy.lockedByNonRefundable')
    : unactivated !== true
      ? t('rough.policy.needsUnactivated')
      : null;
  const extraOf = (help: string | null, lock: string | null) =>
    lock ? (
      <>
        {help && <div>{help}</div>}
        <div data-testid="policy-lock-reason">{lock}</div>
      </>
    ) : (
      help
    );

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
      {notice && (
        <Alert
          type="warning"
          showIcon
          closable={{ onClose: () => setNotice(null) }}
          data-testid="policy-conflict-notice"
          style={{ marginBottom: 16 }}
          title={notice}
        />
      )}
      <Form.Item
        name={name('unactivatedRefund')}
        label={t('merchant.policyForm.unactivatedRefund')}
        extra={extraOf(
          t('merchant.policyForm.unactivatedRefundHelp'),
          locked ? t('rough.policy.lockedByNonRefundable') : null,
        )}
        valuePropName="checked"
      >
        <Switch data-testid="policy-unactivatedRefund" disabled={locked} onChange={onUnactivated} />
      </Form.Item>
      {unactivated === true && (
        <Form.Item
          name={name('windowHours')}
          label={t('merchant.policyForm.windowHours')}
          extra={
            <>
              {t('merchant.policyForm.windowHoursHelp')} ·{' '}
              <span data-testid="policy-window-bounds">
                {t('rough.policy.bounds', { min: bounds.min, max: bounds.max })}
              </span>
            </>
          }
          rules={[
            { required: true, message: t('merchant.policyForm.windowHoursRequired') },
            {
              validator: (_, value: unknown) => {
                if (typeof value !== 'number') return Promise.resolve();
                if (Number.isInteger(value) && value >= bounds.min && value <= bounds.max)
                  return Promise.resolve();
                const nearest = Math.min(Math.max(Math.round(value), bounds.min), bounds.max);
                return Promise.reject(
                  new Error(
                    t('rough.policy.windowOutOfBounds', { min: bounds.min, max: bounds.max, value, nearest }),
                  ),
                );
              },
            },
          ]}
        >
          {/* no min/max here: antd would silently clamp 100 to 72 on blur */}
          <InputNumber
            precision={0}
            step={1}
            style={{ width: 160, maxWidth: '100%' }}
            data-testid="policy-windowHours"
            inputMode="numeric"
          />
        </Form.Item>
      )}
      <Form.Item
        name={name('noReasonRefund')}
        label={t('merchant.policyForm.noReasonRefund')}
        extra={extraOf(null, promiseLock)}
        valuePropName="checked"
      >
        <Switch data-testid="policy-noReasonRefund" disabled={promiseLock !== null} />
      </Form.Item>
      <Form.Item
        name={name('revealedRefund')}
        label={t('merchant.policyForm.revealedRefund')}
        extra={extraOf(t('merchant.policyForm.revealedRefundHelp'), promiseLock)}
        valuePropName="checked"
      >
        <Switch data-testid="policy-revealedRefund" disabled={promiseLock !== null} />
      </Form.Item>
      <Form.Item
        name={name('nonRefundable')}
        label={t('merchant.policyForm.nonRefundable')}
        extra={t('merchant.policyForm.nonRefundableHelp')}
        valuePropName="checked"
      >
        <Switch data-testid="policy-nonRefundable" onChange={onNonRefundable} />
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
