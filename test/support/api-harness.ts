/**
 * The API handler over a fresh table and the sandbox card provider, called with API
 * Gateway-shaped events. Charges the API hands over go to a recording queue, or, given
 * test queues, through the production wiring to a real queue on the SQS emulator.
 */
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { ApiDependencies } from '../../functions/api/api-dependencies';
import { createApiHandler } from '../../functions/handlers/api';
import type { CardProvider } from '../../functions/domain/card-provider';
import { apiDependencies, wireApi } from '../../functions/wiring/api';
import { wireRecharge } from '../../functions/wiring/recharge';
import { apiGatewayEvent } from '../../local/api-gateway-event';
import { lambdaContext } from '../../local/lambda-context';
import type { RechargeHarness } from './recharge-harness';
import { RecordingRechargeRequests } from './recording-recharge-requests';
import type { TestQueues } from './usage-queues';

export interface ApiResponse {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: Record<string, unknown>;
}

export const OPERATOR_NAME = '360dialog';

export class ApiHarness {
  readonly deps: ApiDependencies;
  /** The recharge requests the API handed over, when it has no real queue. */
  readonly handedOver = new RecordingRechargeRequests();
  private readonly handler: ReturnType<typeof createApiHandler>;

  private readonly queue: TestQueues | undefined;

  /** `provider`: another card provider than the harness's sandbox; `queue`: a real recharge queue. */
  constructor(
    readonly recharge: RechargeHarness,
    options: { readonly queue?: TestQueues; readonly provider?: CardProvider } = {},
  ) {
    this.queue = options.queue;
    const wiring = { ...recharge.wiring, provider: options.provider ?? recharge.provider };
    this.deps =
      this.queue === undefined
        ? apiDependencies(
            wireRecharge(wiring),
            wiring.provider,
            recharge.table.client,
            recharge.table.tableName,
            OPERATOR_NAME,
            this.handedOver,
            recharge.decorate,
          )
        : wireApi({
            ...wiring,
            operatorName: OPERATOR_NAME,
            sqs: this.queue.client,
            rechargeQueueUrl: this.queue.queueUrl,
          });
    this.handler = createApiHandler(this.deps);
  }

  async call(method: string, path: string, body?: unknown, query: Record<string, string> = {}): Promise<ApiResponse> {
    const result = await this.handler(jsonRequest(method, path, body, query), lambdaContext('api'));
    const headers = Object.fromEntries(
      Object.entries(result.headers ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]),
    );
    return {
      status: result.statusCode,
      contentType: headers['content-type'],
      body: result.body === '' ? {} : JSON.parse(result.body),
    };
  }

  /** The handler's answer as API Gateway receives it, to a request with these headers (e.g. `accept`). */
  async raw(method: string, path: string, headers: Record<string, string> = {}): Promise<APIGatewayProxyResult> {
    return this.handler(
      apiGatewayEvent({ method, path, query: {}, headers: { host: 'api.example', ...headers }, body: null }),
      lambdaContext('api'),
    );
  }

  /** The bodies of the messages on the real recharge queue, taken off it. */
  async queuedRequests(): Promise<Record<string, unknown>[]> {
    if (this.queue === undefined) throw new Error('this harness has no recharge queue: give it test queues');
    const bodies: Record<string, unknown>[] = [];
    for (;;) {
      const { Messages: messages = [] } = await this.queue.client.send(
        new ReceiveMessageCommand({ QueueUrl: this.queue.queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
      );
      if (messages.length === 0) return bodies;
      bodies.push(...messages.map((message) => JSON.parse(message.Body ?? '{}') as Record<string, unknown>));
    }
  }
}

/** A JSON request with single-valued query parameters, as the API's clients send. */
export function jsonRequest(
  method: string,
  path: string,
  body: unknown,
  query: Record<string, string> = {},
): APIGatewayProxyEvent {
  return apiGatewayEvent({
    method,
    path,
    query: Object.fromEntries(Object.entries(query).map(([name, value]) => [name, [value]])),
    headers: { 'content-type': 'application/json', host: 'api.example' },
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
  });
}
