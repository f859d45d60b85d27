/**
 * The sandbox card provider's state in the local runtime's data folder: written whole after
 * each change, taken up by the next start, and a file that cannot be read stops the start
 * with its name rather than a sandbox that forgot the charges the data refers to.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxPaymentProvider } from '../../../functions/adapters/payments/sandbox-payment-provider';
import { startLocalRuntime } from '../../../local/local-runtime';
import { SANDBOX_STATE_FILE, SandboxStateFile } from '../../../local/sandbox-state';
import { chargeRequest } from '../../support/charge-request';
import { pageRequest } from '../../support/page-request';
import { TestClock } from '../../support/test-clock';

const START = new Date('2026-11-22T09:00:00Z');

describe('Class: SandboxStateFile', () => {
  let dataDir: string;
  let file: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'prepaid-billing-sandbox-'));
    file = join(dataDir, SANDBOX_STATE_FILE);
  });

  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  /** A sandbox saving to the file, as the local runtime wires it. */
  const savingSandbox = (clock: TestClock) => {
    const saved = new SandboxStateFile(file);
    return new SandboxPaymentProvider({
      now: () => clock.now(),
      state: saved.read(),
      onChange: (state) => saved.write(state),
    });
  };

  describe('Method: read', () => {
    it('reads nothing in a data folder without the file: the sandbox starts afresh', () => {
      // Act & Assess
      expect(new SandboxStateFile(file).read()).toBeUndefined();
    });

    it('refuses a file that is not JSON, naming it and what to do', () => {
      // Prepare
      writeFileSync(file, '{"sequence": 3, "charges": [');

      // Act & Assess
      expect(() => new SandboxStateFile(file).read()).toThrow(
        `${file} does not hold the sandbox card provider's state: not JSON`,
      );
      expect(() => new SandboxStateFile(file).read()).toThrow('start from a new data folder');
    });

    it('reads a file written before disputes and refunds were kept as holding none', async () => {
      // Prepare
      const clock = new TestClock(START);
      await savingSandbox(clock).charge(chargeRequest());
      const { disputes: _disputes, refunds: _refunds, ...older } = JSON.parse(readFileSync(file, 'utf8'));
      writeFileSync(file, JSON.stringify(older));

      // Act
      const state = new SandboxStateFile(file).read();

      // Assess
      expect(state).toMatchObject({ sequence: 1, disputes: [], refunds: [] });
    });

    it('reads a file written before payment pages were kept as holding none', async () => {
      // Prepare
      const clock = new TestClock(START);
      await savingSandbox(clock).charge(chargeRequest());
      const { paymentSessions: _pages, ...older } = JSON.parse(readFileSync(file, 'utf8'));
      writeFileSync(file, JSON.stringify(older));

      // Act
      const state = new SandboxStateFile(file).read();

      // Assess
      expect(state).toMatchObject({ sequence: 1, paymentSessions: [] });
    });

    it('refuses JSON that is not the sandbox state, naming the field at fault', async () => {
      // Prepare: a state as written, with a status the sandbox never gives.
      const clock = new TestClock(START);
      await savingSandbox(clock).charge(chargeRequest());
      const state = JSON.parse(readFileSync(file, 'utf8'));
      state.charges[0].status = 'paid';
      writeFileSync(file, JSON.stringify(state));

      // Act & Assess
      expect(() => new SandboxStateFile(file).read()).toThrow(
        `${file} does not hold the sandbox card provider's state: charges[0].status: Invalid option`,
      );
    });
  });

  describe('Method: write', () => {
    it('keeps each change, and a sandbox started from the file goes on where the last one stopped', async () => {
      // Prepare
      const clock = new TestClock(START);
      const before = savingSandbox(clock);
      await before.charge(chargeRequest());
      const request = chargeRequest({ paymentMethod: 'pm_card_authenticationRequired' });
      const waiting = await before.charge(request);
      const session = await before.createSetupSession({ partnerId: 'p-1', customerId: 'cus_1', role: 'primary' });

      // Act
      const after = savingSandbox(clock);
      const completed = after.completeAuthentication('pi_sandbox_000002');
      const saved = after.completeSetup(session.sessionId, 'pm_card_visa');
      const next = await after.charge(chargeRequest());

      // Assess
      expect(waiting).toMatchObject({ outcome: 'action-required', providerChargeId: 'pi_sandbox_000002' });
      expect(completed).toEqual({ outcome: 'succeeded', providerChargeId: 'pi_sandbox_000002' });
      expect(await after.charge(request)).toEqual(completed);
      expect(saved).toMatchObject({ outcome: 'completed', sessionId: session.sessionId });
      expect(next).toEqual({ outcome: 'succeeded', providerChargeId: 'pi_sandbox_000003' });
      expect(new SandboxStateFile(file).read()).toEqual(after.snapshot());
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ sequence: 3 });
    });

    it('keeps disputes and refunds: a dispute opened before a restart is closed after it, a refund key replays', async () => {
      // Prepare
      const clock = new TestClock(START);
      const before = savingSandbox(clock);
      const disputed = await before.charge(chargeRequest({ paymentMethod: 'pm_card_createDispute' }));
      const refundedRequest = chargeRequest();
      const refunded = await before.charge(refundedRequest);
      if (disputed.outcome !== 'succeeded' || refunded.outcome !== 'succeeded')
        throw new Error('expected paid charges');
      clock.set(new Date(START.getTime() + 60_000));
      before.clockMoved();
      const refund = {
        charge: {
          partnerId: refundedRequest.partnerId,
          attemptId: refundedRequest.idempotencyKey,
          providerChargeId: refunded.providerChargeId,
        },
        amountCents: 10_000,
        operatorReference: 'refund-1',
        idempotencyKey: 'refund-1:part-1',
        firstTriedAt: clock.now(),
      };
      const first = await before.refund(refund);

      // Act
      const after = savingSandbox(clock);
      const closed = after.closeDispute(before.disputes[0]?.id ?? '', 'won');
      const replayed = await after.refund(refund);

      // Assess
      expect(closed).toMatchObject({ payment_intent: disputed.providerChargeId, status: 'won' });
      expect(replayed).toEqual(first);
      expect(after.refunds).toHaveLength(1);
      expect(new SandboxStateFile(file).read()).toEqual(after.snapshot());
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
        disputes: [{ chargeId: disputed.providerChargeId, status: 'won' }],
        refunds: [{ chargeId: refunded.providerChargeId, idempotencyKey: 'refund-1:part-1' }],
      });
    });

    it('keeps payment pages: one open before a restart is paid after it, and the key of a paid one answers its PaymentIntent', async () => {
      // Prepare
      const clock = new TestClock(START);
      const before = savingSandbox(clock);
      const paidRequest = pageRequest();
      const paidPage = await before.createPaymentPage(paidRequest);
      const openPage = await before.createPaymentPage(pageRequest());
      if (paidPage.outcome !== 'action-required' || openPage.outcome !== 'action-required')
        throw new Error('expected open pages');
      before.payPage(paidPage.providerChargeId);

      // Act
      const after = savingSandbox(clock);
      const paidAfter = after.payPage(openPage.providerChargeId, 'pm_card_mastercard');

      // Assess
      expect(paidAfter).toEqual({ paymentIntent: 'pi_sandbox_000002', paymentMethod: 'pm_card_mastercard' });
      expect(await after.createPaymentPage(paidRequest)).toEqual({
        outcome: 'succeeded',
        providerChargeId: 'pi_sandbox_000001',
      });
      expect(new SandboxStateFile(file).read()).toEqual(after.snapshot());
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
        sequence: 2,
        paymentSessions: [
          { sessionId: paidPage.providerChargeId, paid: { paymentIntent: 'pi_sandbox_000001' } },
          { sessionId: openPage.providerChargeId, paid: { paymentIntent: 'pi_sandbox_000002' } },
        ],
      });
    });

    it('replaces the file whole by renaming a copy written aside over it', () => {
      // Prepare: a copy left half written by a crash.
      const saved = new SandboxStateFile(file);
      writeFileSync(`${file}.next`, '{"sequ');
      const state = {
        sequence: 0,
        charges: [],
        setupSessions: [],
        savedCards: [],
        paymentSessions: [],
        disputes: [],
        refunds: [],
      };

      // Act
      saved.write(state);

      // Assess
      expect(saved.read()).toEqual(state);
      expect(existsSync(`${file}.next`)).toBe(false);
    });

    it('leaves the file as it was when the write fails', async () => {
      // Prepare
      const clock = new TestClock(START);
      const sandbox = savingSandbox(clock);
      await sandbox.charge(chargeRequest());
      const before = readFileSync(file, 'utf8');
      mkdirSync(`${file}.next`);

      // Act
      const failed = sandbox.charge(chargeRequest());

      // Assess: the call fails, and the file keeps the last state written whole.
      await expect(failed).rejects.toThrow('EISDIR');
      expect(readFileSync(file, 'utf8')).toBe(before);
      expect(new SandboxStateFile(file).read()?.sequence).toBe(1);
    });
  });

  describe('Local runtime', () => {
    it('does not start on a data folder whose sandbox state cannot be read, and names the file', async () => {
      // Prepare
      writeFileSync(file, 'not the state');

      // Act
      const started = startLocalRuntime({
        apiPort: 0,
        dynamoDbPort: 0,
        sqsPort: 0,
        dataDir,
        operatorName: 'Operator',
        licenseFees: {},
        futureMarginMs: 0,
        tell: () => undefined,
      });

      // Assess: refused before any service starts (no ports are needed to fail).
      await expect(started).rejects.toThrow(`${file} does not hold the sandbox card provider's state`);
    });
  });
});
