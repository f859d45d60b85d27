/**
 * Channels: one item per number, ever (`CHANNEL#{e164}`), and a membership item under the
 * partner to list its numbers. Sending is decided by the partner's status; the channel's
 * own status mirrors it so operators see which numbers are stopped.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Channel, ChannelRepository, ChannelStatus } from '../../domain/channels/channel';
import { updateIf } from './conditional-update';
import { markLicensedWrite } from './license-repository';
import { cancellationReasons, isConditionFailure } from './transactions';
import { channelKey, channelMembershipKey } from './keys';

export class DynamoDbChannelRepository implements ChannelRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async register(partnerId: string, phoneNumber: string, at: Date): Promise<'registered' | 'exists'> {
    const item = { partnerId, phoneNumber, status: 'active', registeredAt: at.toISOString() };
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...channelKey(phoneNumber), type: 'channel', ...item },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { ...channelMembershipKey(partnerId, phoneNumber), type: 'channel-membership', ...item },
              },
            },
            // A partner with a hosted number is billed the monthly license fee from now on.
            markLicensedWrite(this.tableName, partnerId, at),
          ],
        }),
      );
      return 'registered';
    } catch (error) {
      if (isConditionFailure(cancellationReasons(error)?.[0])) return 'exists';
      throw error;
    }
  }

  async get(phoneNumber: string): Promise<Channel | undefined> {
    const { Item: item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: channelKey(phoneNumber) }),
    );
    return item === undefined ? undefined : toChannel(item);
  }

  async listForPartner(partnerId: string): Promise<readonly Channel[]> {
    const { Items: items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': `PARTNER#${partnerId}`, ':prefix': 'CHANNEL#' },
      }),
    );
    // The membership item only lists the number; its status lives on the channel item.
    const channels = await Promise.all(items.map((item) => this.get(item.phoneNumber as string)));
    return channels.filter((channel): channel is Channel => channel !== undefined);
  }

  async cancel(partnerId: string, phoneNumber: string, at: Date): Promise<Channel> {
    const { Attributes: attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: channelKey(phoneNumber),
        UpdateExpression: 'SET #status = :cancelled, cancelledAt = if_not_exists(cancelledAt, :at)',
        ConditionExpression: 'partnerId = :partnerId',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':cancelled': 'cancelled', ':at': at.toISOString(), ':partnerId': partnerId },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toChannel(attributes ?? {});
  }

  async setBlocked(partnerId: string, blocked: boolean): Promise<number> {
    const [from, to]: ChannelStatus[] = blocked ? ['active', 'blocked'] : ['blocked', 'active'];
    const channels = (await this.listForPartner(partnerId)).filter((channel) => channel.status === from);
    const changed = await Promise.all(
      channels.map((channel) =>
        updateIf(this.client, this.tableName, channelKey(channel.phoneNumber), {
          update: 'SET #status = :to',
          condition: '#status = :from AND partnerId = :partnerId',
          names: { '#status': 'status' },
          values: { ':to': to, ':from': from, ':partnerId': partnerId },
        }),
      ),
    );
    return changed.filter(Boolean).length;
  }
}

function toChannel(item: Record<string, unknown>): Channel {
  return {
    phoneNumber: item.phoneNumber as string,
    partnerId: item.partnerId as string,
    status: item.status as ChannelStatus,
    registeredAt: new Date(item.registeredAt as string),
    ...(item.cancelledAt !== undefined && { cancelledAt: new Date(item.cancelledAt as string) }),
  };
}
