import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App as AntApp,
  Button,
  Card,
  Descriptions,
  Flex,
  Form,
  InputNumber,
  Modal,
  Result,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { modalTestId } from '../../components/modalTestId';
import { ErrorAlert, ErrorResult, Loading } from '../../components/QueryState';
import { formatTime } from '../../format';
import { useLang } from '../../i18n';
import { ConsoleLayout } from './ConsoleLayout';
import { consoleApi } from './consoleApi';

const CLOCK_KEY = ['admin', 'clock'] as const;

interface Amount {
  days?: number | null;
  hours?: number | null;
  minutes?: number | null;
}

/** /admin/clock (测试时钟): platform time in Shanghai and UTC; move it forward, after a confirmation. */
export default function ClockPage() {
  const { t } = useTranslation();
  const lang = useLang();
  const { message } = AntApp.useApp();
  const qc = useQueryClient();
  const clock = useQuery({ queryKey: CLOCK_KEY, queryFn: consoleApi.clock });
  const [form] = Form.useForm<Amount>();
  const [pending, setPending] = useState<{ days: number; hours: number; minutes: number } | null>(null);
  const advance = useMutation({
    mutationFn: consoleApi.advanceClock,
    onSuccess: (c) => {
      qc.setQueryData(CLOCK_KEY, c);
      // server-time-dependent views (deadlines, countdowns) must re-read
      void qc.invalidateQueries({ predicate: (q) => q.queryKey[0] !== 'auth' });
      setPending(null);
      form.resetFields();
      void message.success(t('console.clock.advanced', { time: formatTime(c.now, lang, true) }));
    },
  });

  const onFinish = (v: Amount) => {
    const days = v.days ?? 0;
    const hours = v.hours ?? 0;
    const minutes = v.minutes ?? 0;
    if (days + hours + minutes <= 0) {
      form.setFields([{ name: 'minutes', errors: [t('console.clock.amountInvalid')] }]);
      return;
    }
    setPending({ days, hours, minutes });
  };

  const c = clock.data;
  const offset = c ? Math.round(c.offsetMs / 60_000) : 0;
  return (
    <ConsoleLayout title={t('console.section.clock')}>
      <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
        {t('console.clock.intro')}
      </Typography.Paragraph>
      {clock.isPending ? (
        <Loading />
      ) : clock.isError ? (
        <ErrorResult error={clock.error} onRetry={() => void clock.refetch()} />
      ) : c && !c.testClock ? (
        <Result status="warning" title={t('console.clock.unavailable')} data-testid="clock-unavailable" />
      ) : (
        c && (
          <>
            <Card title={t('console.clock.now')} size="small">
              <Descriptions column={1} size="small" bordered>
                <Descriptions.Item label={t('console.clock.shanghai')}>
                  <span data-testid="clock-shanghai">{formatTime(c.now, 'zh-CN', true)}</span>
                </Descriptions.Item>
                <Descriptions.Item label={t('console.clock.utc')}>
                  <span data-testid="clock-utc">{c.now.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</span>
                </Descriptions.Item>
                <Descriptions.Item label={t('console.clock.offset')}>
                  {t('console.clock.offsetValue', {
                    days: Math.floor(offset / 1440),
                    hours: Math.floor((offset % 1440) / 60),
                    minutes: offset % 60,
                  })}
                </Descriptions.Item>
              </Descriptions>
            </Card>
            <Card title={t('console.clock.advance')} size="small">
              {advance.isError && <ErrorAlert error={advance.error} />}
              <Form form={form} layout="vertical" onFinish={onFinish} data-testid="clock-form">
                <Flex wrap gap={12} align="flex-end">
                  <Form.Item name="days" label={t('console.clock.days')}>
                    <InputNumber
                      min={0}
                      max={3650}
                      precision={0}
                      data-testid="clock-days"
                      style={{ width: 120 }}
                    />
                  </Form.Item>
                  <Form.Item name="hours" label={t('console.clock.hours')}>
                    <InputNumber
                      min={0}
                      max={100000}
                      precision={0}
                      data-testid="clock-hours"
                      style={{ width: 120 }}
                    />
                  </Form.Item>
                  <Form.Item name="minutes" label={t('console.clock.minutes')}>
                    <InputNumber
                      min={0}
                      max={1000000}
                      precision={0}
                      data-testid="clock-minutes"
                      style={{ width: 120 }}
                    />
                  </Form.Item>
                  <Form.Item>
                    <Button
                      type="primary"
                      htmlType="submit"
                      data-testid="clock-advance"
                      style={{ minHeight: 40 }}
                    >
                      {t('console.clock.advanceButton')}
                    </Button>
                  </Form.Item>
                </Flex>
              </Form>
            </Card>
          </>
        )
      )}
      <Modal
        open={pending !== null}
        title={t('console.clock.confirmTitle')}
        onCancel={() => setPending(null)}
        onOk={() => pending && advance.mutate(pending)}
        okButtonProps={{ loading: advance.isPending }}
        modalRender={modalTestId('clock-confirm-dialog')}
        destroyOnHidden
      >
        {pending && (
          <Alert
            type="warning"
            showIcon
            title={t('console.clock.confirmBody', {
              amount: t('console.clock.offsetValue', pending),
            })}
          />
        )}
      </Modal>
    </ConsoleLayout>
  );
}
