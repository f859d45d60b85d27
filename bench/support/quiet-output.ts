/**
 * Keeps the benchmark's output to its figures: Powertools' JSON logs and EMF metrics off,
 * and no notice from the AWS SDK about the Node versions its future releases will need.
 * Powertools and the SDK read these when their modules are loaded: import this first.
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export {};
