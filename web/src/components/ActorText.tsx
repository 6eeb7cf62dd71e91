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
 * Who acted, in words (买家 / 商家 / 系统 …); a system job's label (`system:payouts`) reads as 系统,
 * an unknown role label is shown as it is.
 */
export function ActorText({ actor }: { actor: string }) {
  const { t } = useTranslation();
  const role = actor.startsWith('system:') ? 'system' : actor;
  return <>{isKnownActor(role) ? t(`actor.${role}`) : actor}</>;
}
