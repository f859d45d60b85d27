/** Lambda entry of the recharges: configuration, clients and the card provider at cold start. */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { readRechargeConfig } from '../config';
import { createRechargeHandler } from '../handlers/recharge';
import { wireRecharge } from '../wiring/recharge';
import { builtOnce } from './cold-start';
import { rechargeWiringFrom } from './recharge-wiring-from-config';

const ready = builtOnce(() =>
  rechargeWiringFrom(readRechargeConfig()).then((wiring) => createRechargeHandler(wireRecharge(wiring))),
);

// The secret is fetched once, at cold start; the first invocation waits for it.
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
  (await ready())(event, context);
