/**
 * The shop's money on the finance page (商家资金): top up the 保证金 deposit from the payable
 * balance, withdraw to a bank account, and the withdrawals with their states. Phone first: the
 * forms stack at 375 px, the list scrolls sideways.
 */
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  App as AntApp,
  Button,
  Card,
  Form,
  Input,
  Space,
  Table,
  Tag,
  Typography,
  type TableColumnsType,
} from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { EmptyState, ErrorResult, Loading, useErrorText } from '../../components/QueryState';
import { formatFen, formatTime, parseYuanToFen } from '../../format';
import { applyServerErrors } from '../../forms';
import { useIdempotencyKey } from '../../idempotency';
import { useLang } from '../../i18n';
import type { MerchantFinance, Withdrawal, WithdrawalState } from '../../types';
import { MERCHANT_FINANCE_KEY } from '../buyer/orderQueries';

export const WITHDRAWALS_KEY = ['merchant', 'withdrawals'] as const;
const BANK_KEY = ['finance', 'bank'] as const;

const STATE_COLOR: Record<WithdrawalState, string> = {
  REQUESTED: 'blue',
  PROCESSING: 'gold',
  PAID: 'green',
  FAILED: 'red',
};

/** A withdrawal's state, and why it failed. */
export function WithdrawalStateTag({ w }: { w: Pick<Withdrawal, 'state' | 'failureCode'> }) {
  const { t } = useTranslation();
  return (
    <Space size={4} wrap data-testid="withdrawal-state" data-state={w.state}>
      <Tag color={STATE_COLOR[w.state]}>{t(`money.state.${w.state}`)}</Tag>
      {w.failureCode && (
        <Typography.Text type="danger">{t(`money.failure.${w.failureCode}`)}</Typography.Text>
      )}
    </Space>
  );
}

/** An amount in yuan for a form: required, positive, two decimals at most, not above `maxFen`. */
function useAmountRule(maxFen: number) {
  const { t } = useTranslation();
  return {
    validator: (_: unknown, value: string | undefined) => {
      const r = parseYuanToFen(value ?? '');
      if (!r.ok) {
        const msg =
          r.error === 'empty'
            ? t('money.amountRequired')
            : r.error === 'decimals'
              ? t('merchant.validation.amountDecimals')
              : r.error === 'tooLarge'
                ? t('merchant.validation.amountTooLarge')
                : t('merchant.validation.amountInvalid');
        return Promise.reject(new Error(msg));
      }
      if (r.fen <= 0) return Promise.reject(new Error(t('money.amountPositive')));
      if (r.fen > maxFen)
        return Promise.reject(new Error(t('money.amountTooMuch', { amount: formatFen(maxFen) })));
      return Promise.resolve();
    },
  };
}

function invalidate(qc: ReturnType<typeof useQueryClient>) {
  void qc.invalidateQueries({ queryKey: MERCHANT_FINANCE_KEY });
  void qc.invalidateQueries({ queryKey: WITHDRAWALS_KEY });
}

/** 补缴保证金: payable → deposit. */
export function DepositTopUpCard({ finance }: { finance: MerchantFinance }) {
  const { t } = useTranslation();
  const lang = useLang();
  const qc = useQueryClient();
  const { message } = AntApp.useApp();
  const errorText = useErrorText();
  const idem = useIdempotencyKey();
  const [form] = Form.useForm<{ amount: string }>();
  const [error, setError] = useState<unknown>(null);
  const available = Math.max(finance.payableFen, 0);
  const amountRule = useAmountRule(available);
  const topUp = useMutation({
    mutationFn: (input: { amountFen: number }) => api.topUpDeposit(input, idem.keyFor(input)),
    onSuccess: (next, input) => {
      idem.settle();
      qc.setQueryData(MERCHANT_FINANCE_KEY, next);
      invalidate(qc);
      form.resetFields();
      void message.success(t('money.topUp.done', { amount: formatFen(input.amountFen) }));
    },
    onError: (err) => {
      idem.settle(err);
      const attached = applyServerErrors(form, err, lang, [['amount']], { amountFen: ['amount'] });
      setError(attached ? null : err);
    },
  });
  const onFinish = (v: { amount: string }) => {
    setError(null);
    const parsed = parseYuanToFen(v.amount);
    if (parsed.ok) topUp.mutate({ amountFen: parsed.fen });
  };
  return (
    <Card title={t('money.topUp.title')} data-testid="deposit-topup-card" style={{ height: '100%' }}>
      <Typography.Paragraph type="secondary">{t('money.topUp.help')}</Typography.Paragraph>
      <Typography.Paragraph>
        <Space wrap size={[16, 4]}>
          <span data-testid="deposit-current">
            {t('finance.deposit')} <Typography.Text strong>{formatFen(finance.depositFen)}</Typography.Text>
          </span>
          <Typography.Text type="secondary">
            {t('money.minDeposit', { amount: formatFen(finance.minDepositFen) })}
          </Typography.Text>
        </Space>
      </Typography.Paragraph>
      <Form<{ amount: string }>
        form={form}
        layout="vertical"
        onFinish={onFinish}
        onValuesChange={() => setError(null)}
        requiredMark={false}
      >
        <Form.Item
          name="amount"
          label={t('money.amount')}
          extra={t('money.topUp.available', { amount: formatFen(available) })}
          rules={[amountRule]}
        >
          <Input
            data-testid="deposit-topup-amount"
            inputMode="decimal"
            prefix="¥"
            suffix={t('common.yuanSuffix')}
            placeholder={
              finance.depositShortfallFen > 0 ? (finance.depositShortfallFen / 100).toFixed(2) : '500.00'
            }
          />
        </Form.Item>
        {error !== null && (
          <Alert
            type="error"
            showIcon
            title={errorText(error)}
            data-testid="deposit-topup-error"
            style={{ marginBottom: 16 }}
          />
        )}
        <Button
          type="primary"
          htmlType="submit"
          block
          loading={topUp.isPending}
          disabled={available <= 0}
          data-testid="deposit-topup-submit"
        >
          {t('money.topUp.submit')}
        </Button>
      </Form>
    </Card>
  );
}

interface WithdrawValues {
  amount: string;
  accountName: string;
  accountNo: string;
  bankName?: string;
}

/** 提现: payable → a bank account, through the bank (the sandbox bank in demo and test setups). */
export function WithdrawCard({ finance }: { finance: MerchantFinance }) {
  const { t } = useTranslation();
  const lang = useLang();
  const qc = useQueryClient();
  const { message } = AntApp.useApp();
  const errorText = useErrorText();
  const idem = useIdempotencyKey();
  const [form] = Form.useForm<WithdrawValues>();
  const [error, setError] = useState<unknown>(null);
  const bank = useQuery({ queryKey: BANK_KEY, queryFn: api.bankInfo, staleTime: 60_000 });
  const amountRule = useAmountRule(finance.withdrawableFen);
  const withdraw = useMutation({
    mutationFn: (input: { amountFen: number; accountName: string; accountNo: string; bankName?: string }) =>
      api.withdraw(input, idem.keyFor(input)),
    onSuccess: (w) => {
      idem.settle();
      invalidate(qc);
      form.resetFields(['amount']);
      void message.success(t('money.withdraw.done', { no: w.withdrawalNo }));
    },
    onError: (err) => {
      idem.settle(err);
      const attached = applyServerErrors(
        form,
        err,
        lang,
        [['amount'], ['accountName'], ['accountNo'], ['bankName']],
        {
          amountFen: ['amount'],
        },
      );
      setError(attached ? null : err);
    },
  });
  const onFinish = (v: WithdrawValues) => {
    setError(null);
    const parsed = parseYuanToFen(v.amount);
    if (!parsed.ok) return;
    withdraw.mutate({
      amountFen: parsed.fen,
      accountName: v.accountName.trim(),
      accountNo: v.accountNo.replace(/[\s-]/g, ''),
      ...(v.bankName?.trim() ? { bankName: v.bankName.trim() } : {}),
    });
  };
  const unavailable = bank.data !== undefined && !bank.data.available;
  return (
    <Card title={t('money.withdraw.title')} data-testid="withdraw-card" style={{ height: '100%' }}>
      <Typography.Paragraph type="secondary">{t('money.withdraw.help')}</Typography.Paragraph>
      {finance.debtFen > 0 && (
        <Alert
          type="error"
          showIcon
          data-testid="withdraw-debt"
          title={t('money.debt', { amount: formatFen(finance.debtFen) })}
          style={{ marginBottom: 16 }}
        />
      )}
      {finance.debtFen === 0 && finance.depositShortfallFen > 0 && (
        <Alert
          type="warning"
          showIcon
          data-testid="withdraw-shortfall"
          title={t('money.shortfall', {
            min: formatFen(finance.minDepositFen),
            shortfall: formatFen(finance.depositShortfallFen),
          })}
          style={{ marginBottom: 16 }}
        />
      )}
      {unavailable && (
        <Alert type="info" showIcon title={t('money.withdraw.unavailable')} style={{ marginBottom: 16 }} />
      )}
      <Form<WithdrawValues>
        form={form}
        layout="vertical"
        onFinish={onFinish}
        onValuesChange={() => setError(null)}
        requiredMark={false}
        disabled={unavailable}
      >
        <Form.Item
          name="amount"
          label={t('money.amount')}
          extra={t('money.withdraw.available', { amount: formatFen(finance.withdrawableFen) })}
          rules={[amountRule]}
        >
          <Input
            data-testid="withdraw-amount"
            inputMode="decimal"
            prefix="¥"
            suffix={t('common.yuanSuffix')}
            placeholder="100.00"
          />
        </Form.Item>
        <Form.Item
          name="accountName"
          label={t('money.withdraw.accountName')}
          rules={[{ required: true, whitespace: true, message: t('money.withdraw.accountNameRequired') }]}
        >
          <Input data-testid="withdraw-account-name" maxLength={40} autoComplete="name" />
        </Form.Item>
        <Form.Item
          name="accountNo"
          label={t('money.withdraw.accountNo')}
          extra={t('money.withdraw.accountNoHint')}
          rules={[
            {
              validator: (_, value: string | undefined) =>
                /^\d{12,19}$/.test((value ?? '').replace(/[\s-]/g, ''))
                  ? Promise.resolve()
                  : Promise.reject(new Error(t('money.withdraw.accountNoInvalid'))),
            },
          ]}
        >
          <Input data-testid="withdraw-account-no" inputMode="numeric" autoComplete="off" maxLength={40} />
        </Form.Item>
        <Form.Item name="bankName" label={t('money.withdraw.bankName')}>
          <Input data-testid="withdraw-bank-name" maxLength={40} />
        </Form.Item>
        {bank.data && bank.data.testAccounts.length > 0 && (
          <Alert
            type="info"
            data-testid="sandbox-bank-accounts"
            style={{ marginBottom: 16 }}
            title={t('money.withdraw.testAccounts')}
            description={
              <Space orientation="vertical" size={4} style={{ width: '100%' }}>
                {bank.data.testAccounts.map((a) => (
                  <Space key={a.accountNo} size={8} wrap>
                    <Typography.Text code copyable>
                      {a.accountNo}
                    </Typography.Text>
                    <Typography.Text type="secondary">{a.label[lang]}</Typography.Text>
                    <Button
                      size="small"
                      type="link"
                      onClick={() => form.setFieldValue('accountNo', a.accountNo)}
                    >
                      {t('money.withdraw.useTest')}
                    </Button>
                  </Space>
                ))}
              </Space>
            }
          />
        )}
        {error !== null && (
          <Alert
            type="error"
            showIcon
            title={errorText(error)}
            data-testid="withdraw-error"
            style={{ marginBottom: 16 }}
          />
        )}
        <Button
          type="primary"
          htmlType="submit"
          block
          loading={withdraw.isPending}
          disabled={finance.withdrawableFen <= 0}
          data-testid="withdraw-submit"
        >
          {t('money.withdraw.submit')}
        </Button>
      </Form>
    </Card>
  );
}

/** The columns both the merchant's list and the admins' use; `merchant` adds the shop's name. */
export function useWithdrawalColumns(withMerchant = false): TableColumnsType<Withdrawal> {
  const { t } = useTranslation();
  const lang = useLang();
  return [
    ...(withMerchant
      ? [
          {
            key: 'merchant',
            title: t('money.admin.merchant'),
            render: (_: unknown, w: Withdrawal) => w.merchantName,
          },
        ]
      : []),
    {
      key: 'no',
      title: t('money.withdrawals.no'),
      render: (_, w) => (
        <Typography.Text copyable={{ text: w.withdrawalNo }}>{w.withdrawalNo}</Typography.Text>
      ),
    },
    {
      key: 'amount',
      title: t('money.amount'),
      align: 'right',
      render: (_, w) => (
        <Typography.Text strong data-testid="withdrawal-amount">
          {formatFen(w.amountFen)}
        </Typography.Text>
      ),
    },
    {
      key: 'account',
      title: t('money.withdrawals.account'),
      render: (_, w) => (
        <span data-testid="withdrawal-account">
          {w.accountName} {w.bankName ? `· ${w.bankName} ` : ''}
          {w.accountMasked}
        </span>
      ),
    },
    { key: 'state', title: t('money.withdrawals.state'), render: (_, w) => <WithdrawalStateTag w={w} /> },
    {
      key: 'created',
      title: t('money.withdrawals.createdAt'),
      render: (_, w) => formatTime(w.createdAt, lang),
    },
    {
      key: 'finished',
      title: t('money.withdrawals.finishedAt'),
      render: (_, w) => formatTime(w.finishedAt, lang),
    },
  ];
}

/** A paged withdrawal list, refreshed every 2 s while any of the loaded ones is still at the bank. */
export function useWithdrawalPages(
  queryKey: readonly unknown[],
  fetchPage: (cursor: string | undefined) => ReturnType<typeof api.withdrawals>,
) {
  return useInfiniteQuery({
    queryKey,
    queryFn: ({ pageParam }) => fetchPage(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    staleTime: 0,
    refetchInterval: (q) =>
      q.state.data?.pages.some((p) =>
        p.items.some((w) => w.state === 'REQUESTED' || w.state === 'PROCESSING'),
      )
        ? 2000
        : false,
  });
}

export function WithdrawalTable({
  query,
  withMerchant = false,
  testId,
}: {
  query: ReturnType<typeof useWithdrawalPages>;
  withMerchant?: boolean;
  testId: string;
}) {
  const { t } = useTranslation();
  const columns = useWithdrawalColumns(withMerchant);
  if (query.isPending) return <Loading minHeight={120} />;
  if (query.isError) return <ErrorResult error={query.error} onRetry={() => void query.refetch()} />;
  const rows = query.data.pages.flatMap((p) => p.items);
  if (rows.length === 0) return <EmptyState description={t('money.withdrawals.empty')} />;
  return (
    <Space orientation="vertical" size={12} style={{ width: '100%' }}>
      <Table<Withdrawal>
        data-testid={testId}
        rowKey="id"
        size="small"
        scroll={{ x: withMerchant ? 900 : 760 }}
        dataSource={rows}
        pagination={false}
        columns={columns}
      />
      {query.hasNextPage && (
        <Button block onClick={() => void query.fetchNextPage()} loading={query.isFetchingNextPage}>
          {t('money.withdrawals.loadMore')}
        </Button>
      )}
    </Space>
  );
}

/** The shop's own withdrawals. */
export function MyWithdrawals() {
  const { t } = useTranslation();
  const query = useWithdrawalPages(WITHDRAWALS_KEY, (cursor) => api.withdrawals(cursor));
  const qc = useQueryClient();
  // A withdrawal that reached PAID or FAILED changes the balances too.
  const finished = query.data?.pages
    .flatMap((p) => p.items)
    .filter((w) => w.state === 'PAID' || w.state === 'FAILED').length;
  useEffect(() => {
    if (finished !== undefined) void qc.invalidateQueries({ queryKey: MERCHANT_FINANCE_KEY });
  }, [finished, qc]);
  return (
    <Card title={t('money.withdrawals.title')} data-testid="withdrawals-card">
      <WithdrawalTable query={query} testId="withdrawals" />
    </Card>
  );
}
