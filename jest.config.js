/**
 * Test layers as jest projects: `unit` (pure domain), `integration` (adapters and
 * handlers against DynamoDB Local and the SQS emulator), `e2e` (`npm start` driven over
 * HTTP and SQS), `infra` (CDK assertions and cdk-nag). The emulators are started once per run by the integration project's global
 * setup.
 */
const tsJest = ['ts-jest', {}];
// These ship ES modules only; jest on Node 20 loads CommonJS, so their files are compiled too.
const esmPackages = ['@middy'];

const shared = {
  transform: {
    '^.+\\.ts$': tsJest,
    [`/node_modules/(${esmPackages.join('|')})/.+\\.js$`]: [
      'ts-jest',
      { tsconfig: { allowJs: true, isolatedModules: true } },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  setupFiles: ['<rootDir>/test/support/quiet-observability.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
  // Integration tests run real emulators on 2 cores: redelivery waits out visibility
  // timeouts and contention retries take time. Pure unit tests finish far below this.
  testTimeout: 60_000,
  // Jest takes one worker on 2 cores (cores - 1), but a test file mostly waits on DynamoDB
  // Local, the SQS emulator or its own `npm start`: two files at once keep both cores busy.
  // Every file has its own table, queues and ports, so files never share state.
  maxWorkers: 2,
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      ...shared,
      displayName: 'integration',
      // The simulator runs the handlers on the same emulators: a short fixed-seed run is part of the suite.
      testMatch: ['<rootDir>/test/integration/**/*.test.ts', '<rootDir>/test/simulation/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    {
      ...shared,
      // `npm start` as a user runs it: starts its own emulators, so no global setup.
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
    },
    {
      ...shared,
      displayName: 'infra',
      testMatch: ['<rootDir>/test/infra/**/*.test.ts'],
    },
  ],
};
