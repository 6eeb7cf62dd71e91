import { useMutation, useQueryClient } from '@tanstack/react-query';
import {
  App as AntApp,
  Alert,
  Button,
  Card,
  Flex,
  Form,
  Input,
  Modal,
  Radio,
  Space,
  Switch,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { modalTestId } from '../../components/modalTestId';
import { useErrorText } from '../../components/QueryState';
import { formatFen } from '../../format';
import type { Dispute, DisputeDecisionInput, DisputeOutcome } from '../../types';
import { useUnitLabels } from './DisputeParts';
import { disputeKey, invalidateDisputes, isVersionConflict } from './queries';

export const RATIONALE_MIN = 10;
const RATIONALE_MAX = 4000;

interface Values {
  outcome?: DisputeOutcome;
  rationale: string;
}

/**
 * The arbitrator's decision: for the buyer, for the merchant, or key by key (SPLIT: a switch per
 * unit), with a written rationale both sides will read; then a confirmation that it is final and
 * executes at once. The answer is the decided case.
 */
export function DecisionForm({ d }: { d: Dispute }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const { message } = AntApp.useApp();
  const errorText = useErrorText();
  const unitLabel = useUnitLabels(d);
  const [form] = Form.useForm<Values>();
  const outcome = Form.useWatch('outcome', form);
  const [refund, setRefund] = useState<Record<string, boolean>>(() =>
    Object.fromEntries(d.units.map((u) => [u.unitId, true])),
  );
  const [pending, setPending] = useState<DisputeDecisionInput | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [splitInvalid, setSplitInvalid] = useState(false);
  const canSplit = d.units.length >= 2;
  const chosen = d.units.filter((u) => refund[u.unitId]);
  const splitFen = chosen.reduce((s, u) => s + u.amountFen, 0);

  const decide = useMutation({
    mutationFn: (input: DisputeDecisionInput) => api.decideDispute(d.id, input),
    onMutate: () => setError(null),
    onSuccess: (decided) => {
      qc.setQueryData(disputeKey(d.id), decided);
      invalidateDisputes(qc);
      setPending(null);
      void message.success(t('disputes.decide.done'));
    },
    onError: (err) => {
      setPending(null);
      if (isVersionConflict(err)) {
        void message.warning(t('disputes.versionConflict'));
        void qc.invalidateQueries({ queryKey: disputeKey(d.id) });
        return;
      }
      setError(err);
    },
  });

  const review = () =>
    void form
      .validateFields()
      .then((v) => {
        if (!v.outcome) return;
        if (v.outcome === 'SPLIT' && (chosen.length === 0 || chosen.length === d.units.length)) {
          setSplitInvalid(true);
          return;
        }
        setPending({
          version: d.version,
          outcome: v.outcome,
          units:
            v.outcome === 'SPLIT'
              ? d.units.map((u) => ({ unitId: u.unitId, refund: Boolean(refund[u.unitId]) }))
              : undefined,
          rationale: v.rationale.trim(),
          confirmFinal: true,
        });
      })
      .catch(() => undefined);

  // A merchant's dispute against a refund support approved: the refund is paid already, so the
  // decision keeps it or has the platform compensate the merchant (the buyer keeps the money).
  const byMerchant = d.openedBy === 'MERCHANT';
  const summary = (p: DisputeDecisionInput): string =>
    p.outcome === 'BUYER'
      ? byMerchant
        ? t('disputes.decide.confirmBuyerKeeps')
        : t('disputes.decide.confirmBuyer', { amount: formatFen(d.claimFen) })
      : p.outcome === 'MERCHANT'
        ? byMerchant
          ? t('disputes.decide.confirmMerchantCompensated', { amount: formatFen(d.claimFen) })
          : t('disputes.decide.confirmMerchant')
        : byMerchant
          ? t('disputes.decide.confirmSplitCompensated', {
              count: chosen.length,
              amount: formatFen(splitFen),
            })
          : t('disputes.decide.confirmSplit', { count: chosen.length, amount: formatFen(splitFen) });

  return (
    <Card title={t('disputes.decide.title')} data-testid="decision-form">
      {byMerchant && (
        <Alert
          type="info"
          showIcon
          title={t('disputes.decide.merchantOpened')}
          style={{ marginBottom: 12 }}
        />
      )}
      <Form<Values> form={form} layout="vertical" requiredMark={false}>
        <Form.Item
          name="outcome"
          label={t('disputes.decide.outcome')}
          rules={[{ required: true, message: t('disputes.decide.outcomeRequired') }]}
        >
          <Radio.Group data-testid="decision-outcome" onChange={() => setSplitInvalid(false)}>
            <Space orientation="vertical" size={6}>
              <Radio value="BUYER" data-testid="decision-outcome-BUYER">
                {byMerchant
                  ? t('disputes.decide.buyerKeeps', { amount: formatFen(d.claimFen) })
                  : t('disputes.decide.buyer', { amount: formatFen(d.claimFen) })}
              </Radio>
              <Radio value="MERCHANT" data-testid="decision-outcome-MERCHANT">
                {byMerchant
                  ? t('disputes.decide.merchantCompensated', { amount: formatFen(d.claimFen) })
                  : t('disputes.decide.merchant')}
              </Radio>
              <Radio value="SPLIT" disabled={!canSplit} data-testid="decision-outcome-SPLIT">
                {byMerchant ? t('disputes.decide.splitCompensated') : t('disputes.decide.split')}
                {!canSplit && (
                  <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12 }}>
                    {t('disputes.decide.splitNeedsUnits')}
                  </Typography.Text>
                )}
              </Radio>
            </Space>
          </Radio.Group>
        </Form.Item>
        {outcome === 'SPLIT' && (
          <Form.Item
            label={t('disputes.decide.units')}
            extra={t('disputes.decide.unitsHint')}
            validateStatus={splitInvalid ? 'error' : undefined}
            help={splitInvalid ? t('disputes.decide.unitsInvalid') : undefined}
          >
            <Flex vertical gap={6} data-testid="decision-units">
              {d.units.map((u) => (
                <Flex key={u.unitId} justify="space-between" align="center" gap={8}>
                  <Typography.Text style={{ minWidth: 0, wordBreak: 'break-all' }}>
                    {unitLabel(u.unitId)} · {formatFen(u.amountFen)}
                  </Typography.Text>
                  <Switch
                    checked={Boolean(refund[u.unitId])}
                    onChange={(on) => {
                      setSplitInvalid(false);
                      setRefund((r) => ({ ...r, [u.unitId]: on }));
                    }}
                    checkedChildren={t('disputes.decision.unitRefund')}
                    unCheckedChildren={t('disputes.decision.unitNoRefund')}
                    data-testid="decision-unit-switch"
                  />
                </Flex>
              ))}
              <Typography.Text strong>
                {t('disputes.decide.splitTotal', { amount: formatFen(splitFen) })}
              </Typography.Text>
            </Flex>
          </Form.Item>
        )}
        <Form.Item
          name="rationale"
          label={t('disputes.decide.rationale')}
          rules={[
            {
              required: true,
              validator: (_, v: string | undefined) =>
                (v ?? '').trim().length >= RATIONALE_MIN
                  ? Promise.resolve()
                  : Promise.reject(new Error(t('disputes.decide.rationaleRequired'))),
            },
          ]}
        >
          <Input.TextArea
            rows={5}
            maxLength={RATIONALE_MAX}
            showCount
            placeholder={t('disputes.decide.rationalePlaceholder')}
            data-testid="decision-rationale"
          />
        </Form.Item>
      </Form>
      {error !== null && (
        <Alert
          type="error"
          showIcon
          title={errorText(error)}
          data-testid="decision-error"
          style={{ marginBottom: 12 }}
        />
      )}
      <Button type="primary" danger block onClick={review} data-testid="decision-submit">
        {t('disputes.decide.submit')}
      </Button>
      <Modal
        open={pending !== null}
        title={t('disputes.decide.confirmTitle')}
        onCancel={() => setPending(null)}
        modalRender={modalTestId('decision-final')}
        footer={
          <Space>
            <Button onClick={() => setPending(null)} data-testid="decision-final-cancel">
              {t('common.cancel')}
            </Button>
            <Button
              type="primary"
              danger
              loading={decide.isPending}
              onClick={() => pending && decide.mutate(pending)}
              data-testid="decision-final-ok"
            >
              {t('disputes.decide.confirmOk')}
            </Button>
          </Space>
        }
      >
        {pending && (
          <Space orientation="vertical" size={8} style={{ width: '100%' }}>
            <Alert
              type="warning"
              showIcon
              title={t('disputes.decide.confirmText')}
              data-testid="decision-final-text"
            />
            <Typography.Text strong>{t(`disputeOutcome.${pending.outcome}`)}</Typography.Text>
            <Typography.Text>{summary(pending)}</Typography.Text>
            <Typography.Paragraph type="secondary" style={{ whiteSpace: 'pre-wrap', margin: 0 }}>
              {pending.rationale}
            </Typography.Paragraph>
          </Space>
        )}
      </Modal>
    </Card>
  );
}
