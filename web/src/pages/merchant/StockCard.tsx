import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App as AntApp, Button, Card, Col, Form, InputNumber, Row, Space, Statistic } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { ErrorAlert, ErrorResult, Loading } from '../../components/QueryState';
import { applyServerErrors } from '../../forms';
import { useLang } from '../../i18n';
import type { StockItem, StockList } from '../../types';
import { STOCK_KEY, stockOf, useStock } from './queries';
import { LowStockTag } from './stockColumns';

interface ThresholdValues {
  threshold: number | null;
}

const COUNTS = ['available', 'reserved', 'sold', 'invalid', 'voided'] as const;

/** Stock counts of one product and its low-stock threshold (empty = no warning). */
export function StockCard({ productId }: { productId: string }) {
  const { t } = useTranslation();
  const lang = useLang();
  const qc = useQueryClient();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<ThresholdValues>();
  const [error, setError] = useState<unknown>(null);
  const stock = useStock();
  const item = stockOf(stock.data?.items, productId);
  const savedThreshold = item?.lowStockThreshold ?? null;

  useEffect(() => {
    form.setFieldsValue({ threshold: savedThreshold });
  }, [form, savedThreshold]);

  const mutation = useMutation({
    mutationFn: (v: ThresholdValues) => api.updateStockSettings(productId, v.threshold ?? null),
    onSuccess: (s: StockItem) => {
      setError(null);
      qc.setQueryData(STOCK_KEY, (old: StockList | undefined) =>
        old
          ? {
              items: old.items.some((x) => x.productId === s.productId)
                ? old.items.map((x) => (x.productId === s.productId ? s : x))
                : [...old.items, s],
            }
          : old,
      );
      void message.success(t('stock.saved'));
    },
    onError: (err) => {
      const attached = applyServerErrors(form, err, lang, [['threshold']], {
        lowStockThreshold: ['threshold'],
      });
      setError(attached ? null : err);
    },
  });

  return (
    <Card
      title={t('stock.title')}
      extra={item?.lowStock && <LowStockTag />}
      data-testid="stock-card"
      style={{ height: '100%' }}
    >
      {stock.isPending ? (
        <Loading minHeight={120} />
      ) : stock.isError ? (
        <ErrorResult error={stock.error} onRetry={() => void stock.refetch()} />
      ) : (
        <>
          <Row gutter={[16, 16]}>
            {COUNTS.map((field) => (
              <Col key={field} span={8}>
                <Statistic
                  title={t(`stock.${field}`)}
                  value={item?.[field] ?? 0}
                  valueRender={(node) => <span data-testid={`stock-card-${field}`}>{node}</span>}
                />
              </Col>
            ))}
          </Row>
          <ErrorAlert error={error} />
          <Form<ThresholdValues>
            form={form}
            layout="vertical"
            name="stock-settings"
            style={{ marginTop: 16 }}
            onFinish={(v) => {
              setError(null);
              mutation.mutate(v);
            }}
          >
            <Form.Item label={t('stock.threshold')} extra={t('stock.thresholdHelp')}>
              <Space.Compact>
                <Form.Item name="threshold" noStyle>
                  <InputNumber<number>
                    min={0}
                    precision={0}
                    placeholder={t('stock.thresholdPlaceholder')}
                    data-testid="low-stock-threshold"
                    style={{ width: 160 }}
                  />
                </Form.Item>
                <Button
                  type="primary"
                  htmlType="submit"
                  loading={mutation.isPending}
                  data-testid="low-stock-save"
                >
                  {t('common.save')}
                </Button>
              </Space.Compact>
            </Form.Item>
          </Form>
        </>
      )}
    </Card>
  );
}
