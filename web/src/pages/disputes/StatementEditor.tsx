import { useMutation, useQueryClient } from '@tanstack/react-query';
import { App as AntApp, Alert, Button, Card, Flex, Form, Input, Modal, Space, Typography } from 'antd';
import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { modalTestId } from '../../components/modalTestId';
import { useErrorText } from '../../components/QueryState';
import { formatBytes } from '../../format';
import type { Dispute, DisputeParty, EvidenceFileRef, StatementFile } from '../../types';
import { EvidenceUpload, MAX_EVIDENCE_FILES, type EvidenceState } from '../aftersales/EvidenceUpload';
import { StatementView } from './DisputeParts';
import { disputeKey, invalidateDisputes, isVersionConflict } from './queries';

/** The server's limit on a statement. */
export const STATEMENT_MAX = 2000;
const NO_FILES: EvidenceState = { files: [], uploading: false };

interface Values {
  text: string;
}

/**
 * The party's own statement: while the evidence is open, a draft it edits (text and files, saved
 * as often as it likes) and submits once after a confirmation — submitting saves what is shown
 * first, so what is submitted is what the party sees. Afterwards, the statement as submitted.
 */
export function OwnStatement({ d, party }: { d: Dispute; party: DisputeParty }) {
  const { t } = useTranslation();
  const mine = d.statements.find((s) => s.party === party);
  const editable = d.actions.includes('SAVE_STATEMENT');
  return (
    <Card title={t('disputes.statement.mine')} data-testid="own-statement" data-party={party}>
      {editable ? (
        <StatementEditor d={d} party={party} />
      ) : mine ? (
        <Space orientation="vertical" size={8} style={{ width: '100%' }}>
          {mine.state !== 'SUBMITTED' && (
            <Alert type="warning" showIcon title={t('disputes.statement.closedUnsent')} />
          )}
          <StatementView s={mine} requestId={d.requestId} />
        </Space>
      ) : (
        <Typography.Text type="secondary">
          {d.state === 'EVIDENCE' ? t('disputes.statement.notSubmitted') : t('disputes.statement.closed')}
        </Typography.Text>
      )}
    </Card>
  );
}

function StatementEditor({ d, party }: { d: Dispute; party: DisputeParty }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const { message } = AntApp.useApp();
  const errorText = useErrorText();
  const mine = d.statements.find((s) => s.party === party);
  const [form] = Form.useForm<Values>();
  // Files already in the saved draft (kept unless removed here) and those uploaded since the last save.
  const [removed, setRemoved] = useState<ReadonlySet<string>>(new Set());
  const kept: StatementFile[] = (mine?.files ?? []).filter((f) => !removed.has(f.sha256));
  const [evidence, setEvidence] = useState<EvidenceState>(NO_FILES);
  const [uploadKey, setUploadKey] = useState(0);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const onEvidence = useCallback((s: EvidenceState) => setEvidence(s), []);

  const files = (): EvidenceFileRef[] => {
    const all = [...kept.map((f) => ({ sha256: f.sha256, name: f.name })), ...evidence.files];
    return all.filter((f, i) => all.findIndex((g) => g.sha256 === f.sha256) === i);
  };
  const refresh = async () => {
    invalidateDisputes(qc);
    await qc.invalidateQueries({ queryKey: disputeKey(d.id) });
  };
  const onError = (err: unknown) => {
    if (isVersionConflict(err)) {
      void message.warning(t('disputes.versionConflict'));
      void refresh();
      return;
    }
    setError(err);
  };
  const save = useMutation({
    mutationFn: (text: string) =>
      api.saveStatement(d.id, { text, files: files(), version: mine?.version ?? 0 }),
    onMutate: () => setError(null),
  });
  const submit = useMutation({
    mutationFn: async (text: string) => {
      const saved = await api.saveStatement(d.id, { text, files: files(), version: mine?.version ?? 0 });
      await api.submitStatement(d.id, saved.version);
    },
    onMutate: () => setError(null),
  });

  // a draft may be saved half-written; only submitting needs the text
  const text = () => (form.getFieldValue('text') as string | undefined)?.trim() ?? '';
  const onSave = () =>
    save.mutate(text(), {
      onSuccess: () => {
        void message.success(t('disputes.statement.saved'));
        // the saved draft now holds the new uploads: the upload field starts afresh once it is read
        void refresh().then(() => {
          setRemoved(new Set());
          setUploadKey((k) => k + 1);
        });
      },
      onError,
    });
  const onSubmit = () =>
    submit.mutate(text(), {
      onSuccess: () => {
        setConfirming(false);
        void message.success(t('disputes.statement.submitted'));
        void refresh();
      },
      onError: (err) => {
        setConfirming(false);
        onError(err);
      },
    });
  const openConfirm = () =>
    void form
      .validateFields()
      .then(() => setConfirming(true))
      .catch(() => undefined);

  const room = MAX_EVIDENCE_FILES - kept.length;
  return (
    <Space orientation="vertical" size={12} style={{ width: '100%' }} data-testid="statement-editor">
      <Form<Values>
        form={form}
        layout="vertical"
        requiredMark={false}
        initialValues={{ text: mine?.text ?? '' }}
      >
        <Form.Item
          name="text"
          label={t('disputes.statement.text')}
          rules={[
            { required: true, whitespace: true, min: 2, message: t('disputes.statement.textRequired') },
          ]}
        >
          <Input.TextArea
            rows={6}
            maxLength={STATEMENT_MAX}
            showCount
            placeholder={t('disputes.statement.textPlaceholder')}
            data-testid="statement-text-input"
          />
        </Form.Item>
        <Form.Item label={t('disputes.statement.files')} extra={t('disputes.statement.evidenceNote')}>
          <Space orientation="vertical" size={8} style={{ width: '100%' }}>
            {kept.length > 0 && (
              <div data-testid="statement-saved-files">
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {t('disputes.statement.savedFiles')} · {t('disputes.statement.draftFilesHint')}
                </Typography.Text>
                {kept.map((f) => (
                  <Flex
                    key={f.sha256}
                    justify="space-between"
                    align="center"
                    gap={8}
                    data-testid="statement-saved-file"
                  >
                    <Typography.Text ellipsis={{ tooltip: f.name }} style={{ minWidth: 0, flex: 1 }}>
                      {f.name}
                    </Typography.Text>
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {formatBytes(f.size)}
                    </Typography.Text>
                    <Button
                      size="small"
                      type="link"
                      danger
                      onClick={() => setRemoved((r) => new Set([...r, f.sha256]))}
                    >
                      {t('disputes.statement.removeFile')}
                    </Button>
                  </Flex>
                ))}
              </div>
            )}
            {room > 0 && <EvidenceUpload key={uploadKey} onChange={onEvidence} testId="statement-upload" />}
          </Space>
        </Form.Item>
      </Form>
      {error !== null && (
        <Alert type="error" showIcon title={errorText(error)} data-testid="statement-error" />
      )}
      <Flex gap={8} wrap justify="flex-end">
        <Button
          onClick={onSave}
          loading={save.isPending}
          disabled={evidence.uploading || submit.isPending}
          data-testid="statement-save"
        >
          {t('disputes.statement.save')}
        </Button>
        {/* the first save makes the statement; submitting saves first, so it may be offered at once */}
        <Button
          type="primary"
          onClick={openConfirm}
          disabled={evidence.uploading || save.isPending}
          data-testid="statement-submit"
        >
          {t('disputes.statement.submit')}
        </Button>
      </Flex>
      <Modal
        open={confirming}
        title={t('disputes.statement.submitTitle')}
        onCancel={() => setConfirming(false)}
        modalRender={modalTestId('statement-confirm')}
        footer={
          <Space>
            <Button onClick={() => setConfirming(false)} data-testid="statement-confirm-cancel">
              {t('common.cancel')}
            </Button>
            <Button
              type="primary"
              danger
              loading={submit.isPending}
              onClick={onSubmit}
              data-testid="statement-confirm-ok"
            >
              {t('disputes.statement.submitOk')}
            </Button>
          </Space>
        }
      >
        <Alert type="warning" showIcon title={t('disputes.statement.submitConfirm')} />
      </Modal>
    </Space>
  );
}
