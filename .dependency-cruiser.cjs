/**
 * The layers of the codebase, checked on every `npm test` (docs/architecture.md, "Layers").
 * Each rule's comment is what a violation prints: it says what is not allowed and where
 * the code should go instead.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Import cycle: modules that import each other cannot be read or tested alone. Move the shared type to the module both depend on.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment:
        'functions/domain/ holds the rules and the use cases: it imports only itself, definitions/ and Node built-ins. AWS SDK clients, adapters, handlers, the API, lib/ and local/ reach it as ports passed in (functions/domain/ports.ts).',
      from: { path: '^functions/domain/' },
      to: { pathNot: ['^functions/domain/', '^definitions/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'handlers-use-wiring',
      severity: 'error',
      comment:
        'Handlers and the API take their adapters as dependencies built by functions/wiring/ (or a Lambda entry in functions/lambda/); they do not import functions/adapters/ themselves.',
      from: { path: '^functions/(handlers|api)/' },
      to: { path: '^functions/(adapters|wiring|lambda)/' },
    },
    {
      name: 'functions-stand-alone',
      severity: 'error',
      comment:
        'functions/ is what Lambda runs: it does not import the CDK app (lib/, bin/), the local runtime (local/), tests, benchmarks or scripts. A fact both sides need goes in definitions/.',
      from: { path: '^functions/' },
      to: { path: '^(lib|bin|local|test|bench|scripts)/' },
    },
    {
      name: 'stack-imports-no-functions',
      severity: 'error',
      comment:
        'lib/ bundles the Lambda entries by their path (lib/functions/billing-function.ts) and imports nothing from functions/. A fact both sides need goes in definitions/.',
      from: { path: '^(lib|bin)/' },
      to: { path: '^functions/' },
    },
    {
      name: 'definitions-are-leaves',
      severity: 'error',
      comment:
        'definitions/ holds the facts and schemas both the stack and the functions take: it imports only definitions/ and npm packages (such as zod), never functions/, lib/, local/, bin/ or Node built-ins.',
      from: { path: '^definitions/' },
      to: { pathNot: ['^definitions/', '(^|/)node_modules/'] },
    },
    {
      name: 'operator-cli-stands-apart',
      severity: 'error',
      comment:
        'cli/ is the operator command line (bin/prepaid-billing.js): a program of its own that nothing but its tests imports. It works through the adapters and views of functions/, the facts of definitions/ and the local event log, never through handlers, Lambda entries, the CDK app (lib/, bin/), tests, benchmarks or scripts.',
      from: { pathNot: ['^cli/', '^bin/prepaid-billing\\.js$', '^test/'] },
      to: { path: '^cli/' },
    },
    {
      name: 'operator-cli-uses-adapters',
      severity: 'error',
      comment:
        'The operator command line reads and repairs through functions/adapters/ and functions/domain/ (and the API views); handlers, wiring and Lambda entries are for Lambda and npm start, lib/ and bin/ for the CDK app.',
      from: { path: '^cli/' },
      to: { path: '^(lib|bin|test|bench|scripts)/|^functions/(handlers|lambda|wiring)/' },
    },
    {
      name: 'no-test-code-in-production',
      severity: 'error',
      comment:
        'Code that ships (functions/, lib/, bin/, local/, definitions/) does not import test/, bench/ or scripts/.',
      from: { path: '^(functions|lib|bin|local|definitions)/' },
      to: { path: '^(test|bench|scripts)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^cdk\\.out/' },
  },
};
