import { Card, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { RequireUser } from '../../components/RequireUser';
import { WITHDRAWAL_STATES, type WithdrawalState } from '../../types';
import { useWithdrawalPages, WithdrawalTable } from '../merchant/MerchantMoney';

/** /admin/withdrawals (提现管理): every shop's withdrawals, for admins and support. */
export default function WithdrawalsAdminPage() {
  const { t } = useTranslation();
  const [state, setState] = useState<WithdrawalState | undefined>(undefined);
  const query = useWithdrawalPages(['admin', 'withdrawals', state ?? 'ALL'], (cursor) =>
    api.adminWithdrawals(state, cursor),
  );
  return (
    <RequireUser support>
      <Space orientation="vertical" size={16} style={{ width: '100%' }}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('money.admin.title')}
        </Typography.Title>
        <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
          {t('money.admin.note')}
        </Typography.Paragraph>
        <Card>
          <Space orientation="vertical" size={12} style={{ width: '100%' }}>
            <Select<WithdrawalState | 'ALL'>
              data-testid="withdrawals-admin-state"
              value={state ?? 'ALL'}
              style={{ minWidth: 160 }}
              onChange={(v) => setState(v === 'ALL' ? undefined : v)}
              options={[
                { value: 'ALL', label: t('money.admin.allStates') },
                ...WITHDRAWAL_STATES.map((s) => ({ value: s, label: t(`money.state.${s}`) })),
              ]}
            />
            <WithdrawalTable query={query} withMerchant testId="withdrawals-admin" />
          </Space>
        </Card>
      </Space>
    </RequireUser>
  );
}
