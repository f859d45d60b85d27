/**
 * The deployment settings as bin/app.ts and npm start read them: from cdk.json (JSON
 * values) or from `-c key=value` (always text), with defaults and one error per bad key.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DeploymentSettings, readDeploymentSettings } from '../../../definitions/deployment-settings';
import { MAX_TOP_UP_CENTS } from '../../../definitions/setting-values';
import { MAX_CARD_CREDIT, MICROS_PER_CENT } from '../../../functions/domain/money';

const QUEUE_ARN = 'arn:aws:sqs:eu-central-1:123456789012:platform-usage';
const PAGES = {
  cardReturnUrl: 'https://billing.example.com/cards/done',
  cardCancelUrl: 'https://billing.example.com/cards/cancelled',
};
const REQUIRED = { operatorName: '360dialog', licenseFees: { EUR: '25.00', USD: '27.00' }, ...PAGES };

/** A context getter over `prepaid-billing:` keys, as `app.node.tryGetContext` is one. */
function read(settings: Record<string, unknown>, otherKeys: string[] = []): DeploymentSettings {
  const context = Object.fromEntries(
    Object.entries(settings).map(([name, value]) => [`prepaid-billing:${name}`, value]),
  );
  return readDeploymentSettings((key) => context[key], [...Object.keys(context), ...otherKeys]);
}

function refusal(settings: Record<string, unknown>): string {
  try {
    read(settings);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the settings were accepted');
}

describe('Function: readDeploymentSettings', () => {
  it('gives every optional setting its default when only the operator, the fees and the card pages are set', () => {
    // Act
    const settings = read(REQUIRED);

    // Assess
    expect(settings).toEqual({
      operatorName: '360dialog',
      licenseFees: { EUR: '25.00', USD: '27.00' },
      ...PAGES,
      alarmEmail: undefined,
      stripeSecretName: undefined,
      stripeWebhookSecretName: undefined,
      removalPolicy: 'retain',
      existingUsageQueueArns: [],
      usageFutureMarginSeconds: 86_400,
      topUpMinimum: '10.00',
      topUpMaximum: '100000.00',
      runbookUrl: 'https://github.com/prepaid-billing/prepaid-billing/blob/main/docs/runbook.md',
    });
  });

  it("treats the empty strings and nulls of cdk.json's placeholders as unset", () => {
    // Act
    const settings = read({
      ...REQUIRED,
      alarmEmail: '',
      stripeSecretName: ' ',
      removalPolicy: null,
      usageFutureMarginSeconds: '',
    });

    // Assess
    expect(settings).toMatchObject({
      alarmEmail: undefined,
      stripeSecretName: undefined,
      removalPolicy: 'retain',
      usageFutureMarginSeconds: 86_400,
    });
  });

  it('reads the text that -c gives: JSON objects and lists, and numbers', () => {
    // Act
    const settings = read({
      operatorName: '360dialog',
      licenseFees: '{"EUR":"30.00","USD":"32.00"}',
      existingUsageQueueArns: `["${QUEUE_ARN}"]`,
      usageFutureMarginSeconds: '3600',
      removalPolicy: 'destroy',
      alarmEmail: 'ops@example.com',
      stripeSecretName: 'billing/stripe-key',
      ...PAGES,
    });

    // Assess
    expect(settings).toEqual({
      operatorName: '360dialog',
      licenseFees: { EUR: '30.00', USD: '32.00' },
      ...PAGES,
      existingUsageQueueArns: [QUEUE_ARN],
      usageFutureMarginSeconds: 3600,
      removalPolicy: 'destroy',
      alarmEmail: 'ops@example.com',
      stripeSecretName: 'billing/stripe-key',
      topUpMinimum: '10.00',
      topUpMaximum: '100000.00',
      runbookUrl: 'https://github.com/prepaid-billing/prepaid-billing/blob/main/docs/runbook.md',
    });
  });

  it('reads the JSON values of cdk.json as they are', () => {
    // Act
    const settings = read({ ...REQUIRED, existingUsageQueueArns: [QUEUE_ARN], usageFutureMarginSeconds: 0 });

    // Assess
    expect(settings).toMatchObject({ existingUsageQueueArns: [QUEUE_ARN], usageFutureMarginSeconds: 0 });
  });

  it.each([
    ['operatorName', undefined, 'is not set'],
    ['operatorName', 42, 'must be text'],
    ['licenseFees', undefined, 'is not set'],
    ['licenseFees', '{"EUR":', 'must map each currency to an amount string'],
    ['licenseFees', { EUR: 25 }, 'must map each currency to an amount string'],
    ['licenseFees', {}, 'must map each currency to an amount string'],
    ['licenseFees', ['EUR'], 'must map each currency to an amount string'],
    ['alarmEmail', 'ops', 'must be an e-mail address'],
    ['stripeSecretName', 'my secret', 'must be the name of a Secrets Manager secret'],
    ['stripeWebhookSecretName', 'my secret', 'must be the name of a Secrets Manager secret'],
    ['cardReturnUrl', undefined, 'must be an https URL'],
    ['cardReturnUrl', 'http://billing.example.com/cards/done', 'must be an https URL'],
    ['cardCancelUrl', 'cards/cancelled', 'must be an https URL'],
    ['removalPolicy', 'Destroy', 'must be "retain" or "destroy", not "Destroy"'],
    ['existingUsageQueueArns', QUEUE_ARN, 'must be a list of SQS queue ARNs'],
    ['existingUsageQueueArns', '["arn:aws:sns:eu-central-1:123456789012:topic"]', 'must be a list of SQS queue ARNs'],
    ['usageFutureMarginSeconds', '1.5', 'must be a whole number of seconds'],
    ['usageFutureMarginSeconds', -1, 'must be a whole number of seconds'],
    ['usageFutureMarginSeconds', 1e10, 'must be a whole number of seconds'],
    ['usageFutureMarginSeconds', 'a day', 'must be a whole number of seconds'],
    ['topUpMinimum', '10', 'must be an amount in whole cents from 0.01 to 961538.45'],
    ['topUpMinimum', 10, 'must be an amount in whole cents from 0.01 to 961538.45'],
    ['topUpMinimum', '0.00', 'must be an amount in whole cents from 0.01 to 961538.45'],
    ['topUpMinimum', '010.00', 'must be an amount in whole cents from 0.01 to 961538.45'],
    ['topUpMaximum', '961538.46', 'must be an amount in whole cents from 0.01 to 961538.45'],
  ])('refuses %s = %j, naming the key', (name, value, message) => {
    // Act
    const error = refusal({ ...REQUIRED, [name]: value });

    // Assess
    expect(error).toContain(`context prepaid-billing:${name} ${message}`);
  });

  it('takes top-up bounds in whole cents up to what one card charge credits', () => {
    // Act
    const settings = read({ ...REQUIRED, topUpMinimum: '0.01', topUpMaximum: '961538.45' });

    // Assess
    expect(settings).toMatchObject({ topUpMinimum: '0.01', topUpMaximum: '961538.45' });
    expect(MAX_TOP_UP_CENTS * MICROS_PER_CENT).toBe(MAX_CARD_CREDIT);
  });

  it('refuses a top-up minimum above the maximum', () => {
    // Act
    const error = refusal({ ...REQUIRED, topUpMaximum: '5.00' });

    // Assess
    expect(error).toContain('context prepaid-billing:topUpMinimum must be at most topUpMaximum (5.00)');
  });

  it('names every refused key in one error, each once', () => {
    // Act
    const error = refusal({
      licenseFees: { EUR: 25, USD: 27 },
      ...PAGES,
      removalPolicy: 'keep',
      existingUsageQueueArns: ['a', 'b'],
    });

    // Assess
    const lines = error.split('\n').slice(1);
    expect(lines).toHaveLength(4);
    for (const name of ['operatorName', 'licenseFees', 'removalPolicy', 'existingUsageQueueArns']) {
      expect(lines.filter((line) => line.includes(`prepaid-billing:${name} `))).toHaveLength(1);
    }
  });

  it('refuses a misspelled prepaid-billing key instead of ignoring it, and leaves other context keys alone', () => {
    // Act
    const error = refusal({ ...REQUIRED, alarmEmial: 'ops@example.com' });
    const settings = read(REQUIRED, ['@aws-cdk/core:newStyleStackSynthesis', 'aws:cdk:bundling-stacks']);

    // Assess
    expect(error).toContain('context prepaid-billing:alarmEmial is not a setting; the settings are operatorName,');
    expect(settings.operatorName).toBe('360dialog');
  });

  it('accepts the settings cdk.json ships, usageFutureMarginSeconds at its default', () => {
    // Prepare
    const cdkJson = JSON.parse(readFileSync(join(__dirname, '../../../cdk.json'), 'utf8')) as {
      context: Record<string, unknown>;
    };

    // Act
    const settings = readDeploymentSettings((key) => cdkJson.context[key], Object.keys(cdkJson.context));

    // Assess
    expect(cdkJson.context['prepaid-billing:usageFutureMarginSeconds']).toBe(86_400);
    expect(settings).toMatchObject({
      removalPolicy: 'retain',
      existingUsageQueueArns: [],
      usageFutureMarginSeconds: 86_400,
    });
  });
});
