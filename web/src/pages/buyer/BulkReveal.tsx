import { Alert, App as AntApp, Button, Grid, Modal, Space, Typography, type ButtonProps } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { modalTestId } from '../../components/modalTestId';
import { ErrorAlert, useErrorText } from '../../components/QueryState';
import { formatTime } from '../../format';
import { useLang } from '../../i18n';
import type { BulkRevealResult, OrderDetail, OrderUnit, UnitPolicy } from '../../types';
import { keysToCsv, keysToText } from './keyFiles';
import { revealRefundCase, revealRefundNotes } from './revealNotes';

/** Saves `text` as a file through a temporary object URL (revoked right after). */
function saveText(fileName: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A unit whose key the buyer can view: delivered and sealed, unsealed or activated. */
export const canReveal = (u: OrderUnit): boolean =>
  u.deliveredAt !== null &&
  (u.keyState === 'SEALED' || u.keyState === 'REVEALED' || u.keyState === 'ACTIVATED');

/** Dialogs never wider than the screen less 16 px each side. */
export const DIALOG_WIDTH = 'min(720px, calc(100vw - 32px))';

const OK_PROPS: ButtonProps & { 'data-testid': string } = { 'data-testid': 'bulk-reveal-ok' };

function policyOf(order: OrderDetail): UnitPolicy | null {
  const s = order.snapshot;
  if (!s) return null;
  return {
    unactivatedRefund: s.policy.unactivatedRefund,
    windowHours: s.policy.windowHours,
    revealedRefund: s.policy.revealedRefund,
    nonRefundable: s.policy.nonRefundable,
    version: s.policyVersion,
  };
}

/**
 * 批量查看: the selection toolbar (全选未拆封 / 全选可查看), one 拆封 warning naming how many keys
 * will be unsealed under the policy bought, then the keys with 复制全部, 下载 TXT and 下载 CSV.
 * The secrets live only in this component's state and are dropped when the dialog closes.
 */
export function BulkReveal({
  order,
  selected,
  onSelect,
  onRevealed,
}: {
  order: OrderDetail;
  selected: string[];
  onSelect: (ids: string[]) => void;
  onRevealed: () => void;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const { message } = AntApp.useApp();
  const errorText = useErrorText();
  const phone = !Grid.useBreakpoint().md;
  const size = phone ? 'large' : 'middle';
  const [confirmOpen, setConfirmOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<BulkRevealResult | null>(null);

  const byId = new Map(order.units.map((u) => [u.unitId, u]));
  const revealable = order.units.filter(canReveal);
  const sealedIds = revealable.filter((u) => u.keyState === 'SEALED').map((u) => u.unitId);
  const chosen = selected.filter((id) => {
    const u = byId.get(id);
    return u !== undefined && canReveal(u);
  });
  const sealedChosen = chosen.filter((id) => byId.get(id)?.keyState === 'SEALED').length;
  const policy = policyOf(order);
  const productType = order.snapshot?.productType ?? 'CARD_KEY';

  const reveal = async (fromConfirm: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const res = await api.revealOrderUnits(order.id, { unitIds: chosen });
      setConfirmOpen(false);
      setResult(res);
      onSelect([]);
      onRevealed();
    } catch (err) {
      if (fromConfirm) setError(err);
      else void message.error(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const start = () => {
    if (sealedChosen > 0) {
      setError(null);
      setConfirmOpen(true);
    } else {
      void reveal(false);
    }
  };

  const items = result?.items ?? [];
  const fileBase = t('bulkReveal.fileName', { orderNo: order.orderNo });
  const copyAll = async () => {
    try {
      await navigator.clipboard.writeText(keysToText(items));
      void message.success(t('bulkReveal.copied', { count: items.length }));
    } catch {
      void message.error(t('bulkReveal.copyFailed'));
    }
  };

  if (revealable.length === 0) return null;
  return (
    <>
      <Space wrap size={8} data-testid="bulk-reveal-bar" style={{ marginBottom: 12 }}>
        <Button
          size={size}
          onClick={() => onSelect(sealedIds)}
          disabled={sealedIds.length === 0 || busy}
          data-testid="bulk-select-sealed"
        >
          {t('bulkReveal.selectAllSealed')}
        </Button>
        <Button
          size={size}
          onClick={() => onSelect(revealable.map((u) => u.unitId))}
          disabled={busy}
          data-testid="bulk-select-all"
        >
          {t('bulkReveal.selectAllRevealable')}
        </Button>
        {chosen.length > 0 && (
          <Button size={size} type="text" onClick={() => onSelect([])} disabled={busy}>
            {t('bulkReveal.clear')}
          </Button>
        )}
        <Button
          size={size}
          type="primary"
          disabled={chosen.length === 0}
          loading={busy && !confirmOpen}
          onClick={start}
          data-testid="bulk-reveal"
          data-count={chosen.length}
        >
          {sealedChosen > 0
            ? t('bulkReveal.revealN', { count: chosen.length })
            : t('bulkReveal.showN', { count: chosen.length })}
        </Button>
      </Space>
      <Modal
        open={confirmOpen}
        width={DIALOG_WIDTH}
        title={t('bulkReveal.confirmTitle', { count: sealedChosen })}
        onOk={() => void reveal(true)}
        onCancel={() => !busy && setConfirmOpen(false)}
        okText={t('bulkReveal.confirmOk', { count: chosen.length })}
        cancelText={t('common.cancel')}
        okButtonProps={{ ...OK_PROPS, size }}
        cancelButtonProps={{ disabled: busy, size }}
        confirmLoading={busy}
        closable={!busy}
        maskClosable={!busy}
        destroyOnHidden
        modalRender={modalTestId('bulk-reveal-confirm')}
      >
        <ErrorAlert error={error} />
        <Typography.Paragraph
          data-testid="bulk-reveal-count"
          data-sealed={sealedChosen}
          data-total={chosen.length}
        >
          {t('bulkReveal.confirmCount', {
            sealed: sealedChosen,
            total: chosen.length,
            version: policy?.version ?? '',
          })}
        </Typography.Paragraph>
        {policy && (
          <Alert
            type="warning"
            showIcon
            data-testid="bulk-reveal-policy-note"
            data-policy={revealRefundCase(policy)}
            title={revealRefundNotes(policy, t).map((line) => (
              <div key={line}>{line}</div>
            ))}
            style={{ marginBottom: 12 }}
          />
        )}
        {chosen.length > sealedChosen && (
          <Typography.Paragraph>
            {t('bulkReveal.confirmAlso', { count: chosen.length - sealedChosen })}
          </Typography.Paragraph>
        )}
        <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
          {busy ? t('bulkReveal.working', { count: chosen.length }) : t('myKeys.qualityNote')}
        </Typography.Paragraph>
      </Modal>
      <Modal
        open={result !== null}
        width={DIALOG_WIDTH}
        title={`${t('bulkReveal.resultTitle', { count: items.length })} · ${order.productName ?? ''}`}
        onCancel={() => setResult(null)}
        footer={
          <Button
            type="primary"
            size={size}
            onClick={() => setResult(null)}
            data-testid="bulk-revealed-close"
          >
            {t('myKeys.close')}
          </Button>
        }
        destroyOnHidden
        modalRender={modalTestId('bulk-revealed-modal')}
      >
        {result && (
          <Space orientation="vertical" size={12} style={{ width: '100%' }}>
            {result.firstReveals > 0 && (
              <Alert
                type="info"
                showIcon
                title={t('bulkReveal.firstReveals', { count: result.firstReveals })}
              />
            )}
            {result.skipped.length > 0 && (
              <Alert
                type="warning"
                showIcon
                title={t('bulkReveal.skipped', { count: result.skipped.length })}
              />
            )}
            <Space wrap size={8}>
              <Button size={size} type="primary" onClick={() => void copyAll()} data-testid="bulk-copy">
                {t('bulkReveal.copyAll')}
              </Button>
              <Button
                size={size}
                onClick={() => saveText(`${fileBase}.txt`, keysToText(items), 'text/plain;charset=utf-8')}
                data-testid="bulk-download-txt"
              >
                {t('bulkReveal.downloadTxt')}
              </Button>
              <Button
                size={size}
                onClick={() =>
                  saveText(
                    `${fileBase}.csv`,
                    keysToCsv(items, {
                      index: t('bulkReveal.index'),
                      serial: t(`myKeys.serialLabel.${productType}`),
                      secret: t(`myKeys.secretLabel.${productType}`),
                    }),
                    'text/csv;charset=utf-8',
                  )
                }
                data-testid="bulk-download-csv"
              >
                {t('bulkReveal.downloadCsv')}
              </Button>
            </Space>
            <ol
              data-testid="bulk-secrets"
              style={{ maxHeight: '50vh', overflowY: 'auto', margin: 0, paddingInlineStart: 36 }}
            >
              {items.map((k) => (
                <li key={k.unitId} data-testid="bulk-secret-row" style={{ padding: '4px 0' }}>
                  {k.serial !== null && (
                    <div style={{ wordBreak: 'break-all' }}>
                      <Typography.Text type="secondary">
                        {t(`myKeys.serialLabel.${productType}`)}：
                      </Typography.Text>
                      <Typography.Text code data-testid="bulk-serial">
                        {k.serial}
                      </Typography.Text>
                    </div>
                  )}
                  <div style={{ wordBreak: 'break-all' }}>
                    <Typography.Text type="secondary">
                      {t(`myKeys.secretLabel.${productType}`)}：
                    </Typography.Text>
                    <Typography.Text code data-testid="bulk-secret">
                      {k.secret}
                    </Typography.Text>
                  </div>
                </li>
              ))}
            </ol>
            <Typography.Text type="secondary">
              {formatTime(items[0]?.revealedAt, lang, true)} · {t('bulkReveal.note')}
            </Typography.Text>
            {result.budget && (
              <Typography.Text type="secondary" data-testid="bulk-budget">
                {t('bulkReveal.budget', {
                  spent: result.budget.spent,
                  limit: result.budget.limit,
                  resetAt: formatTime(result.budget.resetAt, lang),
                })}
              </Typography.Text>
            )}
          </Space>
        )}
      </Modal>
    </>
  );
}
