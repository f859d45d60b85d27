/** Logger, metrics and tracer, created once per process and shared by every handler. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

import { METRICS_NAMESPACE, SERVICE_NAME } from '../definitions/service';

export const logger = new Logger({ serviceName: SERVICE_NAME });
// Its warnings (an empty metric set flushed, a dimension overwritten) go through the logger,
// as structured lines at its level, instead of plain text on stdout.
export const metrics = new Metrics({ serviceName: SERVICE_NAME, namespace: METRICS_NAMESPACE, logger });
export const tracer = new Tracer({ serviceName: SERVICE_NAME });
