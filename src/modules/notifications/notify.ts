/**
 * Notifications (Stage 4): an in-app notification centre, and an outbox the sweeper drains to
 * e-mail (nodemailer) and SMS. `notify()` runs inside the transaction of the change it reports,
 * so a notification exists exactly when its change committed; delivery happens after, with retries.
 */
import { now, type Db } from '../../platform/db/dialect.js';
import { newOrderedId } from '../../platform/ids.js';

export type NotificationKind =
  | 'REFUND_NEW' // merchant: a new request to review
  | 'REFUND_INFO_REQUESTED' // buyer: the reviewer asks for more material
  | 'REFUND_SUPPLEMENTED' // reviewer: the buyer answered
  | 'REFUND_DECISION' // buyer: approved or rejected
  | 'REFUND_ESCALATED' // merchant: the buyer escalated
  | 'PAYOUT_STATUS' // buyer: money arrived, or a problem
  | 'PAYOUT_DELAYED' // buyer and support: 到账延迟
  | 'WITHDRAWAL_STATUS' // merchant: a withdrawal was paid, or failed and its money returned
  | 'DEADLINE_APPROACHING' // reviewer or buyer
  | 'SUPPORT_QUEUE' // support: a request or payout needs a person
  | 'MESSAGE' // a new conversation message
  | 'DISPUTE_UPDATE' // parties: a dispute opened, the other side submitted, arbitration began
  | 'DISPUTE_DECIDED' // parties: the arbitrator's final decision
  | 'MERCHANT_VIOLATION' // merchant: a violation and its penalties, or a suspension
  | 'ACCOUNT_SECURITY'; // the owner: logins to the account cool down after failures from elsewhere

export interface NotificationText {
  titleZh: string;
  titleEn: string;
  bodyZh: string;
  bodyEn: string;
}

export interface NotifyInput extends NotificationText {
  kind: NotificationKind;
  link?: string;
  object?: { type: string; id: string };
}

export async function notify(
  trx: Db,
  userIds: readonly string[],
  input: NotifyInput,
  at: Date,
): Promise<void> {
  let ids = [...new Set(userIds)];
  if (ids.length === 0) return;
  // A channel shop's buyer is a login-less owner of its channel orders (ADR 0008): nobody reads
  // its inbox — the channel buyer hears from the channel.
  const channelBuyers = await trx
    .selectFrom('users')
    .select('id')
    .where('id', 'in', ids)
    .where('channel_shop_id', 'is not', null)
    .execute();
  if (channelBuyers.length > 0) {
    const skip = new Set(channelBuyers.map((u) => u.id));
    ids = ids.filter((id) => !skip.has(id));
    if (ids.length === 0) return;
  }
  await trx
    .insertInto('notifications')
    .values(
      ids.map((userId) => ({
        id: newOrderedId(at.getTime()),
        user_id: userId,
        kind: input.kind,
        title_zh: input.titleZh,
        title_en: input.titleEn,
        body_zh: input.bodyZh,
        body_en: input.bodyEn,
        link: input.link ?? null,
        object_type: input.object?.type ?? null,
        object_id: input.object?.id ?? null,
        created_at: now(at),
        read_at: null,
      })),
    )
    .execute();
  const contacts = await trx.selectFrom('users').select(['email', 'phone']).where('id', 'in', ids).execute();
  const outbox = contacts.flatMap((u) => [
    ...(u.email
      ? [
          {
            channel: 'EMAIL' as const,
            recipient: u.email,
            subject: `【Kameng】${input.titleZh}`,
            body: `${input.bodyZh}\n\n${input.bodyEn}`,
          },
        ]
      : []),
    ...(u.phone
      ? [
          {
            channel: 'SMS' as const,
            recipient: u.phone,
            subject: input.titleZh,
            body: `【Kameng】${input.bodyZh}`,
          },
        ]
      : []),
  ]);
  if (outbox.length)
    await trx
      .insertInto('outbox')
      .values(
        outbox.map((o) => ({
          id: newOrderedId(at.getTime()),
          ...o,
          state: 'PENDING' as const,
          attempts: 0,
          last_error: null,
          created_at: now(at),
          sent_at: null,
        })),
      )
      .execute();
}

/** Users who act for a merchant (its owner account) and platform support staff. */
export async function merchantUsers(trx: Db, merchantId: string | null): Promise<string[]> {
  if (!merchantId) return [];
  const m = await trx
    .selectFrom('merchants')
    .select('owner_user_id')
    .where('id', '=', merchantId)
    .executeTakeFirst();
  return m ? [m.owner_user_id] : [];
}

export async function supportUsers(trx: Db): Promise<string[]> {
  const rows = await trx
    .selectFrom('users')
    .select('id')
    .where('role', '=', 'support')
    .where('status', '=', 'ACTIVE')
    .limit(50)
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Queues one e-mail to an address, inside the caller's transaction: for mail that goes to an
 * address rather than to a user's notification centre (registration confirmations, password
 * resets). The sweeper delivers it like any other outbox row.
 */
export async function queueEmail(
  trx: Db,
  mail: { to: string; subject: string; text: string },
  at: Date,
): Promise<void> {
  await trx
    .insertInto('outbox')
    .values({
      id: newOrderedId(at.getTime()),
      channel: 'EMAIL',
      recipient: mail.to,
      subject: mail.subject,
      body: mail.text,
      state: 'PENDING',
      attempts: 0,
      last_error: null,
      created_at: now(at),
      sent_at: null,
    })
    .execute();
}
