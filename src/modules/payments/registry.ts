import type { DataContext } from '../../platform/context.js';
import type { Actor } from '../../platform/actor.js';
import type { Db } from '../../platform/db/dialect.js';
import type { PaymentMethod, PayoutState, Row } from '../../platform/db/schema.js';
import type { ErrorLogger } from '../../platform/logger.js';
import { fail } from '../../platform/errors.js';
import type { GatewayMethod, PaymentGateway, Provider } from './gateway.js';

/** The gateways this instance can use, by provider name and by payment method. */
export class GatewayRegistry {
  private readonly byProvider = new Map<string, PaymentGateway>();
  private readonly byMethod = new Map<GatewayMethod, PaymentGateway>();
  constructor(gateways: Iterable<PaymentGateway>) {
    for (const g of gateways) {
      this.byProvider.set(g.provider, g);
      if (!this.byMethod.has(g.method)) this.byMethod.set(g.method, g);
    }
  }
  get(provider: string): PaymentGateway {
    return this.byProvider.get(provider) ?? fail('payment.unknown_provider');
  }
  forMethod(method: PaymentMethod): PaymentGateway {
    if (method !== 'WECHAT' && method !== 'ALIPAY') fail('order.method_not_allowed');
    return this.byMethod.get(method) ?? fail('payment.unknown_provider');
  }
  providers(): Provider[] {
    return [...this.byProvider.values()].map((g) => g.provider);
  }
}

/**
 * What payments tells the modules that own the outcome, in the transaction of the change. Payments
 * knows nothing of orders or refund requests; the app wires these ports (app.ts), so the
 * dependency stays one-way: orders → payments, aftersales → payments.
 */
export interface PaymentPorts {
  /**
   * A verified gateway payment (a notification, or a query during reconciliation) for `payment`,
   * whose row is locked and not yet PAID: the order's owner records it and delivers — or, for a
   * late payment it can no longer honour, pays it back. Returns whether the money goes back.
   */
  paymentReceived(
    trx: Db,
    c: { actor: Actor; at: Date },
    payment: Row<'payments'>,
    facts: { providerTradeNo: string | null; payerRef: string | null },
  ): Promise<{ paidBack: boolean }>;
  /**
   * A payout moved to `to`; `replaced` is false when a CLOSED payout got no replacement (retries
   * exhausted) — the money is then stuck until a person acts.
   */
  payoutChanged(
    trx: Db,
    c: { at: Date },
    payout: Row<'payouts'>,
    to: PayoutState,
    replaced: boolean,
  ): Promise<void>;
}

/** What payment use cases need: data access, the gateways and the ports to their outcomes' owners. */
export type PaymentsContext = DataContext & {
  gateways: GatewayRegistry;
  ports: PaymentPorts;
  log?: ErrorLogger;
};

/** The provider name recorded for wallet payments and payouts. */
export const BALANCE_PROVIDER = 'balance';
