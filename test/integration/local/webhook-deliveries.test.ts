/**
 * The local stand-in for Stripe's webhook deliveries: events of the sandbox provider are
 * signed so that the endpoint's own reader (the one the Lambda uses) accepts them, and
 * delivered after the call that made them; a failing answer is retried with pauses and
 * then given up; a drain waits for the deliveries and for the queue work they make.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { SandboxPaymentProvider } from '../../../functions/adapters/payments/sandbox-payment-provider';
import { StripeEventReader } from '../../../functions/adapters/payments/stripe-event-reader';
import { DrainTimeout, drainQueuesAndRelay } from '../../../local/drain';
import { lambdaContext } from '../../../local/lambda-context';
import { pollBatch } from '../../../local/sqs-poller';
import {
  type DeliveryAnswer,
  WebhookDeliveries,
  type WebhookDeliveryOptions,
  localWebhookSecret,
} from '../../../local/webhook-deliveries';
import { TestClock } from '../../support/test-clock';
import { type TestQueues, createTestQueues } from '../../support/usage-queues';

const SECRET = 'whsec_local_test';
/** The network's time: deliveries are signed at it, and the endpoint checks against it. */
const NETWORK_TIME = new Date('2026-11-20T10:00:00Z');
/** The test clock of the sandbox, days behind the network's: events are dated by it, signatures not. */
const BILLING_TIME = new Date('2026-11-02T08:00:00Z');

interface Delivery {
  readonly rawBody: string;
  readonly signature: string;
}

/** An endpoint answering the given statuses in turn (200 once they run out); 0 throws, as a connection lost. */
function endpoint(statuses: number[] = []) {
  const deliveries: Delivery[] = [];
  const post = async (rawBody: string, signature: string): Promise<DeliveryAnswer> => {
    deliveries.push({ rawBody, signature });
    const status = statuses.shift() ?? 200;
    if (status === 0) throw new Error('socket hang up');
    return { status, body: status === 200 ? '{"received":true,"outcome":"card-set"}' : '{"detail":"not applied"}' };
  };
  return { deliveries, post };
}

function webhookDeliveries(options: Pick<WebhookDeliveryOptions, 'post'> & Partial<WebhookDeliveryOptions>) {
  const told: string[] = [];
  const deliveries = new WebhookDeliveries({
    secret: SECRET,
    signingClock: new TestClock(NETWORK_TIME),
    retryDelaysMs: [10, 20],
    tell: (line) => told.push(line),
    ...options,
  });
  return { deliveries, told };
}

const reader = new StripeEventReader(SECRET, 300, new TestClock(NETWORK_TIME));

/** An event in Stripe's envelope, about nothing of ours. */
function stripeEvent(id: string, type: string) {
  return { id, object: 'event', type, created: BILLING_TIME.getTime() / 1000, data: { object: { id: 'pi_1' } } };
}

async function completedSetup(sandbox: SandboxPaymentProvider): Promise<string> {
  const session = await sandbox.createSetupSession({ partnerId: 'p-1', customerId: 'cus_1', role: 'primary' });
  const completion = sandbox.completeSetup(session.sessionId, 'pm_card_visa');
  if (completion.outcome !== 'completed') throw new Error(completion.detail);
  return session.sessionId;
}

describe('Class: WebhookDeliveries', () => {
  describe('Method: send', () => {
    it("delivers each event after the call that made it, signed so that the endpoint's reader accepts it", async () => {
      // Prepare
      const target = endpoint();
      const { deliveries, told } = webhookDeliveries({ post: target.post });
      const sandbox = new SandboxPaymentProvider({
        now: () => BILLING_TIME,
        onEvent: (event) => deliveries.send(event),
      });

      // Act
      const sessionId = await completedSetup(sandbox);
      const deliveredDuringTheCall = target.deliveries.length;
      const idle = await deliveries.idle(5_000);

      // Assess
      expect(deliveredDuringTheCall).toBe(0);
      expect(idle).toBe(true);
      expect(target.deliveries).toHaveLength(1);
      const [delivery] = target.deliveries as [Delivery];
      expect(await reader.read(delivery.rawBody, delivery.signature)).toMatchObject({
        kind: 'card-saved',
        partnerId: 'p-1',
        sessionId,
        occurredAt: BILLING_TIME,
      });
      expect(told).toEqual([
        expect.stringMatching(/^stripe webhook: checkout.session.completed evt_\w+ delivered: card-set$/),
      ]);
    });

    it('tries a delivery answered 500, or not answered, again with the same body and a fresh signature', async () => {
      // Prepare
      const target = endpoint([500, 0]);
      const signingClock = new TestClock(NETWORK_TIME);
      const { deliveries, told } = webhookDeliveries({ post: target.post, signingClock, retryDelaysMs: [200, 200] });
      deliveries.send(stripeEvent('evt_1', 'payment_intent.succeeded'));

      // Act
      await until(() => target.deliveries.length === 1);
      signingClock.set(new Date(NETWORK_TIME.getTime() + 60_000));
      const idle = await deliveries.idle(5_000);

      // Assess
      expect(idle).toBe(true);
      const [first, second, third] = target.deliveries as [Delivery, Delivery, Delivery];
      expect(target.deliveries).toHaveLength(3);
      expect(new Set(target.deliveries.map((delivery) => delivery.rawBody)).size).toBe(1);
      expect(first.signature).toMatch(`t=${NETWORK_TIME.getTime() / 1000},`);
      expect(third.signature).toMatch(`t=${NETWORK_TIME.getTime() / 1000 + 60},`);
      for (const { rawBody, signature } of [second, third])
        expect(await reader.read(rawBody, signature)).toMatchObject({ kind: 'ignored', eventId: 'evt_1' });
      expect(told).toEqual([
        'stripe webhook: payment_intent.succeeded evt_1 answered 500 ({"detail":"not applied"}); tried again in 0.2 s',
        'stripe webhook: payment_intent.succeeded evt_1 no answer (socket hang up); tried again in 0.2 s',
        'stripe webhook: payment_intent.succeeded evt_1 delivered: card-set',
      ]);
      expect(deliveries.pending).toBe(0);
      expect(deliveries.endedCount).toBe(1);
    });

    it('gives a delivery up after its last retry and tells so', async () => {
      // Prepare
      const target = endpoint([500, 500, 500, 500]);
      const { deliveries, told } = webhookDeliveries({ post: target.post });

      // Act
      deliveries.send(stripeEvent('evt_2', 'payment_intent.succeeded'));
      const idle = await deliveries.idle(5_000);

      // Assess
      expect(idle).toBe(true);
      expect(target.deliveries).toHaveLength(3);
      expect(told.at(-1)).toBe(
        'stripe webhook: payment_intent.succeeded evt_2 answered 500 ({"detail":"not applied"}); given up after 3 tries',
      );
    });
  });

  describe('Method: idle', () => {
    it('answers false when a delivery is still waiting for its retry at the end of the wait', async () => {
      // Prepare
      const target = endpoint([500]);
      const { deliveries } = webhookDeliveries({ post: target.post, retryDelaysMs: [300] });
      deliveries.send(stripeEvent('evt_3', 'payment_intent.succeeded'));

      // Act
      const early = await deliveries.idle(50);
      const later = await deliveries.idle(5_000);

      // Assess
      expect(early).toBe(false);
      expect(later).toBe(true);
      expect(target.deliveries).toHaveLength(2);
    });
  });

  describe('Method: stop', () => {
    it('drops a retry still waiting, tells so, and delivers nothing after', async () => {
      // Prepare
      const target = endpoint([500]);
      const { deliveries, told } = webhookDeliveries({ post: target.post, retryDelaysMs: [200] });
      deliveries.send(stripeEvent('evt_4', 'payment_intent.succeeded'));
      await until(() => target.deliveries.length === 1);

      // Act
      await deliveries.stop();
      deliveries.send(stripeEvent('evt_5', 'payment_intent.succeeded'));
      await new Promise((resolve) => setTimeout(resolve, 400));

      // Assess
      expect(target.deliveries).toHaveLength(1);
      expect(deliveries.pending).toBe(0);
      expect(told.at(-1)).toBe('stripe webhook: 1 deliveries dropped at the stop (a Stripe event is not kept)');
    });
  });
});

describe('Function: localWebhookSecret', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'webhook-secret-'));

  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('makes a signing secret on the first start and finds the same one on the next', () => {
    // Prepare
    const file = join(dataDir, 'stripe-webhook-secret');

    // Act
    const first = localWebhookSecret(file);
    const second = localWebhookSecret(file);

    // Assess
    expect(first).toMatch(/^whsec_local_[0-9a-f]{48}$/);
    expect(second).toBe(first);
    expect(readFileSync(file, 'utf8').trim()).toBe(first);
  });
});

describe('Function: drainQueuesAndRelay', () => {
  let queues: TestQueues;
  const noRelay = { catchUp: async () => 0 };

  beforeAll(async () => {
    queues = await createTestQueues();
  });

  afterAll(async () => {
    await queues.drop();
  });

  it('waits for the webhook deliveries, then for the queue work they made', async () => {
    // Prepare: the endpoint queues work, as a saved card queues a recharge request; a worker consumes it.
    const consumed: string[] = [];
    const { deliveries } = webhookDeliveries({
      post: async (rawBody) => {
        await queues.client.send(new SendMessageCommand({ QueueUrl: queues.queueUrl, MessageBody: rawBody }));
        return { status: 200, body: '{"received":true,"outcome":"card-set"}' };
      },
    });
    let consuming = true;
    const worker = (async () => {
      while (consuming) {
        await pollBatch(
          queues.client,
          queues.queueUrl,
          async (event) => {
            consumed.push(...event.Records.map((record) => record.body));
            return { batchItemFailures: [] };
          },
          { batchSize: 10, context: lambdaContext('test-consumer'), waitTimeSeconds: 0 },
        );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    // Act
    deliveries.send(stripeEvent('evt_6', 'checkout.session.completed'));
    await drainQueuesAndRelay(queues.client, { work: queues.queueUrl }, noRelay, deliveries, 10_000);
    consuming = false;
    await worker;

    // Assess
    expect(consumed).toHaveLength(1);
    expect(JSON.parse(consumed[0] as string)).toMatchObject({ id: 'evt_6' });
  });

  it('names the deliveries still pending when it times out', async () => {
    // Prepare
    const target = endpoint([500]);
    const { deliveries } = webhookDeliveries({ post: target.post, retryDelaysMs: [1_000] });
    deliveries.send(stripeEvent('evt_7', 'payment_intent.succeeded'));

    // Act
    const drained = drainQueuesAndRelay(queues.client, { work: queues.queueUrl }, noRelay, deliveries, 200);

    // Assess
    await expect(drained).rejects.toThrow(DrainTimeout);
    await expect(drained).rejects.toThrow('stripe webhook deliveries: 1');
    await deliveries.stop();
  });
});

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
