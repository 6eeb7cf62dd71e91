import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  Button,
  Card,
  Descriptions,
  Flex,
  Modal,
  Space,
  Tag,
  Typography,
  type ButtonProps,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { modalTestId } from '../../components/modalTestId';
import { ErrorAlert } from '../../components/QueryState';
import { formatFen, formatTime } from '../../format';
import { contentKey, useLang } from '../../i18n';
import type { Lang } from '../../types';
import { revealRefundCase, revealRefundNotes } from '../buyer/revealNotes';
import { channelsApi, lookupKey, type LookupReveal, type LookupUnit, type LookupView } from './api';

/**
 * The channel buyer's pages are reached by a secret link: no search engine may keep them, and no
 * link out of them may pass the address on (React 19 hoists these into <head>).
 */
export function PrivatePageMeta() {
  return (
    <>
      <meta name="robots" content="noindex, nofollow" />
      <meta name="referrer" content="no-referrer" />
    </>
  );
}

type UnitShown = 'SEALED' | 'REVEALED' | 'ACTIVATED' | 'REFUNDED' | 'IN_REFUND' | 'OTHER';

function shownState(u: LookupUnit): UnitShown {
  if (u.refunded) return 'REFUNDED';
  if (u.inRefund) return 'IN_REFUND';
  if (u.state === 'SEALED' || u.state === 'REVEALED' || u.state === 'ACTIVATED') return u.state;
  return 'OTHER';
}

const STATE_COLOR: Record<UnitShown, string> = {
  SEALED: 'blue',
  REVEALED: 'gold',
  ACTIVATED: 'green',
  REFUNDED: 'default',
  IN_REFUND: 'orange',
  OTHER: 'default',
};

export const channelName = (view: LookupView, lang: Lang): string =>
  lang === 'en' ? view.channel.nameEn : view.channel.nameZh;

function Secret({ value, testId }: { value: string; testId: string }) {
  return (
    <Typography.Text
      code
      copyable={{ text: value }}
      data-testid={testId}
      style={{ fontSize: 17, wordBreak: 'break-all' }}
    >
      {value}
    </Typography.Text>
  );
}

const OK_BUTTON_PROPS: ButtonProps & { 'data-testid': string } = {
  'data-testid': 'reveal-ok',
  size: 'large',
  danger: true,
};
const CANCEL_BUTTON_PROPS: ButtonProps = { size: 'large' };

/** One key: its state, 拆封查看 (with the warning while sealed), then the serial and secret to copy. */
function KeyCard({ view, unit, n }: { view: LookupView; unit: LookupUnit; n: number }) {
  const { t } = useTranslation();
  const lang = useLang();
  const qc = useQueryClient();
  const [confirmOpen, setConfirmOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [revealed, setRevealed] = useState<LookupReveal | null>(null);
  const state = shownState(unit);
  const revealable = state === 'SEALED' || state === 'REVEALED' || state === 'ACTIVATED';
  const channel = channelName(view, lang);
  const policy = view.policy?.[contentKey(lang)];

  const reveal = async () => {
    setBusy(true);
    setError(null);
    try {
      const result = await channelsApi.reveal(view.token, unit.unitId);
      setConfirmOpen(false);
      setRevealed(result);
      void qc.invalidateQueries({ queryKey: lookupKey(view.token) });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card
      size="small"
      data-testid="lookup-unit"
      data-unit-id={unit.unitId}
      data-state={state}
      title={
        <Flex justify="space-between" align="center" gap={8}>
          <span>{t('lookup.keyNo', { n })}</span>
          <Tag color={STATE_COLOR[state]} data-testid="lookup-unit-state" data-state={state}>
            {t(`lookup.state.${state}`)}
          </Tag>
        </Flex>
      }
    >
      <Space orientation="vertical" size={8} style={{ width: '100%' }}>
        <Typography.Text type="secondary">
          {t('lookup.serial')}
          {t('channels.colon')}
          <Typography.Text code>{unit.serialMasked || '—'}</Typography.Text>
        </Typography.Text>
        {unit.revealedAt && (
          <Typography.Text type="secondary">
            {t('lookup.revealedAt')}
            {t('channels.colon')}
            {formatTime(unit.revealedAt, lang, true)}
          </Typography.Text>
        )}
        {!confirmOpen && error !== null && <ErrorAlert error={error} />}
        {revealed ? (
          <Space orientation="vertical" size={6} style={{ width: '100%' }} data-testid="lookup-secret">
            {revealed.firstReveal && <Alert type="info" showIcon title={t('lookup.firstReveal')} />}
            {revealed.serial !== null && (
              <div>
                <Typography.Text type="secondary">{t('lookup.serialFull')}</Typography.Text>
                <div>
                  <Secret value={revealed.serial} testId="lookup-revealed-serial" />
                </div>
              </div>
            )}
            <div>
              <Typography.Text type="secondary">{t('lookup.secret')}</Typography.Text>
              <div>
                <Secret value={revealed.secret} testId="lookup-revealed-secret" />
              </div>
            </div>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t('lookup.secretNote')}
            </Typography.Text>
            <Button block onClick={() => setRevealed(null)} data-testid="lookup-hide">
              {t('lookup.hide')}
            </Button>
          </Space>
        ) : (
          revealable && (
            <Button
              block
              size="large"
              type={state === 'SEALED' ? 'primary' : 'default'}
              loading={busy && !confirmOpen}
              data-testid="lookup-reveal"
              onClick={() => {
                setError(null);
                if (state === 'SEALED') setConfirmOpen(true);
                else void reveal();
              }}
            >
              {state === 'SEALED' ? t('lookup.reveal') : t('lookup.show')}
            </Button>
          )
        )}
      </Space>
      <Modal
        open={confirmOpen}
        title={t('lookup.confirmTitle')}
        onOk={() => void reveal()}
        onCancel={() => setConfirmOpen(false)}
        okText={t('lookup.confirmOk')}
        cancelText={t('common.cancel')}
        okButtonProps={OK_BUTTON_PROPS}
        cancelButtonProps={CANCEL_BUTTON_PROPS}
        confirmLoading={busy}
        destroyOnHidden
        modalRender={modalTestId('reveal-confirm')}
      >
        <ErrorAlert error={error} />
        <Alert
          type="warning"
          showIcon
          data-testid="reveal-warning"
          title={t('lookup.confirmBody')}
          description={t('lookup.confirmRefund', { channel })}
          style={{ marginBottom: 12 }}
        />
        {view.policyTerms && (
          <Alert
            type="info"
            showIcon
            data-testid="reveal-policy-note"
            data-policy={revealRefundCase(view.policyTerms)}
            title={revealRefundNotes(view.policyTerms, t).map((line) => (
              <div key={line}>{line}</div>
            ))}
            style={{ marginBottom: 12 }}
          />
        )}
        {policy && (
          <>
            <Typography.Text strong>{t('lookup.confirmPolicy')}</Typography.Text>
            <Typography.Paragraph
              type="secondary"
              style={{ whiteSpace: 'pre-wrap', marginTop: 4, marginBottom: 0 }}
              data-testid="reveal-policy"
            >
              {policy}
            </Typography.Paragraph>
          </>
        )}
      </Modal>
    </Card>
  );
}

/** The channel order behind a lookup: what was bought, where to ask for a refund, the keys. */
export function LookupOrder({ view }: { view: LookupView }) {
  const { t } = useTranslation();
  const lang = useLang();
  const channel = channelName(view, lang);
  const policy = view.policy?.[contentKey(lang)];
  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }} data-testid="lookup-order">
      <Card
        title={
          <Typography.Text strong style={{ whiteSpace: 'normal' }} data-testid="lookup-product">
            {view.productName}
          </Typography.Text>
        }
      >
        <Descriptions
          size="small"
          column={{ xs: 1, sm: 2 }}
          items={[
            {
              key: 'no',
              label: t('lookup.orderNoLabel'),
              children: (
                <Typography.Text copyable data-testid="lookup-order-no">
                  {view.orderNo}
                </Typography.Text>
              ),
            },
            { key: 'qty', label: t('lookup.quantity'), children: view.quantity },
            {
              key: 'amount',
              label: t('lookup.amount'),
              children: <span data-testid="lookup-amount">{formatFen(view.totalFen)}</span>,
            },
            {
              key: 'delivered',
              label: t('lookup.deliveredAt'),
              children: formatTime(view.deliveredAt, lang, true),
            },
            {
              key: 'channel',
              label: t('lookup.channel'),
              children: <span data-testid="lookup-channel">{channel}</span>,
            },
            {
              key: 'channelOrder',
              label: t('lookup.channelOrderId'),
              children: (
                <Typography.Text
                  copyable
                  style={{ wordBreak: 'break-all' }}
                  data-testid="lookup-channel-order"
                >
                  {view.channel.channelOrderId}
                </Typography.Text>
              ),
            },
            { key: 'shop', label: t('lookup.shop'), children: view.channel.shopName },
          ]}
        />
      </Card>
      <Alert
        type="info"
        showIcon
        data-testid="lookup-refund-notice"
        title={t('lookup.refundNotice', { channel })}
        description={
          <Space orientation="vertical" size={8} style={{ width: '100%' }}>
            <span>{t('lookup.refundNoticeHint')}</span>
            <Button
              type="primary"
              ghost
              href={view.channel.refundUrl}
              rel="noreferrer noopener"
              data-testid="lookup-refund-link"
            >
              {t('lookup.goRefund', { channel })}
            </Button>
          </Space>
        }
      />
      <Card title={t('lookup.keys', { count: view.units.length })} data-testid="lookup-units">
        <Flex vertical gap={12}>
          {view.units.map((u, i) => (
            <KeyCard key={u.unitId} view={view} unit={u} n={i + 1} />
          ))}
        </Flex>
      </Card>
      <Card title={t('lookup.policy')} size="small">
        <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', margin: 0 }} data-testid="lookup-policy">
          {policy ?? t('lookup.noPolicy')}
        </Typography.Paragraph>
      </Card>
    </Space>
  );
}

/** The lookup by token, kept fresh after a reveal (`initial`: the answer the code lookup gave). */
export function useLookup(token: string, initial?: LookupView) {
  return useQuery({
    queryKey: lookupKey(token),
    queryFn: () => channelsApi.lookupByToken(token),
    enabled: token !== '',
    initialData: initial,
    staleTime: 0,
    retry: false,
    refetchOnWindowFocus: false,
  });
}
