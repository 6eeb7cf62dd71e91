import { useMutation } from '@tanstack/react-query';
import { Button, Form, Grid, Modal, Space, Typography, type ButtonProps } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, isConflict } from '../../api';
import { PolicyHistoryDrawer } from '../../components/PolicyHistoryDrawer';
import { ErrorAlert } from '../../components/QueryState';
import { BadgeTags } from '../../components/tags';
import { applyServerErrors, scrollToServerError } from '../../forms';
import { contentKey, useLang } from '../../i18n';
import type { Product } from '../../types';
import {
  formToPolicy,
  POLICY_FIELDS,
  PolicyFields,
  policyToForm,
  type PolicyFormValues,
} from './PolicyFields';

const KNOWN_FIELDS = POLICY_FIELDS.map((f) => [f]);
const ALIAS = {
  ...Object.fromEntries(POLICY_FIELDS.map((f) => [`policy.${f}`, [f]])),
  policy: ['unactivatedRefund'],
};
const OK_BUTTON_PROPS: ButtonProps & { 'data-testid': string } = { 'data-testid': 'policy-form-submit' };

/** Edits a product's refund policy: every save creates a new immutable policy version. */
export function PolicyModal({
  product,
  onClose,
  onSaved,
  onReload,
}: {
  product: Product | null;
  onClose: () => void;
  onSaved: (p: Product) => void;
  onReload: () => void;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const [form] = Form.useForm<PolicyFormValues>();
  const [error, setError] = useState<unknown>(null);
  const [historyOpen, setHistoryOpen] = useState(false);
  const alertRef = useRef<HTMLDivElement>(null);
  const screens = Grid.useBreakpoint();

  useEffect(() => {
    if (!product) return;
    setError(null);
    form.resetFields();
    form.setFieldsValue(policyToForm(product.policy));
  }, [product, form]);

  const mutation = useMutation({
    mutationFn: (v: PolicyFormValues) => {
      if (!product) throw new Error('no product');
      return api.createPolicy(product.id, product.version, formToPolicy(v));
    },
    onSuccess: (p) => onSaved(p),
    onError: (err) => {
      const allAttached = !isConflict(err) && applyServerErrors(form, err, lang, KNOWN_FIELDS, ALIAS);
      setError(allAttached ? null : err);
      scrollToServerError(form, allAttached ? null : alertRef.current);
    },
  });

  const current = product?.policy;
  return (
    <Modal
      open={product !== null}
      title={product ? t('merchant.policyForm.title', { name: product.name }) : ''}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={mutation.isPending}
      destroyOnHidden
      width={640}
      style={{ maxWidth: 'calc(100vw - 16px)' }}
      okButtonProps={OK_BUTTON_PROPS}
    >
      {product && current && (
        <>
          <Space orientation="vertical" size={4} style={{ width: '100%', marginBottom: 16 }}>
            <Space wrap>
              <Typography.Text strong>
                {t('merchant.policyForm.current', { version: current.version })}
              </Typography.Text>
              <Button size="small" onClick={() => setHistoryOpen(true)} data-testid="policy-history-open">
                {t('policy.history')}
              </Button>
            </Space>
            <BadgeTags badges={current.rendered[contentKey(lang)].badges} />
            <Typography.Text type="secondary" style={{ whiteSpace: 'pre-wrap' }}>
              {current.rendered[contentKey(lang)].text}
            </Typography.Text>
          </Space>
          <div ref={alertRef}>
            <ErrorAlert error={error} onReload={onReload} />
          </div>
          <Form<PolicyFormValues>
            form={form}
            // labels beside the switches on wide screens, above them on phones
            layout={screens.sm === false ? 'vertical' : 'horizontal'}
            labelCol={screens.sm === false ? undefined : { span: 9 }}
            wrapperCol={screens.sm === false ? undefined : { span: 15 }}
            name="policy"
            scrollToFirstError={{ block: 'center' }}
            onFinish={(v) => {
              setError(null);
              mutation.mutate(v);
            }}
          >
            <PolicyFields prefix={[]} nextVersion={current.version + 1} />
          </Form>
          <PolicyHistoryDrawer
            productId={product.id}
            title={`${t('policy.historyTitle')} · ${product.name}`}
            open={historyOpen}
            onClose={() => setHistoryOpen(false)}
          />
        </>
      )}
    </Modal>
  );
}
