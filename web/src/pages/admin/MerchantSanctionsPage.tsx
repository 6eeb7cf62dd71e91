import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App as AntApp,
  Button,
  Card,
  Col,
  Flex,
  Form,
  Input,
  InputNumber,
  List,
  Modal,
  Row,
  Segmented,
  Space,
  Tag,
  Typography,
} from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../../api';
import { modalTestId } from '../../components/modalTestId';
import { ErrorAlert, ErrorResult, Loading } from '../../components/QueryState';
import { RequireUser } from '../../components/RequireUser';
import { fenToYuanString, parseYuanToFen } from '../../format';
import {
  VIOLATION_KINDS,
  type Merchant,
  type MerchantRecord,
  type MerchantStatus,
  type PenaltyRules,
  type ViolationKind,
} from '../../types';
import { RECORDS_KEY, storefrontPath } from '../disputes/queries';

const RULES_KEY = ['admin', 'penalty-rules'] as const;
const MERCHANTS_KEY = ['merchants'] as const;
/** The API's upper bound of a deposit deduction per violation, in fen. */
const MAX_DEPOSIT_FEN = 100_000_000;

interface RulesValues {
  kinds: Record<ViolationKind, { points: number; deposit: string }>;
  suspendAtPoints: number;
  windowDays: number;
}

function toValues(r: PenaltyRules): RulesValues {
  const kinds = Object.fromEntries(
    VIOLATION_KINDS.map((k) => [
      k,
      { points: r.kinds[k].points, deposit: fenToYuanString(r.kinds[k].depositFen) },
    ]),
  ) as RulesValues['kinds'];
  return { kinds, suspendAtPoints: r.suspendAtPoints, windowDays: r.windowDays };
}

function toRules(v: RulesValues): PenaltyRules {
  const fen = (k: ViolationKind) => {
    const parsed = parseYuanToFen(v.kinds[k].deposit);
    return parsed.ok ? parsed.fen : 0;
  };
  const kind = (k: ViolationKind) => ({ points: v.kinds[k].points, depositFen: fen(k) });
  return {
    kinds: {
      ACTIVATED_KEY_DELIVERED: kind('ACTIVATED_KEY_DELIVERED'),
      PROMISE_BROKEN: kind('PROMISE_BROKEN'),
      UNJUSTIFIED_REFUSAL: kind('UNJUSTIFIED_REFUSAL'),
      DEADLINES_MISSED: kind('DEADLINES_MISSED'),
    },
    suspendAtPoints: v.suspendAtPoints,
    windowDays: v.windowDays,
  };
}

function PenaltyRulesCard() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<RulesValues>();
  const [error, setError] = useState<unknown>(null);
  const query = useQuery({ queryKey: RULES_KEY, queryFn: api.penaltyRules });
  useEffect(() => {
    if (query.data) form.setFieldsValue(toValues(query.data));
  }, [query.data, form]);
  const save = useMutation({
    mutationFn: (v: RulesValues) => api.updatePenaltyRules(toRules(v)),
    onMutate: () => setError(null),
    onSuccess: (r) => {
      qc.setQueryData(RULES_KEY, r);
      void message.success(t('sanctions.saved'));
    },
    onError: setError,
  });
  const depositRule = {
    validator: (_: unknown, v: string | undefined) => {
      const parsed = parseYuanToFen(v ?? '');
      return parsed.ok && parsed.fen <= MAX_DEPOSIT_FEN
        ? Promise.resolve()
        : Promise.reject(new Error(t('sanctions.invalidAmount')));
    },
  };
  return (
    <Card title={t('sanctions.rules')} data-testid="penalty-rules">
      <Typography.Paragraph type="secondary">{t('sanctions.rulesHint')}</Typography.Paragraph>
      {query.isPending ? (
        <Loading minHeight={120} />
      ) : query.isError ? (
        <ErrorResult error={query.error} onRetry={() => void query.refetch()} />
      ) : (
        <Form<RulesValues>
          form={form}
          layout="vertical"
          requiredMark={false}
          onFinish={(v) => save.mutate(v)}
        >
          {VIOLATION_KINDS.map((k) => (
            <Row key={k} gutter={[12, 0]} align="bottom" data-testid={`penalty-${k}`}>
              <Col xs={24} md={10}>
                <Typography.Text strong style={{ display: 'block', paddingBlock: 6 }}>
                  {t(`violationKind.${k}`)}
                </Typography.Text>
              </Col>
              <Col xs={12} md={7}>
                <Form.Item
                  name={['kinds', k, 'points']}
                  label={t('sanctions.points')}
                  rules={[{ required: true }]}
                >
                  <InputNumber
                    min={0}
                    max={100}
                    precision={0}
                    style={{ width: '100%' }}
                    data-testid={`penalty-${k}-points`}
                  />
                </Form.Item>
              </Col>
              <Col xs={12} md={7}>
                <Form.Item
                  name={['kinds', k, 'deposit']}
                  label={t('sanctions.deposit')}
                  rules={[depositRule]}
                >
                  <Input inputMode="decimal" prefix="¥" data-testid={`penalty-${k}-deposit`} />
                </Form.Item>
              </Col>
            </Row>
          ))}
          <Row gutter={12}>
            <Col xs={12} md={7}>
              <Form.Item name="suspendAtPoints" label={t('sanctions.suspendAt')} rules={[{ required: true }]}>
                <InputNumber
                  min={1}
                  max={1000}
                  precision={0}
                  style={{ width: '100%' }}
                  data-testid="penalty-suspend-at"
                />
              </Form.Item>
            </Col>
            <Col xs={12} md={7}>
              <Form.Item name="windowDays" label={t('sanctions.windowDays')} rules={[{ required: true }]}>
                <InputNumber
                  min={1}
                  max={3650}
                  precision={0}
                  style={{ width: '100%' }}
                  data-testid="penalty-window"
                />
              </Form.Item>
            </Col>
          </Row>
          <ErrorAlert error={error} />
          <Button type="primary" htmlType="submit" loading={save.isPending} data-testid="penalty-save">
            {t('sanctions.save')}
          </Button>
        </Form>
      )}
    </Card>
  );
}

interface Shop {
  merchant: Merchant;
  record: MerchantRecord | undefined;
}

/** Every shop (GET /api/admin/merchants, suspended first) with its public record. */
function useShops(): { shops: Shop[]; pending: boolean; error: unknown } {
  const merchants = useQuery({ queryKey: MERCHANTS_KEY, queryFn: () => api.adminMerchants() });
  const items = merchants.data?.items ?? [];
  const records = useQueries({
    queries: items.map((m) => ({
      queryKey: [...RECORDS_KEY, m.id],
      queryFn: () => api.merchantRecord(m.id),
    })),
  });
  const shops = items.map((merchant, i) => ({ merchant, record: records[i]?.data }));
  return { shops, pending: merchants.isPending, error: merchants.error ?? null };
}

function StatusModal({ shop, onClose }: { shop: Shop; onClose: () => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<{ reason: string }>();
  const to: MerchantStatus = shop.merchant.status === 'SUSPENDED' ? 'ACTIVE' : 'SUSPENDED';
  const mutation = useMutation({
    mutationFn: (reason: string) =>
      api.setMerchantStatus(shop.merchant.id, { status: to, version: shop.merchant.version, reason }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: MERCHANTS_KEY });
      void qc.invalidateQueries({ queryKey: RECORDS_KEY });
      void qc.invalidateQueries({ queryKey: ['products'] });
      void message.success(to === 'ACTIVE' ? t('sanctions.doneActive') : t('sanctions.doneSuspended'));
      onClose();
    },
  });
  const name = shop.merchant.name;
  return (
    <Modal
      open
      title={
        to === 'ACTIVE' ? t('sanctions.reinstateTitle', { name }) : t('sanctions.suspendTitle', { name })
      }
      onCancel={onClose}
      destroyOnHidden
      modalRender={modalTestId('merchant-status-modal')}
      footer={
        <Space>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button
            type="primary"
            danger={to === 'SUSPENDED'}
            loading={mutation.isPending}
            onClick={() =>
              // an empty reason shows at the field; the rejected check is not an error of the page
              void form
                .validateFields()
                .then((v) => mutation.mutate(v.reason.trim()))
                .catch(() => undefined)
            }
            data-testid="merchant-status-submit"
          >
            {t('sanctions.confirm')}
          </Button>
        </Space>
      }
    >
      {shop.record?.suspendedReason && to === 'ACTIVE' && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 12 }}
          title={t('record.suspendedReason', { reason: shop.record.suspendedReason })}
        />
      )}
      <Form form={form} layout="vertical" requiredMark={false}>
        <Form.Item
          name="reason"
          label={t('sanctions.reasonLabel')}
          rules={[{ required: true, whitespace: true, min: 2, message: t('sanctions.reasonRequired') }]}
        >
          <Input.TextArea rows={3} maxLength={500} showCount data-testid="merchant-status-reason" />
        </Form.Item>
      </Form>
      <ErrorAlert error={mutation.error} />
    </Modal>
  );
}

function MerchantsCard() {
  const { t } = useTranslation();
  const [which, setWhich] = useState<'SUSPENDED' | 'ALL'>('SUSPENDED');
  const [editing, setEditing] = useState<Shop | null>(null);
  const { shops, pending, error } = useShops();
  const shown = shops
    .filter((s) => which === 'ALL' || s.merchant.status === 'SUSPENDED')
    .sort((a, b) => Number(b.merchant.status === 'SUSPENDED') - Number(a.merchant.status === 'SUSPENDED'));
  return (
    <Card
      title={t('sanctions.merchants')}
      data-testid="sanction-merchants"
      extra={
        <Segmented<'SUSPENDED' | 'ALL'>
          value={which}
          onChange={setWhich}
          options={[
            {
              value: 'SUSPENDED',
              label: <span data-testid="sanctions-suspended">{t('sanctions.suspendedOnly')}</span>,
            },
            { value: 'ALL', label: <span data-testid="sanctions-all">{t('sanctions.all')}</span> },
          ]}
        />
      }
    >
      <Typography.Paragraph type="secondary">{t('sanctions.merchantsHint')}</Typography.Paragraph>
      {error ? (
        <ErrorResult error={error} />
      ) : pending ? (
        <Loading minHeight={120} />
      ) : (
        <List<Shop>
          dataSource={shown}
          locale={{ emptyText: t('sanctions.empty') }}
          renderItem={(s) => (
            <List.Item
              style={{ paddingInline: 0 }}
              data-testid="sanction-merchant"
              data-merchant-id={s.merchant.id}
              data-status={s.merchant.status}
            >
              <Flex justify="space-between" align="flex-start" gap={12} wrap style={{ width: '100%' }}>
                <Flex vertical gap={4} style={{ minWidth: 0, flex: '1 1 220px' }}>
                  <Space size={6} wrap>
                    <Link to={storefrontPath(s.merchant.id)}>{s.merchant.name}</Link>
                    <Tag color={s.merchant.status === 'SUSPENDED' ? 'red' : 'green'}>
                      {t(`sanctions.statusValue.${s.merchant.status}`)}
                    </Tag>
                  </Space>
                  {s.record && (
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {t('record.creditScore')} {s.record.creditScore} · {t('sanctions.violations')}{' '}
                      {s.record.violations.length}
                    </Typography.Text>
                  )}
                  {s.record?.suspendedReason && (
                    <Typography.Text type="danger" style={{ fontSize: 12, wordBreak: 'break-word' }}>
                      {t('sanctions.reason')}：{s.record.suspendedReason}
                    </Typography.Text>
                  )}
                </Flex>
                <Button
                  type={s.merchant.status === 'SUSPENDED' ? 'primary' : 'default'}
                  danger={s.merchant.status === 'ACTIVE'}
                  onClick={() => setEditing(s)}
                  data-testid={s.merchant.status === 'SUSPENDED' ? 'merchant-reinstate' : 'merchant-suspend'}
                >
                  {s.merchant.status === 'SUSPENDED' ? t('sanctions.reinstate') : t('sanctions.suspend')}
                </Button>
              </Flex>
            </List.Item>
          )}
        />
      )}
      {editing && <StatusModal shop={editing} onClose={() => setEditing(null)} />}
    </Card>
  );
}

/** /admin/merchants (商家处罚): the penalty rules, and suspended shops with their reinstatement. */
export default function MerchantSanctionsPage() {
  const { t } = useTranslation();
  return (
    <RequireUser admin>
      <Space orientation="vertical" size={16} style={{ width: '100%' }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('sanctions.title')}
        </Typography.Title>
        <MerchantsCard />
        <PenaltyRulesCard />
      </Space>
    </RequireUser>
  );
}
