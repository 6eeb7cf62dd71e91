import { useMutation } from '@tanstack/react-query';
import { Alert, Button, Card, Form, Input, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api';
import { useErrorText } from '../../components/QueryState';
import { applyServerErrors } from '../../forms';
import { useLang } from '../../i18n';
import { channelsApi, type LookupInput, type LookupView } from './api';
import { LookupOrder, PrivatePageMeta, useLookup } from './LookupOrder';

/** The order once found: the same view as its link's, refreshed by the link's token. */
function Found({ initial }: { initial: LookupView }) {
  const query = useLookup(initial.token, initial);
  return <LookupOrder view={query.data ?? initial} />;
}

/**
 * /lookup — a channel order by order number + 提取码 (phone first: big inputs, one column; no
 * account). Wrong and unknown give the API's one message; too many tries its throttle message.
 */
export default function LookupPage() {
  const { t } = useTranslation();
  const lang = useLang();
  const errorText = useErrorText();
  const [form] = Form.useForm<LookupInput>();
  const [found, setFound] = useState<LookupView | null>(null);
  // a validation failure whose every message sits at its field needs no banner as well
  const [atFields, setAtFields] = useState(false);
  const lookup = useMutation({
    mutationFn: (input: LookupInput) => channelsApi.lookupByCode(input),
    onMutate: () => setAtFields(false),
    onSuccess: (view) => setFound(view),
    onError: (err) => setAtFields(applyServerErrors(form, err, lang, [['orderNo'], ['code']])),
  });
  const error = lookup.error;
  const throttled = error instanceof ApiError && error.status === 429;
  return (
    <div style={{ maxWidth: 720, margin: '0 auto' }}>
      <PrivatePageMeta />
      {found ? (
        <Space orientation="vertical" size={16} style={{ width: '100%' }}>
          <Found initial={found} />
          <Button
            block
            size="large"
            data-testid="lookup-another"
            onClick={() => {
              setFound(null);
              lookup.reset();
              form.resetFields();
            }}
          >
            {t('lookup.another')}
          </Button>
        </Space>
      ) : (
        <Card>
          <Typography.Title level={3} style={{ marginTop: 0 }}>
            {t('lookup.title')}
          </Typography.Title>
          <Typography.Paragraph type="secondary">{t('lookup.intro')}</Typography.Paragraph>
          {error !== null && !atFields && (
            <Alert
              type={throttled ? 'warning' : 'error'}
              showIcon
              data-testid={throttled ? 'lookup-throttled' : 'lookup-error'}
              title={errorText(error)}
              style={{ marginBottom: 16 }}
            />
          )}
          <Form<LookupInput>
            form={form}
            layout="vertical"
            size="large"
            requiredMark={false}
            onFinish={(v) => lookup.mutate({ orderNo: v.orderNo.trim(), code: v.code.trim() })}
            data-testid="lookup-form"
          >
            <Form.Item
              name="orderNo"
              label={t('lookup.orderNo')}
              rules={[{ required: true, whitespace: true, message: t('lookup.orderNoRequired') }]}
            >
              <Input
                placeholder={t('lookup.orderNoPlaceholder')}
                autoComplete="off"
                autoCapitalize="characters"
                autoCorrect="off"
                spellCheck={false}
                maxLength={40}
                inputMode="text"
                data-testid="lookup-order-no-input"
                style={{ fontSize: 17 }}
              />
            </Form.Item>
            <Form.Item
              name="code"
              label={t('lookup.code')}
              rules={[{ required: true, whitespace: true, message: t('lookup.codeRequired') }]}
            >
              <Input
                placeholder={t('lookup.codePlaceholder')}
                autoComplete="one-time-code"
                autoCapitalize="characters"
                autoCorrect="off"
                spellCheck={false}
                maxLength={40}
                data-testid="lookup-code-input"
                style={{ fontSize: 17 }}
              />
            </Form.Item>
            <Button
              type="primary"
              htmlType="submit"
              block
              size="large"
              loading={lookup.isPending}
              data-testid="lookup-submit"
            >
              {t('lookup.submit')}
            </Button>
          </Form>
        </Card>
      )}
    </div>
  );
}
