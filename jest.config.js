/**
 * Test layers as jest projects: `unit` (pure domain), `integration` (adapters and
 * handlers against DynamoDB Local), `infra` (CDK assertions and cdk-nag).
 * DynamoDB Local is started once per run by the integration project's global setup.
 */
const tsJest = ['ts-jest', {}];

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
    },
    {
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    {
      displayName: 'infra',
      testMatch: ['<rootDir>/test/infra/**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
    },
  ],
};
