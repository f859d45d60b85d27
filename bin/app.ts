#!/usr/bin/env node
/** The CDK app: the stack, configured from cdk.json context, checked by cdk-nag's AWS Solutions rules. */
import { App, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PrepaidBillingStack } from '../lib/prepaid-billing-stack';

const app = new App();
const removalPolicy = app.node.tryGetContext('prepaid-billing:removalPolicy') === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

new PrepaidBillingStack(app, 'PrepaidBilling', {
  removalPolicy,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
