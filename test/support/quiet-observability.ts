/** Tests assert on behaviour, not on log lines: keep Powertools' JSON logs and EMF metrics off stdout unless asked for. */
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
