import { useTranslation } from 'react-i18next';

const ACTORS = [
  'buyer',
  'merchant',
  'system',
  'support',
  'arbitrator',
  'admin',
  'issuer',
  'channel',
] as const;
type KnownActor = (typeof ACTORS)[number];
const isKnownActor = (a: string): a is KnownActor => (ACTORS as readonly string[]).includes(a);

/**
 * Steps the platform takes by itself, whoever's request set them off: delivery, releases on
 * expiry, settlement, money moving (payouts, ledger postings), refunds arriving, automatic
 * approvals. They read as 系统, never as the buyer whose payment or request started them.
 */
const SYSTEM_STEPS: ReadonlySet<string> = new Set([
  // order timeline (audit actions)
  'order.delivered',
  'order.expired',
  'order.settled',
  'order.refunded',
  'payout.created',
  'payout.processing',
  'payout.success',
  'payout.abnormal',
  'payout.closed',
  'membership.started',
  'ledger.posted',
  // refund request timeline
  'refund.refunding',
  'refund.refunded',
  'refund.refund_abnormal',
  'refund.payout_delayed',
  // key events
  'DELIVERED',
  'RELEASED',
]);

/** A refund request's timeline entry decided by the platform's rules (AUTO_… decision codes). */
export const isAutomaticDecision = (data: unknown): boolean =>
  typeof data === 'object' &&
  data !== null &&
  typeof (data as { code?: unknown }).code === 'string' &&
  (data as { code: string }).code.startsWith('AUTO_');

/**
 * Who acted, in words (买家 / 商家 / 系统 …); a system job's label (`system:payouts`) reads as 系统,
 * an unknown role label is shown as it is. With `step` (the audit action or key event kind), the
 * platform's own steps read as 系统 whoever's request set them off; `automatic` says the same of
 * one entry (an automatic approval).
 */
export function ActorText({ actor, step, automatic }: { actor: string; step?: string; automatic?: boolean }) {
  const { t } = useTranslation();
  // staff read "buyer 0193…-uuid": the role in words and a short reference, never the raw id
  const [label = actor, id] = actor.split(' ');
  const role =
    automatic || (step !== undefined && SYSTEM_STEPS.has(step))
      ? 'system'
      : label.startsWith('system:') || label.startsWith('gateway:')
        ? 'system'
        : label;
  if (!isKnownActor(role)) return <>{actor}</>;
  return (
    <>
      {t(`actor.${role}`)}
      {id && role !== 'system' ? ` #${id.replace(/-/g, '').slice(-6)}` : ''}
    </>
  );
}
