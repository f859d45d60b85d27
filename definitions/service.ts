/**
 * The service's name in logs, traces and metrics, and the namespace of its metrics: the
 * functions publish under them and the stack's alarms and dashboard read them.
 */
export const SERVICE_NAME = 'prepaid-billing';
export const METRICS_NAMESPACE = 'PrepaidBilling';

/** A statement as a PDF (docs/contract.md §15). */
export const PDF_MEDIA_TYPE = 'application/pdf';
/**
 * What the operator API answers as bytes: its function returns them base64-encoded, and
 * API Gateway passes them on as binary to a request that accepts one of these types.
 */
export const API_BINARY_MEDIA_TYPES = [PDF_MEDIA_TYPE] as const;

/** The metric of partners skipped by a run, with the run as its `run` dimension (alarmed). */
export const PARTNER_WORK_FAILED_METRIC = 'PartnerWorkFailed';

/** The runs that isolate partners: the values of that metric's `run` dimension. */
export const PARTNER_RUNS = ['daily', 'recharge', 'monthly', 'ingestion'] as const;
export type PartnerRun = (typeof PARTNER_RUNS)[number];

/** Webhook deliveries refused before anything was applied: unsigned, wrongly signed or stale (alarmed). */
export const WEBHOOK_REFUSED_METRIC = 'WebhookRefused';
/** Webhook deliveries that were signed but could not be applied; the provider delivers them again (alarmed). */
export const WEBHOOK_FAILED_METRIC = 'WebhookFailed';
/** Charge attempts still without a clear answer an hour after they were opened (alarmed). */
export const CHARGE_UNRESOLVED_METRIC = 'ChargeUnresolved';
/** How long a charge may stay without a clear answer before it counts as unresolved. */
export const CHARGE_UNRESOLVED_AFTER_SECONDS = 3600;

/**
 * Money that comes back (docs/contract.md §13): disputes and refunds made at the card
 * provider counted from the events of their bookings as the relay publishes them (opened:
 * the chargeback was booked; won: it was credited back; lost: kept by the cardholder), and
 * operator refunds as the API opens them. Charted on the dashboard, not alarmed: each is a
 * case the operator follows in the provider's dashboard and the events.
 */
export const DISPUTES_OPENED_METRIC = 'DisputesOpened';
export const DISPUTES_WON_METRIC = 'DisputesWon';
export const DISPUTES_LOST_METRIC = 'DisputesLost';
export const PROVIDER_REFUNDS_METRIC = 'ProviderRefunds';
export const OPERATOR_REFUNDS_METRIC = 'OperatorRefunds';

/**
 * Partners' own top-ups (docs/contract.md §14), counted as the event relay puts each
 * `TopUpSucceeded` on the bus, whichever function credited it (the API, the webhook after a
 * payment page or an authentication, the recharge function): how many, and what their cards
 * were charged per currency (dimension `currency`), charted beside the charges.
 */
export const TOP_UPS_SUCCEEDED_METRIC = 'TopUpsSucceeded';

/**
 * Counted by the daily run of the 1st of a month: a monthly run is due. The alarm
 * `MonthlyRunMissing` compares it with `MonthlyRunCompleted` over 00:00-02:00 UTC, so a
 * monthly run that never started is noticed as well as one that did not finish.
 */
export const MONTHLY_RUN_DUE_METRIC = 'MonthlyRunDue';
/** Hours after 00:00 UTC on the 1st by which the month's run must have completed. */
export const MONTHLY_RUN_DEADLINE_HOURS = 2;
export const TOP_UP_AMOUNT_METRIC = 'TopUpAmount';
