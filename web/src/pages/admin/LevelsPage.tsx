import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { App as AntApp, Button, Card, Checkbox, Flex, Form, InputNumber, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, ErrorResult, Loading } from '../../components/QueryState';
import { ConsoleLayout } from './ConsoleLayout';
import { consoleApi } from './consoleApi';

type Level = 'REGULAR' | 'VIP' | 'SUPER';
const OFFER_LEVELS = ['VIP', 'SUPER'] as const;
type OfferForm = Record<(typeof OFFER_LEVELS)[number], { onSale: boolean; price: number; termDays: number }>;

/** /admin/levels (会员等级与优惠): per-order limits per level, and the memberships on sale. */
export default function LevelsPage() {
  const { t } = useTranslation();
  const { message } = AntApp.useApp();
  const qc = useQueryClient();
  const levels = useQuery({ queryKey: ['admin', 'levels'], queryFn: consoleApi.levels });
  const offers = useQuery({ queryKey: ['membership', 'offers'], queryFn: consoleApi.offers });
  const [limits, setLimits] = useState<Partial<Record<Level, number>>>({});
  const [form] = Form.useForm<OfferForm>();

  useEffect(() => {
    if (!offers.data) return;
    const byLevel = new Map(offers.data.items.map((o) => [o.level, o]));
    form.setFieldsValue(
      Object.fromEntries(
        OFFER_LEVELS.map((l) => {
          const o = byLevel.get(l);
          return [
            l,
            { onSale: o !== undefined, price: o ? o.priceFen / 100 : 0, termDays: o?.termDays ?? 30 },
          ];
        }),
      ),
    );
  }, [offers.data, form]);

  const saveLimit = useMutation({
    mutationFn: ({ level, max }: { level: Level; max: number }) => consoleApi.updateLevel(level, max),
    onSuccess: (r, v) => {
      qc.setQueryData(['admin', 'levels'], r);
      void message.success(t('console.levels.limitSaved', { level: t(`level.long.${v.level}`) }));
    },
  });
  const saveOffers = useMutation({
    mutationFn: (v: OfferForm) =>
      consoleApi.setOffers({
        items: OFFER_LEVELS.filter((l) => v[l].onSale).map((l) => ({
          level: l,
          priceFen: Math.round(v[l].price * 100),
          termDays: v[l].termDays,
        })),
      }),
    onSuccess: (r) => {
      qc.setQueryData(['membership', 'offers'], r);
      void message.success(t('console.levels.offersSaved'));
    },
  });

  return (
    <ConsoleLayout title={t('console.section.levels')}>
      <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
        {t('console.levels.intro')}
      </Typography.Paragraph>
      <Card title={t('console.levels.limits')} size="small">
        {saveLimit.isError && <ErrorAlert error={saveLimit.error} />}
        {levels.isPending ? (
          <Loading minHeight={120} />
        ) : levels.isError ? (
          <ErrorResult error={levels.error} onRetry={() => void levels.refetch()} />
        ) : (
          <Flex vertical gap={12}>
            {levels.data.items.map((l) => (
              <Flex key={l.level} wrap gap={8} align="center">
                <Typography.Text strong style={{ minWidth: 140 }}>
                  {t(`level.long.${l.level}`)}
                </Typography.Text>
                <InputNumber
                  aria-label={t('console.levels.colLimit')}
                  min={1}
                  max={100000}
                  precision={0}
                  value={limits[l.level] ?? l.maxQtyPerOrder}
                  onChange={(v) => setLimits((s) => ({ ...s, [l.level]: v ?? undefined }))}
                  suffix={t('console.levels.units')}
                  data-testid={`level-limit-${l.level}`}
                  style={{ width: 160 }}
                />
                <Button
                  onClick={() =>
                    saveLimit.mutate({ level: l.level, max: limits[l.level] ?? l.maxQtyPerOrder })
                  }
                  loading={saveLimit.isPending && saveLimit.variables.level === l.level}
                  style={{ minHeight: 40 }}
                >
                  {t('console.levels.saveLimit')}
                </Button>
              </Flex>
            ))}
            <Typography.Text type="secondary">{t('console.levels.limitHelp')}</Typography.Text>
          </Flex>
        )}
      </Card>
      <Card title={t('console.levels.offers')} size="small">
        {saveOffers.isError && <ErrorAlert error={saveOffers.error} />}
        {offers.isPending ? (
          <Loading minHeight={120} />
        ) : offers.isError ? (
          <ErrorResult error={offers.error} onRetry={() => void offers.refetch()} />
        ) : (
          <Form form={form} layout="vertical" onFinish={(v) => saveOffers.mutate(v)}>
            {OFFER_LEVELS.map((l) => (
              <Flex key={l} wrap gap={12} align="flex-end">
                <Typography.Text strong style={{ minWidth: 140, paddingBottom: 30 }}>
                  {t(`level.long.${l}`)}
                </Typography.Text>
                <Form.Item name={[l, 'onSale']} valuePropName="checked">
                  <Checkbox>{t('console.levels.onSale')}</Checkbox>
                </Form.Item>
                <Form.Item
                  name={[l, 'price']}
                  label={t('console.levels.offerPrice')}
                  rules={[{ required: true, type: 'number', min: 0.01 }]}
                >
                  <InputNumber min={0.01} precision={2} prefix="¥" style={{ width: 160 }} />
                </Form.Item>
                <Form.Item
                  name={[l, 'termDays']}
                  label={t('console.levels.offerTerm')}
                  rules={[{ required: true, type: 'number', min: 1, max: 3660 }]}
                >
                  <InputNumber min={1} max={3660} precision={0} style={{ width: 120 }} />
                </Form.Item>
              </Flex>
            ))}
            <Button type="primary" htmlType="submit" loading={saveOffers.isPending} style={{ minHeight: 40 }}>
              {t('console.levels.saveOffers')}
            </Button>
          </Form>
        )}
      </Card>
    </ConsoleLayout>
  );
}
