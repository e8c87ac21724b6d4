// The Prometheus exporter's library part: the probe cycle and its metrics (the HTTP server is the CLI's).
export {
  Exporter,
  type ExporterOptions,
  type ExporterPair,
  type ExporterProbes,
  type ExporterTarget,
  LIVE_PROBES,
  type PartResult,
} from './cycle.js';
export { CHECK_STATUSES, CLIENT_STATUSES, ExporterMetrics, probeLabels, RTT_BUCKETS } from './metrics.js';
