/** Recharge requests go through a queue with a dead-letter queue, so none is ever lost. */
import { type SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { RechargeRequest, RechargeRequests } from '../../domain/ports';

export class SqsRechargeRequests implements RechargeRequests {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async request(request: RechargeRequest): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify({ ...request, requestedAt: request.requestedAt.toISOString() }),
        MessageAttributes: { partnerId: { DataType: 'String', StringValue: request.partnerId } },
      }),
    );
  }
}
