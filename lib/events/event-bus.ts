/** The custom EventBridge bus the system publishes its domain events to (`source = prepaid-billing`). */
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';

export const EVENT_BUS_NAME = 'prepaid-billing';

export class BillingEventBus extends Construct {
  readonly bus: EventBus;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.bus = new EventBus(this, 'Bus', { eventBusName: EVENT_BUS_NAME });
  }
}
