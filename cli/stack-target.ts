/**
 * A deployed stack as a target: its table, queues and bus from its CloudFormation
 * outputs, in the region and with the credentials of the usual AWS configuration
 * (AWS_PROFILE, AWS_REGION, SSO, ...), through the same clients the functions use.
 */
import { CloudFormationClient, DescribeStacksCommand, type Output } from '@aws-sdk/client-cloudformation';
import { createDocumentClient } from '../functions/adapters/dynamodb/client';
import { createEventBridgeClient } from '../functions/adapters/events/client';
import { EventBridgePublisher } from '../functions/adapters/events/eventbridge-publisher';
import { createSqsClient } from '../functions/adapters/sqs/client';
import {
  EVENT_BUS_NAME_OUTPUT,
  OPERATED_QUEUES,
  type OperatedQueue,
  TABLE_NAME_OUTPUT,
  queueOutputs,
} from '../definitions/stack-outputs';
import { OperatorError, explainAwsError } from './operator-errors';
import type { QueueUrls, Target } from './target';

export async function stackTarget(stackName: string): Promise<Target> {
  const cloudFormation = new CloudFormationClient({ maxAttempts: 5 });
  try {
    const region = await cloudFormation.config.region();
    const output = outputReader(stackName, await stackOutputs(cloudFormation, stackName, region));
    const queues = Object.fromEntries(OPERATED_QUEUES.map((queue) => [queue, queueUrls(queue, output)])) as Record<
      OperatedQueue,
      QueueUrls
    >;
    const tableName = output(TABLE_NAME_OUTPUT);
    const busName = output(EVENT_BUS_NAME_OUTPUT);
    const dynamoDb = createDocumentClient();
    const sqs = createSqsClient();
    const eventBridge = createEventBridgeClient();
    return {
      description: `stack ${stackName} in ${region}`,
      dynamoDb,
      tableName,
      sqs,
      queues,
      bus: { name: busName, publisher: new EventBridgePublisher(eventBridge, busName) },
      moveTasks: true,
      receiveWaitSeconds: 1,
      now: new Date(),
      close() {
        dynamoDb.destroy();
        sqs.destroy();
        eventBridge.destroy();
      },
    };
  } catch (error) {
    throw explainAwsError(error);
  } finally {
    cloudFormation.destroy();
  }
}

async function stackOutputs(client: CloudFormationClient, stackName: string, region: string): Promise<Output[]> {
  try {
    const { Stacks: stacks = [] } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    return stacks[0]?.Outputs ?? [];
  } catch (error) {
    // CloudFormation answers a stack it does not know with a ValidationError naming it.
    if (error instanceof Error && error.name === 'ValidationError' && error.message.includes('does not exist'))
      throw new OperatorError(
        `there is no stack ${stackName} in ${region}: name the stack with --stack (the README's deploy names it PrepaidBilling) and its region with AWS_REGION`,
      );
    throw error;
  }
}

function outputReader(stackName: string, outputs: readonly Output[]): (name: string) => string {
  const values = new Map(outputs.map((output) => [output.OutputKey, output.OutputValue]));
  return (name) => {
    const value = values.get(name);
    if (value === undefined)
      throw new OperatorError(
        `stack ${stackName} has no output ${name}: it was deployed from an older version; deploy this one (npx cdk deploy ${stackName})`,
      );
    return value;
  };
}

function queueUrls(queue: OperatedQueue, output: (name: string) => string): QueueUrls {
  const names = queueOutputs(queue);
  return { queueUrl: output(names.queueUrl), deadLetterQueueUrl: output(names.deadLetterQueueUrl) };
}
