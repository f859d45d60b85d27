/** Lambda entry of the monthly license fee run. */
import type { Context, ScheduledEvent } from 'aws-lambda';
import { readMonthlyRunConfig } from '../config';
import { parseLicenseFeeSchedule } from '../domain/monthly/license-fee';
import { createMonthlyRunHandler } from '../handlers/monthly-run';
import { wireMonthlyRun } from '../wiring/recharge';
import { builtOnce } from './cold-start';
import { rechargeWiringFrom } from './recharge-wiring-from-config';

const config = readMonthlyRunConfig();
const fees = parseLicenseFeeSchedule(config.licenseFees);
const ready = builtOnce(() =>
  rechargeWiringFrom(config).then((wiring) => createMonthlyRunHandler(wireMonthlyRun({ ...wiring, fees }))),
);

export const handler = async (event: ScheduledEvent, context: Context) => (await ready())(event, context);
