import { Space, Tag, Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';
import { contentKey, useLang } from '../i18n';
import type { Badge, BadgeTone, KeyState, MemberLevel, ProductStatus, ProductType } from '../types';

const TONE_COLOR: Record<BadgeTone, string> = {
  success: 'success',
  warning: 'warning',
  error: 'error',
  info: 'processing',
};

/** Policy / merchant badges as coloured tags in the current language. */
export function BadgeTags({ badges, testId }: { badges: Badge[]; testId?: string }) {
  const lang = useLang();
  const key = contentKey(lang);
  return (
    <Space size={[4, 4]} wrap data-testid={testId}>
      {badges.map((b) => (
        <Tag key={b.code} color={TONE_COLOR[b.tone]} data-badge-code={b.code}>
          {b[key]}
        </Tag>
      ))}
    </Space>
  );
}

/** Union of badge lists, de-duplicated by code, first occurrence wins. */
export function mergeBadges(...lists: Badge[][]): Badge[] {
  const seen = new Set<string>();
  const out: Badge[] = [];
  for (const list of lists) {
    for (const b of list) {
      if (seen.has(b.code)) continue;
      seen.add(b.code);
      out.push(b);
    }
  }
  return out;
}

const TYPE_COLOR: Record<ProductType, string> = {
  CARD_KEY: 'geekblue',
  LICENSE_KEY: 'purple',
  ACCOUNT: 'cyan',
  ENTITLEMENT: 'gold',
};

export function ProductTypeTag({ type }: { type: ProductType }) {
  const { t } = useTranslation();
  return <Tag color={TYPE_COLOR[type]}>{t(`productType.${type}`)}</Tag>;
}

const LEVEL_COLOR: Record<MemberLevel, string> = { REGULAR: 'default', VIP: 'blue', SUPER: 'volcano' };

/** Staff wear their role (平台客服, 仲裁员, 管理员, 商家) where a buyer wears a member level. */
export function RoleTag({ role }: { role: 'merchant' | 'support' | 'arbitrator' | 'admin' }) {
  const { t } = useTranslation();
  return (
    <Tag color={role === 'merchant' ? 'geekblue' : 'purple'} data-role={role} data-testid="role-tag">
      {t(`actor.${role}`)}
    </Tag>
  );
}

export function LevelTag({ level, long = false }: { level: MemberLevel; long?: boolean }) {
  const { t } = useTranslation();
  return (
    <Tag color={LEVEL_COLOR[level]} data-level={level}>
      {long ? t(`level.long.${level}`) : t(`level.short.${level}`)}
    </Tag>
  );
}

const STATUS_COLOR: Record<ProductStatus, string> = {
  DRAFT: 'default',
  ON_SALE: 'success',
  OFF_SALE: 'warning',
};

export function StatusTag({ status }: { status: ProductStatus }) {
  const { t } = useTranslation();
  return <Tag color={STATUS_COLOR[status]}>{t(`status.${status}`)}</Tag>;
}

const KEY_STATE_COLOR: Record<KeyState, string> = {
  AVAILABLE: 'green',
  RESERVED: 'gold',
  SEALED: 'blue',
  REVEALED: 'orange',
  ACTIVATED: 'purple',
  VOIDED: 'default',
  INVALID: 'red',
};

/** 卡密 state (未拆封 / 已拆封 …); `data-state` carries the code. */
export function KeyStateTag({ state }: { state: KeyState }) {
  const { t } = useTranslation();
  return (
    <Tag color={KEY_STATE_COLOR[state]} data-state={state} data-testid="key-state">
      {t(`keyState.${state}`)}
    </Tag>
  );
}

/** Red 提前激活 tag: the key was activated before it was delivered. */
export function EarlyActivationTag() {
  const { t } = useTranslation();
  return (
    <Tooltip title={t('keys.activatedBeforeDeliveryHelp')}>
      <Tag color="red" data-testid="activated-before-delivery">
        {t('keys.activatedBeforeDelivery')}
      </Tag>
    </Tooltip>
  );
}
