/**
 * What partners do on the card network's hosted pages. They authenticate the charges they
 * were told about: complete, fail, or never, as the network drew when the charge began to
 * wait; a partner is told by the system, so only an attempt recorded as waiting (or
 * settled since: an old link still opens the page, which refuses) is acted on. And they
 * save cards on the setup pages they asked for: soon, hours later, after the page expired,
 * or never.
 */
import type { CardRole } from '../../functions/domain/recharge/payment-provider';
import type { SimWorld } from './sim-world';

export interface PlannedSetup {
  readonly sessionId: string;
  readonly partnerId: string;
  readonly role: CardRole;
  /** The card the partner will enter. */
  readonly card: string;
  /** When the partner submits the page; undefined: never. */
  readonly submitAt?: Date;
}

/** Acting "whenever they meant to": the end of a run lets every partner do what it planned. */
const EVENTUALLY = new Date(8.64e15);

export class Cardholders {
  private readonly setups: PlannedSetup[] = [];
  readonly done = {
    authenticationsCompleted: 0,
    authenticationsFailed: 0,
    authenticationsRefused: 0,
    setupsPlanned: 0,
    cardsSaved: 0,
    setupsRefused: 0,
  };

  constructor(private readonly world: SimWorld) {}

  plan(setup: PlannedSetup): void {
    this.setups.push(setup);
    this.done.setupsPlanned += 1;
  }

  /** Partners act on every page they meant to act on by now. */
  async act(touched: Set<string>): Promise<void> {
    await this.actBy(this.world.clock.now(), touched);
  }

  /** The end of a run: every partner does what it planned, at once. */
  async actOnEverything(): Promise<void> {
    await this.actBy(EVENTUALLY, new Set());
  }

  private async actBy(by: Date, touched: Set<string>): Promise<void> {
    const { cards, attempts } = this.world;
    for (const waiting of cards.due(by)) {
      const attempt = await attempts.getAttempt(waiting.partnerId, waiting.idempotencyKey);
      // Not told yet: the system has not recorded that the charge waits.
      if (attempt === undefined || attempt.state === 'pending') continue;
      cards.authenticate(waiting);
      touched.add(waiting.partnerId);
      if (waiting.outcome === 'completed') this.done.authenticationsCompleted += 1;
      else if (waiting.outcome === 'failed') this.done.authenticationsFailed += 1;
      else this.done.authenticationsRefused += 1;
    }
    for (const setup of this.setups.filter((planned) => planned.submitAt !== undefined && planned.submitAt <= by)) {
      this.setups.splice(this.setups.indexOf(setup), 1);
      touched.add(setup.partnerId);
      if (cards.completeSetup(setup.sessionId, setup.card)) this.done.cardsSaved += 1;
      else this.done.setupsRefused += 1;
    }
  }
}
