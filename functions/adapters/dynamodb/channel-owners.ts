/**
 * The owner of each hosted number, for ingestion's check that a usage event's channel is
 * its partner's. A number is registered once, ever, so a known owner is kept for the life
 * of the container and a busy channel costs one read per cold start; numbers not hosted
 * here are asked again, since they may be registered later.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ChannelOwners } from '../../domain/ports';
import { batchGetItems } from './batch-get';
import { channelKey } from './keys';

export class DynamoDbChannelOwners implements ChannelOwners {
  private readonly known = new Map<string, string>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async ownersOf(phoneNumbers: readonly string[]): Promise<ReadonlyMap<string, string>> {
    const unknown = [...new Set(phoneNumbers)].filter((phoneNumber) => !this.known.has(phoneNumber));
    if (unknown.length > 0) {
      const items = await batchGetItems(this.client, this.tableName, unknown.map(channelKey), {
        attributes: ['phoneNumber', 'partnerId'],
      });
      for (const item of items) this.known.set(item.phoneNumber as string, item.partnerId as string);
    }
    const owners = new Map<string, string>();
    for (const phoneNumber of phoneNumbers) {
      const owner = this.known.get(phoneNumber);
      if (owner !== undefined) owners.set(phoneNumber, owner);
    }
    return owners;
  }
}
