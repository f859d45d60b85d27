/** Tests assert on behaviour, not on log lines: keep Powertools' JSON logs and EMF metrics off stdout unless asked for. */
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
// The AWS SDK's notice that SDK versions after January 2027 need Node.js 22 (see local/observability-defaults.ts).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
