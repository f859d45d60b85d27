/**
 * What the card provider reports to the webhook endpoint, once its signature is checked.
 * A report only says that something changed: the use case asks the provider where the
 * charge, the setup, the dispute or the refunds stand now, so reports that come late, twice or out of order
 * cannot move money the wrong way.
 */
import type { CardRole } from './payment-provider';

interface ReportBase {
  /** The provider's event id: each is applied once. */
  readonly eventId: string;
  /** When the provider created the event. */
  readonly occurredAt: Date;
}

export type ProviderEvent =
  /** A setup session finished: the card it saved becomes the partner's card in `role`. */
  | (ReportBase & {
      readonly kind: 'card-saved';
      readonly partnerId: string;
      readonly role: CardRole;
      readonly sessionId: string;
      readonly setupReference: string;
    })
  /** A charge of one of our attempts changed state at the provider (paid after authentication, failed, canceled). */
  | (ReportBase & {
      readonly kind: 'charge-changed';
      readonly partnerId: string;
      readonly attemptId: string;
      readonly providerChargeId: string;
    })
  /**
   * A dispute (or an inquiry) was opened, moved or closed at the provider. The provider's
   * dispute does not name the partner: the use case asks the provider for the dispute.
   */
  | (ReportBase & { readonly kind: 'dispute-changed'; readonly disputeId: string })
  /**
   * A refund of a provider charge was made, moved or failed, wherever it was made (an
   * operator refund of ours or the provider's dashboard): the use case asks the provider
   * for the charge's refunds.
   */
  | (ReportBase & { readonly kind: 'charge-refunded'; readonly providerChargeId: string })
  /** A well-signed event this system does not act on: acknowledged so the provider stops sending it. */
  | (ReportBase & { readonly kind: 'ignored'; readonly type: string });

/** A delivery refused before anything is read from it: unsigned, badly signed, stale, or not an event. */
export interface RefusedDelivery {
  readonly kind: 'refused';
  readonly reason: string;
}

export interface ProviderEventReader {
  /** Checks the signature of the raw body as received, then reads the event. */
  read(rawBody: string, signatureHeader: string | undefined): Promise<ProviderEvent | RefusedDelivery>;
}
