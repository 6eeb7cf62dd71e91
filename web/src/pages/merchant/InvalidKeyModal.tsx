import { useMutation } from '@tanstack/react-query';
import { Checkbox, Form, Input, Modal, Typography, type ButtonProps } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { modalTestId } from '../../components/modalTestId';
import { ErrorAlert } from '../../components/QueryState';
import { applyServerErrors } from '../../forms';
import { useLang } from '../../i18n';
import type { KeyRow, KeyState } from '../../types';

interface InvalidValues {
  reason: string;
  replace: boolean;
}

/** States a merchant may mark invalid (标记无效). */
export const INVALIDATABLE: readonly KeyState[] = ['AVAILABLE', 'SEALED', 'REVEALED', 'ACTIVATED'];
/** Only a delivered key has a buyer who could get a replacement. */
const DELIVERED: readonly KeyState[] = ['SEALED', 'REVEALED', 'ACTIVATED'];
const OK_BUTTON_PROPS: ButtonProps & { 'data-testid': string } = { 'data-testid': 'key-invalid-submit' };

/** 标记无效: the merchant confirms a key defective, optionally delivering a replacement. */
export function InvalidKeyModal({
  keyRow,
  onClose,
  onDone,
}: {
  keyRow: KeyRow | null;
  onClose: () => void;
  onDone: (k: KeyRow) => void;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const [form] = Form.useForm<InvalidValues>();
  const [error, setError] = useState<unknown>(null);
  const delivered = keyRow !== null && DELIVERED.includes(keyRow.state);

  useEffect(() => {
    if (!keyRow) return;
    setError(null);
    form.resetFields();
  }, [keyRow, form]);

  const mutation = useMutation({
    mutationFn: (v: InvalidValues) => {
      if (!keyRow) throw new Error('no key');
      return api.markKeyInvalid(keyRow.id, { reason: v.reason.trim(), replace: delivered && v.replace });
    },
    onSuccess: (k) => onDone(k),
    onError: (err) => {
      const attached = applyServerErrors(form, err, lang, [['reason'], ['replace']]);
      setError(attached ? null : err);
    },
  });

  return (
    <Modal
      open={keyRow !== null}
      title={keyRow ? t('keys.invalidTitle', { serial: keyRow.serialMasked }) : ''}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t('keys.markInvalid')}
      okButtonProps={{ ...OK_BUTTON_PROPS, danger: true }}
      cancelText={t('common.cancel')}
      confirmLoading={mutation.isPending}
      destroyOnHidden
      modalRender={modalTestId('key-invalid-modal')}
    >
      <Typography.Paragraph type="secondary">{t('keys.invalidHelp')}</Typography.Paragraph>
      <ErrorAlert error={error} />
      <Form<InvalidValues>
        form={form}
        layout="vertical"
        name="key-invalid"
        initialValues={{ reason: '', replace: false }}
        onFinish={(v) => {
          setError(null);
          mutation.mutate(v);
        }}
      >
        <Form.Item
          name="reason"
          label={t('keys.invalidReason')}
          rules={[{ required: true, whitespace: true, message: t('keys.invalidReasonRequired') }]}
        >
          <Input.TextArea rows={3} maxLength={500} showCount data-testid="key-invalid-reason" />
        </Form.Item>
        <Form.Item name="replace" valuePropName="checked" extra={t('keys.replaceHelp')}>
          <Checkbox disabled={!delivered} data-testid="key-invalid-replace">
            {t('keys.replace')}
          </Checkbox>
        </Form.Item>
      </Form>
    </Modal>
  );
}
