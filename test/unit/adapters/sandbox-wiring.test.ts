/**
 * Local runs charge through the sandbox: building their wiring must not load the Stripe SDK,
 * which the Lambda bundles leave to a layer that local runs do not have.
 */
import type { RechargeConfig } from '../../../functions/config';

const SANDBOX: RechargeConfig = { tableName: 'billing', payments: { kind: 'sandbox' }, endpoints: {} };

describe('Function: rechargeWiringFrom', () => {
  let stripeLoads: number;

  beforeEach(() => {
    // Prepare: a fresh module registry, and the real SDK behind a counter of its loads.
    jest.resetModules();
    stripeLoads = 0;
    jest.doMock('stripe', () => {
      stripeLoads += 1;
      return jest.requireActual('stripe');
    });
  });

  afterEach(() => {
    jest.dontMock('stripe');
  });

  it('builds the sandbox wiring without loading the Stripe SDK', async () => {
    // Act
    const { rechargeWiringFrom } = await import('../../../functions/lambda/recharge-wiring-from-config');
    const { SandboxPaymentProvider } = await import('../../../functions/adapters/payments/sandbox-payment-provider');
    const wiring = await rechargeWiringFrom(SANDBOX);

    // Assess
    expect(wiring.provider).toBeInstanceOf(SandboxPaymentProvider);
    expect(stripeLoads).toBe(0);
  });
});
