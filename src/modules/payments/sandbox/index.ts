/**
 * The built-in sandbox payment gateways, `sandbox-wechat` and `sandbox-alipay`, made once at boot
 * (keys are loaded, or created on first use, before any request: `verifyNotification` is
 * synchronous). The app registers each as a PaymentGateway, calls `tick` from the sweeper, and
 * mounts `sandboxRoutes` for the pay page and the admin switches.
 */
import { fail } from '../../../platform/errors.js';
import type { Provider } from '../gateway.js';
import { SandboxGateway, type SandboxDeps } from './gateway.js';
import { emptyTickReport, type SandboxSettings, type TickReport } from './outbox.js';
import { TEST_PAYERS, type TestPayer } from './payers.js';

export { SandboxGateway, type SandboxDeps, type SandboxPaymentView } from './gateway.js';
export type { Deliver, SandboxSettings, TickReport } from './outbox.js';
export type { OutgoingNotification, DeliveryReply } from './wire.js';
export { TEST_PAYERS, findPayer, payersOf, type TestPayer } from './payers.js';

export const SANDBOX_PROVIDERS: readonly Provider[] = ['sandbox-wechat', 'sandbox-alipay'];

/** One notification as the admin page lists it. */
export interface SandboxNotificationView {
  id: string;
  provider: string;
  kind: 'PAYMENT' | 'REFUND';
  /** out_trade_no or out_refund_no: Kameng's id of what it is about. */
  reference: string | null;
  state: 'PENDING' | 'DELIVERED' | 'GAVE_UP';
  attempts: number;
  duplicatesLeft: number;
  lastStatus: number | null;
  nextAttemptAt: Date;
  createdAt: Date;
  deliveredAt: Date | null;
}

export interface SandboxGateways {
  readonly gateways: ReadonlyMap<Provider, SandboxGateway>;
  readonly payers: readonly TestPayer[];
  /** The gateway of a provider name from a URL; `payment.unknown_provider` otherwise. */
  get(provider: string): SandboxGateway;
  /** The gateway holding a sandbox payment id (the pay page's id); `sandbox.payment_not_found` otherwise. */
  forPayment(paymentId: string): Promise<SandboxGateway>;
  /** Runs every provider's due work (refund outcomes, closes, deliveries) at `at`; totals. */
  tick(at?: Date): Promise<TickReport>;
  settings(provider: Provider): Promise<SandboxSettings>;
  recentNotifications(limit: number): Promise<SandboxNotificationView[]>;
}

const isProvider = (p: string): p is Provider => (SANDBOX_PROVIDERS as readonly string[]).includes(p);

export async function createSandboxGateways(deps: SandboxDeps): Promise<SandboxGateways> {
  const gateways = new Map<Provider, SandboxGateway>();
  for (const provider of SANDBOX_PROVIDERS) gateways.set(provider, await SandboxGateway.open(provider, deps));
  const get = (provider: string): SandboxGateway =>
    (isProvider(provider) ? gateways.get(provider) : undefined) ?? fail('payment.unknown_provider');

  return {
    gateways,
    payers: TEST_PAYERS,
    get,
    async forPayment(paymentId) {
      const row = await deps.db
        .selectFrom('sandbox_gateway_payments')
        .select('provider')
        .where('id', '=', paymentId)
        .executeTakeFirst();
      if (!row || !isProvider(row.provider)) fail('sandbox.payment_not_found');
      return get(row.provider);
    },
    async tick(at = deps.clock.now()) {
      const total = emptyTickReport();
      for (const gateway of gateways.values()) {
        const r = await gateway.tick(at);
        for (const k of Object.keys(total) as (keyof TickReport)[]) total[k] += r[k];
      }
      return total;
    },
    settings: (provider) => get(provider).settings(),
    async recentNotifications(limit) {
      const rows = await deps.db
        .selectFrom('sandbox_gateway_notifications')
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      const ids = (kind: 'PAYMENT' | 'REFUND') => rows.filter((r) => r.kind === kind).map((r) => r.target_id);
      const payments = ids('PAYMENT');
      const refunds = ids('REFUND');
      const refs = new Map<string, string>();
      if (payments.length > 0) {
        const found = await deps.db
          .selectFrom('sandbox_gateway_payments')
          .select(['id', 'out_trade_no'])
          .where('id', 'in', payments)
          .execute();
        for (const p of found) refs.set(p.id, p.out_trade_no);
      }
      if (refunds.length > 0) {
        const found = await deps.db
          .selectFrom('sandbox_gateway_refunds')
          .select(['id', 'out_refund_no'])
          .where('id', 'in', refunds)
          .execute();
        for (const r of found) refs.set(r.id, r.out_refund_no);
      }
      return rows.map((r) => ({
        id: r.id,
        provider: r.provider,
        kind: r.kind,
        reference: refs.get(r.target_id) ?? null,
        state: r.state,
        attempts: r.attempts,
        duplicatesLeft: r.extra_deliveries,
        lastStatus: r.last_status,
        nextAttemptAt: new Date(r.next_attempt_at),
        createdAt: new Date(r.created_at),
        deliveredAt: r.delivered_at ? new Date(r.delivered_at) : null,
      }));
    },
  };
}
