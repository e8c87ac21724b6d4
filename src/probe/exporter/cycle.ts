// The exporter's probe cycle: every interval, concurrently and each under its own deadline, `health` of every server
// and floating address, a live `compare` of every pair (with A's export-root handles presented to B: handle
// portability), and the clients probe of the statd directory. Cycles never
// overlap; each part writes its metrics when it completes, so a scrape always sees the last completed results.
import { setMaxListeners } from 'node:events';
import { type ConnectOptions, connect } from '../../nfs/connect.js';
import { type ClientReport, type ProbeClientsOptions, probeClients } from '../../nsm/client-probe.js';
import { resolveHost } from '../../rpc/index.js';
import { type Comparison, compareSnapshots } from '../compare.js';
import { checkHealth, type HealthOptions, type HealthReport } from '../health.js';
import { type PortabilityProbe, probePortability } from '../portability.js';
import { type Snapshot, type SnapshotOptions, selectTargets, takeSnapshot } from '../snapshot.js';
import { ExporterMetrics } from './metrics.js';

/** A server or floating address: `label` names it in metrics (HOST or HOST:PORT as the user gave it). */
export interface ExporterTarget {
  readonly label: string;
  readonly host: string;
  /** rpcbind's port (default 111). */
  readonly rpcbindPort?: number;
}

export interface ExporterPair {
  /** The `pair` label (default `A,B`). */
  readonly name: string;
  readonly a: ExporterTarget;
  readonly b: ExporterTarget;
  readonly floating?: ExporterTarget;
  /** Exports to compare and to MOUNT in health (the first one); default: every export, health without MOUNT. */
  readonly exports?: readonly string[];
}

export interface ExporterOptions {
  readonly pairs: readonly ExporterPair[];
  /** The statd directory whose clients are probed (none: no clients probe). */
  readonly stateDir?: string;
  /** Time from one cycle's start to the next one's (default 15 s); a longer cycle is followed at once. */
  readonly intervalMs?: number;
  /** Per network operation (default 5 s). */
  readonly timeoutMs?: number;
  /**
   * Each part's deadline (default: the interval, at least the timeout). Health probes get at most 80% of it as their
   * own deadline, so that they report a silent server's probes as TIMEOUT; a part that still runs at the deadline is
   * given up (its health targets count as down, its other series keep the last completed values). Each step of a
   * compare's snapshots gets at most a sixth of it.
   */
  readonly deadlineMs?: number;
}

/** The probes, replaceable by tests and benchmarks (a scripted server, a hang). */
export interface ExporterProbes {
  health(host: string, target: string, options: HealthOptions): Promise<HealthReport>;
  snapshot(host: string, options: SnapshotOptions): Promise<Snapshot>;
  clients(options: ProbeClientsOptions): Promise<ClientReport[]>;
  /** A's export-root handles presented to `host` (B); without it the compare has no `portability PATH` checks. */
  portability?(host: string, a: Snapshot, options: ConnectOptions): Promise<PortabilityProbe[]>;
}

async function livePortability(host: string, a: Snapshot, options: ConnectOptions): Promise<PortabilityProbe[]> {
  const connection = connect(host, options);
  try {
    return await probePortability(connection, a);
  } finally {
    await connection.close();
  }
}

export const LIVE_PROBES: ExporterProbes = {
  health: checkHealth,
  snapshot: takeSnapshot,
  clients: probeClients,
  portability: livePortability,
};

/** The last completed result of one part, for the HTML page. */
export interface PartResult {
  /** The `probe` label: `health TARGET`, `compare PAIR`, `clients`. */
  readonly probe: string;
  readonly durationMs: number;
  /** When the part last completed (ms since the epoch); null while it never did. */
  readonly completedAt: number | null;
  /** Why the last run did not complete (deadline, error); undefined when it did. */
  readonly error?: string;
  readonly health?: HealthReport;
  readonly compare?: Comparison;
  readonly clients?: ClientReport[];
}

interface Part {
  readonly probe: string;
  run(signal: AbortSignal): Promise<Omit<PartResult, 'probe' | 'durationMs' | 'completedAt'>>;
  failed?(): void;
}

class DeadlineError extends Error {
  readonly code = 'TIMEOUT';
}

export class Exporter {
  readonly metrics: ExporterMetrics;
  private readonly options: Required<Omit<ExporterOptions, 'stateDir'>> & { stateDir?: string };
  private readonly probes: ExporterProbes;
  private readonly parts: Part[];
  private readonly results = new Map<string, PartResult>();
  private readonly stopping = new AbortController();
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private cycles = 0;

  constructor(options: ExporterOptions, probes: ExporterProbes = LIVE_PROBES, metrics = new ExporterMetrics()) {
    const intervalMs = options.intervalMs ?? 15_000;
    const timeoutMs = options.timeoutMs ?? 5000;
    this.options = {
      pairs: options.pairs,
      intervalMs,
      timeoutMs,
      deadlineMs: options.deadlineMs ?? Math.max(intervalMs, timeoutMs),
      ...(options.stateDir === undefined ? {} : { stateDir: options.stateDir }),
    };
    this.probes = probes;
    this.metrics = metrics;
    setMaxListeners(0, this.stopping.signal);
    this.parts = this.buildParts();
    for (const part of this.parts)
      this.results.set(part.probe, { probe: part.probe, durationMs: 0, completedAt: null });
  }

  private buildParts(): Part[] {
    const { timeoutMs, deadlineMs } = this.options;
    const parts: Part[] = [];
    const seen = new Set<string>();
    const health = (target: ExporterTarget, exportPath: string | undefined) => {
      if (seen.has(target.label)) return;
      seen.add(target.label);
      parts.push({
        probe: `health ${target.label}`,
        run: async (signal) => {
          const { address } = await resolveHost(target.host);
          const report = await this.probes.health(address, target.label, {
            // Within the part's deadline, so that a silent server is reported down (TIMEOUT) rather than cut off.
            timeoutMs: Math.min(timeoutMs, Math.ceil(deadlineMs * 0.8)),
            signal,
            ...(exportPath === undefined ? {} : { exportPath }),
            ...(target.rpcbindPort === undefined ? {} : { rpcbindPort: target.rpcbindPort }),
          });
          this.metrics.recordHealth(target.label, report);
          return { health: report };
        },
        failed: () => this.metrics.recordHealthFailure(target.label),
      });
    };
    for (const pair of this.options.pairs) {
      const exportPath = pair.exports?.[0];
      health(pair.a, exportPath);
      health(pair.b, exportPath);
      if (pair.floating !== undefined) health(pair.floating, exportPath);
      const exports = [...(pair.exports ?? [])];
      // A snapshot takes several steps one after another: each gets a sixth of the deadline at most, so that a dead
      // server's snapshot completes (with its failures recorded) within the deadline; so does each portability call.
      const stepMs = Math.min(timeoutMs, Math.max(1, Math.floor(deadlineMs / 6)));
      const port = (t: ExporterTarget) => (t.rpcbindPort === undefined ? {} : { rpcbindPort: t.rpcbindPort });
      const snap = (t: ExporterTarget) =>
        this.probes
          .snapshot(t.host, { timeoutMs: stepMs, exports, ...port(t) })
          .then((s) => selectTargets(s, exports, []));
      parts.push({
        probe: `compare ${pair.name}`,
        run: async () => {
          const [sa, sb] = await Promise.all([snap(pair.a), snap(pair.b)]);
          // As `compare` does: a B that answered nothing gets no portability probes (each would wait its timeout).
          const reachable = sb.programs !== null || sb.targets.length > 0;
          const portability =
            reachable && this.probes.portability !== undefined
              ? await this.probes.portability(pair.b.host, sa, { timeoutMs: stepMs, ...port(pair.b) })
              : undefined;
          const comparison = compareSnapshots(sa, sb, pair.a.label, pair.b.label, {
            mode: 'parity',
            ...(portability === undefined ? {} : { portability }),
          });
          this.metrics.recordCompare(pair.name, comparison, { a: sa.nsm.state, b: sb.nsm.state });
          return { compare: comparison };
        },
      });
    }
    const stateDir = this.options.stateDir;
    if (stateDir !== undefined) {
      parts.push({
        probe: 'clients',
        run: async (signal) => {
          const reports = await this.probes.clients({ directory: stateDir, timeoutMs, signal });
          this.metrics.recordClients(reports);
          return { clients: reports };
        },
      });
    }
    return parts;
  }

  /** Run one part under its own deadline; its metrics are written only when it completes in time. */
  private async runPart(part: Part): Promise<void> {
    const started = performance.now();
    const deadline = new AbortController();
    setMaxListeners(0, deadline.signal);
    const onStop = () => deadline.abort();
    this.stopping.signal.addEventListener('abort', onStop, { once: true });
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => deadline.abort(), this.options.deadlineMs);
      deadline.signal.addEventListener('abort', () =>
        reject(new DeadlineError(`no result within the ${this.options.deadlineMs} ms deadline`)),
      );
    });
    expired.catch(() => {});
    const previous = this.results.get(part.probe)!;
    try {
      const value = await Promise.race([part.run(deadline.signal), expired]);
      const durationMs = performance.now() - started;
      const completedAt = Date.now();
      this.metrics.recordRun(part.probe, durationMs / 1000, completedAt);
      this.results.set(part.probe, { probe: part.probe, durationMs, completedAt, ...value });
    } catch (error) {
      const durationMs = performance.now() - started;
      part.failed?.();
      this.metrics.recordRun(part.probe, durationMs / 1000);
      const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
      const { error: _, ...last } = previous;
      this.results.set(part.probe, { ...last, durationMs, error: message });
    } finally {
      clearTimeout(timer);
      this.stopping.signal.removeEventListener('abort', onStop);
      deadline.abort();
    }
  }

  /** One cycle: every part concurrently. Resolves when all completed or gave up. Does not overlap a running cycle. */
  runCycle(): Promise<void> {
    if (this.running !== undefined) return this.running;
    this.cycles++;
    this.running = Promise.all(this.parts.map((p) => this.runPart(p))).then(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Cycle every interval until stop(). The first cycle starts at once. */
  start(): void {
    const loop = async () => {
      const started = Date.now();
      await this.runCycle();
      if (this.stopping.signal.aborted) return;
      const wait = Math.max(0, this.options.intervalMs - (Date.now() - started));
      this.timer = setTimeout(loop, wait);
    };
    void loop();
  }

  /** Abort the running cycle and stop cycling; resolves once the cycle gave up. */
  async stop(): Promise<void> {
    this.stopping.abort();
    clearTimeout(this.timer);
    await this.running;
  }

  /** The last result of every part, in probe order. */
  state(): { cycles: number; parts: PartResult[] } {
    return { cycles: this.cycles, parts: this.parts.map((p) => this.results.get(p.probe)!) };
  }
}
