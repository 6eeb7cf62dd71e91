import { useQuery } from '@tanstack/react-query';
import { Button, Flex, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../../api';
import { ErrorResult, Loading } from '../../components/QueryState';
import { RequireUser } from '../../components/RequireUser';
import { storefrontPath, useMerchantRecord } from '../disputes/queries';
import { MerchantRecordView, SuspendedBanner } from './MerchantRecordView';

function MyRecord() {
  const { t } = useTranslation();
  const profile = useQuery({ queryKey: ['merchant', 'profile'], queryFn: api.merchantProfile });
  const record = useMerchantRecord(profile.data?.id);
  if (profile.isPending || (profile.isSuccess && record.isPending)) return <Loading />;
  if (profile.isError) return <ErrorResult error={profile.error} onRetry={() => void profile.refetch()} />;
  if (record.isError) return <ErrorResult error={record.error} onRetry={() => void record.refetch()} />;
  if (!record.data) return <Loading />;
  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <SuspendedBanner record={record.data} merchantView />
      <MerchantRecordView record={record.data} />
      <Link to={storefrontPath(profile.data.id)} data-testid="my-storefront-link">
        <Button>{t('record.viewStorefront')}</Button>
      </Link>
    </Space>
  );
}

/** /merchant/record (店铺信用): the shop's own public record, its violations and any suspension. */
export default function MyRecordPage() {
  const { t } = useTranslation();
  return (
    <RequireUser merchant forbiddenText={t('aftersales.merchantOnly')}>
      <Flex vertical gap={16}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('record.myTitle')}
        </Typography.Title>
        <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
          {t('record.myHint')}
        </Typography.Paragraph>
        <MyRecord />
      </Flex>
    </RequireUser>
  );
}
