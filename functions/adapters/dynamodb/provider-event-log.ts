/** The card provider's webhook events applied so far, one item per event id. */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ProviderEventLog } from '../../domain/recharge/apply-provider-event';
import type { ProviderEvent } from '../../domain/recharge/provider-events';
import { providerEventKey } from './keys';

export class DynamoDbProviderEventLog implements ProviderEventLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async wasApplied(eventId: string): Promise<boolean> {
    const { Item: item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: providerEventKey(eventId), ConsistentRead: true }),
    );
    return item !== undefined;
  }

  async markApplied(event: ProviderEvent, outcome: string, at: Date): Promise<void> {
    // A plain put: applying an event twice changes nothing, so neither does recording it twice.
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...providerEventKey(event.eventId),
          type: 'provider-event',
          kind: event.kind,
          occurredAt: event.occurredAt.toISOString(),
          ...('partnerId' in event && { partnerId: event.partnerId }),
          outcome,
          appliedAt: at.toISOString(),
        },
      }),
    );
  }
}
