/** The prepaid-billing stack: one construct per capability, configured by the operator's props. */
import { RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { BillingTable } from './data/billing-table';

export interface PrepaidBillingStackProps extends StackProps {
  /** RETAIN (the default) keeps the table when the stack is deleted. */
  readonly removalPolicy?: RemovalPolicy;
}

export class PrepaidBillingStack extends Stack {
  readonly data: BillingTable;

  constructor(scope: Construct, id: string, props: PrepaidBillingStackProps = {}) {
    super(scope, id, props);
    this.data = new BillingTable(this, 'Data', {
      ...(props.removalPolicy !== undefined && { removalPolicy: props.removalPolicy }),
    });
  }
}
