import {
  Descriptions,
  Empty,
  Space,
  Table,
  Tag,
  Timeline,
  Tooltip,
  Typography,
  type TableColumnsType,
} from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ActorText } from '../../components/ActorText';
import { PaymentMethodText, PaymentStateTag } from '../../components/orderTags';
import { EarlyActivationTag, KeyStateTag, LevelTag, ProductTypeTag } from '../../components/tags';
import { formatFen, formatTime, shortHash } from '../../format';
import { useLang } from '../../i18n';
import {
  allOf,
  KEY_EVENT_KINDS,
  KEY_STATES,
  MEMBER_LEVELS,
  PRODUCT_TYPES,
  type KeyState,
  type MemberLevel,
  type PaymentMethod,
  type PaymentState,
  type ProductType,
} from '../../types';
import { ValidityText } from '../ProductList';

// The platform's own records attached to a request (src/modules/aftersales/system-evidence.ts),
// read leniently: a field of an unexpected type shows as '—' rather than breaking the page.

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const recs = (v: unknown): Rec[] => (Array.isArray(v) ? v.filter(isRec) : []);

const PAY_METHODS = allOf<PaymentMethod>()(['BALANCE', 'WECHAT', 'ALIPAY', 'CHANNEL']);
const PAY_STATES = allOf<PaymentState>()(['PENDING', 'PAID', 'CLOSED']);
const oneOf = <T extends string>(list: readonly T[], v: unknown): T | null =>
  typeof v === 'string' && (list as readonly string[]).includes(v) ? (v as T) : null;

export const SYSTEM_KINDS = ['ORDER_SNAPSHOT', 'POLICY', 'KEY_TIMELINES', 'PAYMENT', 'CONVERSATION'] as const;
export type SystemKind = (typeof SYSTEM_KINDS)[number];
export const isSystemKind = (k: string): k is SystemKind => (SYSTEM_KINDS as readonly string[]).includes(k);

function OrderSnapshot({ c }: { c: Rec }) {
  const { t } = useTranslation();
  const lang = useLang();
  const type = oneOf<ProductType>(PRODUCT_TYPES, c.productType);
  const level = oneOf<MemberLevel>(MEMBER_LEVELS, c.buyerLevel);
  const method = oneOf(PAY_METHODS, c.paymentMethod);
  const fen = (v: unknown) => (num(v) === null ? '—' : formatFen(num(v)!));
  const validity = c.validityDays === null ? null : num(c.validityDays);
  return (
    <Descriptions
      size="small"
      column={1}
      data-testid="system-order-snapshot"
      items={[
        { key: 'no', label: t('aftersales.system.orderNo'), children: str(c.orderNo) ?? '—' },
        { key: 'name', label: t('aftersales.system.productName'), children: str(c.productName) ?? '—' },
        {
          key: 'type',
          label: t('aftersales.system.productType'),
          children: type ? <ProductTypeTag type={type} /> : (str(c.productType) ?? '—'),
        },
        { key: 'face', label: t('aftersales.system.faceValue'), children: fen(c.faceValueFen) },
        {
          key: 'validity',
          label: t('aftersales.system.validity'),
          children: c.validityDays === null || validity !== null ? <ValidityText days={validity} /> : '—',
        },
        { key: 'qty', label: t('aftersales.system.quantity'), children: num(c.quantity) ?? '—' },
        { key: 'price', label: t('aftersales.system.unitPrice'), children: fen(c.unitPriceFen) },
        { key: 'total', label: t('aftersales.system.total'), children: fen(c.totalFen) },
        {
          key: 'level',
          label: t('aftersales.system.buyerLevel'),
          children: level ? <LevelTag level={level} /> : '—',
        },
        {
          key: 'method',
          label: t('aftersales.system.paymentMethod'),
          children: method ? <PaymentMethodText method={method} /> : '—',
        },
        {
          key: 'created',
          label: t('aftersales.system.createdAt'),
          children: formatTime(str(c.createdAt), lang, true),
        },
        {
          key: 'delivered',
          label: t('aftersales.system.deliveredAt'),
          children: formatTime(str(c.deliveredAt), lang, true),
        },
      ]}
    />
  );
}

function PolicyRecord({ c }: { c: Rec }) {
  const { t } = useTranslation();
  const lang = useLang();
  const hash = str(c.textHash);
  const confirmed = str(c.confirmedAt);
  const text = lang === 'en' ? (str(c.textEn) ?? str(c.textZh)) : (str(c.textZh) ?? str(c.textEn));
  return (
    <Space orientation="vertical" size={8} style={{ width: '100%' }} data-testid="system-policy">
      <Descriptions
        size="small"
        column={1}
        items={[
          {
            key: 'version',
            label: t('aftersales.system.policyVersion'),
            children: num(c.version) === null ? '—' : t('policy.versionValue', { version: num(c.version) }),
          },
          {
            key: 'hash',
            label: t('aftersales.system.policyHash'),
            children: hash ? (
              <Tooltip title={hash}>
                <Typography.Text code copyable={{ text: hash }}>
                  {shortHash(hash)}
                </Typography.Text>
              </Tooltip>
            ) : (
              '—'
            ),
          },
          {
            key: 'confirmed',
            label: t('aftersales.system.policyConfirmedAt'),
            children: confirmed ? (
              <span data-testid="system-policy-confirmed">{formatTime(confirmed, lang, true)}</span>
            ) : (
              <Typography.Text type="danger">{t('aftersales.system.policyNotConfirmed')}</Typography.Text>
            ),
          },
        ]}
      />
      {text && (
        <Typography.Paragraph
          style={{ whiteSpace: 'pre-wrap', margin: 0, background: '#fafafa', padding: 8, borderRadius: 4 }}
          data-testid="system-policy-text"
        >
          {text}
        </Typography.Paragraph>
      )}
    </Space>
  );
}

interface KeyRecord {
  serialMasked: string | null;
  state: KeyState | null;
  deliveredAt: string | null;
  firstRevealedAt: string | null;
  activatedAt: string | null;
  activationSource: string | null;
  activatedBeforeDelivery: boolean;
  voidedAt: string | null;
  invalidAt: string | null;
}

function KeyTimelines({ c }: { c: unknown }) {
  const { t } = useTranslation();
  const lang = useLang();
  const units = recs(c);
  const columns: TableColumnsType<KeyRecord> = [
    {
      key: 'serial',
      title: t('aftersales.system.keySerial'),
      render: (_, k) => <Typography.Text code>{k.serialMasked ?? '—'}</Typography.Text>,
    },
    {
      key: 'state',
      title: t('aftersales.system.keyState'),
      render: (_, k) => (
        <Space size={4} wrap>
          {k.state ? <KeyStateTag state={k.state} /> : '—'}
          {k.activatedBeforeDelivery && <EarlyActivationTag />}
        </Space>
      ),
    },
    {
      key: 'delivered',
      title: t('keys.deliveredAt'),
      render: (_, k) => formatTime(k.deliveredAt, lang, true),
    },
    {
      key: 'revealed',
      title: t('aftersales.system.revealedAt'),
      render: (_, k) => formatTime(k.firstRevealedAt, lang, true),
    },
    {
      key: 'activated',
      title: t('aftersales.system.activatedAt'),
      render: (_, k) =>
        k.activatedAt ? (
          <Space size={4}>
            {formatTime(k.activatedAt, lang, true)}
            {k.activationSource && <Tag>{k.activationSource}</Tag>}
          </Space>
        ) : (
          '—'
        ),
    },
    {
      key: 'ended',
      title: `${t('aftersales.system.voidedAt')} / ${t('aftersales.system.invalidAt')}`,
      render: (_, k) => (k.voidedAt || k.invalidAt ? formatTime(k.voidedAt ?? k.invalidAt, lang, true) : '—'),
    },
  ];
  if (units.length === 0) return <Empty description={t('aftersales.system.noEvents')} />;
  return (
    <Space orientation="vertical" size={12} style={{ width: '100%' }} data-testid="system-key-timelines">
      {units.map((u, i) => {
        const keys: KeyRecord[] = recs(u.keys).map((k) => ({
          serialMasked: str(k.serialMasked),
          state: oneOf(KEY_STATES, k.state),
          deliveredAt: str(k.deliveredAt),
          firstRevealedAt: str(k.firstRevealedAt),
          activatedAt: str(k.activatedAt),
          activationSource: str(k.activationSource),
          activatedBeforeDelivery: k.activatedBeforeDelivery === true,
          voidedAt: str(k.voidedAt),
          invalidAt: str(k.invalidAt),
        }));
        const events = recs(u.events);
        return (
          <div key={str(u.unitId) ?? i}>
            <Typography.Text strong>{t('aftersales.system.unitLabel', { index: i + 1 })}</Typography.Text>
            <Table<KeyRecord>
              size="small"
              rowKey={(k) => `${k.serialMasked ?? ''}-${k.deliveredAt ?? ''}`}
              pagination={false}
              scroll={{ x: 720 }}
              dataSource={keys}
              columns={columns}
              style={{ margin: '6px 0 10px' }}
            />
            {events.length === 0 ? (
              <Typography.Text type="secondary">{t('aftersales.system.noEvents')}</Typography.Text>
            ) : (
              <Timeline
                items={events.map((e, j) => {
                  const kind = oneOf(KEY_EVENT_KINDS, e.kind);
                  return {
                    key: `${j}`,
                    title: formatTime(str(e.at), lang, true),
                    content: (
                      <span data-testid="system-key-event" data-kind={str(e.kind) ?? ''}>
                        {kind ? t(`keyEvent.${kind}`) : (str(e.kind) ?? '—')} ·{' '}
                        <ActorText actor={str(e.by) ?? '—'} step={str(e.kind) ?? undefined} />
                      </span>
                    ),
                  };
                })}
              />
            )}
          </div>
        );
      })}
    </Space>
  );
}

/** A payment provider id in words (余额, 微信支付沙箱 …); others as they are. */
function ProviderText({ provider }: { provider: string | null }) {
  const { t } = useTranslation();
  if (provider === null) return <>—</>;
  if (provider === 'balance') return <>{t('payMethod.BALANCE')}</>;
  if (provider === 'sandbox-wechat' || provider === 'sandbox-alipay')
    return <>{t(`sandboxAdmin.provider.${provider}`)}</>;
  return <>{provider}</>;
}

function PaymentRecord({ c }: { c: unknown }) {
  const { t } = useTranslation();
  const lang = useLang();
  if (!isRec(c)) return <Empty description={t('aftersales.system.noPayment')} />;
  const method = oneOf(PAY_METHODS, c.method);
  const state = oneOf(PAY_STATES, c.state);
  return (
    <Descriptions
      size="small"
      column={1}
      data-testid="system-payment"
      items={[
        {
          key: 'method',
          label: t('aftersales.system.payMethod'),
          children: method ? <PaymentMethodText method={method} /> : (str(c.method) ?? '—'),
        },
        {
          key: 'provider',
          label: t('aftersales.system.provider'),
          children: <ProviderText provider={str(c.provider)} />,
        },
        {
          key: 'amount',
          label: t('order.amount'),
          children: num(c.amountFen) === null ? '—' : formatFen(num(c.amountFen)!),
        },
        {
          key: 'state',
          label: t('aftersales.system.payState'),
          children: state ? <PaymentStateTag state={state} /> : (str(c.state) ?? '—'),
        },
        {
          key: 'paid',
          label: t('aftersales.system.paidAt'),
          children: formatTime(str(c.paidAt), lang, true),
        },
        ...(str(c.tradeNo)
          ? [{ key: 'trade', label: t('aftersales.system.tradeNo'), children: str(c.tradeNo) }]
          : []),
      ]}
    />
  );
}

function Conversation({ c }: { c: unknown }) {
  const { t } = useTranslation();
  const lang = useLang();
  const messages = recs(c);
  if (messages.length === 0)
    return <Typography.Text type="secondary">{t('aftersales.system.noMessages')}</Typography.Text>;
  return (
    <Timeline
      data-testid="system-conversation"
      items={messages.map((m, i) => {
        const file = isRec(m.file) ? str(m.file.name) : null;
        return {
          key: `${i}`,
          title: (
            <Space size={6}>
              <span>{formatTime(str(m.at), lang, true)}</span>
              <Tag>
                <ActorText actor={str(m.from) ?? '—'} />
              </Tag>
            </Space>
          ),
          content: (
            <div>
              {str(m.text) && <div style={{ whiteSpace: 'pre-wrap' }}>{str(m.text)}</div>}
              {file && (
                <Typography.Text type="secondary">
                  {t('aftersales.system.attachment', { name: file })}
                </Typography.Text>
              )}
            </div>
          ),
        };
      })}
    />
  );
}

/** One system record in readable form. */
export function SystemRecord({ kind, content }: { kind: SystemKind; content: unknown }): ReactNode {
  switch (kind) {
    case 'ORDER_SNAPSHOT':
      return isRec(content) ? <OrderSnapshot c={content} /> : null;
    case 'POLICY':
      return isRec(content) ? <PolicyRecord c={content} /> : null;
    case 'KEY_TIMELINES':
      return <KeyTimelines c={content} />;
    case 'PAYMENT':
      return <PaymentRecord c={content} />;
    case 'CONVERSATION':
      return <Conversation c={content} />;
  }
}

/** unitId -> the masked serial of its (latest) key, from a KEY_TIMELINES record. */
export function serialsFrom(content: unknown): Map<string, string> {
  const out = new Map<string, string>();
  for (const u of recs(content)) {
    const id = str(u.unitId);
    const keys = recs(u.keys);
    const serial = keys.length > 0 ? str(keys[keys.length - 1].serialMasked) : null;
    if (id && serial) out.set(id, serial);
  }
  return out;
}
