import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App as AntApp,
  Button,
  Card,
  Flex,
  Form,
  Input,
  InputNumber,
  Table,
  Tabs,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert, ErrorResult, Loading } from '../../components/QueryState';
import { formatTime } from '../../format';
import { useLang } from '../../i18n';
import { ConsoleLayout } from './ConsoleLayout';
import { consoleApi, type CalendarImportBody } from './consoleApi';

const YEARS_KEY = ['admin', 'calendar', 'years'] as const;

interface ImportForm {
  year: number;
  source: string;
  holidays: { name: string; from: string; to: string }[];
  workdays: { name: string; date: string }[];
}

const DAY_MS = 86_400_000;
/** Every date from `from` to `to` (YYYY-MM-DD, inclusive); null when the range is backwards or bad. */
function datesBetween(from: string, to: string): string[] | null {
  const a = Date.parse(`${from}T00:00:00Z`);
  const b = Date.parse(`${to}T00:00:00Z`);
  if (Number.isNaN(a) || Number.isNaN(b) || b < a || b - a > 366 * DAY_MS) return null;
  const out: string[] = [];
  for (let t = a; t <= b; t += DAY_MS) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/** /admin/calendar (节假日日历): the loaded years, the warning past them, and the yearly import. */
export default function CalendarPage() {
  const { t } = useTranslation();
  const lang = useLang();
  const { message } = AntApp.useApp();
  const qc = useQueryClient();
  const years = useQuery({ queryKey: YEARS_KEY, queryFn: consoleApi.calendarYears });
  const [form] = Form.useForm<ImportForm>();
  const [json, setJson] = useState('');
  const [jsonError, setJsonError] = useState<string | null>(null);
  const [tab, setTab] = useState('form');

  const importYear = useMutation({
    mutationFn: (body: CalendarImportBody) => consoleApi.importCalendar(body),
    onSuccess: (r) => {
      void message.success(t('console.calendar.imported', r));
      void qc.invalidateQueries({ queryKey: YEARS_KEY });
      form.resetFields();
      setJson('');
    },
  });

  const submitForm = (v: ImportForm) => {
    const holidays: CalendarImportBody['holidays'] = [];
    for (const h of v.holidays ?? []) {
      const dates = datesBetween(h.from, h.to || h.from);
      if (!dates || !dates.every((d) => d.startsWith(`${v.year}-`))) {
        void message.error(t('console.calendar.rangeInvalid'));
        return;
      }
      for (const date of dates) holidays.push({ date, name: h.name });
    }
    importYear.mutate({
      year: v.year,
      source: v.source,
      holidays,
      workdays: (v.workdays ?? []).map((w) => ({ date: w.date, name: w.name })),
    });
  };

  const submitJson = () => {
    try {
      const parsed = JSON.parse(json) as CalendarImportBody;
      setJsonError(null);
      importYear.mutate(parsed);
    } catch {
      setJsonError(t('console.calendar.jsonInvalid'));
    }
  };

  const data = years.data;
  return (
    <ConsoleLayout title={t('console.section.calendar')}>
      {years.isPending ? (
        <Loading />
      ) : years.isError ? (
        <ErrorResult error={years.error} onRetry={() => void years.refetch()} />
      ) : (
        data && (
          <>
            <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
              {t('console.calendar.intro', { from: data.bundledFrom, to: data.bundledTo })}
            </Typography.Paragraph>
            {data.warnings.length > 0 ? (
              data.warnings.map((w) => (
                <Alert
                  key={w.year}
                  type="error"
                  showIcon
                  data-testid={`calendar-warning-${w.year}`}
                  title={t('console.calendar.beyondTitle', { year: w.year })}
                  description={`${w.messages[lang]} ${t('console.calendar.beyondNote')}`}
                />
              ))
            ) : (
              <Alert
                type="success"
                showIcon
                title={t('console.calendar.allLoaded')}
                data-testid="calendar-all-loaded"
              />
            )}
            <Card title={t('console.calendar.loaded')} size="small">
              <Table
                data-testid="calendar-years"
                rowKey="year"
                size="small"
                scroll={{ x: 'max-content' }}
                pagination={{ pageSize: 10, hideOnSinglePage: true }}
                dataSource={data.items}
                columns={[
                  { title: t('console.calendar.colYear'), dataIndex: 'year' },
                  {
                    title: t('console.calendar.colSource'),
                    key: 'source',
                    render: (_: unknown, r) => (
                      <Flex vertical gap={2}>
                        <Tag
                          color={r.source === 'imported' ? 'blue' : 'default'}
                          style={{ width: 'fit-content' }}
                        >
                          {t(`console.calendar.source.${r.source}`)}
                        </Tag>
                        {r.notice && <Typography.Text type="secondary">{r.notice}</Typography.Text>}
                      </Flex>
                    ),
                  },
                  { title: t('console.calendar.colHolidays'), dataIndex: 'holidays' },
                  { title: t('console.calendar.colWorkdays'), dataIndex: 'workdays' },
                  {
                    title: t('console.calendar.colImported'),
                    key: 'importedAt',
                    render: (_: unknown, r) => (r.importedAt ? formatTime(r.importedAt, lang) : '—'),
                  },
                ]}
              />
            </Card>
          </>
        )
      )}
      <Card title={t('console.calendar.importTitle')} size="small">
        <Typography.Paragraph type="secondary">{t('console.calendar.replaceNote')}</Typography.Paragraph>
        {importYear.isError && <ErrorAlert error={importYear.error} />}
        <Tabs
          activeKey={tab}
          onChange={setTab}
          items={[
            {
              key: 'form',
              label: t('console.calendar.tabForm'),
              children: (
                <Form
                  form={form}
                  layout="vertical"
                  onFinish={submitForm}
                  initialValues={{
                    year: (data?.currentYear ?? new Date().getFullYear()) + 1,
                    holidays: [{}],
                    workdays: [],
                  }}
                  data-testid="calendar-form"
                >
                  <Flex wrap gap={12}>
                    <Form.Item name="year" label={t('console.calendar.year')} rules={[{ required: true }]}>
                      <InputNumber
                        min={2000}
                        max={2199}
                        precision={0}
                        data-testid="calendar-year"
                        style={{ width: 140 }}
                      />
                    </Form.Item>
                    <Form.Item
                      name="source"
                      label={t('console.calendar.notice')}
                      rules={[{ required: true, whitespace: true, max: 500 }]}
                      style={{ flex: '1 1 260px', minWidth: 0 }}
                    >
                      <Input
                        placeholder={t('console.calendar.noticePlaceholder')}
                        data-testid="calendar-source"
                      />
                    </Form.Item>
                  </Flex>
                  <Typography.Text strong>{t('console.calendar.holidays')}</Typography.Text>
                  <Form.List name="holidays">
                    {(fields, { add, remove }) => (
                      <>
                        {fields.map((f) => (
                          <Flex key={f.key} wrap gap={8} align="flex-start">
                            <Form.Item
                              name={[f.name, 'name']}
                              label={t('console.calendar.holidayName')}
                              rules={[{ required: true, whitespace: true, max: 100 }]}
                              style={{ flex: '1 1 160px', minWidth: 0 }}
                            >
                              <Input data-testid={`holiday-name-${f.name}`} />
                            </Form.Item>
                            <Form.Item
                              name={[f.name, 'from']}
                              label={t('console.calendar.from')}
                              rules={[{ required: true }]}
                            >
                              <Input type="date" data-testid={`holiday-from-${f.name}`} />
                            </Form.Item>
                            <Form.Item
                              name={[f.name, 'to']}
                              label={t('console.calendar.to')}
                              rules={[{ required: true }]}
                            >
                              <Input type="date" data-testid={`holiday-to-${f.name}`} />
                            </Form.Item>
                            <Button onClick={() => remove(f.name)} style={{ marginTop: 30, minHeight: 40 }}>
                              {t('console.calendar.remove')}
                            </Button>
                          </Flex>
                        ))}
                        <Button onClick={() => add({})} style={{ marginBottom: 16, minHeight: 40 }}>
                          {t('console.calendar.addHoliday')}
                        </Button>
                      </>
                    )}
                  </Form.List>
                  <br />
                  <Typography.Text strong>{t('console.calendar.workdays')}</Typography.Text>
                  <Form.List name="workdays">
                    {(fields, { add, remove }) => (
                      <>
                        {fields.map((f) => (
                          <Flex key={f.key} wrap gap={8} align="flex-start">
                            <Form.Item
                              name={[f.name, 'name']}
                              label={t('console.calendar.workdayName')}
                              rules={[{ required: true, whitespace: true, max: 100 }]}
                              style={{ flex: '1 1 160px', minWidth: 0 }}
                            >
                              <Input data-testid={`workday-name-${f.name}`} />
                            </Form.Item>
                            <Form.Item
                              name={[f.name, 'date']}
                              label={t('console.calendar.date')}
                              rules={[{ required: true }]}
                            >
                              <Input type="date" data-testid={`workday-date-${f.name}`} />
                            </Form.Item>
                            <Button onClick={() => remove(f.name)} style={{ marginTop: 30, minHeight: 40 }}>
                              {t('console.calendar.remove')}
                            </Button>
                          </Flex>
                        ))}
                        <Button
                          onClick={() => add({})}
                          style={{ marginBottom: 16, minHeight: 40 }}
                          data-testid="calendar-add-workday"
                        >
                          {t('console.calendar.addWorkday')}
                        </Button>
                      </>
                    )}
                  </Form.List>
                  <br />
                  <Button
                    type="primary"
                    htmlType="submit"
                    loading={importYear.isPending}
                    data-testid="calendar-import"
                    style={{ minHeight: 40 }}
                  >
                    {t('console.calendar.importButton')}
                  </Button>
                </Form>
              ),
            },
            {
              key: 'json',
              label: t('console.calendar.tabJson'),
              children: (
                <Flex vertical gap={8}>
                  <Typography.Text type="secondary" style={{ wordBreak: 'break-all' }}>
                    {t('console.calendar.jsonHelp')}
                  </Typography.Text>
                  <Input.TextArea
                    aria-label={t('console.calendar.json')}
                    rows={8}
                    value={json}
                    onChange={(e) => setJson(e.target.value)}
                    status={jsonError ? 'error' : undefined}
                    data-testid="calendar-json"
                  />
                  {jsonError && <Typography.Text type="danger">{jsonError}</Typography.Text>}
                  <Button
                    type="primary"
                    onClick={submitJson}
                    loading={importYear.isPending}
                    disabled={!json.trim()}
                    data-testid="calendar-import-json"
                    style={{ minHeight: 40, width: 'fit-content' }}
                  >
                    {t('console.calendar.importButton')}
                  </Button>
                </Flex>
              ),
            },
          ]}
        />
      </Card>
    </ConsoleLayout>
  );
}
