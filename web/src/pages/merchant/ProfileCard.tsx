import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App as AntApp, Button, Card, Descriptions, Form, Input, Switch } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { ErrorAlert, ErrorResult, Loading } from '../../components/QueryState';
import { BadgeTags } from '../../components/tags';
import { applyServerErrors } from '../../forms';
import { useLang } from '../../i18n';
import { formatFen } from '../../format';
import type { MerchantProfile } from '../../types';

interface ProfileValues {
  name: string;
  description: string;
  review24h: boolean;
}

const PROFILE_KEY = ['merchant', 'profile'] as const;

export function ProfileCard() {
  const { t } = useTranslation();
  const lang = useLang();
  const qc = useQueryClient();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<ProfileValues>();
  const [error, setError] = useState<unknown>(null);
  const query = useQuery({ queryKey: PROFILE_KEY, queryFn: api.merchantProfile });

  useEffect(() => {
    if (!query.data) return;
    form.setFieldsValue({
      name: query.data.name,
      description: query.data.description,
      review24h: query.data.commitments.review24h,
    });
  }, [query.data, form]);

  const mutation = useMutation({
    mutationFn: (v: ProfileValues) =>
      api.updateMerchantProfile({
        version: query.data?.version ?? 0,
        name: v.name.trim(),
        description: (v.description ?? '').trim(),
        commitments: { review24h: v.review24h },
      }),
    onSuccess: (m: MerchantProfile) => {
      qc.setQueryData(PROFILE_KEY, m);
      // merchant badges (24小时处理) appear on every product
      void qc.invalidateQueries({ queryKey: ['products'] });
      void qc.invalidateQueries({ queryKey: ['merchant', 'products'] });
      void message.success(t('merchant.profile.saved'));
    },
    onError: (err) => {
      const allAttached = applyServerErrors(form, err, lang, [['name'], ['description'], ['review24h']], {
        'commitments.review24h': ['review24h'],
      });
      setError(allAttached ? null : err);
    },
  });

  return (
    <Card title={t('merchant.profile.title')} data-testid="merchant-profile">
      {query.isPending ? (
        <Loading minHeight={160} />
      ) : query.isError ? (
        <ErrorResult error={query.error} onRetry={() => void query.refetch()} />
      ) : (
        <>
          <BadgeTags badges={query.data.badges} testId="merchant-profile-badges" />
          <Descriptions
            size="small"
            column={2}
            style={{ marginTop: 12 }}
            items={[
              {
                key: 'deposit',
                label: t('merchant.profile.deposit'),
                children: <span data-testid="merchant-deposit">{formatFen(query.data.depositFen)}</span>,
              },
              { key: 'credit', label: t('merchant.profile.creditScore'), children: query.data.creditScore },
            ]}
          />
          <ErrorAlert error={error} />
          <Form<ProfileValues>
            form={form}
            layout="vertical"
            name="profile"
            style={{ marginTop: 12 }}
            onFinish={(v) => {
              setError(null);
              mutation.mutate(v);
            }}
          >
            <Form.Item
              name="name"
              label={t('merchant.profile.name')}
              rules={[{ required: true, whitespace: true, message: t('merchant.validation.required') }]}
            >
              <Input maxLength={60} />
            </Form.Item>
            <Form.Item name="description" label={t('merchant.profile.description')}>
              <Input.TextArea rows={2} maxLength={500} />
            </Form.Item>
            <Form.Item
              name="review24h"
              label={t('merchant.profile.review24h')}
              extra={t('merchant.profile.review24hHelp')}
              valuePropName="checked"
            >
              <Switch data-testid="profile-review24h" />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={mutation.isPending} data-testid="profile-save">
              {t('common.save')}
            </Button>
          </Form>
        </>
      )}
    </Card>
  );
}
