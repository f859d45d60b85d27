/**
 * Imported first by the local runtime, before the handlers create their logger and
 * metrics: warnings and errors only on the console, and no EMF metric blobs, unless the
 * environment asks for them.
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
// The AWS SDK warns on Node.js 20 that SDK versions published after January 2027 will need
// Node.js 22. The versions in the lock file run on 20, and Lambda runs 22: nothing to act on.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
