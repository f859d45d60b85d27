/**
 * The one definition of the billing table's keys and indexes. The CDK data construct,
 * the test harness and the local runtime all build the table from this object, so the
 * key schema cannot drift between what is deployed and what is tested. It is plain data
 * (no CDK imports) so handlers and tests can read it without loading aws-cdk-lib.
 */
export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N';
}

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  readonly projection: 'KEYS_ONLY' | 'ALL';
}

export interface TableDefinition {
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  readonly globalSecondaryIndexes: readonly IndexDefinition[];
  /** What the table's stream carries; the event relay reads the outbox items from it. */
  readonly stream: 'NEW_IMAGE';
  /** Epoch seconds after which DynamoDB deletes an item (outbox items, once relayed). */
  readonly timeToLiveAttribute: string;
}

/** The `type` of an outbox item: the table's stream carries these to the event relay. */
export const OUTBOX_ITEM_TYPE = 'outbox-event';

/** Sparse index of the partners the daily run must look at; see docs/data-model.md. */
export const ATTENTION_INDEX = 'attention';

export const BILLING_TABLE: TableDefinition = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: ATTENTION_INDEX,
      partitionKey: { name: 'attentionPk', type: 'S' },
      sortKey: { name: 'attentionSk', type: 'S' },
      // Keys only: the hot balance updates of a partner in the index change no projected
      // attribute, so they cost no index write; the run reads the partner items itself.
      projection: 'KEYS_ONLY',
    },
  ],
  stream: 'NEW_IMAGE',
  timeToLiveAttribute: 'expiresAt',
};
