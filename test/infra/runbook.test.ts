/**
 * docs/runbook.md against the stack: every alarm the stack creates has a section named
 * after it, and its description links there; no section names an alarm that no longer
 * exists. The saved Logs Insights queries are in the stack with the fields they group by.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { runbookLink } from '../../lib/observability/observability';
import { SAVED_QUERIES, SAVED_QUERY_FOLDER } from '../../lib/observability/saved-queries';
import { PrepaidBillingStack } from '../../lib/prepaid-billing-stack';

const RUNBOOK_URL = 'https://git.example.com/billing/blob/main/docs/runbook.md';

const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
const stack = new PrepaidBillingStack(app, 'Runbook', {
  operatorName: '360dialog',
  licenseFees: { EUR: '25.00', USD: '27.00' },
  cardReturnUrl: 'https://billing.example.com/cards/done',
  cardCancelUrl: 'https://billing.example.com/cards/cancelled',
  runbookUrl: RUNBOOK_URL,
});
const template = Template.fromStack(stack);
const runbook = readFileSync(join(__dirname, '../../docs/runbook.md'), 'utf8');
const sections = new Set([...runbook.matchAll(/^### (\S+)$/gm)].map((match) => match[1]));
const alarms = stack.observability.alarms.map((alarm) => ({
  name: alarm.node.id,
  description: (alarm.node.defaultChild as CfnAlarm).alarmDescription ?? '',
}));

describe('Runbook', () => {
  it('has a section for every alarm the stack creates, and only for those', () => {
    // Assess
    expect(alarms.length).toBe(Object.keys(template.findResources('AWS::CloudWatch::Alarm')).length);
    expect(alarms.map(({ name }) => name).filter((name) => !sections.has(name))).toEqual([]);
    expect([...sections].filter((section) => !alarms.some(({ name }) => name === section))).toEqual([]);
  });

  it("links every alarm's description to its section at the configured address", () => {
    // Assess
    for (const { name, description } of alarms) expect(description).toContain(runbookLink(RUNBOOK_URL, name));
  });

  it('saves the Logs Insights queries the runbook names, with the fields they show and group by', () => {
    // Assess
    const saved = Object.values(template.findResources('AWS::Logs::QueryDefinition')).map(
      (resource) => resource.Properties as { Name: string; QueryString: string; LogGroupNames: unknown[] },
    );
    const byName = new Map(saved.map((query) => [query.Name, query]));
    for (const name of Object.keys(SAVED_QUERIES)) {
      expect(runbook).toContain(`${SAVED_QUERY_FOLDER}/${name}`);
      expect(byName.get(`${SAVED_QUERY_FOLDER}/${name}`)?.LogGroupNames.length).toBeGreaterThan(0);
    }
    expect(byName.get('prepaid-billing/partner-story')?.QueryString).toMatch(/filter partnerId = /);
    expect(byName.get('prepaid-billing/rejected-usage-by-reason')?.QueryString).toMatch(
      /stats count\(\*\) as rejected by reason/,
    );
    expect(byName.get('prepaid-billing/charges-by-outcome')?.QueryString).toMatch(/by outcome, declineCode/);
    expect(byName.get('prepaid-billing/slowest-ingestion-batches')?.QueryString).toMatch(/sort @duration desc/);
    expect(byName.get('prepaid-billing/errors-by-function')?.QueryString).toMatch(/by function_name, message/);
  });
});
