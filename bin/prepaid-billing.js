#!/usr/bin/env node
/** `npx prepaid-billing <command>`: the operator command line (cli/), run from its TypeScript by tsx. */
// The AWS SDK warns on Node.js 20 that its versions published after January 2027 will need
// Node.js 22; the versions in the lock file run on 20 (local/observability-defaults.ts).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs/api').register();
require('../cli/prepaid-billing.ts');
