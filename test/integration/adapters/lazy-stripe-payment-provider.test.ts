import type { LazyStripePaymentProvider as Provider } from '../../../functions/adapters/payments/lazy-stripe-payment-provider';
import { chargeRequest } from '../../support/charge-request';
import { FakeStripeServer } from '../../support/fake-stripe-server';
import { pageRequest } from '../../support/page-request';

const CUSTOMER = 'cus_partner1';

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
    fake.createCustomer(CUSTOMER);
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
    new LazyStripePaymentProvider(
      { apiKey: 'sk_test_fake', host: '127.0.0.1', port: fake.port, protocol: 'http' },
      { returnUrl: 'https://billing.example/cards/done', cancelUrl: 'https://billing.example/cards/left' },
    );

  /** A charge of a card saved to the partner's customer. */
  const savedCardCharge = () =>
    chargeRequest({ customerId: CUSTOMER, paymentMethod: fake.attach('pm_card_visa', CUSTOMER) });

  it('does not load the Stripe SDK until it calls Stripe, and knows without it that Stripe needs customers', () => {
    // Act
    const lazy = provider();

    // Assess
    expect(lazy.requiresCustomer).toBe(true);
    expect(stripeLoads).toBe(0);
    expect(clientsCreated).toBe(0);
  });

  it('loads the SDK on the first charge and charges through Stripe', async () => {
    // Act
    const result = await provider().charge(savedCardCharge());

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
    const results = await Promise.all([lazy.charge(savedCardCharge()), lazy.charge(savedCardCharge())]);

    // Assess
    expect(results.map((result) => result.outcome)).toEqual(['succeeded', 'succeeded']);
    expect(fake.charges).toHaveLength(2);
    expect(clientsCreated).toBe(1);
  });

  it('forwards every call of the port to Stripe through the one client it loaded', async () => {
    // Prepare
    const lazy = provider();
    const request = chargeRequest({
      customerId: CUSTOMER,
      paymentMethod: fake.attach('pm_card_authenticationRequired', CUSTOMER),
    });

    // Act
    const waiting = await lazy.charge(request);
    const reference = {
      partnerId: request.partnerId,
      providerChargeId: fake.intents[0]?.id ?? '',
      idempotencyKey: request.idempotencyKey,
    };
    const status = await lazy.chargeStatus(reference);
    const canceled = await lazy.cancelCharge(reference);
    const check = await lazy.checkPaymentMethod(request.paymentMethod, CUSTOMER);
    const session = await lazy.createSetupSession({ partnerId: 'partner-1', customerId: CUSTOMER, role: 'backup' });
    const saved = fake.completeSetupSession(session.sessionId, 'pm_card_visa');
    const card = await lazy.savedCard(saved.setupIntent);
    const page = await lazy.createPaymentPage(pageRequest({ customerId: CUSTOMER }));

    // Assess
    expect(waiting).toMatchObject({ outcome: 'action-required', providerChargeId: reference.providerChargeId });
    expect(status).toEqual(waiting);
    expect(canceled).toEqual({ outcome: 'canceled', providerChargeId: reference.providerChargeId });
    expect(check).toEqual({ verdict: 'usable' });
    expect(session.url).toBe(`http://127.0.0.1:${fake.port}/checkout/${session.sessionId}`);
    expect(card).toEqual({ paymentMethod: saved.paymentMethod, customerId: CUSTOMER });
    expect(page).toMatchObject({ outcome: 'action-required', providerChargeId: fake.checkoutSessions[1]?.id });
    expect(stripeLoads).toBe(1);
    expect(clientsCreated).toBe(1);
  });
});
