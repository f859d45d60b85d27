/** A hosted number (docs/contract.md §8): registered once per partner as E.164, never changed, never reused. */
export type ChannelStatus = 'active' | 'blocked' | 'cancelled';

export interface Channel {
  readonly phoneNumber: string;
  readonly partnerId: string;
  readonly status: ChannelStatus;
  readonly registeredAt: Date;
  readonly cancelledAt?: Date;
}

export interface ChannelRepository {
  /** `exists` when the number was ever registered, by anyone: it carries a credit line and is never reused. */
  register(partnerId: string, phoneNumber: string, at: Date): Promise<'registered' | 'exists'>;
  get(phoneNumber: string): Promise<Channel | undefined>;
  listForPartner(partnerId: string): Promise<readonly Channel[]>;
  /** Stops hosting the number; it stays registered forever, so it can never be registered again. */
  cancel(partnerId: string, phoneNumber: string, at: Date): Promise<Channel>;
  /** Marks every active channel of the partner blocked (blocked: true) or blocked ones active again. */
  setBlocked(partnerId: string, blocked: boolean): Promise<number>;
}
