#!/usr/bin/env node
/** The CDK app: the stack, configured from cdk.json context, checked by cdk-nag's AWS Solutions rules. */
import { App, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readDeploymentSettings } from '../definitions/deployment-settings';
import { PrepaidBillingStack } from '../lib/prepaid-billing-stack';

const app = new App();
const settings = readDeploymentSettings((key) => app.node.tryGetContext(key), Object.keys(app.node.getAllContext()));

new PrepaidBillingStack(app, 'PrepaidBilling', {
  operatorName: settings.operatorName,
  licenseFees: settings.licenseFees,
  alarmEmail: settings.alarmEmail,
  stripeSecretName: settings.stripeSecretName,
  stripeWebhookSecretName: settings.stripeWebhookSecretName,
  cardReturnUrl: settings.cardReturnUrl,
  cardCancelUrl: settings.cardCancelUrl,
  removalPolicy: settings.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
  existingUsageQueueArns: settings.existingUsageQueueArns,
  usageFutureMarginSeconds: settings.usageFutureMarginSeconds,
  topUpMinimum: settings.topUpMinimum,
  topUpMaximum: settings.topUpMaximum,
  runbookUrl: settings.runbookUrl,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
