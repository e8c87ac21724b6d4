// The failover drill report: a `watch --json` log (or a run's events) as one self-contained HTML file.
export { ReportError, type ReportErrorCode } from './errors.js';
export { escapeHtml, inlineJson, type ReportOptions, renderReport } from './html.js';
export { type DrillEvent, type DrillLog, drillFromEvents, parseWatchLog, type SmNotifyEvent } from './log.js';
export { buildView, type DrillView, type Marker, type Phase } from './model.js';
