/** Mapping between the records of money that comes back and the billing table's items. */
import type {
  DisputeRecord,
  DisputeState,
  OperatorRefund,
  ProviderRefundBooking,
  RefundPart,
  RefundPartState,
} from '../../domain/money-back/money-back-ports';
import { type Currency, micros } from '../../domain/money';
import type { Item } from './items';
import { disputeKey, operatorRefundKey, providerRefundKey } from './keys';

export function disputeToItem(record: DisputeRecord): Item {
  return {
    ...disputeKey(record.partnerId, record.disputeId),
    type: 'dispute',
    partnerId: record.partnerId,
    disputeId: record.disputeId,
    attemptId: record.attemptId,
    providerChargeId: record.providerChargeId,
    currency: record.currency,
    chargeKind: record.chargeKind,
    amountCents: record.amountCents,
    reason: record.reason,
    state: record.state,
    chargeback: record.chargeback,
    openedAt: record.openedAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
}

export function itemToDispute(item: Item): DisputeRecord {
  return {
    partnerId: item.partnerId as string,
    disputeId: item.disputeId as string,
    attemptId: item.attemptId as string,
    providerChargeId: item.providerChargeId as string,
    currency: item.currency as Currency,
    chargeKind: item.chargeKind as DisputeRecord['chargeKind'],
    amountCents: item.amountCents as number,
    reason: item.reason as string,
    state: item.state as DisputeState,
    chargeback: micros(item.chargeback as number),
    openedAt: new Date(item.openedAt as string),
    updatedAt: new Date(item.updatedAt as string),
  };
}

export function providerRefundToItem(booking: ProviderRefundBooking): Item {
  const { charge } = booking;
  return {
    ...providerRefundKey(charge.partnerId, booking.refundId),
    type: 'provider-refund',
    partnerId: charge.partnerId,
    refundId: booking.refundId,
    attemptId: charge.attemptId,
    providerChargeId: charge.providerChargeId,
    currency: charge.currency,
    amountCents: booking.amountCents,
    creditPart: booking.creditPart,
    bookedAt: booking.at.toISOString(),
  };
}

/**
 * An operator refund with its parts in a map keyed by attempt id, so that one part can be
 * settled by an update conditioned on its own state; `index` keeps the parts' order.
 */
export function operatorRefundToItem(refund: OperatorRefund): Item {
  return {
    ...operatorRefundKey(refund.partnerId, refund.reference),
    type: 'operator-refund',
    partnerId: refund.partnerId,
    reference: refund.reference,
    currency: refund.currency,
    amount: refund.amount,
    requestedAt: refund.requestedAt.toISOString(),
    state: refund.state,
    ...(refund.finishedAt !== undefined && { finishedAt: refund.finishedAt.toISOString() }),
    parts: Object.fromEntries(
      refund.parts.map((part, index) => [
        part.attemptId,
        {
          index,
          providerChargeId: part.providerChargeId,
          amount: part.amount,
          state: part.state,
          ...(part.refundId !== undefined && { refundId: part.refundId }),
          ...(part.reason !== undefined && { reason: part.reason }),
        },
      ]),
    ),
  };
}

export function itemToOperatorRefund(item: Item): OperatorRefund {
  const parts = Object.entries(item.parts as Record<string, Item>)
    .sort(([, a], [, b]) => (a.index as number) - (b.index as number))
    .map(
      ([attemptId, part]): RefundPart => ({
        attemptId,
        providerChargeId: part.providerChargeId as string,
        amount: micros(part.amount as number),
        state: part.state as RefundPartState,
        ...(part.refundId !== undefined && { refundId: part.refundId as string }),
        ...(part.reason !== undefined && { reason: part.reason as string }),
      }),
    );
  return {
    partnerId: item.partnerId as string,
    reference: item.reference as string,
    currency: item.currency as Currency,
    amount: micros(item.amount as number),
    requestedAt: new Date(item.requestedAt as string),
    parts,
    state: item.state as OperatorRefund['state'],
    ...(item.finishedAt !== undefined && { finishedAt: new Date(item.finishedAt as string) }),
  };
}
