/**
 * The service's name in logs, traces and metrics, and the namespace of its metrics: the
 * functions publish under them and the stack's alarms and dashboard read them.
 */
export const SERVICE_NAME = 'prepaid-billing';
export const METRICS_NAMESPACE = 'PrepaidBilling';

/** The metric of partners skipped by a run, with the run as its `run` dimension (alarmed). */
export const PARTNER_WORK_FAILED_METRIC = 'PartnerWorkFailed';

/** The runs that isolate partners: the values of that metric's `run` dimension. */
export const PARTNER_RUNS = ['daily', 'recharge', 'monthly', 'ingestion'] as const;
export type PartnerRun = (typeof PARTNER_RUNS)[number];
