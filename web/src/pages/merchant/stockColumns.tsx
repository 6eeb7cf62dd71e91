import { Space, Tag, Typography, type TableColumnsType } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Product, StockItem } from '../../types';
import { useStock } from './queries';

/** Red 库存不足 tag. */
export function LowStockTag() {
  const { t } = useTranslation();
  return (
    <Tag color="red" data-testid="low-stock">
      {t('stock.lowStock')}
    </Tag>
  );
}

type CountField = 'available' | 'reserved' | 'sold' | 'invalid';

/** 在库 / 已预留 / 已售 / 无效 columns for the merchant's product table (GET /merchant/stock). */
export function useStockColumns(): TableColumnsType<Product> {
  const { t } = useTranslation();
  const stock = useStock();
  const byId = new Map<string, StockItem>((stock.data?.items ?? []).map((s) => [s.productId, s]));
  const count = (field: CountField) => (_: unknown, p: Product) => {
    const s = byId.get(p.id);
    if (!s) return <Typography.Text type="secondary">—</Typography.Text>;
    const value = <span data-testid={`stock-${field}`}>{s[field]}</span>;
    if (field !== 'available' || !s.lowStock) return value;
    return (
      <Space size={4} wrap>
        {value}
        <LowStockTag />
      </Space>
    );
  };
  const column = (field: CountField) => ({
    key: `stock-${field}`,
    title: t(`stock.${field}`),
    align: 'right' as const,
    render: count(field),
  });
  return [column('available'), column('reserved'), column('sold'), column('invalid')];
}
