// Prometheus metrics (prom-client) on a registry per app, so tests can build several apps in one process.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export type Metrics = ReturnType<typeof createMetrics>;

/** Create the registry and every metric Cinch exports. */
export function createMetrics(opts: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: "cinch_" });
  const reports = new Counter({
    name: "cinch_reports_total",
    help: "Violation reports by outcome (received, accepted, noise, sampled, rejected)",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  const rejected = new Counter({
    name: "cinch_ingest_rejected_total",
    help: "Ingest requests rejected, by reason",
    labelNames: ["reason"] as const,
    registers: [registry],
  });
  const batchSize = new Histogram({
    name: "cinch_ingest_batch_size",
    help: "Violations per ingest request",
    buckets: [0, 1, 2, 5, 10, 20, 50, 100],
    registers: [registry],
  });
  const queueDepth = new Gauge({
    name: "cinch_write_queue_depth",
    help: "Reports waiting for their commit",
    registers: [registry],
  });
  const commitSeconds = new Histogram({
    name: "cinch_commit_duration_seconds",
    help: "Duration of one group commit",
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    registers: [registry],
  });
  const commitReports = new Histogram({
    name: "cinch_commit_reports",
    help: "Reports written per group commit",
    buckets: [1, 5, 10, 50, 100, 500, 1000, 5000],
    registers: [registry],
  });
  const requestSeconds = new Histogram({
    name: "cinch_http_request_duration_seconds",
    help: "HTTP request duration by route and status",
    labelNames: ["route", "status"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  const storageAvailable = new Gauge({
    name: "cinch_storage_available",
    help: "1 while the database takes writes, 0 while it fails (disk full, I/O error; see /healthz)",
    registers: [registry],
  });
  storageAvailable.set(1);
  return {
    registry,
    storageAvailable,
    reports,
    rejected,
    batchSize,
    queueDepth,
    commitSeconds,
    commitReports,
    requestSeconds,
  };
}
