/**
 * Recharge requests answered in the same process, for callers that hold the card
 * provider anyway (the API): a debit adjustment that takes a balance below its threshold
 * is recharged before the response, instead of through the queue. A charge the provider
 * gives no clear answer to within the caller's time budget is handed to `unclear` (the
 * recharge queue), whose consumer resumes the open attempt with the same key.
 */
import type { RechargeRequest, RechargeRequests } from '../domain/ports';
import { type RechargeDependencies, rechargePartner } from '../domain/recharge/recharge-partner';

export class InlineRechargeRequests implements RechargeRequests {
  constructor(
    private readonly deps: RechargeDependencies,
    private readonly unclear: RechargeRequests,
  ) {}

  async request(request: RechargeRequest): Promise<void> {
    const result = await rechargePartner(request.partnerId, request.trigger, this.deps);
    if (result.outcome === 'unknown') await this.unclear.request(request);
  }
}
