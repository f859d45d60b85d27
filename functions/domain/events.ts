/** The events of docs/contract.md §10, published on the custom bus with `source` = `prepaid-billing`. */
export const EVENT_SOURCE = 'prepaid-billing';

export const EVENT_TYPES = [
  'BalanceBelowThreshold',
  'RechargeSucceeded',
  'RechargeFailed',
  'RechargeActionRequired',
  'RechargeLimitReached',
  'TopUpSucceeded',
  'TopUpFailed',
  'TopUpActionRequired',
  'PartnerOverdue',
  'PartnerBlocked',
  'PartnerUnblocked',
  'DailyBalancePublished',
  'UsageRejected',
  'ChargeDisputed',
  'DisputeClosed',
  'ChargeRefunded',
  'RefundIssued',
  'PartnerClosed',
  'StatementReady',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface DomainEvent {
  readonly type: EventType;
  readonly time: Date;
  /** Always carries `partnerId` (when known) and the amounts involved, as wire amounts. */
  readonly detail: Readonly<Record<string, unknown>> & { readonly partnerId?: string };
}
