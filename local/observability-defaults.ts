/**
 * Imported first by the local runtime, before the handlers create their logger and
 * metrics: warnings and errors only on the console, and no EMF metric blobs, unless the
 * environment asks for them.
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
