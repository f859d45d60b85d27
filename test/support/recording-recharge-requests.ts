/** A RechargeRequests that keeps the requests, for assertions; the SQS adapter has its own tests. */
import type { RechargeRequest, RechargeRequests } from '../../functions/domain/ports';

export class RecordingRechargeRequests implements RechargeRequests {
  readonly requests: RechargeRequest[] = [];

  async request(request: RechargeRequest): Promise<void> {
    this.requests.push(request);
  }

  of(partnerId: string): RechargeRequest[] {
    return this.requests.filter((request) => request.partnerId === partnerId);
  }
}
