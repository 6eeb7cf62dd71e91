import { Alert, Space, Table, Tag, Tooltip, Typography, type TableColumnsType } from 'antd';
import { useTranslation } from 'react-i18next';
import { contentKey, useLang } from '../../i18n';
import type { Eligibility, EligibilityCodeKind, RefundVocabulary, UnitEligibility } from '../../types';
import { OutcomeTag } from './RefundTags';

const KIND_COLOR: Record<EligibilityCodeKind, string> = {
  BLOCK: 'red',
  NEED: 'gold',
  PASS: 'green',
  REVIEW: 'blue',
};

/** The eligibility answer: the summary, and per unit the verdict, its rule codes and why. */
export function EligibilityView({
  eligibility,
  vocabulary,
  serials,
}: {
  eligibility: Eligibility;
  vocabulary: RefundVocabulary | undefined;
  /** unitId -> masked serial, when known. */
  serials: Map<string, string>;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const key = contentKey(lang);
  const { summary } = eligibility;
  const columns: TableColumnsType<UnitEligibility> = [
    {
      key: 'unit',
      title: t('aftersales.detail.unit'),
      width: 170,
      render: (_, u, i) => <Typography.Text code>{serials.get(u.unitId) ?? `#${i + 1}`}</Typography.Text>,
    },
    {
      key: 'outcome',
      title: t('aftersales.detail.outcome'),
      width: 200,
      render: (_, u) => (
        <Space size={[4, 4]} wrap>
          <OutcomeTag outcome={u.outcome} />
          {u.codes.map((c) => {
            const info = vocabulary?.codes[c];
            return (
              <Tooltip key={c} title={c}>
                <Tag color={info ? KIND_COLOR[info.kind] : undefined} data-code={c}>
                  {info?.[key] ?? c}
                </Tag>
              </Tooltip>
            );
          })}
        </Space>
      ),
    },
    {
      key: 'why',
      title: t('aftersales.detail.explanation'),
      render: (_, u) => (
        <ul style={{ margin: 0, paddingInlineStart: 18 }} data-testid="unit-explanations">
          {u.explanations[key].map((s, i) => (
            <li key={i}>{s}</li>
          ))}
        </ul>
      ),
    },
  ];
  return (
    <Space orientation="vertical" size={12} style={{ width: '100%' }} data-testid="refund-eligibility">
      <Alert
        type={summary.status === 'ALL' ? 'success' : summary.status === 'SOME' ? 'warning' : 'error'}
        showIcon
        title={summary[key]}
        description={summary.autoApprovable ? t('aftersales.detail.autoApprovable') : undefined}
        data-status={summary.status}
      />
      <Table<UnitEligibility>
        size="small"
        rowKey="unitId"
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        scroll={{ x: 720 }}
        dataSource={eligibility.units}
        columns={columns}
      />
    </Space>
  );
}
