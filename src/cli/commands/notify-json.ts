// The JSON of a notify report (`notify --json`, `demo --json`): the library's NotifyReport with each host's
// `monNames` (the names announced to it) printed as `announced`, so `monNames` means one thing in the CLI's JSON:
// a client's own names, as `clients --json` prints them.
import type { HostReport, NotifyReport } from '../../nsm/notifier.js';

/** A host report with `monNames` renamed `announced`, in the same key position. */
export function hostJson(host: HostReport): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(host).map(([key, value]) => [key === 'monNames' ? 'announced' : key, value]),
  );
}

export function notifyReportJson(report: NotifyReport): Record<string, unknown> {
  return { ...report, hosts: report.hosts.map(hostJson) };
}
