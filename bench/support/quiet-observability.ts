/**
 * Keeps Powertools' JSON logs and EMF metrics off stdout so the benchmark prints only its
 * figures. Powertools reads these when the handler module is loaded: import this first.
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

export {};
