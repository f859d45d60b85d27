#!/usr/bin/env node
/** The CDK app: the stack, configured from cdk.json context, checked by cdk-nag's AWS Solutions rules. */
import { App, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PrepaidBillingStack } from '../lib/prepaid-billing-stack';

const app = new App();

function context(key: string): unknown {
  return app.node.tryGetContext(`prepaid-billing:${key}`);
}

/** Context given with -c arrives as a string; JSON values (objects, arrays) are parsed. */
function jsonContext(key: string): unknown {
  const value = context(key);
  return typeof value === 'string' && /^\s*[[{]/.test(value) ? JSON.parse(value) : value;
}

function optionalString(key: string): string | undefined {
  const value = context(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new Error(`context prepaid-billing:${key} must be a string`);
  return value;
}

const operatorName = optionalString('operatorName');
if (operatorName === undefined) throw new Error('context prepaid-billing:operatorName is required');

const licenseFees = jsonContext('licenseFees') ?? {};
if (typeof licenseFees !== 'object' || licenseFees === null || Array.isArray(licenseFees) || Object.values(licenseFees).some((fee) => typeof fee !== 'string')) {
  throw new Error('context prepaid-billing:licenseFees must map each currency to an amount string, e.g. {"EUR":"25.00"}');
}

const existingUsageQueueArns = jsonContext('existingUsageQueueArns') ?? [];
if (!Array.isArray(existingUsageQueueArns) || existingUsageQueueArns.some((arn) => typeof arn !== 'string')) {
  throw new Error('context prepaid-billing:existingUsageQueueArns must be a list of SQS queue ARNs');
}

const alarmEmail = optionalString('alarmEmail');
const stripeSecretName = optionalString('stripeSecretName');

new PrepaidBillingStack(app, 'PrepaidBilling', {
  operatorName,
  licenseFees: licenseFees as Record<string, string>,
  ...(alarmEmail !== undefined && { alarmEmail }),
  ...(stripeSecretName !== undefined && { stripeSecretName }),
  removalPolicy: context('removalPolicy') === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
  existingUsageQueueArns: existingUsageQueueArns as string[],
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
