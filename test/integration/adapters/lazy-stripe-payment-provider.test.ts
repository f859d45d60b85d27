import type { LazyStripePaymentProvider as Provider } from '../../../functions/adapters/payments/lazy-stripe-payment-provider';
import { chargeRequest } from '../../support/charge-request';
import { FakeStripeServer } from '../../support/fake-stripe-server';

describe('Class: LazyStripePaymentProvider', () => {
  let fake: FakeStripeServer;
  let stripeLoads: number;
  let clientsCreated: number;
  let LazyStripePaymentProvider: typeof Provider;

  beforeAll(async () => {
    fake = await FakeStripeServer.start();
  });

  afterAll(async () => {
    await fake.close();
  });

  beforeEach(async () => {
    // Prepare: a fresh module registry, and the real SDK behind counters of its loads and clients.
    fake.reset();
    jest.resetModules();
    stripeLoads = 0;
    clientsCreated = 0;
    jest.doMock('stripe', () => {
      stripeLoads += 1;
      const Stripe = jest.requireActual<new (...args: unknown[]) => object>('stripe');
      return new Proxy(Stripe, {
        construct(target, args) {
          clientsCreated += 1;
          return Reflect.construct(target, args);
        },
      });
    });
    ({ LazyStripePaymentProvider } = await import('../../../functions/adapters/payments/lazy-stripe-payment-provider'));
  });

  afterEach(() => {
    jest.dontMock('stripe');
  });

  const provider = () =>
    new LazyStripePaymentProvider({ apiKey: 'sk_test_fake', host: '127.0.0.1', port: fake.port, protocol: 'http' });

  it('does not load the Stripe SDK until it is asked to charge', () => {
    // Act
    provider();

    // Assess
    expect(stripeLoads).toBe(0);
    expect(clientsCreated).toBe(0);
  });

  it('loads the SDK on the first charge and charges through Stripe', async () => {
    // Act
    const result = await provider().charge(chargeRequest());

    // Assess
    expect(stripeLoads).toBe(1);
    expect(clientsCreated).toBe(1);
    expect(fake.charges).toHaveLength(1);
    expect(result).toEqual({ outcome: 'succeeded', providerChargeId: fake.charges[0]?.id });
  });

  it('shares one client between charges that start together', async () => {
    // Prepare
    const lazy = provider();

    // Act
    const results = await Promise.all([lazy.charge(chargeRequest()), lazy.charge(chargeRequest())]);

    // Assess
    expect(results.map((result) => result.outcome)).toEqual(['succeeded', 'succeeded']);
    expect(fake.charges).toHaveLength(2);
    expect(clientsCreated).toBe(1);
  });
});
