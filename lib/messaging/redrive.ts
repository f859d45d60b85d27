/**
 * How often a work message may fail before it moves to its dead-letter queue: shared by
 * the deployed queues and the local runtime's, and free of CDK imports so local code can
 * read it without loading aws-cdk-lib.
 *
 * 5 receives: enough for transient throttling and contention retries (each failed record
 * is retried alone thanks to partial batch responses), few enough that a poison message
 * reaches the dead-letter queue and its alarm within minutes.
 */
export const MAX_RECEIVE_COUNT = 5;
