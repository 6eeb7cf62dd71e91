import type { DataContext } from '../../platform/context.js';
import type { PaymentMethod } from '../../platform/db/schema.js';
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

/** What payment use cases need: data access plus the gateways. */
export type PaymentsContext = DataContext & { gateways: GatewayRegistry };

/** The provider name recorded for wallet payments and payouts. */
export const BALANCE_PROVIDER = 'balance';
