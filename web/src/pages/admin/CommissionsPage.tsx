import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  App as AntApp,
  Button,
  Card,
  Flex,
  Form,
  Grid,
  InputNumber,
  List,
  Modal,
  Table,
  Tag,
  Typography,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { modalTestId } from '../../components/modalTestId';
import { ErrorAlert, ErrorResult, Loading } from '../../components/QueryState';
import { ConsoleLayout } from './ConsoleLayout';
import { consoleApi } from './consoleApi';

const KEY = ['admin', 'commissions'] as const;
interface Row {
  id: string;
  name: string;
  status: 'ACTIVE' | 'SUSPENDED';
  commissionBp: number;
}
/** 250 basis points → '2.50%'. */
const pct = (bp: number) => `${(bp / 100).toFixed(2)}%`;

/** /admin/commissions (佣金): every merchant's commission rate on settlement, editable. */
export default function CommissionsPage() {
  const { t } = useTranslation();
  const { message } = AntApp.useApp();
  const qc = useQueryClient();
  const wide = Grid.useBreakpoint().md === true;
  const list = useQuery({ queryKey: KEY, queryFn: consoleApi.commissions });
  const [editing, setEditing] = useState<Row | null>(null);
  const [form] = Form.useForm<{ rate: number }>();
  const save = useMutation({
    mutationFn: ({ id, bp }: { id: string; bp: number }) => consoleApi.setCommission(id, bp),
    onSuccess: (r) => {
      void message.success(
        t('console.commissions.saved', { name: editing?.name ?? r.id, rate: pct(r.commissionBp) }),
      );
      setEditing(null);
      void qc.invalidateQueries({ queryKey: KEY });
    },
  });
  const open = (r: Row) => {
    save.reset();
    setEditing(r);
    form.setFieldsValue({ rate: r.commissionBp / 100 });
  };
  const edit = (r: Row) => (
    <Button
      size="small"
      onClick={() => open(r)}
      data-testid={`commission-edit-${r.id}`}
      style={{ minHeight: 32 }}
    >
      {t('console.commissions.edit')}
    </Button>
  );
  const status = (s: Row['status']) => (
    <Tag color={s === 'ACTIVE' ? 'green' : 'red'}>{t(`console.commissions.status.${s}`)}</Tag>
  );
  return (
    <ConsoleLayout title={t('console.section.commissions')}>
      <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
        {t('console.commissions.intro')}
      </Typography.Paragraph>
      <Card size="small">
        {list.isPending ? (
          <Loading />
        ) : list.isError ? (
          <ErrorResult error={list.error} onRetry={() => void list.refetch()} />
        ) : wide ? (
          <Table<Row>
            data-testid="commissions"
            rowKey="id"
            size="small"
            dataSource={list.data.items}
            locale={{ emptyText: t('console.commissions.empty') }}
            pagination={{ pageSize: 20, hideOnSinglePage: true }}
            columns={[
              { title: t('console.commissions.colMerchant'), dataIndex: 'name' },
              { title: t('console.commissions.colStatus'), dataIndex: 'status', render: status },
              {
                title: t('console.commissions.colRate'),
                dataIndex: 'commissionBp',
                render: (bp: number) => <span data-testid="commission-rate">{pct(bp)}</span>,
              },
              { key: 'edit', render: (_: unknown, r) => edit(r) },
            ]}
          />
        ) : (
          <List
            data-testid="commissions"
            dataSource={list.data.items}
            locale={{ emptyText: t('console.commissions.empty') }}
            renderItem={(r) => (
              <List.Item key={r.id} extra={edit(r)}>
                <Flex vertical gap={2} style={{ minWidth: 0 }}>
                  <Typography.Text strong ellipsis>
                    {r.name}
                  </Typography.Text>
                  <Flex gap={8}>
                    {status(r.status)}
                    <span>{pct(r.commissionBp)}</span>
                  </Flex>
                </Flex>
              </List.Item>
            )}
          />
        )}
      </Card>
      <Modal
        open={editing !== null}
        title={editing && t('console.commissions.editTitle', { name: editing.name })}
        onCancel={() => setEditing(null)}
        onOk={() => form.submit()}
        okButtonProps={{ loading: save.isPending }}
        modalRender={modalTestId('commission-dialog')}
        destroyOnHidden
      >
        {save.isError && <ErrorAlert error={save.error} />}
        <Form
          form={form}
          layout="vertical"
          onFinish={(v) => editing && save.mutate({ id: editing.id, bp: Math.round(v.rate * 100) })}
        >
          <Form.Item
            name="rate"
            label={t('console.commissions.rate')}
            rules={[{ required: true, type: 'number', min: 0, max: 50 }]}
          >
            <InputNumber
              min={0}
              max={50}
              precision={2}
              step={0.5}
              suffix="%"
              style={{ width: '100%' }}
              data-testid="commission-rate-input"
            />
          </Form.Item>
        </Form>
      </Modal>
    </ConsoleLayout>
  );
}
