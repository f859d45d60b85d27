/**
 * The monthly statement (docs/contract.md §15): JSON by default, or CSV or PDF as the
 * request's Accept header prefers. A format the route does not make is a 406.
 */
import Negotiator from 'negotiator';
import { readStatement } from '../domain/statements/read-statement';
import type { Statement } from '../domain/statements/statement';
import type { ApiDependencies } from './api-dependencies';
import { type ApiRoute, type Representation, route } from './api-route';
import { RequestProblem } from './problems';
import { CSV_CONTENT_TYPE, statementCsv } from './statement-csv';
import { StatementPath, StatementView } from './statement-schemas';
import { statementView } from './statement-view';

/** What the route answers, the first one for a request that states no preference. */
const MEDIA_TYPES = ['application/json', 'text/csv', 'application/pdf'] as const;

export const STATEMENT_ROUTES: readonly ApiRoute[] = [
  route({
    method: 'get',
    path: '/partners/{partnerId}/statements/{period}',
    operationId: 'getStatement',
    summary:
      "The partner's statement of a month that is over: the opening balance (the previous month's closing), usage by category and by channel, every other movement by kind, the closing balance, the balance at the end of each day, and, off the balance, the month's card charges with their fees and the license fees. Readable once the first daily run after the month's end has closed it (`StatementReady`). `Accept: text/csv` answers one CSV table, `Accept: application/pdf` a PDF with a chart of the daily balance",
    pathSchema: StatementPath,
    responses: {
      200: { description: "The month's statement", schema: StatementView },
    },
    representations: [
      {
        mediaType: 'text/csv',
        binary: false,
        description:
          'The statement as one table: columns partner_id, period, section, item, reference, date, count, amount, currency; one row per figure',
      },
      {
        mediaType: 'application/pdf',
        binary: true,
        description:
          "The statement as a PDF: the operator's name, the partner, the figures and a chart of the daily balance",
      },
    ],
    problemStatuses: [400, 404, 406, 409],
    async handle({ path, accept }, deps) {
      const mediaType = preferredMediaType(accept);
      const statement = await readStatement(path, deps.statements);
      return mediaType === 'application/json'
        ? { status: 200, body: statementView(statement) }
        : represent(statement, mediaType, deps);
    },
  }),
];

/** The format the Accept header prefers among those the route makes; JSON when it names none. */
function preferredMediaType(accept: string | undefined): (typeof MEDIA_TYPES)[number] {
  const preferred = new Negotiator({ headers: { accept: accept ?? '*/*' } }).mediaType([...MEDIA_TYPES]);
  if (preferred === undefined)
    throw new RequestProblem(
      406,
      'not-acceptable',
      'Not acceptable',
      `the statement is made as ${MEDIA_TYPES.join(', ')}; the Accept header "${accept}" takes none of them`,
    );
  return preferred as (typeof MEDIA_TYPES)[number];
}

async function represent(
  statement: Statement,
  mediaType: 'text/csv' | 'application/pdf',
  deps: ApiDependencies,
): Promise<Representation> {
  const filename = `statement-${statement.partnerId}-${statement.period}`;
  return mediaType === 'text/csv'
    ? { status: 200, contentType: CSV_CONTENT_TYPE, content: statementCsv(statement), filename: `${filename}.csv` }
    : await pdfOf(statement, deps.operatorName, `${filename}.pdf`);
}

/**
 * The PDF, its module (and pdf-lib, half of the API's bundle) initialised on the first
 * PDF asked for rather than at every cold start.
 */
async function pdfOf(statement: Statement, operatorName: string, filename: string): Promise<Representation> {
  const { PDF_CONTENT_TYPE, statementPdf } = await import('./statement-pdf');
  return { status: 200, contentType: PDF_CONTENT_TYPE, content: await statementPdf(statement, operatorName), filename };
}
