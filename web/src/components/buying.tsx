/**
 * What a buyer needs before checkout: the stock level (库存充足 / 库存紧张 / 售罄, never the count)
 * and a quantity input that says the per-order limit of their level and refuses a larger number
 * instead of silently lowering it.
 */
import { Flex, InputNumber, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { MemberLevel, Product } from '../types';

export type StockLevel = Product['stockLevel'];

const STOCK_COLOR: Record<StockLevel, string> = { IN_STOCK: 'green', LOW: 'orange', SOLD_OUT: 'default' };

/** 库存充足 / 库存紧张 / 售罄; `data-stock` carries the level. */
export function StockTag({ level }: { level: StockLevel }) {
  const { t } = useTranslation();
  return (
    <Tag color={STOCK_COLOR[level]} data-testid="stock-tag" data-stock={level}>
      {t(`rough.stock.${level}`)}
    </Tag>
  );
}

/** null when `qty` can be ordered, else why not (in words). */
export function useQuantityProblem(): (qty: number | null, max: number, level: MemberLevel) => string | null {
  const { t } = useTranslation();
  return (qty, max, level) => {
    if (qty === null || !Number.isInteger(qty) || qty < 1) return t('rough.qty.invalid');
    if (qty > max)
      return t('rough.qty.overLimit', { level: t(`level.short.${level}`), count: max, value: qty });
    return null;
  };
}

/**
 * The quantity with the level's per-order limit beside it. Values over the limit stay as typed and
 * are explained (the buy button is disabled by the caller through `useQuantityProblem`).
 */
export function QuantityInput({
  value,
  onChange,
  max,
  level,
  id,
  testId,
  large,
}: {
  value: number | null;
  onChange: (v: number | null) => void;
  max: number;
  level: MemberLevel;
  id: string;
  testId: string;
  large?: boolean;
}) {
  const { t } = useTranslation();
  const problem = useQuantityProblem()(value, max, level);
  return (
    <Flex vertical gap={4} style={{ minWidth: 0 }}>
      <Flex align="center" gap={12} wrap>
        <InputNumber
          id={id}
          data-testid={testId}
          aria-describedby={`${id}-limit`}
          aria-invalid={problem !== null}
          status={problem ? 'error' : undefined}
          // no max: a typed 50 must not silently become the limit
          min={1}
          precision={0}
          inputMode="numeric"
          size={large ? 'large' : undefined}
          value={value}
          onChange={(v) => onChange(typeof v === 'number' ? v : null)}
        />
        <Typography.Text type="secondary" id={`${id}-limit`} data-testid={`${testId}-limit`}>
          {t('checkout.limit', { level: t(`level.short.${level}`), count: max })}
        </Typography.Text>
      </Flex>
      {problem && (
        <Typography.Text type="danger" role="alert" data-testid={`${testId}-problem`}>
          {problem}
        </Typography.Text>
      )}
    </Flex>
  );
}
