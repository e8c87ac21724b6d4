// The exporter's Prometheus metrics (names fixed by CLI.md) on a Registry of their own, and the mapping from probe
// results (health reports, comparisons, client probes) to series. Series that a new result no longer has (a check that
// went away, a probe now skipped) are removed, so a scrape never shows stale values under live names.
import { Gauge, Histogram, Registry } from 'prom-client';
import type { ClientReport, ClientStatus } from '../../nsm/client-probe.js';
import type { CheckStatus, Comparison } from '../compare.js';
import type { HealthReport } from '../health.js';

export const CHECK_STATUSES: readonly CheckStatus[] = ['pass', 'warn', 'fail'];
export const CLIENT_STATUSES: readonly ClientStatus[] = ['up', 'down', 'no-statd', 'unresolved'];

/**
 * RTT buckets (seconds): loopback NULL calls take ~0.1 ms, a WAN or a loaded server hundreds of ms. Ten buckets: with
 * 14 probes per target a target has 182 histogram samples.
 */
export const RTT_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1, 5];

type Labels = Record<string, string>;

interface Removable {
  remove(labels: Labels): void;
}

/**
 * A health probe's name as program and transport labels: `nfs3-null-udp` -> nfs3/udp, `rpcbind-tcp` -> rpcbind/tcp,
 * `nfs4-exchange-id` -> nfs4-exchange-id/tcp, and the probes that pick a transport themselves (`mount`,
 * `nfs3-getattr`, `canary-read`, `expect-*`) -> NAME/auto. The names come from health.ts: a fixed, small set.
 */
export function probeLabels(name: string): { program: string; transport: string } {
  const m = /^(.+?)(?:-null)?-(udp|tcp)$/.exec(name);
  if (m !== null) return { program: m[1]!, transport: m[2]! };
  if (name.startsWith('nfs4-')) return { program: name, transport: 'tcp' };
  return { program: name, transport: 'auto' };
}

const key = (labels: Labels) =>
  JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  );

/** Which series each owner (a probe part) wrote last time, per metric, so that the ones it no longer writes go. */
class SeriesOwners {
  private readonly last = new Map<Removable, Map<string, Map<string, Labels>>>();

  /** `owner` now has exactly `current` on `metric`: remove its series that are not in `current`. */
  replace(metric: Removable, owner: string, current: readonly Labels[]): void {
    let owners = this.last.get(metric);
    if (owners === undefined) {
      owners = new Map();
      this.last.set(metric, owners);
    }
    const next = new Map(current.map((labels) => [key(labels), labels]));
    for (const [k, labels] of owners.get(owner) ?? []) if (!next.has(k)) metric.remove(labels);
    owners.set(owner, next);
  }

  /** The label sets `owner` has on `metric` now. */
  current(metric: Removable, owner: string): Labels[] {
    return [...(this.last.get(metric)?.get(owner)?.values() ?? [])];
  }
}

/** The metrics of one exporter. Every `record*` call is synchronous: a scrape sees a result whole or not at all. */
export class ExporterMetrics {
  readonly registry: Registry;
  private readonly up: Gauge;
  private readonly rtt: Histogram;
  private readonly compareCheck: Gauge;
  private readonly nsmState: Gauge;
  private readonly clients: Gauge;
  private readonly duration: Gauge;
  private readonly timestamp: Gauge;
  private readonly owners = new SeriesOwners();

  constructor(registry = new Registry()) {
    this.registry = registry;
    const registers = [registry];
    const gauge = (name: string, help: string, labelNames: string[]) =>
      new Gauge({ name, help, labelNames, registers });
    this.up = gauge('nfsprobe_up', 'Health probe result: 1 the probe passed, 0 it failed', [
      'target',
      'program',
      'transport',
    ]);
    this.rtt = new Histogram({
      name: 'nfsprobe_rpc_rtt_seconds',
      help: 'Round-trip time of the health probes that passed',
      labelNames: ['target', 'program', 'transport'],
      buckets: RTT_BUCKETS,
      registers,
    });
    this.compareCheck = gauge(
      'nfsprobe_compare_check',
      'HA parity check of a pair: 1 for the current status (pass, warn, fail), 0 for the others',
      ['pair', 'check', 'status'],
    );
    this.nsmState = gauge('nfsprobe_nsm_state', 'NSM state number a server reports (SM_STAT); odd means up', [
      'target',
    ]);
    this.clients = gauge('nfsprobe_clients', 'Monitored NFS clients of the statd directory, by probe status', [
      'status',
    ]);
    this.duration = gauge('nfsprobe_probe_duration_seconds', 'How long the last run of a probe took', ['probe']);
    this.timestamp = gauge(
      'nfsprobe_last_probe_timestamp_seconds',
      'When a probe last completed (Unix time): a stale value means the probe hangs or fails',
      ['probe'],
    );
  }

  /** One health report of `target`: up per probe (skipped probes have no series), the RTT of those that passed. */
  recordHealth(target: string, report: HealthReport): void {
    const series: Labels[] = [];
    for (const p of report.probes) {
      if (p.skipped) continue;
      const labels = { target, ...probeLabels(p.name) };
      series.push(labels);
      this.up.set(labels, p.ok ? 1 : 0);
      if (p.ok && p.rttMs !== undefined) this.rtt.observe(labels, p.rttMs / 1000);
    }
    this.owners.replace(this.up, target, series);
    this.owners.replace(this.rtt, target, series);
  }

  /** The health probe of `target` could not run at all (its name does not resolve): every known probe is down. */
  recordHealthFailure(target: string): void {
    for (const labels of this.owners.current(this.up, target)) this.up.set(labels, 0);
  }

  /** A pair's comparison: three series per check; and the NSM state of both servers when they reported one. */
  recordCompare(pair: string, comparison: Comparison, nsm?: { a: number | null; b: number | null }): void {
    const series: Labels[] = [];
    for (const c of comparison.checks) {
      for (const status of CHECK_STATUSES) {
        const labels = { pair, check: c.name, status };
        series.push(labels);
        this.compareCheck.set(labels, c.status === status ? 1 : 0);
      }
    }
    this.owners.replace(this.compareCheck, pair, series);
    if (nsm === undefined) return;
    for (const [side, target] of [
      [nsm.a, comparison.a],
      [nsm.b, comparison.b],
    ] as const) {
      if (side === null) this.owners.replace(this.nsmState, target, []);
      else {
        this.nsmState.set({ target }, side);
        this.owners.replace(this.nsmState, target, [{ target }]);
      }
    }
  }

  /** The clients probe: a count for every status (0 included, so that alerts on a status always have a series). */
  recordClients(reports: readonly ClientReport[]): void {
    for (const status of CLIENT_STATUSES) {
      this.clients.set({ status }, reports.filter((r) => r.status === status).length);
    }
  }

  /** A probe part finished (`completed`) or gave up (deadline, error: the timestamp stays at the last completion). */
  recordRun(probe: string, seconds: number, completedAt?: number): void {
    this.duration.set({ probe }, seconds);
    if (completedAt !== undefined) this.timestamp.set({ probe }, completedAt / 1000);
  }

  /** The exposition in the Prometheus text format. */
  serialize(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
