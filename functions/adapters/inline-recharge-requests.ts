/**
 * Recharge requests answered in the same process, for callers that hold the card
 * provider anyway (the API): a debit adjustment that takes a balance below its threshold
 * is recharged before the response, instead of through the queue.
 */
import type { RechargeRequest, RechargeRequests } from '../domain/ports';
import { type RechargeDependencies, rechargePartner } from '../domain/recharge/recharge-partner';

export class InlineRechargeRequests implements RechargeRequests {
  constructor(private readonly deps: RechargeDependencies) {}

  async request(request: RechargeRequest): Promise<void> {
    await rechargePartner(request.partnerId, request.trigger, this.deps);
  }
}
