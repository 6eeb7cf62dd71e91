import { useMutation } from '@tanstack/react-query';
import { Col, Divider, Form, Input, InputNumber, Modal, Row, Select, type ButtonProps } from 'antd';
import type { Rule } from 'antd/es/form';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, isConflict } from '../../api';
import { ErrorAlert } from '../../components/QueryState';
import { fenToYuanString, parseYuanToFen } from '../../format';
import { applyServerErrors, scrollToServerError } from '../../forms';
import { useLang } from '../../i18n';
import {
  MEMBER_LEVELS,
  PRODUCT_TYPES,
  type LevelPrices,
  type MemberLevel,
  type Product,
  type ProductType,
  type UpdateProductInput,
} from '../../types';
import {
  DEFAULT_POLICY,
  formToPolicy,
  POLICY_FIELDS,
  PolicyFields,
  type PolicyFormValues,
} from './PolicyFields';

interface ProductFormValues {
  type: ProductType;
  name: string;
  description: string;
  faceValue: string;
  validityDays: number | null;
  prices: Record<MemberLevel, string>;
  policy?: PolicyFormValues;
}

const KNOWN_FIELDS = [
  ['type'],
  ['name'],
  ['description'],
  ['faceValue'],
  ['validityDays'],
  ...MEMBER_LEVELS.map((l) => ['prices', l]),
  ...POLICY_FIELDS.map((f) => ['policy', f]),
];
const ALIAS = {
  faceValueFen: ['faceValue'],
  // whole-object errors land on the first field of their group (e.g. 普通 ≥ VIP ≥ 超会 on the prices)
  prices: ['prices', 'REGULAR'],
  policy: ['policy', 'unactivatedRefund'],
  // policy errors may come with a bare field name (e.g. `windowHours`)
  ...Object.fromEntries(POLICY_FIELDS.map((f) => [f, ['policy', f]])),
};

const OK_BUTTON_PROPS: ButtonProps & { 'data-testid': string } = { 'data-testid': 'product-form-submit' };

function fen(v: string): number {
  const r = parseYuanToFen(v);
  if (!r.ok) throw new Error(`invalid amount ${v}`); // unreachable: validated by the form rules
  return r.fen;
}

function toForm(p: Product): ProductFormValues {
  const price = (l: MemberLevel) => p.prices.find((x) => x.level === l)?.priceFen;
  return {
    type: p.type,
    name: p.name,
    description: p.description,
    faceValue: fenToYuanString(p.faceValueFen),
    validityDays: p.validityDays,
    prices: Object.fromEntries(MEMBER_LEVELS.map((l) => [l, fenToYuanString(price(l) ?? 0)])) as Record<
      MemberLevel,
      string
    >,
  };
}

/** Create (product undefined) or edit a product. Edits send the product's current `version`. */
export function ProductFormModal({
  open,
  product,
  onClose,
  onSaved,
  onReload,
}: {
  open: boolean;
  product?: Product;
  onClose: () => void;
  onSaved: (p: Product, created: boolean) => void;
  onReload: () => void;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const [form] = Form.useForm<ProductFormValues>();
  const [error, setError] = useState<unknown>(null);
  const alertRef = useRef<HTMLDivElement>(null);
  const editing = product !== undefined;

  useEffect(() => {
    if (!open) return;
    setError(null);
    form.resetFields();
    form.setFieldsValue(
      product ? toForm(product) : { type: 'CARD_KEY', validityDays: null, policy: DEFAULT_POLICY },
    );
  }, [open, product, form]);

  const mutation = useMutation({
    mutationFn: async (v: ProductFormValues) => {
      const prices = Object.fromEntries(MEMBER_LEVELS.map((l) => [l, fen(v.prices[l])])) as LevelPrices;
      const common = {
        name: v.name.trim(),
        description: (v.description ?? '').trim(),
        faceValueFen: fen(v.faceValue),
        validityDays: v.validityDays ?? null,
        prices,
      };
      if (!product) {
        const created = await api.createProduct({
          type: v.type,
          ...common,
          policy: formToPolicy(v.policy ?? DEFAULT_POLICY),
        });
        return { product: created, created: true };
      }
      const patch: UpdateProductInput = { version: product.version, ...common };
      return { product: await api.updateProduct(product.id, patch), created: false };
    },
    onSuccess: (r) => onSaved(r.product, r.created),
    onError: (err) => {
      const allAttached = !isConflict(err) && applyServerErrors(form, err, lang, KNOWN_FIELDS, ALIAS);
      setError(allAttached ? null : err);
      // 保存 is at the bottom of a long form: bring the first error (or the general one) into view
      scrollToServerError(form, allAttached ? null : alertRef.current);
    },
  });

  const amountRules: Rule[] = [
    { required: true, whitespace: true, message: t('merchant.validation.required') },
    {
      validator: (_, value: unknown) => {
        if (typeof value !== 'string' || value.trim() === '') return Promise.resolve();
        const r = parseYuanToFen(value);
        if (r.ok) return Promise.resolve();
        const key =
          r.error === 'decimals'
            ? 'merchant.validation.amountDecimals'
            : r.error === 'tooLarge'
              ? 'merchant.validation.amountTooLarge'
              : 'merchant.validation.amountInvalid';
        return Promise.reject(new Error(t(key)));
      },
    },
  ];
  const yuanInput = (testId: string) => (
    <Input prefix="¥" inputMode="decimal" placeholder="0.00" data-testid={testId} />
  );

  return (
    <Modal
      open={open}
      title={editing ? t('merchant.editTitle', { name: product.name }) : t('merchant.createTitle')}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={mutation.isPending}
      width={720}
      style={{ maxWidth: 'calc(100vw - 16px)' }}
      destroyOnHidden
      okButtonProps={OK_BUTTON_PROPS}
    >
      <div ref={alertRef} data-testid="product-form-error">
        <ErrorAlert error={error} onReload={onReload} />
      </div>
      <Form<ProductFormValues>
        form={form}
        layout="vertical"
        name="product"
        scrollToFirstError={{ block: 'center' }}
        onFinish={(v) => {
          setError(null);
          mutation.mutate(v);
        }}
      >
        <Row gutter={16}>
          <Col xs={24} sm={8}>
            <Form.Item name="type" label={t('merchant.fields.type')} rules={[{ required: true }]}>
              <Select
                disabled={editing}
                options={PRODUCT_TYPES.map((pt) => ({ value: pt, label: t(`productType.${pt}`) }))}
              />
            </Form.Item>
          </Col>
          <Col xs={24} sm={16}>
            <Form.Item
              name="name"
              label={t('merchant.fields.name')}
              rules={[{ required: true, whitespace: true, message: t('merchant.validation.required') }]}
            >
              <Input maxLength={100} />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="description" label={t('merchant.fields.description')}>
          <Input.TextArea rows={3} maxLength={2000} showCount />
        </Form.Item>
        <Row gutter={16}>
          <Col xs={24} sm={12}>
            <Form.Item name="faceValue" label={t('merchant.fields.faceValue')} rules={amountRules}>
              {yuanInput('face-value')}
            </Form.Item>
          </Col>
          <Col xs={24} sm={12}>
            <Form.Item
              name="validityDays"
              label={t('merchant.fields.validityDays')}
              extra={t('merchant.fields.validityHint')}
              rules={[{ type: 'integer', min: 1, message: t('merchant.validation.validityInvalid') }]}
            >
              <InputNumber
                min={1}
                precision={0}
                style={{ width: '100%' }}
                placeholder={t('product.validityForever')}
              />
            </Form.Item>
          </Col>
        </Row>
        <Divider titlePlacement="start">{t('merchant.fields.prices')}</Divider>
        <Row gutter={16}>
          {MEMBER_LEVELS.map((l) => (
            <Col xs={24} sm={8} key={l}>
              <Form.Item name={['prices', l]} label={t(`level.price.${l}`)} rules={amountRules}>
                {yuanInput(`price-${l}`)}
              </Form.Item>
            </Col>
          ))}
        </Row>
        {!editing && (
          <>
            <Divider titlePlacement="start">{t('merchant.fields.policy')}</Divider>
            <PolicyFields prefix={['policy']} nextVersion={1} />
          </>
        )}
      </Form>
    </Modal>
  );
}
