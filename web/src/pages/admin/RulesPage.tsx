import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, App as AntApp, Button, Card, Col, Form, InputNumber, Row, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api';
import { ErrorAlert, ErrorResult, Loading } from '../../components/QueryState';
import { applyServerErrors } from '../../forms';
import { useLang } from '../../i18n';
import { ConsoleLayout } from './ConsoleLayout';
import { consoleApi, type RulesPatch } from './consoleApi';

type Unit = 'hours' | 'days' | 'workingDays' | 'minutes' | 'yuan' | 'times' | 'keys';
interface RuleDef {
  key: RuleKey;
  unit: Unit;
  min: number;
  /** Absent: no upper bound (the server has none). */
  max?: number;
}
type RuleKey = Exclude<keyof RulesPatch, 'expectedVersion'>;
type Rules = Record<RuleKey, number>;
type RulesView = Rules & { version: number };

// The bounds mirror the API's (src/modules/admin/operations.ts rulesPatchSchema); money in yuan here.
const GROUPS: { key: 'policy' | 'orders' | 'aftersales' | 'disputes'; rules: RuleDef[] }[] = [
  {
    key: 'policy',
    rules: [
      { key: 'policyWindowMinHours', unit: 'hours', min: 1, max: 720 },
      { key: 'policyWindowMaxHours', unit: 'hours', min: 1, max: 720 },
      { key: 'qualityClaimDays', unit: 'days', min: 1, max: 90 },
    ],
  },
  {
    key: 'orders',
    rules: [
      { key: 'paymentTimeoutMinutes', unit: 'minutes', min: 1, max: 1440 },
      { key: 'topupMinFen', unit: 'yuan', min: 0.01 },
      { key: 'topupMaxFen', unit: 'yuan', min: 0.01, max: 1_000_000 },
      { key: 'minDepositFen', unit: 'yuan', min: 0, max: 1_000_000 },
      { key: 'revealBudgetKeys', unit: 'keys', min: 1, max: 1_000_000 },
      { key: 'revealBudgetWindowMinutes', unit: 'minutes', min: 1, max: 1440 },
    ],
  },
  {
    key: 'aftersales',
    rules: [
      { key: 'reviewWorkingDays', unit: 'workingDays', min: 1, max: 3 },
      { key: 'supportReviewWorkingDays', unit: 'workingDays', min: 1, max: 5 },
      { key: 'supplementWorkingDays', unit: 'workingDays', min: 1, max: 10 },
      { key: 'escalationDays', unit: 'days', min: 1, max: 30 },
      { key: 'maxResubmissions', unit: 'times', min: 0, max: 5 },
      { key: 'largeRefundFen', unit: 'yuan', min: 0.01, max: 1_000_000 },
    ],
  },
  {
    key: 'disputes',
    rules: [
      { key: 'payoutDelayWorkingDays', unit: 'workingDays', min: 1, max: 20 },
      { key: 'disputeEvidenceWorkingDays', unit: 'workingDays', min: 1, max: 10 },
      { key: 'arbitrationWorkingDays', unit: 'workingDays', min: 3, max: 5 },
    ],
  },
];
const DEFS = GROUPS.flatMap((g) => g.rules);
const KEYS = DEFS.map((d) => d.key);
const isMoney = (d: RuleDef) => d.unit === 'yuan';

/** Stored rules (fen) → form values (yuan for money). */
function toForm(r: Rules): Rules {
  return Object.fromEntries(DEFS.map((d) => [d.key, isMoney(d) ? r[d.key] / 100 : r[d.key]])) as Rules;
}
/** A form value back to the API's unit (fen for money, exact to the fen). */
const toApi = (d: RuleDef, v: number): number => (isMoney(d) ? Math.round(v * 100) : v);

const RULES_KEY = ['admin', 'rules'] as const;

/** /admin/rules (平台规则): every platform rule, grouped, saved against the version read. */
export default function RulesPage() {
  const { t } = useTranslation();
  const lang = useLang();
  const { message } = AntApp.useApp();
  const qc = useQueryClient();
  const [form] = Form.useForm<Rules>();
  const query = useQuery({ queryKey: RULES_KEY, queryFn: consoleApi.rules });
  /** The version being edited: set from the first load, after each save and on "load the latest". */
  const [base, setBase] = useState<RulesView | null>(null);
  const [othersChanged, setOthersChanged] = useState<{ key: RuleKey; from: number; to: number }[]>([]);

  useEffect(() => {
    if (query.data && base === null) {
      setBase(query.data);
      form.setFieldsValue(toForm(query.data));
    }
  }, [query.data, base, form]);

  const edits = (): Partial<Rules> => {
    if (!base) return {};
    const values = form.getFieldsValue(true) as Rules;
    const out: Partial<Rules> = {};
    for (const d of DEFS) {
      const v = values[d.key];
      if (typeof v === 'number' && toApi(d, v) !== base[d.key]) out[d.key] = toApi(d, v);
    }
    return out;
  };

  const save = useMutation({
    mutationFn: (body: RulesPatch) => consoleApi.changeRules(body),
    onSuccess: (saved) => {
      setBase(saved);
      setOthersChanged([]);
      form.setFieldsValue(toForm(saved));
      qc.setQueryData(RULES_KEY, saved);
      void message.success(t('console.rules.saved', { version: saved.version }));
    },
    onError: (err) => {
      applyServerErrors(
        form,
        err,
        lang,
        KEYS.map((k) => [k]),
      );
    },
  });

  const reload = useMutation({
    mutationFn: consoleApi.rules,
    onSuccess: (latest) => {
      const mine = edits();
      const old = base;
      setOthersChanged(
        old
          ? DEFS.filter((d) => latest[d.key] !== old[d.key]).map((d) => ({
              key: d.key,
              from: old[d.key],
              to: latest[d.key],
            }))
          : [],
      );
      setBase(latest);
      qc.setQueryData(RULES_KEY, latest);
      form.setFieldsValue({ ...toForm(latest), ...toForm({ ...latest, ...mine }) });
      save.reset();
      void message.info(t('console.rules.reloaded', { version: latest.version }));
    },
  });

  const onFinish = () => {
    if (!base) return;
    const patch = edits();
    if (Object.keys(patch).length === 0) {
      void message.info(t('console.rules.noChanges'));
      return;
    }
    save.mutate({ ...patch, expectedVersion: base.version });
  };

  const conflict = save.error instanceof ApiError && save.error.code === 'rules.version_conflict';
  const show = (key: RuleKey, v: number) => {
    const d = DEFS.find((x) => x.key === key);
    return d && isMoney(d) ? `¥${(v / 100).toFixed(2)}` : String(v);
  };

  return (
    <ConsoleLayout
      title={t('console.section.rules')}
      extra={
        base && (
          <Typography.Text type="secondary" data-testid="rules-version">
            {t('console.rules.version', { version: base.version })}
          </Typography.Text>
        )
      }
    >
      <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
        {t('console.rules.intro')}
      </Typography.Paragraph>
      {query.isPending ? (
        <Loading />
      ) : query.isError ? (
        <ErrorResult error={query.error} onRetry={() => void query.refetch()} />
      ) : (
        <Form form={form} layout="vertical" onFinish={onFinish} data-testid="rules-form">
          {conflict && (
            <Alert
              type="warning"
              showIcon
              data-testid="rules-conflict"
              title={t('console.rules.conflictTitle')}
              description={save.error instanceof ApiError ? save.error.localized(lang) : null}
              action={
                <Button onClick={() => reload.mutate()} loading={reload.isPending} data-testid="rules-reload">
                  {t('console.rules.conflictReload')}
                </Button>
              }
              style={{ marginBottom: 16 }}
            />
          )}
          {!conflict && save.isError && <ErrorAlert error={save.error} />}
          {othersChanged.length > 0 && (
            <Alert
              type="info"
              showIcon
              data-testid="rules-others-changed"
              title={t('console.rules.othersChanged')}
              description={
                <ul style={{ margin: 0, paddingInlineStart: 20 }}>
                  {othersChanged.map((c) => (
                    <li key={c.key}>
                      {t('console.rules.changedItem', {
                        label: t(`console.rules.field.${c.key}`),
                        from: show(c.key, c.from),
                        to: show(c.key, c.to),
                      })}
                    </li>
                  ))}
                </ul>
              }
              style={{ marginBottom: 16 }}
            />
          )}
          {GROUPS.map((g) => (
            <Card
              key={g.key}
              title={t(`console.rules.group.${g.key}`)}
              size="small"
              style={{ marginBottom: 16 }}
            >
              <Row gutter={16}>
                {g.rules.map((d) => (
                  <Col key={d.key} xs={24} md={12} xl={8}>
                    <Form.Item
                      name={d.key}
                      label={t(`console.rules.field.${d.key}`)}
                      extra={`${t(`console.rules.help.${d.key}`)}（${
                        d.max === undefined
                          ? t('console.rules.boundsMin', { min: d.min })
                          : t('console.rules.bounds', { min: d.min, max: d.max })
                      }）`}
                      rules={[
                        {
                          required: true,
                          type: 'number',
                          min: d.min,
                          ...(d.max === undefined ? {} : { max: d.max }),
                        },
                      ]}
                    >
                      <InputNumber
                        data-testid={`rule-${d.key}`}
                        min={d.min}
                        max={d.max}
                        precision={isMoney(d) ? 2 : 0}
                        step={isMoney(d) ? 1 : 1}
                        suffix={t(`console.rules.unit.${d.unit}`)}
                        style={{ width: '100%' }}
                      />
                    </Form.Item>
                  </Col>
                ))}
              </Row>
            </Card>
          ))}
          <Button
            type="primary"
            htmlType="submit"
            loading={save.isPending}
            data-testid="rules-save"
            style={{ minHeight: 40 }}
          >
            {t('console.rules.save')}
          </Button>
        </Form>
      )}
    </ConsoleLayout>
  );
}
