/**
 * The Logs Insights queries an operator reaches for first (docs/runbook.md), saved in the
 * account under `prepaid-billing/…` over the functions' log groups, so that nobody has to
 * write one at 3 a.m. Fields are the Powertools logger's (`message`, `level`,
 * `function_name`, and the keys each line adds, such as `partnerId`) and Lambda's own
 * (`@duration` of a `REPORT` line).
 */
import { type ILogGroup, QueryDefinition, QueryString } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export const SAVED_QUERY_FOLDER = 'prepaid-billing';

export interface SavedQueriesProps {
  /** Every function's log group: a partner's story and errors are searched across all of them. */
  readonly allLogGroups: readonly ILogGroup[];
  readonly ingestionLogGroup: ILogGroup;
  /** The log groups of the functions that charge cards (the `card charge` lines). */
  readonly chargeLogGroups: readonly ILogGroup[];
}

/** What each saved query answers, and the fields it shows or groups by (the infra test reads them). */
export const SAVED_QUERIES = {
  'partner-story': {
    fields: ['@timestamp', 'function_name', 'level', 'message', 'partnerId'],
    filter: 'partnerId = "PARTNER-ID"',
    sort: '@timestamp asc',
  },
  'rejected-usage-by-reason': {
    filter: 'message = "usage rejected"',
    stats: 'count(*) as rejected by reason',
    sort: 'rejected desc',
  },
  'charges-by-outcome': {
    filter: 'message = "card charge"',
    stats: 'count(*) as charges by outcome, declineCode',
    sort: 'charges desc',
  },
  'slowest-ingestion-batches': {
    fields: ['@timestamp', '@requestId', '@duration', '@maxMemoryUsed'],
    filter: '@type = "REPORT"',
    sort: '@duration desc',
  },
  'errors-by-function': {
    filter: 'level = "ERROR"',
    stats: 'count(*) as errors by function_name, message',
    sort: 'errors desc',
  },
} as const;
export type SavedQueryName = keyof typeof SAVED_QUERIES;

export class SavedQueries extends Construct {
  constructor(scope: Construct, id: string, props: SavedQueriesProps) {
    super(scope, id);
    const logGroups: Readonly<Record<SavedQueryName, readonly ILogGroup[]>> = {
      'partner-story': props.allLogGroups,
      'rejected-usage-by-reason': [props.ingestionLogGroup],
      'charges-by-outcome': props.chargeLogGroups,
      'slowest-ingestion-batches': [props.ingestionLogGroup],
      'errors-by-function': props.allLogGroups,
    };
    for (const [name, query] of Object.entries(SAVED_QUERIES) as [SavedQueryName, QueryShape][]) {
      new QueryDefinition(this, name, {
        queryDefinitionName: `${SAVED_QUERY_FOLDER}/${name}`,
        queryString: new QueryString({
          ...(query.fields !== undefined && { fields: [...query.fields] }),
          filterStatements: [query.filter],
          ...(query.stats !== undefined && { statsStatements: [query.stats] }),
          sort: query.sort,
          limit: 100,
        }),
        logGroups: [...logGroups[name]],
      });
    }
  }
}

interface QueryShape {
  readonly fields?: readonly string[];
  readonly filter: string;
  readonly stats?: string;
  readonly sort: string;
}
