import { Alert, App as AntApp, Button, Descriptions, Modal, Space, Typography, type ButtonProps } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { modalTestId } from '../../components/modalTestId';
import { ErrorAlert, useErrorText } from '../../components/QueryState';
import { formatTime } from '../../format';
import { useLang } from '../../i18n';
import type { KeyState, RevealResult, Unit } from '../../types';
import { revealRefundCase, revealRefundNotes } from './revealNotes';

/** Dialogs never wider than the screen less 16 px each side. */
const DIALOG_WIDTH = 'min(520px, calc(100vw - 32px))';

const REVEALABLE: readonly KeyState[] = ['SEALED', 'REVEALED', 'ACTIVATED'];
const OK_BUTTON_PROPS: ButtonProps & { 'data-testid': string } = { 'data-testid': 'reveal-ok' };

function SecretText({ value, testId }: { value: string; testId: string }) {
  return (
    <Space size={8} align="start">
      <Typography.Text code data-testid={testId} style={{ fontSize: 16, wordBreak: 'break-all' }}>
        {value}
      </Typography.Text>
      <Typography.Text copyable={{ text: value }} data-testid={`${testId}-copy`} />
    </Space>
  );
}

/** 拆封 warning for a sealed unit, under the policy this unit was bought with. */
function ConfirmBody({ unit, error }: { unit: Unit; error: unknown }) {
  const { t } = useTranslation();
  return (
    <>
      <ErrorAlert error={error} />
      <Typography.Paragraph>
        {t('myKeys.confirmIntro', { version: unit.policy.version })}
      </Typography.Paragraph>
      <Alert
        type="warning"
        showIcon
        data-testid="reveal-policy-note"
        data-policy={revealRefundCase(unit.policy)}
        title={revealRefundNotes(unit.policy, t).map((line) => (
          <div key={line}>{line}</div>
        ))}
        style={{ marginBottom: 12 }}
      />
      <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
        {t('myKeys.qualityNote')}
      </Typography.Paragraph>
    </>
  );
}

/**
 * 查看卡密: a sealed unit first gets the 拆封 confirmation; revealed/activated ones are shown at once.
 * The secret lives only in this component's state and is dropped when its dialog closes — it never
 * goes through the query cache or storage.
 */
export function RevealButton({
  unit,
  onRevealed,
  size = 'small',
}: {
  unit: Unit;
  onRevealed: () => void;
  /** `large` on phones: a 40-px touch target. */
  size?: ButtonProps['size'];
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const { message } = AntApp.useApp();
  const errorText = useErrorText();
  const [confirmOpen, setConfirmOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [revealed, setRevealed] = useState<RevealResult | null>(null);

  const reveal = async (fromConfirm: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const result = await api.revealUnit(unit.unitId);
      setConfirmOpen(false);
      setRevealed(result);
      onRevealed();
    } catch (err) {
      if (fromConfirm) setError(err);
      else void message.error(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const onClick = () => {
    if (unit.state === 'SEALED') {
      setError(null);
      setConfirmOpen(true);
    } else {
      void reveal(false);
    }
  };

  return (
    <>
      <Button
        size={size}
        type={unit.state === 'SEALED' ? 'primary' : 'default'}
        disabled={!REVEALABLE.includes(unit.state)}
        loading={busy && !confirmOpen}
        onClick={onClick}
        data-testid="unit-reveal"
      >
        {t('myKeys.reveal')}
      </Button>
      <Modal
        open={confirmOpen}
        width={DIALOG_WIDTH}
        title={t('myKeys.confirmTitle')}
        onOk={() => void reveal(true)}
        onCancel={() => setConfirmOpen(false)}
        okText={t('myKeys.confirmOk')}
        cancelText={t('common.cancel')}
        okButtonProps={OK_BUTTON_PROPS}
        confirmLoading={busy}
        destroyOnHidden
        modalRender={modalTestId('reveal-confirm')}
      >
        <ConfirmBody unit={unit} error={error} />
      </Modal>
      <Modal
        open={revealed !== null}
        width={DIALOG_WIDTH}
        title={`${t('myKeys.revealedTitle')} · ${unit.productName}`}
        onCancel={() => setRevealed(null)}
        footer={
          <Button type="primary" onClick={() => setRevealed(null)} data-testid="revealed-close">
            {t('myKeys.close')}
          </Button>
        }
        destroyOnHidden
        modalRender={modalTestId('revealed-modal')}
      >
        {revealed && (
          <Space orientation="vertical" size={12} style={{ width: '100%' }}>
            {revealed.firstReveal && <Alert type="info" showIcon title={t('myKeys.firstRevealNote')} />}
            <Descriptions
              size="small"
              column={1}
              bordered
              items={[
                ...(revealed.serial !== null
                  ? [
                      {
                        key: 'serial',
                        label: t(`myKeys.serialLabel.${unit.productType}`),
                        children: <SecretText value={revealed.serial} testId="revealed-serial" />,
                      },
                    ]
                  : []),
                {
                  key: 'secret',
                  label: t(`myKeys.secretLabel.${unit.productType}`),
                  children: <SecretText value={revealed.secret} testId="revealed-secret" />,
                },
                {
                  key: 'at',
                  label: t('myKeys.revealedAt'),
                  children: formatTime(revealed.revealedAt, lang, true),
                },
              ]}
            />
            <Typography.Text type="secondary">{t('myKeys.secretNote')}</Typography.Text>
          </Space>
        )}
      </Modal>
    </>
  );
}
